package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/wire"
)

// demoEnvNames are the shell variables of the demo credentials in the file
// writeDemoEnv writes, by kind: the README's examples use these names.
var demoEnvNames = map[auth.Kind]string{
	auth.KindAdmin:      "ADMIN",
	auth.KindSettlement: "SETT",
	auth.KindPartner:    "PART",
	auth.KindPOS:        "POS",
	auth.KindSeller:     "SELLER",
}

// writeDemoEnv writes the demo's URL, credentials (user:secret, for curl -u)
// and ids as shell assignments to path (mode 0600: it holds secrets), so
// that `source .local/demo.env` makes the README's examples copyable; the
// secrets derive from SECRET_KEY and differ per installation.
func writeDemoEnv(path string, d *wire.Demo, base string) error {
	var b strings.Builder
	b.WriteString("# Written by `loyaltygraph demo` (make run): the demo's URL, credentials and ids.\n")
	b.WriteString("# Use: source .local/demo.env   (then curl -u $SETT $B/api/v1/merchants)\n")
	assign := func(name, value string) {
		fmt.Fprintf(&b, "%s=%s\n", name, shellQuote(value))
	}
	assign("B", strings.TrimSuffix(base, "/"))
	for _, c := range d.Credentials {
		name, ok := demoEnvNames[c.Kind]
		if !ok {
			continue
		}
		assign(name, c.Username+":"+c.Secret)
		if c.Kind == auth.KindSeller {
			assign("SELLER_SECRET", c.Secret)
		}
	}
	assign("DEMOUSER", d.UserID)
	assign("CKEMAIL", d.CheckoutEmail)
	assign("CKPW", d.CheckoutPassword)
	tmp := path + ".tmp"
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
