package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"loyaltygraph/internal/testenv"
)

// checkoutSession is the part of the checkout session JSON these tests read.
type checkoutSession struct {
	Token    string
	LoggedIn *struct{ Email string }
	Orders   []struct{ Order string }
	Errors   map[string]string
}

// TestCheckoutPasswordResetWithMakeRunAlone: with the settings of `make
// run` (LG_ENV=dev, no SMTP, no FRONTEND_BASE_URL), a person registers,
// logs out, reads the reset e-mail through sentMessages as the demo admin,
// sets a new password with its link, and logs in again.
func TestCheckoutPasswordResetWithMakeRunAlone(t *testing.T) {
	e := testEnv(t).with("LG_ENV", "dev", "SMS_SENDER", "")
	creds, _ := parseDemo(t, mustRun(t, e, "demo"))
	admin := creds["demo-admin"]
	s := startServer(t, e)
	const p = "/api/checkout"
	var sess checkoutSession
	r := s.do(t, "POST", p+"/register", map[string]any{"email": "person@example.com", "password": "my first password"})
	wantStatus(t, "register", r, http.StatusOK)
	r.json(t, &sess)
	tok := sess.Token
	wantStatus(t, "logout", s.do(t, "POST", p+"/logout", nil, "API-Token", tok), http.StatusOK)
	r = s.do(t, "POST", p+"/password-reset-email/person@example.com", map[string]any{"linkUri": "account/reset"}, "API-Token", tok)
	wantStatus(t, "reset e-mail", r, http.StatusOK)

	var link *url.URL
	for deadline := time.Now().Add(15 * time.Second); link == nil; {
		r = s.do(t, "POST", "/graphql", map[string]any{"query": `{ sentMessages(to: "person@example.com") { nodes { body } } }`},
			"Authorization", basicAuth(admin.username, admin.secret))
		var res struct {
			Data struct {
				SentMessages testenv.Nodes[struct{ Body string }]
			}
		}
		r.json(t, &res)
		if len(res.Data.SentMessages) > 0 {
			if m := regexp.MustCompile(`https?://\S+`).FindString(res.Data.SentMessages[0].Body); m != "" {
				link, _ = url.Parse(m)
			}
		}
		if link == nil && time.Now().After(deadline) {
			t.Fatalf("no reset e-mail in sentMessages: %s", r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.HasPrefix(link.String(), s.base+"/account/reset?") && !strings.HasPrefix(link.String(), "http://localhost") {
		t.Fatalf("reset link %s", link)
	}
	r = s.do(t, "POST", p+"/password-reset", map[string]any{"newPassword": "my second password",
		"i": link.Query().Get("i"), "id": link.Query().Get("id")}, "API-Token", tok)
	wantStatus(t, "reset", r, http.StatusOK)
	wantStatus(t, "logout", s.do(t, "POST", p+"/logout", nil, "API-Token", tok), http.StatusOK)
	r = s.do(t, "POST", p+"/login/person@example.com", map[string]any{"password": "my second password"}, "API-Token", tok)
	wantStatus(t, "login with the new password", r, http.StatusOK)
	r.json(t, &sess)
	if sess.LoggedIn == nil || sess.LoggedIn.Email != "person@example.com" || sess.Token != tok {
		t.Fatalf("login: %s", r.body)
	}
	s.stop(t)
}

func TestCheckoutImportOrdersCommand(t *testing.T) {
	e := testEnv(t)
	out := mustRun(t, e, "demo")
	m := regexp.MustCompile(`demo account (\S+) \(password (\S+)\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the demo output names no checkout account:\n%s", out)
	}
	email, password := m[1], m[2]

	dir := t.TempDir()
	file := filepath.Join(dir, "orders.json")
	order := `[{"email": "` + email + `", "order": "cli-1", "date": "2026-12-01 10:00:00", "currency": "SEK",
		"items": [{"item": "7-1", "quantity": 2, "priceEach": 99.5, "totalPrice": 199}],
		"totals": {"grandTotalPrice": 199}, "currencyFormat": {"suffix": " kr", "decimalPoint": ",", "decimalDigits": 2}}]`
	if err := os.WriteFile(file, []byte(order), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := mustRun(t, e, "checkout", "import-orders", file); got != "imported 1 orders\n" {
		t.Fatalf("import-orders printed %q", got)
	}
	// Bad files fail naming the order and field; missing files and usage.
	bad := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(bad, []byte(strings.Replace(order, email, "nobody@example.com", 1)), 0o600)
	if _, _, err := runCmd(t, e, "checkout", "import-orders", bad); err == nil || !strings.Contains(err.Error(), "orders[0].email") {
		t.Fatalf("import of an order of no account: %v", err)
	}
	if _, _, err := runCmd(t, e, "checkout", "import-orders", filepath.Join(dir, "missing.json")); err == nil {
		t.Fatal("import of a missing file succeeded")
	}
	if _, _, err := runCmd(t, e, "checkout", "import-orders"); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Fatalf("import without a file: %v", err)
	}

	// The demo account has its two demo orders and the imported one.
	s := startServer(t, e)
	r := s.do(t, "POST", "/api/checkout/login/"+email, map[string]any{"password": password})
	wantStatus(t, "login as the demo checkout account", r, http.StatusOK)
	var sess checkoutSession
	r.json(t, &sess)
	r = s.do(t, "POST", "/api/checkout/orders", nil, "API-Token", sess.Token)
	wantStatus(t, "orders", r, http.StatusOK)
	r.json(t, &sess)
	var ids []string
	for _, o := range sess.Orders {
		ids = append(ids, o.Order)
	}
	if strings.Join(ids, ",") != "cli-1,demo-575,demo-574" {
		t.Fatalf("orders of the demo account: %v\n%s", ids, r.body)
	}
	if !strings.Contains(string(r.body), "\"priceEach\":\"99,50\u00a0kr\"") {
		t.Fatalf("the imported order's price: %s", r.body)
	}
	s.stop(t)
}
