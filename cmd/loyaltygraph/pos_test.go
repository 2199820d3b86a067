package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/ids"
	"loyaltygraph/internal/testenv"
)

func TestCredentialsCreatePOSIsBoundToAnExistingMerchant(t *testing.T) {
	e := testEnv(t)
	db := testenv.DB(t)
	a := testenv.App(t)
	ctx := context.Background()
	merchantID := "m" + ids.LowerAlnum(10)
	if _, err := db.Pool.Exec(ctx, `INSERT INTO merchants (merchant_id, name) VALUES ($1, 'Till shop')`, merchantID); err != nil {
		t.Fatal(err)
	}
	name := "till " + ids.LowerAlnum(6)
	out := mustRun(t, e, "credentials", "create", "pos", name, "--merchant", merchantID)
	var c map[string]string
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("stdout %q: %v", out, err)
	}
	if c["kind"] != "pos" || c["merchantId"] != merchantID || !strings.HasPrefix(c["username"], "pos-") {
		t.Fatalf("credential %v", c)
	}
	p, err := a.Auth.AuthenticateBasic(ctx, c["username"], c["secret"])
	if err != nil || p.Kind != auth.KindPOS || p.MerchantID != merchantID {
		t.Fatalf("principal %+v, %v; want a pos of %s", p, err, merchantID)
	}

	count := func(name string) int {
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM credentials WHERE name = $1`, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tc := range []struct {
		what    string
		args    []string
		wantErr string
	}{
		{"unknown merchant", []string{"--merchant=nosuchmerchant"}, "does not exist"},
		{"no merchant", nil, "--merchant"},
		{"merchant for a partner", []string{"--merchant", merchantID}, "pos credentials only"},
	} {
		t.Run(tc.what, func(t *testing.T) {
			kind := "pos"
			if strings.Contains(tc.what, "partner") {
				kind = "partner"
			}
			name := "refused " + ids.LowerAlnum(6)
			stdout, _, err := runCmd(t, e, append([]string{"credentials", "create", kind, name}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || stdout != "" {
				t.Fatalf("err %v stdout %q, want an error naming %q", err, stdout, tc.wantErr)
			}
			if n := count(name); n != 0 {
				t.Fatalf("%d credentials stored", n)
			}
		})
	}
}
