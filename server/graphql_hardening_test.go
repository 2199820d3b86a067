package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
)

// fragmentBomb is about 1.2 KB at depth 30: each fragment spreads the next
// one twice, so the document expands to 2^30 fields.
func fragmentBomb(depth int) string {
	var b strings.Builder
	b.WriteString("query Bomb { ...F0 }\n")
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { __typename }\n", depth)
	return b.String()
}

func TestGraphQLFragmentBombRefusedQuickly(t *testing.T) {
	f := newFixture(t)
	q := fragmentBomb(30)
	for _, authz := range []string{"", f.admin} {
		start := time.Now()
		resp, res := f.gql(t, authz, q, nil)
		took := time.Since(start)
		if resp.Status != http.StatusBadRequest || len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "QUERY_TOO_LARGE" ||
			!strings.Contains(res.Errors[0].Message, "fragment spreads") {
			t.Fatalf("bomb of %d bytes: %d %s", len(q), resp.Status, resp.Body)
		}
		// Through the whole handler; the check itself is timed in
		// gqlhttp's TestLimitsRefuseFragmentBombFast.
		if took > time.Second {
			t.Fatalf("bomb refused after %v", took)
		}
		t.Logf("%d-byte bomb refused in %v", len(q), took)
	}
	// A cycle is refused before validation too.
	_, res := f.gql(t, "", `{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`, nil)
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "spreads itself") {
		t.Fatalf("cycle: %+v", res.Errors)
	}
}

func TestGraphQLAliasBombRefused(t *testing.T) {
	f := newFixture(t)
	var b strings.Builder
	b.WriteString("{")
	for i := range 1000 {
		fmt.Fprintf(&b, " m%d: merchants(first: 1) { totalCount }", i)
	}
	b.WriteString(" }")
	resp, res := f.gql(t, f.settlement, b.String(), nil)
	if resp.Status != http.StatusBadRequest || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "1000 aliases") {
		t.Fatalf("alias bomb: %d %s", resp.Status, resp.Body)
	}
	// Under the alias and root-field caps, each root list still costs a
	// query: 30 of them pass, as an ordinary dashboard would.
	b.Reset()
	b.WriteString("{")
	for i := range 30 {
		fmt.Fprintf(&b, " m%d: merchants(first: 1) { totalCount }", i)
	}
	b.WriteString(" }")
	_, res = f.gql(t, f.settlement, b.String(), nil)
	decodeData(t, res, &struct{}{})
}

func TestGraphQLManyDirectivesGiveABoundedAnswer(t *testing.T) {
	f := newFixture(t)
	q := "{ __typename" + strings.Repeat(" @skip", 2000) + " }"
	resp, res := f.gql(t, "", q, nil)
	if resp.Status != http.StatusBadRequest || len(res.Errors) != 1 || len(resp.Body) > 1024 {
		t.Fatalf("2,000 @skip: %d, %d errors, %d bytes", resp.Status, len(res.Errors), len(resp.Body))
	}
	// Under the directive cap, the validation errors are capped at 20
	// and a last one counts the rest.
	q = "{ __typename" + strings.Repeat(" @skip", 60) + " }"
	resp, res = f.gql(t, "", q, nil)
	if n := len(res.Errors); n != 21 || res.Errors[20].Extensions["code"] != "TOO_MANY_ERRORS" ||
		!strings.Contains(res.Errors[20].Message, "more not shown") {
		t.Fatalf("60 @skip: %d errors, %d bytes: %s", n, len(resp.Body), resp.Body)
	}
}

func TestGraphQLTooManyMutationFieldsRefused(t *testing.T) {
	f := newFixture(t)
	_, res := f.gql(t, f.settlement, createMerchant, map[string]any{"input": map[string]any{"merchantId": "keep", "merchantName": "Keep"}})
	decodeData(t, res, &struct{}{})
	var b strings.Builder
	b.WriteString("mutation {")
	for i := range 11 {
		fmt.Fprintf(&b, ` d%d: deleteMerchant(merchantId: "keep") { deletedMerchantId }`, i)
	}
	b.WriteString(" }")
	resp, res := f.gql(t, f.settlement, b.String(), nil)
	if resp.Status != http.StatusBadRequest || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "11 mutation fields") {
		t.Fatalf("11 mutation fields: %d %s", resp.Status, resp.Body)
	}
	r := testenv.Do(t, f.app.Handler, "GET", "/api/v1/merchants/keep", nil, "Authorization", f.settlement)
	if r.Status != http.StatusOK {
		t.Fatalf("a refused mutation ran: %d", r.Status)
	}
}

