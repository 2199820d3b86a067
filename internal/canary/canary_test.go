// Package canary_test posts canary card numbers to every input the service
// has (REST User API and Settlement API, transaction ingestion in JSON and
// CSV, GraphQL mutations, headers, query strings, paths) and then greps a
// pg_dump of the package's database, every Redis value under its prefix and
// the captured log: no full card number may be found (DESIGN "PAN guard").
package canary_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The canaries: Visa test numbers of 16 and 19 digits, and the 16-digit one
// in the grouped forms people type.
const (
	c16 = "4111111111111111"
	c19 = "4000000000000000006"
	c15 = "378282246310005"
)

// BankAxept card numbers (prefix 957852, not in the 2-6 ranges that
// panlog masks): the formula's number and seed 001's example, which fails
// Luhn and is refused.
const (
	bax     = "957852111111111113"
	baxSeed = "957852111111111119"
	// cSCA is entered only in the card frame with SCA on: it waits, sealed
	// and without its number, in Redis.
	cSCA = "5105105105105100"
)

var canaries = []string{c16, c19, c15, "4111 1111 1111 1111", "4111-1111-1111-1111", bax, baxSeed, cSCA}

// variants are the forms a canary is posted in; each field gets each.
var variants = []string{c16, c19, "4111 1111 1111 1111", "4111-1111-1111-1111", "id-" + c16, c15}

type sweep struct {
	t        *testing.T
	app      *wire.App
	partner  string
	settle   string
	admin    string
	statuses map[string]int // "METHOD path field" -> status, for failure reports
	fivexx   []string
}

func (s *sweep) send(method, path, contentType, body string, headers ...string) *httptest.ResponseRecorder {
	s.t.Helper()
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	var req *http.Request
	if rd != nil {
		req = httptest.NewRequest(method, path, rd)
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	s.app.Handler.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		s.fivexx = append(s.fivexx, fmt.Sprintf("%s %s: %d %s", method, path, rec.Code, rec.Body))
	}
	return rec
}

func (s *sweep) json(authz, method, path string, body any, headers ...string) *httptest.ResponseRecorder {
	s.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		s.t.Fatal(err)
	}
	return s.send(method, path, "application/json", string(b), append(headers, "Authorization", authz)...)
}

// must sends a clean request that has to succeed, so that the variants
// around it reach real code.
func (s *sweep) must(authz, method, path string, body any, want int) *httptest.ResponseRecorder {
	s.t.Helper()
	rec := s.json(authz, method, path, body)
	if rec.Code != want {
		s.t.Fatalf("%s %s: %d %s, want %d", method, path, rec.Code, rec.Body, want)
	}
	return rec
}

// fields posts template once per string field and canary variant, with the
// field replaced by the canary, then the clean template itself (so that
// the route stores what it stores).
func (s *sweep) fields(authz, method, path string, template map[string]any) {
	s.t.Helper()
	defer func() { s.statuses[method+" "+path+" clean"] = s.json(authz, method, path, template).Code }()
	keys := make([]string, 0, len(template))
	for k := range template {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := template[k].(string); !ok {
			continue
		}
		for _, v := range variants {
			body := make(map[string]any, len(template))
			for kk, vv := range template {
				body[kk] = vv
			}
			body[k] = v
			rec := s.json(authz, method, path, body)
			s.statuses[method+" "+path+" "+k] = rec.Code
		}
	}
}

// gql posts one GraphQL operation per canary variant in variable v.
func (s *sweep) gql(authz, query string, vars func(v string) map[string]any) {
	s.t.Helper()
	for _, v := range variants {
		s.json(authz, "POST", "/graphql", map[string]any{"query": query, "variables": vars(v)})
	}
}

