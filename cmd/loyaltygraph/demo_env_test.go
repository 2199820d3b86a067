package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"loyaltygraph/internal/testenv"
)

// TestDemoWritesTheEnvFileTheReadmeSources: issue 12 point 5. With
// LG_DEMO_ENV_FILE (make run sets .local/demo.env), the demo writes the
// values the README's examples use, as the shell reads them back, readable
// by its owner only.
func TestDemoWritesTheEnvFileTheReadmeSources(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "demo.env")
	e := testEnv(t).with("LG_DEMO_ENV_FILE", path)
	out := mustRun(t, e, "demo")
	if !strings.Contains(out, "source "+path) {
		t.Errorf("the demo does not say where the file is:\n%s", out)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("demo.env mode %v, want 0600 (it holds secrets)", st.Mode().Perm())
	}
	sh := exec.Command("bash", "-c", `set -u; source "$1"; printf '%s\n' "$B" "$ADMIN" "$SETT" "$PART" "$POS" "$SELLER" "$SELLER_SECRET" "$DEMOUSER" "$CKEMAIL" "$CKPW"`, "bash", path)
	got, err := sh.CombinedOutput()
	if err != nil {
		t.Fatalf("source demo.env: %v\n%s", err, got)
	}
	vals := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	creds, _ := parseDemo(t, out)
	want := []string{e.getenv("PUBLIC_BASE_URL")}
	for _, u := range []string{"demo-admin", "demo-settlement", "demo-partner", "demo-pos", "demo-seller"} {
		c, ok := creds[u]
		if !ok {
			t.Fatalf("the demo printed no %s:\n%s", u, out)
		}
		want = append(want, c.username+":"+c.secret)
	}
	want = append(want, creds["demo-seller"].secret)
	if len(vals) != 10 {
		t.Fatalf("demo.env gives %d values, want 10:\n%s", len(vals), got)
	}
	for i, w := range want {
		if w != "" && vals[i] != strings.TrimSuffix(w, "/") {
			t.Errorf("value %d is %q, want %q", i, vals[i], w)
		}
	}
	for i, v := range vals[7:] {
		if v == "" {
			t.Errorf("demo.env value %d (user, checkout e-mail or password) is empty", 7+i)
		}
	}
}

// TestDemoPublishesTerms: a fresh make run answers GET
// /receipt-data/v1/terms (en and da), once however often the demo loads.
func TestDemoPublishesTerms(t *testing.T) {
	e := testEnv(t)
	mustRun(t, e, "demo")
	mustRun(t, e, "demo")
	var langs []string
	rows, err := testenv.DB(t).Pool.Query(context.Background(), `SELECT lang FROM terms ORDER BY lang`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		langs = append(langs, l)
	}
	if strings.Join(langs, ",") != "da,en" {
		t.Errorf("terms after two demo loads: %v, want da and en once each", langs)
	}
}

// TestHelpNamesEverySetting: `loyaltygraph help` lists every environment
// variable the configuration reads (a new setting without its line fails).
func TestHelpNamesEverySetting(t *testing.T) {
	var src strings.Builder
	for _, f := range []string{"config.go", "main.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	names := regexp.MustCompile(`"([A-Z][A-Z0-9]*_[A-Z0-9_]+|[A-Z]{4,}_?[A-Z]*)"`).FindAllStringSubmatch(src.String(), -1)
	seen := map[string]bool{}
	for _, m := range names {
		n := m[1]
		if seen[n] || n == "CARD" || !strings.Contains(n, "_") {
			continue
		}
		seen[n] = true
		if !regexp.MustCompile(`(?m)^  (.*, )?` + n + `\b`).MatchString(usage) {
			t.Errorf("loyaltygraph help does not list %s", n)
		}
	}
	if len(seen) < 30 {
		t.Fatalf("found only %d settings in config.go and main.go; the scan is broken", len(seen))
	}
}