func TestGraphQLRefusesNULInTextInputs(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name, authz, query string
		vars               map[string]any
		field              string
	}{
		{"inline argument", f.admin, `{ sentMessages(to: "a\u0000b") { nodes { body } } }`, nil, "to"},
		{"variable", f.admin, `query($to: String!) { sentMessages(to: $to) { nodes { body } } }`, map[string]any{"to": "a\x00b"}, "to"},
		{"user parms", f.partner, `mutation($in: UpdateUserInput!) { updateUser(userId: "u1", input: $in) { userErrors { field } } }`,
			map[string]any{"in": map[string]any{"parms": []map[string]any{{"name": "age", "value": "4\x002"}}}}, "in.parms[0].value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, res := f.gql(t, tc.authz, tc.query, tc.vars)
			if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" ||
				res.Errors[0].Extensions["field"] != tc.field || len(res.Data) > 0 && string(res.Data) != "null" {
				t.Fatalf("%s %+v", res.Data, res.Errors)
			}
		})
	}
}

func TestRESTRefusesNULAndInvalidUTF8(t *testing.T) {
	f := newFixture(t)
	r := testenv.Do(t, f.app.Handler, "PUT", "/api/v1/users/u1", `{"parms": [{"name": "age", "value": "4\u00002"}]}`, "Authorization", f.partner)
	if r.Status != http.StatusBadRequest || r.Object(t)["field"] != "parms[0].value" || r.Object(t)["code"] != "invalid" {
		t.Fatalf("NUL in a parm: %d %s", r.Status, r.Body)
	}
	r = testenv.Do(t, f.app.Handler, "POST", "/api/v1/merchants", []byte("{\"merchantId\": \"utf\", \"merchantName\": \"caf\xe9\"}"), "Authorization", f.settlement)
	if r.Status != http.StatusBadRequest || r.Object(t)["field"] != "merchantName" {
		t.Fatalf("invalid UTF-8: %d %s", r.Status, r.Body)
	}
}

func TestGraphQLInternalErrorsAreHiddenAndLogged(t *testing.T) {
	var logs testenv.LogBuffer
	a := testenv.AppWith(t, wire.Options{Log: slog.New(slog.NewJSONHandler(&logs, nil))})
	ad := testenv.Credential(t, a, auth.KindAdmin)
	// A resolver meets a PostgreSQL error that is no domain error.
	db := testenv.DB(t)
	if _, err := db.Pool.Exec(t.Context(), `ALTER TABLE sent_messages RENAME TO sent_messages_away`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := db.Pool.Exec(context.Background(), `ALTER TABLE sent_messages_away RENAME TO sent_messages`); err != nil {
			t.Errorf("restore sent_messages: %v", err)
		}
	})
	r := testenv.Do(t, a.Handler, "POST", "/graphql", map[string]any{"query": `{ sentMessages(to: "4520000000") { nodes { body } } }`},
		"Authorization", testenv.BasicAuth(ad.Username, ad.Secret), "X-Request-Id", "req-internal-1")
	var res testenv.GraphQLResult
	r.JSON(t, &res)
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "INTERNAL_SERVER_ERROR" || res.Errors[0].Message != "internal error" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if bytes.Contains(r.Body, []byte("sent_messages")) || bytes.Contains(r.Body, []byte("SQLSTATE")) {
		t.Fatalf("detail leaked: %s", r.Body)
	}
	got := logs.String()
	if !strings.Contains(got, `"level":"ERROR"`) || !strings.Contains(got, `"request_id":"req-internal-1"`) || !strings.Contains(got, "sent_messages") {
		t.Fatalf("not logged with the request id: %s", got)
	}
	// gqlgen's own errors stay the caller's.
	_, res2 := testenv.GraphQL(t, a.Handler, testenv.BasicAuth(ad.Username, ad.Secret), `{ merchants(first: "x") { totalCount } }`, nil)
	if len(res2.Errors) == 0 || res2.Errors[0].Extensions["code"] == "INTERNAL_SERVER_ERROR" {
		t.Fatalf("validation error: %+v", res2.Errors)
	}
}