func TestCanaryCardNumbersReachNoStorageNorLog(t *testing.T) {
	logs := &testenv.LogBuffer{}
	app := testenv.AppWith(t, wire.Options{Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), SCADevIssuer: true})
	p := testenv.Credential(t, app, auth.KindPartner)
	st := testenv.Credential(t, app, auth.KindSettlement)
	ad := testenv.Credential(t, app, auth.KindAdmin)
	s := &sweep{t: t, app: app, statuses: map[string]int{},
		partner: testenv.BasicAuth(p.Username, p.Secret), settle: testenv.BasicAuth(st.Username, st.Secret),
		admin: testenv.BasicAuth(ad.Username, ad.Secret)}

	// A webhook receiver, so that user events are written to the outbox
	// and delivered.
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer hooks.Close()
	for _, typ := range []string{"USER_CREATED", "USER_UPDATED", "USER_DELETED", "CARD_CREATED"} {
		s.must(s.partner, "POST", "/graphql", map[string]any{"query": `mutation($t: NotificationType!, $u: String!) { setNotificationEndpoint(input: {type: $t, url: $u}) { userErrors { field } } }`,
			"variables": map[string]any{"t": typ, "u": hooks.URL + "/h"}}, http.StatusOK)
	}

	// --- User API (REST) ---
	s.fields(s.partner, "POST", "/api/v1/signup/card", map[string]any{"phonenumber": "4520001001", "truncatedPan": "457100XXXXXX0001", "token": "tok-canary-1", "payment": true, "storeId": "SB-1"})
	s.fields(s.partner, "POST", "/api/v1/signup/token", map[string]any{"phonenumber": "4520001002", "token": "tok-canary-2", "tokenType": "VISA", "truncatedPan": "457100XXXXXX0002"})
	s.fields(s.partner, "POST", "/api/v1/signup", map[string]any{"phonenumber": "4520001003", "memberId": "member-1003", "smsType": 1})
	s.fields(s.partner, "POST", "/api/v1/users/token", map[string]any{"phonenumber": "4520001001"})
	s.fields(s.partner, "POST", "/api/v1/otp/validate", map[string]any{"phonenumber": "4520001003", "otp": "123456"})
	s.fields(s.partner, "POST", "/api/v1/authenticate", map[string]any{"phonenumber": "4520001004"})
	s.fields(s.partner, "POST", "/api/v1/authenticate/verify", map[string]any{"phonenumber": "4520001004", "otp": "123456"})
	// A real user: signup with a link, verify, then update and delete.
	s.must(s.partner, "POST", "/api/v1/signup/card", map[string]any{"phonenumber": "4520001010", "truncatedPan": "457100XXXXXX0010", "token": "tok-canary-10"}, http.StatusAccepted)
	code := s.linkCode("4520001010")
	s.fields(s.partner, "POST", "/api/v1/linkcode/"+code+"/verify", map[string]any{"memberId": "member-1010"})
	var user struct{ UserID string }
	user.UserID = s.userID("4520001010")
	path := "/api/v1/users/" + user.UserID
	s.fields(s.partner, "PUT", path, map[string]any{"phonenumber": "4520001011", "phonenumberValid": true})
	for _, v := range variants {
		for _, parms := range [][]map[string]string{{{"name": "card", "value": v}}, {{"name": v, "value": "x"}}} {
			s.json(s.partner, "PUT", path, map[string]any{"parms": parms})
		}
	}
	s.must(s.partner, "PUT", path, map[string]any{"parms": []map[string]string{{"name": "age", "value": "42"}}}, http.StatusOK)
	for _, v := range variants {
		pv := url.PathEscape(v)
		s.json(s.partner, "GET", "/api/v1/users/"+pv, nil)
		s.json(s.partner, "PUT", "/api/v1/users/"+pv, map[string]any{"parms": []any{}})
		s.json(s.partner, "DELETE", "/api/v1/users/"+pv, nil)
		s.json(s.partner, "GET", "/api/v1/linkcode/"+pv, nil)
		s.json(s.partner, "POST", "/api/v1/linkcode/"+pv+"/verify", map[string]any{})
		s.send("GET", "/api/v1/signup/terms?linkCode="+url.QueryEscape(v), "", "")
		s.send("POST", "/api/v1/signup/terms", "application/x-www-form-urlencoded", "linkCode="+url.QueryEscape(v), "Sec-Fetch-Site", "same-origin")
	}
	// The end user's own token header.
	for _, v := range variants {
		s.send("GET", path, "", "", "X-Storebox-user-token", v)
	}

	// --- Settlement API (REST) ---
	s.must(s.settle, "POST", "/api/v1/merchants", map[string]any{"merchantId": "cm1", "merchantName": "Canary shop"}, http.StatusCreated)
	s.fields(s.settle, "POST", "/api/v1/merchants", map[string]any{"merchantId": "cm2", "merchantName": "Shop two", "merchantStatus": "active"})
	s.fields(s.settle, "PATCH", "/api/v1/merchants/cm1", map[string]any{"merchantName": "Renamed"})
	shares := func(m map[string]any) map[string]any {
		m["userShare"], m["userShareType"], m["providerShare"], m["providerShareType"] = 5, "percentage", 1, "percentage"
		return m
	}
	s.must(s.settle, "POST", "/api/v1/companies", shares(map[string]any{"companyId": "cc1", "merchantId": "cm1", "name": "Co", "companyRegistrationNumber": "12345678"}), http.StatusCreated)
	s.fields(s.settle, "POST", "/api/v1/companies", shares(map[string]any{"companyId": "cc2", "merchantId": "cm1", "name": "Co", "companyRegistrationNumber": "12345679"}))
	s.fields(s.settle, "PATCH", "/api/v1/companies/cc1", map[string]any{"name": "Co 2", "companyRegistrationNumber": "12345670"})
	s.must(s.settle, "POST", "/api/v1/stores", shares(map[string]any{"storeId": "cs1", "merchantId": "cm1", "storeNumber": "4611721", "name": "Store"}), http.StatusCreated)
	s.fields(s.settle, "POST", "/api/v1/stores", shares(map[string]any{"storeId": "cs2", "merchantId": "cm1", "storeNumber": "4611722", "name": "Store"}))
	s.fields(s.settle, "PATCH", "/api/v1/stores/cs1", map[string]any{"storeNumber": "4611723", "name": "Store 2"})
	s.must(s.settle, "POST", "/api/v1/categories", shares(map[string]any{"categoryId": "ccat1", "merchantId": "cm1", "name": "Cat"}), http.StatusCreated)
	s.fields(s.settle, "POST", "/api/v1/categories", shares(map[string]any{"categoryId": "ccat2", "merchantId": "cm1", "name": "Cat", "storeNumber": "4611721"}))
	s.fields(s.settle, "PATCH", "/api/v1/categories/ccat1", map[string]any{"name": "Cat 2"})
	s.must(s.settle, "POST", "/api/v1/products", map[string]any{"productId": "cp1", "categoryId": "ccat1", "name": "Milk", "productNumber": "5701234567896"}, http.StatusCreated)
	s.fields(s.settle, "POST", "/api/v1/products", map[string]any{"productId": "cp2", "categoryId": "ccat1", "name": "Milk", "productNumber": "5701234567897"})
	for _, v := range variants {
		s.json(s.settle, "POST", "/api/v1/categories/ccat1/products", []map[string]any{{"productId": "cpx", "name": "x", "productNumber": v}})
	}
	campaign := shares(map[string]any{"campaignId": "ccp1", "merchantId": "cm1", "name": "Summer", "campaignStart": "2030-01-01T00:00:00Z", "campaignEnd": "2030-02-01T00:00:00Z"})
	s.must(s.settle, "POST", "/api/v1/campaigns", campaign, http.StatusCreated)
	campaign["campaignId"] = "ccp2"
	campaign["storeNumber"], campaign["productNumber"] = "4611721", "5701234567896"
	s.fields(s.settle, "POST", "/api/v1/campaigns", campaign)
	s.fields(s.settle, "PATCH", "/api/v1/campaigns/ccp1", map[string]any{"name": "Winter"})
	s.fields(s.settle, "POST", "/api/v1/derivedshares", map[string]any{"derivedShareId": "cds1", "merchantId": "cm1", "share": 5, "derivedShare": 1, "derivedShareType": "percentage"})
	s.fields(s.settle, "POST", "/api/v1/blockedproducts", map[string]any{"productId": "cb1", "name": "Tobacco", "productNumber": "5701234567898"})
	for _, v := range variants {
		s.json(s.settle, "POST", "/api/v1/blockedproducts/bulk", []map[string]any{{"productId": "cb2", "name": v, "productNumber": "1"}})
		s.json(s.settle, "PUT", "/api/v1/merchants/cm1/derivedshares", []map[string]any{{"derivedShareId": v, "share": 5, "derivedShare": 1, "derivedShareType": "percentage"}})
		pv, qv := url.PathEscape(v), url.QueryEscape(v)
		for _, p := range []string{"/api/v1/merchants/", "/api/v1/companies/", "/api/v1/stores/", "/api/v1/categories/", "/api/v1/campaigns/",
			"/api/v1/derivedshares/", "/api/v1/transactions/", "/api/v1/settlements/", "/api/v1/invoices/"} {
			s.json(s.settle, "GET", p+pv, nil)
		}
		s.json(s.settle, "DELETE", "/api/v1/products/"+pv, nil)
		s.json(s.settle, "DELETE", "/api/v1/blockedproducts/"+pv, nil)
		s.json(s.settle, "GET", "/api/v1/settlements?startdate="+qv+"&enddate=2030-01-01&merchant="+qv, nil)
		s.json(s.settle, "GET", "/api/v1/merchants?offset="+qv+"&x="+qv, nil)
		s.send("POST", "/api/v1/merchants/settle?externalMerchantId="+qv, "", "", "Authorization", s.settle)
	}

	// Transaction ingestion, JSON and CSV, one variant per field.
	tx := map[string]any{"transactionId": "ct-1", "amount": "10.00", "currency": "DKK", "transactionDateTime": "2024-05-18T08:00:00Z",
		"cardAcceptorId": "4611721", "companyRegistrationNumber": "12345678", "cardToken": "tok-canary-10",
		"truncatedCardNumber": "457100XXXXXX0010", "cardType": "VISA", "approvalCode": "123456", "cardAcceptorTerminalId": "T1",
		"systemTraceAuditNumber": "000123", "retrievalReferenceNumber": "200101110011"}
	s.must(s.settle, "POST", "/api/v1/transactions/batches", map[string]any{"transactions": []any{tx}}, http.StatusCreated)
	names := []string{"transactionId", "currency", "cardAcceptorId", "companyRegistrationNumber", "truncatedCardNumber", "cardType",
		"approvalCode", "cardAcceptorTerminalId", "systemTraceAuditNumber", "retrievalReferenceNumber"}
	for i, name := range names {
		for j, v := range variants {
			t2 := map[string]any{}
			for k, vv := range tx {
				t2[k] = vv
			}
			t2["transactionId"] = fmt.Sprintf("ct-%d-%d", i, j)
			t2[name] = v
			s.json(s.settle, "POST", "/api/v1/transactions/batches", map[string]any{"transactions": []any{t2}})
			s.json(s.settle, "POST", "/api/v1/transactions/batches", []any{t2})
			var csv strings.Builder
			cols := append([]string(nil), names...)
			csv.WriteString(strings.Join(append(cols, "amount", "transactionDateTime"), ",") + "\n")
			for _, c := range cols {
				fmt.Fprintf(&csv, "%q,", t2[c])
			}
			csv.WriteString("10.00,2024-05-18T08:00:00Z\n")
			s.send("POST", "/api/v1/transactions/batches", "text/csv", csv.String(), "Authorization", s.settle)
		}
	}
	s.send("POST", "/api/v1/settlements/batches", "", "", "Authorization", s.settle)
	s.send("POST", "/api/v1/merchants/settle", "", "", "Authorization", s.settle)

	// --- GraphQL ---
	s.gql(s.partner, `mutation($v: String!) { signupWithCard(input: {phonenumber: "4520001020", truncatedPan: $v, token: "tg-1", storeId: $v}) { userErrors { field } } }`,
		func(v string) map[string]any { return map[string]any{"v": v} })
	s.gql(s.partner, `mutation($v: String!) { signupWithCardToken(input: {phonenumber: "4520001021", token: "tg-2", tokenType: $v, truncatedPan: $v}) { userErrors { field } } }`,
		func(v string) map[string]any { return map[string]any{"v": v} })
	s.gql(s.partner, `mutation($v: String!) { signup(input: {phonenumber: "4520001022", memberId: $v}) { userErrors { field } } }`,
		func(v string) map[string]any { return map[string]any{"v": v} })
	s.gql(s.partner, `mutation($u: ID!, $v: String!) { a: updateUser(userId: $u, input: {parms: [{name: "n", value: $v}]}) { userErrors { field } }
		b: updateUser(userId: $u, input: {parms: [{name: $v, value: "x"}]}) { userErrors { field } } }`,
		func(v string) map[string]any { return map[string]any{"u": user.UserID, "v": v} })
	s.gql(s.partner, `mutation($v: String!) { verifyLinkCode(linkCode: $v, memberId: $v) { userErrors { field } } }`,
		func(v string) map[string]any { return map[string]any{"v": v} })
	s.gql(s.partner, `mutation($v: String!) { validateOtp(phonenumber: $v, otp: $v) { userErrors { field } } }`,
		func(v string) map[string]any { return map[string]any{"v": v} })
	s.gql(s.partner, `mutation($v: String!) { requestUserToken(phonenumber: $v) { userErrors { field } } }`,
		func(v string) map[string]any { return map[string]any{"v": v} })
	s.gql(s.partner, `mutation($v: String!) { setPartnerSettings(input: {flow: STOREBOX, termsUrl: $v, landingUrl: $v}) { userErrors { field } } }`,
		func(v string) map[string]any {
			return map[string]any{"v": "https://p.example/?c=" + url.QueryEscape(v)}
		})
	s.gql(s.partner, `mutation($v: String!) { setNotificationEndpoint(input: {type: USER_DELETED, url: $v}) { userErrors { field } } }`,
		func(v string) map[string]any { return map[string]any{"v": hooks.URL + "/h/" + url.PathEscape(v)} })
	s.gql(s.settle, `mutation($v: String!) { createMerchant(input: {merchantId: $v, merchantName: $v}) { userErrors { field } } }`,
		func(v string) map[string]any { return map[string]any{"v": v} })
	s.gql(s.settle, `mutation($v: String!) { createCompany(input: {merchantId: "cm1", name: $v, companyRegistrationNumber: $v, userShare: "1", userShareType: PERCENTAGE, providerShare: "1", providerShareType: PERCENTAGE}) { userErrors { field } } }`,
		func(v string) map[string]any { return map[string]any{"v": v} })
	s.gql(s.settle, `mutation($v: String!) { ingestTransactions(transactions: [{transactionId: $v, amount: "1", currency: "DKK", transactionDateTime: "2024-05-18T08:00:00Z",
		cardAcceptorId: $v, companyRegistrationNumber: $v, truncatedCardNumber: $v, cardType: $v, approvalCode: $v, cardAcceptorTerminalId: $v}]) { userErrors { field } } }`,
		func(v string) map[string]any { return map[string]any{"v": v} })
	for _, v := range variants {
		s.json(s.admin, "POST", "/graphql", map[string]any{"query": `query($v: String!) { sentMessages(to: $v) { nodes { body } } }`, "variables": map[string]any{"v": v}})
		s.json(s.settle, "POST", "/graphql", map[string]any{"query": `query($v: ID!) { merchant(merchantId: $v) { merchantId } node(id: $v) { id } }`, "variables": map[string]any{"v": v}})
		// A GET with the card number in the query string.
		s.send("GET", "/graphql?query="+url.QueryEscape(`{ merchant(merchantId: "`+v+`") { merchantId } }`), "", "", "Authorization", s.settle)
	}

	// --- Headers and query strings on any route ---
	for _, v := range variants {
		s.send("GET", "/api/v1/merchants?card="+url.QueryEscape(v), "", "", "Authorization", s.settle, "X-Request-Id", strings.ReplaceAll(v, " ", "-"),
			"User-Agent", v, "X-Forwarded-For", v, "Referer", "https://x.example/"+v)
		s.send("GET", "/healthz", "", "", "X-Request-Id", strings.ReplaceAll(v, " ", ""))
		s.send("GET", "/api/v1/merchants", "", "", "Authorization", testenv.BasicAuth(v, v))
		s.send("GET", "/api/v1/merchants", "", "", "Authorization", "Bearer "+v)
		s.send("GET", "/api/v1/no/such/"+url.PathEscape(v), "", "")
		s.send("POST", "/api/v1/merchants", "text/plain", v, "Authorization", s.settle)
		s.send("POST", "/graphql", "application/json", `{"query": "{ `+v+` }"}`, "Authorization", s.settle)
	}

	// --- Cards (seed 001): the card frame and BankAxept ---
	s.cards(p, user.UserID)

	// Let the notification worker deliver what was written.
	time.Sleep(500 * time.Millisecond)
	if len(s.fivexx) > 0 {
		t.Errorf("%d requests answered 5xx, first: %s", len(s.fivexx), s.fivexx[0])
	}

	dump := s.pgDump()
	redisText := s.redisValues()
	logText := logs.String()
	if !strings.Contains(dump, "Renamed") || !strings.Contains(dump, "457100XXXXXX0010") || !strings.Contains(logText, `"request"`) {
		t.Fatalf("the sweep stored or logged nothing: dump %d bytes (shop %v, card %v), log %d bytes", len(dump),
			strings.Contains(dump, "Renamed"), strings.Contains(dump, "457100XXXXXX0010"), len(logText))
	}
	for _, where := range []struct{ name, text string }{{"pg_dump", dump}, {"Redis", redisText}, {"log", logText}} {
		for _, c := range canaries {
			if i := strings.Index(where.text, c); i >= 0 {
				from, to := max(i-200, 0), min(i+len(c)+200, len(where.text))
				t.Errorf("%s holds canary %q: …%s…", where.name, c, where.text[from:to])
			}
		}
	}
	if t.Failed() {
		t.Logf("statuses of the variants: %v", s.statuses)
	}
}

