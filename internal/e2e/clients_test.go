// Package e2e_test drives the service with unmodified npm clients
// (e2e/clients.mjs: graphql-request, graphql-ws, graphql-sse) as a partner's
// or an admin's own code would. The browser checks (GraphiQL, /docs) are
// `make e2e` (scripts/e2e.sh, e2e/browser.mjs).
package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"loyaltygraph/app/live"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/user"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/store/postgres"
	"loyaltygraph/store/redis"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// npmClients returns node and the e2e/ directory whose node_modules holds
// the clients. Without node the test is skipped locally and fails in CI
// (CI set); missing modules always fail: scripts/test.sh installs them.
func npmClients(t *testing.T) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node is not installed: the npm-client test needs Node.js 20 or later")
		}
		t.Skip("node is not installed: skipping the npm-client test (it fails in CI)")
	}
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(root, "e2e")
	for _, pkg := range []string{"graphql-request", "graphql-ws", "graphql-sse", "ws"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("e2e/node_modules/%s is missing: run `make test` (scripts/test.sh runs npm ci in e2e/) or `cd e2e && npm ci`", pkg)
		}
	}
	return node, dir
}

// step is one JSON line of clients.mjs.
type step map[string]any

func (s step) str(key string) string { v, _ := s[key].(string); return v }