func TestAnonymousCallersDoNotRegisterPersistedQueries(t *testing.T) {
	f := newFixture(t)
	query := `{ __typename }`
	sum := sha256.Sum256([]byte(query))
	hash := hex.EncodeToString(sum[:])
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}

	// Anonymous: the query runs, but is not stored.
	r := testenv.Do(t, f.app.Handler, "POST", "/graphql", map[string]any{"query": query, "extensions": ext})
	if r.Status != 200 || !strings.Contains(string(r.Body), `"__typename":"Query"`) {
		t.Fatalf("anonymous APQ with its query: %d %s", r.Status, r.Body)
	}
	rc := testenv.Redis(t)
	if n, _ := rc.Redis().Exists(t.Context(), rc.Key("apq", hash)).Result(); n != 0 {
		t.Fatal("an anonymous caller stored a persisted query")
	}
	r = testenv.Do(t, f.app.Handler, "POST", "/graphql", map[string]any{"extensions": ext})
	if !strings.Contains(string(r.Body), "PersistedQueryNotFound") {
		t.Fatalf("hash only after an anonymous registration: %s", r.Body)
	}
	// An authenticated caller stores it; then anyone may use it.
	testenv.Do(t, f.app.Handler, "POST", "/graphql", map[string]any{"query": query, "extensions": ext}, "Authorization", f.partner)
	r = testenv.Do(t, f.app.Handler, "POST", "/graphql", map[string]any{"extensions": ext})
	if r.Status != 200 || !strings.Contains(string(r.Body), `"__typename":"Query"`) {
		t.Fatalf("hash only after an authenticated registration: %d %s", r.Status, r.Body)
	}
}

func TestGraphQLAnswersAreNotCachedOrSniffed(t *testing.T) {
	f := newFixture(t)
	answers := map[string]*testenv.Response{
		"POST":            testenv.Do(t, f.app.Handler, "POST", "/graphql", map[string]any{"query": "{ __typename }"}),
		"GET":             testenv.Do(t, f.app.Handler, "GET", "/graphql?query=%7B__typename%7D", nil),
		"bad credentials": testenv.Do(t, f.app.Handler, "POST", "/graphql", map[string]any{"query": "{ __typename }"}, "Authorization", testenv.BasicAuth("nobody", "x")),
		"not acceptable":  testenv.Do(t, f.app.Handler, "POST", "/graphql", map[string]any{"query": "{ __typename }"}, "Accept", "text/html"),
		"bad body":        testenv.Do(t, f.app.Handler, "POST", "/graphql", "{", "Content-Type", "application/json"),
		"request error":   testenv.Do(t, f.app.Handler, "POST", "/graphql", map[string]any{"query": "{ nope }"}),
		"OPTIONS":         testenv.Do(t, f.app.Handler, "OPTIONS", "/graphql", nil),
		"PUT":             testenv.Do(t, f.app.Handler, "PUT", "/graphql", nil),
	}
	for name, r := range answers {
		if r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s (%d): Cache-Control %q, X-Content-Type-Options %q", name, r.Status,
				r.Header.Get("Cache-Control"), r.Header.Get("X-Content-Type-Options"))
		}
	}
}

// TestGraphQLSensitiveMutationsOncePerDocument: two one-time-password
// checks in one request (aliased, spread twice, or in two operations of
// one document) are refused before either runs, so they cost no try.
func TestGraphQLSensitiveMutationsOncePerDocument(t *testing.T) {
	f := newFixture(t)
	docs := map[string]string{
		"aliased": `mutation { a: validateOtp(phonenumber: "4511111111", otp: "111111") { userId }
  b: validateOtp(phonenumber: "4511111111", otp: "222222") { userId } }`,
		"spread twice": `mutation { ...V ...V } fragment V on Mutation { verifyUserToken(phonenumber: "4511111111", otp: "111111") { accessToken } }`,
		"two logins": `mutation { loyaltyLogin(input: {username: "a@example.com", password: "x"}) { token }
  again: loyaltyLogin(input: {username: "a@example.com", password: "y"}) { token } }`,
	}
	for name, q := range docs {
		resp, res := f.gql(t, f.partner, q, nil)
		if resp.Status != http.StatusBadRequest || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "once per request") ||
			res.Errors[0].Extensions["code"] != "QUERY_TOO_LARGE" {
			t.Errorf("%s: %d %s", name, resp.Status, resp.Body)
		}
	}
}

// TestGraphQLDeepDocumentsRefused: a document nesting fields deeper than
// the limit is refused before it is validated, while GraphiQL's
// introspection query still runs.
func TestGraphQLDeepDocumentsRefused(t *testing.T) {
	f := newFixture(t)
	q := "__typename"
	for range 16 {
		q = "ofType { " + q + " }"
	}
	resp, res := f.gql(t, f.admin, `{ __type(name: "Query") { `+q+` } }`, nil)
	if resp.Status != http.StatusBadRequest || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "deep; the limit is 15") {
		t.Fatalf("deep document: %d %s", resp.Status, resp.Body)
	}
	ref := "kind name"
	for range 9 {
		ref = "kind name ofType { " + ref + " }"
	}
	resp, _ = f.gql(t, f.admin, `{ __schema { types { fields { args { type { `+ref+` } } } } } }`, nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("introspection at depth 15: %d %s", resp.Status, resp.Body)
	}
}