var linkCodeRe = regexp.MustCompile(`linkCode=([0-9a-z]+)`)

func (s *sweep) linkCode(phone string) string {
	s.t.Helper()
	testenv.WaitMessages(s.t) // messages to people go out through the outbox
	rec := s.must(s.admin, "POST", "/graphql", map[string]any{"query": `query($to: String!) { sentMessages(to: $to) { nodes { body } } }`, "variables": map[string]any{"to": phone}}, http.StatusOK)
	m := linkCodeRe.FindStringSubmatch(rec.Body.String())
	if m == nil {
		s.t.Fatalf("no link code for %s: %s", phone, rec.Body)
	}
	return m[1]
}

func (s *sweep) userID(phone string) string {
	s.t.Helper()
	rec := s.must(s.partner, "POST", "/graphql", map[string]any{"query": `query($p: String!) { userByPhone(phonenumber: $p) { userId } }`, "variables": map[string]any{"p": phone}}, http.StatusOK)
	var out struct {
		Data struct{ UserByPhone *struct{ UserID string } }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Data.UserByPhone == nil {
		s.t.Fatalf("user by phone: %s", rec.Body)
	}
	return out.Data.UserByPhone.UserID
}

// pgDump dumps the package database with pg_dump.
func (s *sweep) pgDump() string {
	s.t.Helper()
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_dump")
		sort.Strings(found)
		if len(found) == 0 {
			s.t.Fatal("pg_dump not found in PATH nor under /usr/lib/postgresql")
		}
		bin = found[len(found)-1]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--no-owner", "--no-privileges", testenv.DatabaseURL(s.t))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10")
	if err := cmd.Run(); err != nil {
		s.t.Fatalf("pg_dump: %v: %s", err, errOut.String())
	}
	return out.String()
}