// TestNPMClients: against the real service on a real port, the npm clients,
// unmodified,
//   - query (merchants as an admin, with the merchant made here) and mutate
//     (createMerchant, which then exists);
//   - receive a GraphQL error with its extensions.code (FORBIDDEN for a
//     partner listing merchants) as graphql-request's ClientError;
//   - see a subscription with a bad token refused (graphql-ws: close 4403);
//   - log a partner's user in (requestUserToken, the OTP read back by an
//     admin from sentMessages, verifyUserToken) and read viewer with the
//     access token;
//   - receive receiptAdded over graphql-ws (graphql-transport-ws, the user's
//     token in connection_init) and over graphql-sse (the partner, for its
//     user), both for the receipt that the till then posts.
func TestNPMClients(t *testing.T) {
	node, dir := npmClients(t)
	ctx := context.Background()
	a := testenv.App(t)
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	t.Cleanup(a.Streams.Close) // before the server waits for its connections

	db := testenv.DB(t)
	merchant := "m" + ids.LowerAlnum(10)
	if _, err := db.Pool.Exec(ctx, `INSERT INTO merchants (merchant_id, name) VALUES ($1, 'Ærø Bageri')`, merchant); err != nil {
		t.Fatal(err)
	}
	posCred, err := a.Auth.CreatePOSCredential(ctx, "till 1", merchant)
	if err != nil {
		t.Fatal(err)
	}
	adminCred := testenv.Credential(t, a, auth.KindAdmin)
	partnerCred := testenv.Credential(t, a, auth.KindPartner)
	partner, err := a.Auth.AuthenticateBasic(ctx, partnerCred.Username, partnerCred.Secret)
	if err != nil {
		t.Fatal(err)
	}

	// A user of the partner with a card of token tok-npm.
	const cardToken = "tok-npm"
	phone := fmt.Sprintf("4522%06d", time.Now().UnixNano()%1000000)
	now := time.Now().UTC()
	u := &user.User{ID: ids.New(), Provider: user.Provider{ID: partner.CredentialID}, Phone: phone, MemberID: ids.LowerAlnum(8),
		CreatedAt: now, UpdatedAt: now}
	sealed, err := a.Keys.Seal([]byte(cardToken))
	if err != nil {
		t.Fatal(err)
	}
	card := &user.Card{ID: ids.New(), TruncatedPAN: "457100XXXXXX0001", SealedToken: sealed,
		TokenHash: a.Keys.LookupHash([]byte(cardToken)), CreatedAt: now}
	if err := postgres.NewUserStore(db, nil, nil).CreateUser(ctx, u, card, nil); err != nil {
		t.Fatal(err)
	}

	runCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(runCtx, node, "clients.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"LG_E2E_URL="+srv.URL,
		"LG_E2E_ADMIN="+testenv.BasicAuth(adminCred.Username, adminCred.Secret),
		"LG_E2E_PARTNER="+testenv.BasicAuth(partnerCred.Username, partnerCred.Secret),
		"LG_E2E_POS="+testenv.BasicAuth(posCred.Username, posCred.Secret),
		"LG_E2E_MERCHANT="+merchant,
		"LG_E2E_PHONE="+phone,
		"LG_E2E_USER_ID="+u.ID,
		"LG_E2E_CARD_TOKEN="+cardToken,
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	steps := map[string]step{}
	var transcript strings.Builder
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		transcript.Write(line)
		transcript.WriteByte('\n')
		var s step
		if err := json.Unmarshal(line, &s); err != nil {
			t.Errorf("clients.mjs printed a line that is not JSON: %s", line)
			continue
		}
		name := s.str("step")
		steps[name] = s
		if name == "subscribed" {
			// graphql-transport-ws and SSE acknowledge no subscription:
			// the go-ahead comes once the server holds both.
			waitActive(t, a.Live, &auth.Principal{Kind: auth.KindUser, UserID: u.ID, ProviderID: partner.CredentialID})
			waitActive(t, a.Live, partner)
			if _, err := io.WriteString(stdin, "go\n"); err != nil {
				t.Fatal(err)
			}
		}
	}
	err = cmd.Wait()
	t.Logf("node clients.mjs ran in %s:\n%s", time.Since(start).Round(time.Millisecond), transcript.String())
	if err != nil || steps["done"] == nil {
		t.Fatalf("node clients.mjs: %v\nstderr:\n%s", err, stderr.String())
	}

	// The query saw the merchant made here.
	q := steps["query"]
	if q == nil || !strings.Contains(fmt.Sprint(q["merchantIds"]), merchant) {
		t.Errorf("query: %v, want merchant %s among merchantIds", q, merchant)
	}
	// The mutation made a merchant, which exists.
	mu := steps["mutation"]
	m, _ := mu["merchant"].(map[string]any)
	id, _ := m["merchantId"].(string)
	if id == "" || m["merchantName"] != "npm client Ærø" || m["merchantStatus"] != "ACTIVE" {
		t.Errorf("mutation: %v", mu)
	} else {
		var name string
		if err := db.Pool.QueryRow(ctx, `SELECT name FROM merchants WHERE merchant_id = $1`, id).Scan(&name); err != nil || name != "npm client Ærø" {
			t.Errorf("merchant %s after createMerchant: %q, %v", id, name, err)
		}
	}
	// The error: FORBIDDEN, on the merchants field.
	if e := steps["graphqlError"]; e == nil || e["code"] != "FORBIDDEN" || !strings.Contains(fmt.Sprint(e["path"]), "merchants") {
		t.Errorf("graphqlError: %v, want extensions.code FORBIDDEN at merchants", e)
	}
	// The login: viewer is the user.
	viewer, _ := steps["login"]["viewer"].(map[string]any)
	if viewer["userId"] != u.ID || viewer["phoneNumber"] != phone {
		t.Errorf("login: viewer %v, want user %s (%s)", viewer, u.ID, phone)
	}
	// graphql-ws reports the refusal of a bad token as the close code 4403.
	if r := steps["wsRefused"]; r == nil || r["code"] != float64(4403) {
		t.Errorf("wsRefused: %v, want close code 4403", r)
	}
	// Both subscriptions received the receipt the till posted.
	r := steps["receipt"]
	receiptID := r.str("receiptId")
	if r == nil || receiptID == "" {
		t.Fatalf("receipt: %v", r)
	}
	got := steps["receiptAdded"]
	for _, via := range []string{"ws", "sse"} {
		ev, _ := got[via].(map[string]any)
		data, _ := ev["data"].(map[string]any)
		ra, _ := data["receiptAdded"].(map[string]any)
		if ra["receiptId"] != receiptID || !strings.Contains(fmt.Sprint(ra["merchant"]), merchant) {
			t.Errorf("receiptAdded over %s: %v, want receipt %s of merchant %s", via, ev, receiptID, merchant)
		}
	}
	var owner string
	if err := db.Pool.QueryRow(ctx, `SELECT user_id FROM receipt_users WHERE receipt_id = $1`, receiptID).Scan(&owner); err != nil || owner != u.ID {
		t.Errorf("receipt %s belongs to %q (%v), want %s", receiptID, owner, err, u.ID)
	}
}

// waitActive waits until p holds one open subscription.
func waitActive(t *testing.T, l *redis.LiveFeed, p *auth.Principal) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := l.Active(context.Background(), live.Holder(p))
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %d subscriptions, want 1", live.Holder(p), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