// redisValues returns every key under the package prefix and its value,
// whatever its type.
func (s *sweep) redisValues() string {
	s.t.Helper()
	ctx := context.Background()
	rc := testenv.Redis(s.t)
	rdb := rc.Redis()
	var b strings.Builder
	iter := rdb.Scan(ctx, 0, rc.Key()+"*", 500).Iterator()
	n := 0
	for iter.Next(ctx) {
		key := iter.Val()
		n++
		b.WriteString(key + " = ")
		switch typ := rdb.Type(ctx, key).Val(); typ {
		case "string":
			b.WriteString(rdb.Get(ctx, key).Val())
		case "hash":
			fmt.Fprint(&b, rdb.HGetAll(ctx, key).Val())
		case "list":
			fmt.Fprint(&b, rdb.LRange(ctx, key, 0, -1).Val())
		case "set":
			fmt.Fprint(&b, rdb.SMembers(ctx, key).Val())
		case "zset":
			fmt.Fprint(&b, rdb.ZRangeWithScores(ctx, key, 0, -1).Val())
		case "stream":
			fmt.Fprint(&b, rdb.XRange(ctx, key, "-", "+").Val())
		default:
			fmt.Fprintf(&b, "(%s) %q", typ, rdb.Dump(ctx, key).Val())
		}
		b.WriteString("\n")
	}
	if err := iter.Err(); err != nil {
		s.t.Fatalf("scan redis: %v", err)
	}
	if n == 0 {
		s.t.Fatal("no Redis key under the test prefix: the sweep did not reach Redis")
	}
	return b.String()
}
