package checkout_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const prefix = "/api/checkout"

type env struct {
	t     *testing.T
	app   *wire.App
	admin string
	// remote is the client address of requests (host:port); failed
	// logins are counted per client address.
	remote string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, wire.Options{})
}

func newEnvWith(t *testing.T, opts wire.Options) *env {
	t.Helper()
	a := testenv.AppWith(t, opts)
	ad := testenv.Credential(t, a, auth.KindAdmin)
	return &env{t: t, app: a, admin: testenv.BasicAuth(ad.Username, ad.Secret)}
}

// reply is one answer of the family.
type reply struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r *reply) token() string { s, _ := r.body["token"].(string); return s }

func (r *reply) errors() map[string]any { m, _ := r.body["errors"].(map[string]any); return m }

func (r *reply) loggedIn() map[string]any { m, _ := r.body["loggedIn"].(map[string]any); return m }

// do sends one request with the session token (when set) and headers,
// from the env's client address.
func (e *env) do(method, path, token string, body any, headers ...string) *reply {
	e.t.Helper()
	if token != "" {
		headers = append(headers, "API-Token", token)
	}
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, prefix+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if e.remote != "" {
		req.RemoteAddr = e.remote
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.app.Handler.ServeHTTP(rec, req)
	r := &reply{status: rec.Code, header: rec.Header(), raw: rec.Body.Bytes()}
	if err := json.Unmarshal(r.raw, &r.body); err != nil {
		e.t.Fatalf("%s %s: answer is not a JSON object (%v): %s", method, path, err, r.raw)
	}
	return r
}

// want checks the status and, when errs is set, that the errors object is
// exactly errs, and that the answer names a session.
func (e *env) want(what string, r *reply, status int, errs map[string]string) {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("%s: status %d, want %d: %s", what, r.status, status, r.raw)
	}
	if len(r.token()) != 26 {
		e.t.Fatalf("%s: no session token in the answer: %s", what, r.raw)
	}
	if errs == nil {
		if _, ok := r.body["errors"]; ok {
			e.t.Fatalf("%s: errors in a successful answer: %s", what, r.raw)
		}
		return
	}
	got := r.errors()
	if len(got) != len(errs) {
		e.t.Fatalf("%s: errors %v, want %v", what, got, errs)
	}
	for k, v := range errs {
		if got[k] != v {
			e.t.Fatalf("%s: errors %v, want %v", what, got, errs)
		}
	}
}

// register registers email with a good password and returns the token.
func (e *env) register(email string) string {
	e.t.Helper()
	r := e.do("POST", "/register", "", map[string]any{"email": email, "password": "correct horse battery",
		"firstName": "Hello", "lastName": "World", "address1": "Address One", "zipCode": "12345", "city": "add",
		"country": "SE", "phoneNumber": "123456789", "newsletter": true})
	e.want("register "+email, r, http.StatusOK, nil)
	return r.token()
}

func TestSessionTokenIsIssuedKeptAndRenewed(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/selection", "", nil)
	e.want("a request without a token", r, http.StatusOK, nil)
	tok := r.token()
	if !regexp.MustCompile(`^[0-9a-z]{26}$`).MatchString(tok) {
		t.Fatalf("token %q is not 26 of [0-9a-z]", tok)
	}
	if _, ok := r.body["loggedIn"]; ok {
		t.Fatalf("a new session is logged in: %s", r.raw)
	}
	// The header's name is case-insensitive.
	for _, name := range []string{"API-Token", "api-token", "API-TOKEN", "Api-Token"} {
		r = e.do("GET", "/selection", "", nil, name, tok)
		if r.token() != tok {
			t.Fatalf("header %s: token %q, want the one sent %q", name, r.token(), tok)
		}
	}
	// Unknown, malformed and NUL-bearing tokens get a new session.
	for _, bad := range []string{"aaaaaaaaaaaaaaaaaaaaaaaaaa", "short", strings.Repeat("x", 5000), "DROP TABLE"} {
		r = e.do("GET", "/selection", bad, nil)
		e.want("unknown token", r, http.StatusOK, nil)
		if r.token() == bad || r.token() == tok {
			t.Fatalf("token %.20q: answered with %q, want a new one", bad, r.token())
		}
	}
	// X-Correlation-ID is echoed, on errors too.
	r = e.do("GET", "/selection", tok, nil, "X-Correlation-ID", "abc-123")
	if got := r.header.Get("X-Correlation-ID"); got != "abc-123" {
		t.Fatalf("X-Correlation-ID echoed as %q", got)
	}
	r = e.do("PUT", "/address", tok, map[string]any{}, "X-Correlation-ID", "err-9")
	if got := r.header.Get("X-Correlation-ID"); got != "err-9" || r.status != http.StatusForbidden {
		t.Fatalf("error answer: status %d, X-Correlation-ID %q", r.status, got)
	}
}

func TestSessionsSlideAndExpire(t *testing.T) {
	e := newEnv(t)
	tok := e.do("GET", "/selection", "", nil).token()
	rc := testenv.Redis(t)
	all, err := rc.Redis().Keys(context.Background(), rc.Key("checkout", "session", "*")).Result()
	if err != nil || len(all) == 0 {
		t.Fatalf("no session key in Redis: %v %v", all, err)
	}
	for _, k := range all {
		if strings.Contains(k, tok) {
			t.Fatalf("the token is in a Redis key: %s", k)
		}
	}
	sum := sha256.Sum256([]byte(tok))
	keys := []string{rc.Key("checkout", "session", hex.EncodeToString(sum[:]))}
	// Shorten every session's life; a use extends it again (sliding).
	for _, k := range keys {
		rc.Redis().PExpire(context.Background(), k, 5*time.Second)
	}
	if e.do("GET", "/selection", tok, nil).token() != tok {
		t.Fatal("the session was lost")
	}
	for _, k := range keys {
		ttl := rc.Redis().PTTL(context.Background(), k).Val()
		if ttl < 23*time.Hour {
			t.Fatalf("after a use the session lives %v more, want the full 24h again", ttl)
		}
	}
	// An expired session is a new one.
	for _, k := range keys {
		rc.Redis().Del(context.Background(), k)
	}
	if got := e.do("GET", "/selection", tok, nil).token(); got == tok {
		t.Fatal("an expired token was kept")
	}
}

func TestRegisterLoginLogout(t *testing.T) {
	e := newEnv(t)
	tok := e.register("Hello@Example.com")
	r := e.do("GET", "/selection", tok, nil)
	li := r.loggedIn()
	want := map[string]any{"email": "hello@example.com", "firstName": "Hello", "lastName": "World",
		"address1": "Address One", "address2": "", "zipCode": "12345", "city": "add", "state": "", "country": "SE",
		"phoneNumber": "123456789", "newsletter": true}
	for k, v := range want {
		if li[k] != v {
			t.Fatalf("loggedIn.%s = %v, want %v: %s", k, li[k], v, r.raw)
		}
	}

	// The seed's errors.
	r = e.do("POST", "/register", "", map[string]any{"email": "hello@example.com", "password": "another good one"})
	e.want("register a taken e-mail", r, http.StatusConflict, map[string]string{"email": "already registered"})
	r = e.do("POST", "/register", "", map[string]any{"email": "HELLO@example.COM ", "password": "another good one"})
	e.want("register a taken e-mail in other case", r, http.StatusConflict, map[string]string{"email": "already registered"})
	for _, pw := range []string{"short", "password", "12345678", "        ", "new@example.com", strings.Repeat("a", 129), "tab\tinside password"} {
		r = e.do("POST", "/register", "", map[string]any{"email": "new@example.com", "password": pw})
		e.want("register with password "+pw, r, http.StatusNotAcceptable, map[string]string{"password": "not valid"})
	}
	r = e.do("POST", "/register", "", map[string]any{"password": "good password 1"})
	e.want("register without e-mail", r, http.StatusNotAcceptable, map[string]string{"email": "required"})
	r = e.do("POST", "/register", "", map[string]any{"email": "new@example.com"})
	e.want("register without password", r, http.StatusNotAcceptable, map[string]string{"password": "required"})
	r = e.do("POST", "/register", "", map[string]any{"email": "not an address", "password": "good password 1"})
	e.want("register a malformed e-mail", r, http.StatusNotAcceptable, map[string]string{"email": "not valid"})

	// Logout removes the login from the token.
	r = e.do("POST", "/logout", tok, nil)
	e.want("logout", r, http.StatusOK, nil)
	if r.token() != tok || r.loggedIn() != nil {
		t.Fatalf("after logout: token %q (want %q), loggedIn %v", r.token(), tok, r.loggedIn())
	}
	if e.do("GET", "/selection", tok, nil).loggedIn() != nil {
		t.Fatal("the token is still logged in after logout")
	}

	// Login.
	r = e.do("POST", "/login/hello@example.com", tok, map[string]any{"password": "wrong password"})
	e.want("login with a wrong password", r, http.StatusNotAcceptable, map[string]string{"password": "incorrect"})
	r = e.do("POST", "/login/nobody@example.com", tok, map[string]any{"password": "correct horse battery"})
	e.want("login with an unknown e-mail", r, http.StatusNotAcceptable, map[string]string{"password": "incorrect"})
	r = e.do("POST", "/login/HELLO@example.com", tok, map[string]any{"password": "correct horse battery"})
	e.want("login", r, http.StatusOK, nil)
	if r.loggedIn()["email"] != "hello@example.com" || r.token() != tok {
		t.Fatalf("login answered %s", r.raw)
	}
	r = e.do("POST", "/login/hello@example.com", "", map[string]any{})
	e.want("login without password", r, http.StatusNotAcceptable, map[string]string{"password": "required"})
}

func TestAccountChangesNeedALogin(t *testing.T) {
	e := newEnv(t)
	denied := map[string]string{"accessRight": "denied"}
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"PUT", "/address", map[string]any{"city": "x"}},
		{"PUT", "/email", map[string]any{"email": "a@example.com", "password": "whatever1"}},
		{"PUT", "/password", map[string]any{"password": "whatever1", "newPassword": "whatever2"}},
		{"POST", "/orders", nil},
		{"POST", "/orders", map[string]any{"from": 0, "size": 2}},
	} {
		r := e.do(c.method, c.path, "", c.body)
		e.want(c.method+" "+c.path+" without login", r, http.StatusForbidden, denied)
	}
}

func TestAccountChanges(t *testing.T) {
	e := newEnv(t)
	tok := e.register("change@example.com")
	other := e.do("POST", "/login/change@example.com", "", map[string]any{"password": "correct horse battery"}).token()
	e.register("taken@example.com")

	r := e.do("PUT", "/address", tok, map[string]any{"city": "Paris", "country": "fr", "address2": "Bât. B"})
	e.want("put address", r, http.StatusOK, nil)
	if li := r.loggedIn(); li["city"] != "Paris" || li["country"] != "FR" || li["address2"] != "Bât. B" || li["firstName"] != "Hello" {
		t.Fatalf("address after PUT: %v", li)
	}
	for field, bad := range map[string]any{
		"country":     "France",
		"phoneNumber": "call me maybe",
		"address1":    "4111 1111 1111 1111",
		"firstName":   strings.Repeat("x", 101),
		"city":        "Pa\u0007ris",
	} {
		r = e.do("PUT", "/address", tok, map[string]any{field: bad})
		e.want("put address with bad "+field, r, http.StatusNotAcceptable, map[string]string{field: "not valid"})
		if bytes.Contains(r.raw, []byte("4111")) {
			t.Fatalf("the card number is echoed: %s", r.raw)
		}
	}
	r = e.do("PUT", "/address", tok, map[string]any{"city": 12})
	e.want("put address with a number for city", r, http.StatusNotAcceptable, map[string]string{"city": "city must be a string"})
	r = e.do("PUT", "/address", tok, `{"city": "Par\u0000is"}`)
	if r.status != http.StatusNotAcceptable || r.errors()["city"] == nil {
		t.Fatalf("a NUL in city: %d %s", r.status, r.raw)
	}
	r = e.do("PUT", "/address", tok, `{"city": `)
	e.want("malformed JSON", r, http.StatusBadRequest, map[string]string{"request": "request body is not valid JSON (unexpected end)"})

	r = e.do("PUT", "/email", tok, map[string]any{"email": "new@example.com", "password": "wrong password"})
	e.want("put email with a wrong password", r, http.StatusNotAcceptable, map[string]string{"password": "incorrect"})
	r = e.do("PUT", "/email", tok, map[string]any{"email": "taken@example.com", "password": "correct horse battery"})
	e.want("put a taken email", r, http.StatusConflict, map[string]string{"email": "already registered"})
	r = e.do("PUT", "/email", tok, map[string]any{"email": "bad", "password": "correct horse battery"})
	e.want("put a malformed email", r, http.StatusNotAcceptable, map[string]string{"email": "not valid"})
	r = e.do("PUT", "/email", tok, map[string]any{"email": "moved@example.com", "password": "correct horse battery"})
	e.want("put email", r, http.StatusOK, nil)
	if r.loggedIn()["email"] != "moved@example.com" {
		t.Fatalf("email after PUT: %s", r.raw)
	}

	r = e.do("PUT", "/password", tok, map[string]any{"password": "wrong password", "newPassword": "a new good one"})
	e.want("put password with a wrong one", r, http.StatusNotAcceptable, map[string]string{"password": "incorrect"})
	r = e.do("PUT", "/password", tok, map[string]any{"password": "correct horse battery", "newPassword": "short"})
	e.want("put a weak password", r, http.StatusNotAcceptable, map[string]string{"newPassword": "not valid"})
	r = e.do("PUT", "/password", tok, map[string]any{"password": "correct horse battery", "newPassword": "a new good one"})
	e.want("put password", r, http.StatusOK, nil)
	// This session stays logged in; the other one is logged out.
	if e.do("GET", "/selection", tok, nil).loggedIn() == nil {
		t.Fatal("the session that changed the password was logged out")
	}
	if e.do("GET", "/selection", other, nil).loggedIn() != nil {
		t.Fatal("another session stayed logged in after the password changed")
	}
	r = e.do("POST", "/login/moved@example.com", "", map[string]any{"password": "correct horse battery"})
	e.want("login with the old password", r, http.StatusNotAcceptable, map[string]string{"password": "incorrect"})
	r = e.do("POST", "/login/moved@example.com", "", map[string]any{"password": "a new good one"})
	e.want("login with the new password", r, http.StatusOK, nil)
}

func TestWrongMethodsAndPathsAnswerJSON(t *testing.T) {
	e := newEnv(t)
	r := testenv.Do(t, e.app.Handler, "GET", prefix+"/register", nil)
	if r.Status != http.StatusMethodNotAllowed {
		t.Fatalf("GET register: %d %s", r.Status, r.Body)
	}
	r = testenv.Do(t, e.app.Handler, "POST", prefix+"/nothing-here", map[string]any{})
	if r.Status != http.StatusNotFound {
		t.Fatalf("POST an unknown path: %d %s", r.Status, r.Body)
	}
}

func TestPrefixIsConfigurable(t *testing.T) {
	e := newEnvWith(t, wire.Options{CheckoutPrefix: "/shop/checkout-api"})
	r := testenv.Do(t, e.app.Handler, "POST", "/shop/checkout-api/register",
		map[string]any{"email": "prefix@example.com", "password": "correct horse battery"})
	if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(`"loggedIn"`)) {
		t.Fatalf("register under the configured prefix: %d %s", r.Status, r.Body)
	}
	if r := testenv.Do(t, e.app.Handler, "POST", prefix+"/logout", nil); r.Status != http.StatusNotFound {
		t.Fatalf("the default prefix still answers: %d %s", r.Status, r.Body)
	}
}

func TestSelectionIsMergedAtLogin(t *testing.T) {
	e := newEnv(t)
	tok := e.register("basket@example.com")
	e.want("add while logged in", e.do("POST", "/items/2-1", tok, map[string]any{"quantity": 2}), http.StatusOK, nil)
	e.want("logout", e.do("POST", "/logout", tok, nil), http.StatusOK, nil)
	if items := selection(e.do("GET", "/selection", tok, nil)); len(items) != 0 {
		t.Fatalf("the selection after logout: %v", items)
	}

	// Another device selects before logging in.
	dev := e.do("POST", "/items/3-1", "", nil).token()
	e.want("add 2-1 anonymously", e.do("POST", "/items/2-1", dev, map[string]any{"quantity": 1}), http.StatusOK, nil)
	e.want("add 9-9", e.do("POST", "/items/9-9", dev, nil), http.StatusOK, nil)
	r := e.do("DELETE", "/items/9-9", dev, nil)
	e.want("remove 9-9", r, http.StatusOK, nil)
	if got := selection(r); fmt.Sprint(got) != "map[2-1:1 3-1:1]" {
		t.Fatalf("anonymous selection: %v", got)
	}
	r = e.do("POST", "/login/basket@example.com", dev, map[string]any{"password": "correct horse battery"})
	e.want("login", r, http.StatusOK, nil)
	if got := selection(r); fmt.Sprint(got) != "map[2-1:3 3-1:1]" {
		t.Fatalf("selection after login: %v, want the saved 2 of 2-1 plus the new 1, and 3-1", got)
	}
	// The first device sees the same saved selection after logging in.
	r = e.do("POST", "/login/basket@example.com", tok, map[string]any{"password": "correct horse battery"})
	if got := selection(r); fmt.Sprint(got) != "map[2-1:3 3-1:1]" {
		t.Fatalf("selection on the other device: %v", got)
	}

	for _, c := range []struct {
		path string
		body any
		want map[string]string
	}{
		{"/items/bad%20item", nil, map[string]string{"item": "not valid"}},
		{"/items/" + strings.Repeat("a", 65), nil, map[string]string{"item": "not valid"}},
		{"/items/2-1", map[string]any{"quantity": 0}, map[string]string{"quantity": "not valid"}},
		{"/items/2-1", map[string]any{"quantity": 1000}, map[string]string{"quantity": "not valid"}},
		{"/items/2-1", map[string]any{"quantity": "two"}, map[string]string{"quantity": "quantity must be an integer"}},
	} {
		e.want("add "+c.path, e.do("POST", c.path, tok, c.body), http.StatusNotAcceptable, c.want)
	}
}

func selection(r *reply) map[string]int {
	out := map[string]int{}
	sel, _ := r.body["selection"].(map[string]any)
	items, _ := sel["items"].([]any)
	for _, it := range items {
		m := it.(map[string]any)
		out[m["item"].(string)] = int(m["quantity"].(float64))
	}
	return out
}

// importOrders posts an import file through GraphQL as auth.
func (e *env) importOrders(authorization, file string) map[string]any {
	e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", `{"query":"mutation($f: Upload!) { importCheckoutOrders(file: $f) { imported userErrors { field code message } } }","variables":{"f":null}}`)
	_ = w.WriteField("map", `{"0":["variables.f"]}`)
	fw, _ := w.CreateFormFile("0", "orders.json")
	_, _ = fw.Write([]byte(file))
	_ = w.Close()
	req := httptest.NewRequest("POST", "/graphql", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("GraphQL-Preflight", "1")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	e.app.Handler.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		e.t.Fatalf("import answer: %v: %s", err, rec.Body)
	}
	return out
}

// seedOrder is the seed's order 575, in the import format.
func seedOrder(email, id, date string) string {
	return fmt.Sprintf(`{"email": %q, "order": %q, "status": "untouched", "statusDescription": "Pending",
  "message": "Thank you for your order!", "date": %q, "currency": "USD",
  "paymentMethod": "paypal", "paymentMethodName": "P\u00e4jP\u00e4l", "shippingMethod": "", "shippingMethodName": "",
  "items": [{"item": "2-1", "product": "2", "brandName": "Brand", "productName": "\u221aEtt", "size": "", "sku": "p1v1",
    "ean": "", "quantity": 1, "storePickup": false, "line": "17d0eaf6e6a165676cf39222ffc81bff", "priceEach": 4,
    "totalPrice": 4, "priceEachBeforeDiscount": 4, "anyDiscount": false, "taxPercent": 25, "priceEachWithoutTax": 3.2}],
  "discounts": {"anyDiscount": false, "discount": 0, "automaticDiscounts": [], "vouchers": [{"code": "SUMMER", "description": "Summer", "amount": 1.5}]},
  "totals": {"itemsTotalPrice": 4, "totalDiscountPrice": null, "shippingPrice": 99, "handlingCostPrice": 0,
    "totalQuantity": 1, "taxDeducted": -20.6, "taxAdded": null, "taxPercent": 0, "grandTotalPrice": 82.4,
    "grandTotalPriceTax": 0},
  "vatExempt": true,
  "address": {"email": "fr@example.com", "firstName": "First", "lastName": "Last", "company": "", "address1": "Rue",
    "address2": "", "zipCode": "75000", "city": "Paris", "state": "Alsace", "country": "FR", "countryName": "France",
    "phoneNumber": "1234556"},
  "shippingAddress": {"email": "fr@example.com", "firstName": "First", "lastName": "Last", "company": "",
    "address1": "Rue", "address2": "", "zipCode": "75000", "city": "Paris", "state": "Alsace", "country": "FR",
    "countryName": "France", "phoneNumber": "12345678"},
  "giftMessage": null,
  "shipments": [{"shippedDate": "2017-08-04 16:22:20", "carrier": "UPS", "service": "Ground",
    "trackingId": "1Z123123123123", "trackingUrl": "http://example.com/tracking?1Z123123123123"}],
  "currencyFormat": {"currency": "USD", "name": "USD", "prefix": "$ ", "suffix": " USD", "decimalPoint": ".",
    "decimalDigits": 0, "uri": "usd"}}`, email, id, date)
}

func TestOrdersAsTheSeedShowsThem(t *testing.T) {
	e := newEnv(t)
	tok := e.register("orders@example.com")
	otherTok := e.register("other@example.com")

	var list []string
	for i := range 5 {
		list = append(list, seedOrder("orders@example.com", fmt.Sprint(570+i), fmt.Sprintf("2015-10-20 16:0%d:34", i)))
	}
	list = append(list, seedOrder("other@example.com", "999", "2015-10-21 10:00:00"))
	out := e.importOrders(e.admin, `{"orders": [`+strings.Join(list, ",")+`]}`)
	data, _ := out["data"].(map[string]any)
	res, _ := data["importCheckoutOrders"].(map[string]any)
	if res["imported"] != float64(6) {
		t.Fatalf("import: %v", out)
	}
	// Importing again replaces; nothing doubles.
	e.importOrders(e.admin, `[`+strings.Join(list, ",")+`]`)

	r := e.do("POST", "/orders", tok, nil)
	e.want("all orders", r, http.StatusOK, nil)
	orders := r.body["orders"].([]any)
	paging := r.body["ordersPaging"].(map[string]any)
	if len(orders) != 5 || paging["totalSize"] != float64(5) || r.loggedIn() == nil {
		t.Fatalf("all orders: %d orders, paging %v", len(orders), paging)
	}
	r = e.do("POST", "/orders", tok, map[string]any{"from": 3, "size": 2})
	e.want("a page of orders", r, http.StatusOK, nil)
	orders = r.body["orders"].([]any)
	paging = r.body["ordersPaging"].(map[string]any)
	if len(orders) != 2 || paging["from"] != float64(3) || paging["size"] != float64(2) || paging["totalSize"] != float64(5) {
		t.Fatalf("page from 3 size 2: %d orders, paging %v", len(orders), paging)
	}
	// Newest first: 574, 573, 572, 571, 570; from 3 is 571.
	o := orders[0].(map[string]any)
	if o["order"] != "571" || orders[1].(map[string]any)["order"] != "570" {
		t.Fatalf("page holds %v and %v, want 571 and 570", o["order"], orders[1].(map[string]any)["order"])
	}
	// The seed's shapes, byte for byte where the seed shows them.
	raw := string(r.raw)
	for _, want := range []string{
		`"date":"2015-10-20 16:01:34"`,
		`"priceEach":"$\u00a04\u00a0USD","priceEachAsNumber":4`,
		`"priceEachWithoutTax":"$\u00a03\u00a0USD","priceEachWithoutTaxAsNumber":3.2`,
		`"totalDiscountPrice":false,"totalDiscountPriceAsNumber":false`,
		`"taxDeducted":"$\u00a0-21\u00a0USD","taxDeductedAsNumber":-20.6`,
		`"taxAdded":false,"taxAddedAsNumber":false`,
		`"grandTotalPrice":"$\u00a082\u00a0USD","grandTotalPriceAsNumber":82.4`,
		`"giftMessage":null`,
		`"shipments":[{"shippedDate":"2017-08-04 16:22:20","carrier":"UPS","service":"Ground","trackingId":"1Z123123123123","trackingUrl":"http://example.com/tracking?1Z123123123123"}]`,
		`"currencyFormat":{"currency":"USD","name":"USD","prefix":"$ ","suffix":" USD","decimalPoint":".","decimalDigits":"0","uri":"usd"}`,
		`"vouchers":[{"voucher":"SUMMER","description":"Summer","priceOff":"$\u00a02\u00a0USD","priceOffAsNumber":1.5}]`,
		`"automaticDiscounts":[]`,
		`"paymentMethodName":"PäjPäl"`,
	} {
		w := strings.ReplaceAll(want, `\u00a0`, "\u00a0")
		if !strings.Contains(raw, w) {
			t.Fatalf("orders answer lacks %s:\n%s", want, raw)
		}
	}

	// Another account sees its own order only.
	r = e.do("POST", "/orders", otherTok, map[string]any{"from": 0, "size": 10})
	if orders := r.body["orders"].([]any); len(orders) != 1 || orders[0].(map[string]any)["order"] != "999" {
		t.Fatalf("the other account's orders: %s", r.raw)
	}
	// Past the end: no orders, the total still.
	r = e.do("POST", "/orders", tok, map[string]any{"from": 50, "size": 2})
	if orders := r.body["orders"].([]any); len(orders) != 0 || r.body["ordersPaging"].(map[string]any)["totalSize"] != float64(5) {
		t.Fatalf("a page past the end: %s", r.raw)
	}
	for _, c := range []struct {
		body any
		want map[string]string
	}{
		{map[string]any{"from": -1, "size": 2}, map[string]string{"from": "not valid"}},
		{map[string]any{"from": 0, "size": 0}, map[string]string{"size": "not valid"}},
		{map[string]any{"from": 0, "size": 1001}, map[string]string{"size": "not valid"}},
		{map[string]any{"from": "a"}, map[string]string{"from": "from must be an integer"}},
	} {
		e.want(fmt.Sprint("orders ", c.body), e.do("POST", "/orders", tok, c.body), http.StatusNotAcceptable, c.want)
	}
}

func TestOrderImportIsForAdminsAndChecked(t *testing.T) {
	e := newEnv(t)
	e.register("imp@example.com")
	good := seedOrder("imp@example.com", "1", "2015-10-20 16:01:34")
	for who, authz := range map[string]string{"anonymous": "", "a partner": func() string {
		p := testenv.Credential(t, e.app, auth.KindPartner)
		return testenv.BasicAuth(p.Username, p.Secret)
	}()} {
		out := e.importOrders(authz, "["+good+"]")
		errs, _ := out["errors"].([]any)
		data, _ := out["data"].(map[string]any)
		if len(errs) == 0 || data["importCheckoutOrders"] != nil {
			t.Fatalf("import as %s: %v", who, out)
		}
	}
	for _, c := range []struct{ file, field string }{
		{"[" + seedOrder("nobody@example.com", "2", "2015-10-20 16:01:34") + "]", "orders[0].email"},
		{"[" + good + "," + good + "]", "orders[1].order"},
		{"[" + strings.Replace(good, `"Rue"`, `"Rue 4111111111111111"`, 1) + "]", "orders[0].address.address1"},
		{"[" + strings.Replace(good, `"order": "1"`, `"order": "1; DROP"`, 1) + "]", "orders[0].order"},
		{"[" + strings.Replace(good, `"2015-10-20 16:01:34"`, `"yesterday"`, 1) + "]", "orders[0].date"},
		{"[" + strings.Replace(good, `"quantity": 1`, `"quantity": 0`, 1) + "]", "orders[0].items[0].quantity"},
		{"[" + strings.Replace(good, `"priceEach": 4`, `"priceEach": "four"`, 1) + "]", "orders[0]"},
		{"[" + strings.Replace(good, `"http://example.com/tracking`, `"javascript:alert(1)//`, 1) + "]", "orders[0].shipments[0].trackingUrl"},
		{"not json", "orders"},
		{"[]", "orders"},
	} {
		out := e.importOrders(e.admin, c.file)
		data, _ := out["data"].(map[string]any)
		res, _ := data["importCheckoutOrders"].(map[string]any)
		ue, _ := res["userErrors"].([]any)
		if len(ue) != 1 || !strings.HasPrefix(ue[0].(map[string]any)["field"].(string), c.field) || res["imported"] != nil {
			t.Fatalf("import of a bad file (want field %s): %v", c.field, out)
		}
	}
	var n int
	if err := testenv.DB(t).Pool.QueryRow(context.Background(), `SELECT count(*) FROM checkout_orders o
		JOIN checkout_accounts a USING (account_id) WHERE a.email = 'imp@example.com'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("bad imports stored %d orders (%v)", n, err)
	}
}

// resetLink reads the reset link of the last e-mail to to, through
// sentMessages as an admin would.
func (e *env) resetLink(to string) *url.URL {
	e.t.Helper()
	testenv.WaitMessages(e.t)
	_, res := testenv.GraphQL(e.t, e.app.Handler, e.admin, `query($to: String!) { sentMessages(to: $to) { nodes { body } } }`, map[string]any{"to": to})
	var data struct {
		SentMessages testenv.Nodes[struct{ Body string }]
	}
	if err := json.Unmarshal(res.Data, &data); err != nil || len(data.SentMessages) == 0 {
		e.t.Fatalf("no e-mail to %s: %s %v", to, res.Data, res.Errors)
	}
	m := regexp.MustCompile(`https?://\S+`).FindString(data.SentMessages[0].Body)
	u, err := url.Parse(m)
	if err != nil || m == "" {
		e.t.Fatalf("no link in the e-mail: %q", data.SentMessages[0].Body)
	}
	return u
}

func (e *env) sentCount(to string) int {
	e.t.Helper()
	testenv.WaitMessages(e.t)
	_, res := testenv.GraphQL(e.t, e.app.Handler, e.admin, `query($to: String!) { sentMessages(to: $to) { nodes { body } } }`, map[string]any{"to": to})
	var data struct {
		SentMessages testenv.Nodes[struct{ Body string }]
	}
	_ = json.Unmarshal(res.Data, &data)
	return len(data.SentMessages)
}

func TestPasswordResetByEmail(t *testing.T) {
	e := newEnvWith(t, wire.Options{FrontendBaseURL: "https://shop.example.com/"})
	tok := e.register("reset@example.com")
	e.want("logout", e.do("POST", "/logout", tok, nil), http.StatusOK, nil)

	// The link's host is the configured frontend's, whatever the Host.
	r := e.do("POST", "/password-reset-email/reset@example.com", tok, map[string]any{"linkUri": "my-uri/with/slashes"},
		"Host", "evil.example", "X-Forwarded-Host", "evil.example")
	e.want("reset e-mail", r, http.StatusOK, nil)
	unknown := e.do("POST", "/password-reset-email/nobody@example.com", tok, map[string]any{"linkUri": "my-uri/with/slashes"})
	if unknown.status != r.status || !bytes.Equal(unknown.raw, r.raw) {
		t.Fatalf("reset e-mail for an unknown address answers otherwise:\n%s\n%s", r.raw, unknown.raw)
	}
	if n := e.sentCount("nobody@example.com"); n != 0 {
		t.Fatalf("%d e-mails to an address without account", n)
	}
	link := e.resetLink("reset@example.com")
	if link.Scheme != "https" || link.Host != "shop.example.com" || link.Path != "/my-uri/with/slashes" {
		t.Fatalf("link %s: want https://shop.example.com/my-uri/with/slashes?...", link)
	}
	id, i := link.Query().Get("id"), link.Query().Get("i")
	if len(i) < 32 || len(id) == 0 {
		t.Fatalf("link %s: token i of %d hex digits (want >= 32, 128 bits)", link, len(i))
	}
	// The token is stored only as a hash.
	var stored int
	_ = testenv.DB(t).Pool.QueryRow(context.Background(), `SELECT count(*) FROM checkout_password_resets
		WHERE position(convert_to($1, 'UTF8') in token_hash) > 0`, i).Scan(&stored)
	if stored != 0 {
		t.Fatal("the reset token is stored in clear")
	}

	for _, c := range []struct {
		body any
		want map[string]string
	}{
		{map[string]any{"newPassword": "a fresh password", "i": strings.Repeat("0", 32), "id": id}, map[string]string{"i": "not valid"}},
		{map[string]any{"newPassword": "a fresh password", "i": i, "id": strings.Repeat("a", 32)}, map[string]string{"i": "not valid"}},
		{map[string]any{"newPassword": "a fresh password", "i": i + "\u0000", "id": id}, nil},
		{map[string]any{"newPassword": "short", "i": i, "id": id}, map[string]string{"newPassword": "not valid"}},
		{map[string]any{"newPassword": "a fresh password", "id": id}, map[string]string{"i": "required"}},
	} {
		r := e.do("POST", "/password-reset", "", c.body)
		if c.want == nil {
			if r.status != http.StatusNotAcceptable {
				t.Fatalf("reset with a NUL in i: %d %s", r.status, r.raw)
			}
			continue
		}
		e.want(fmt.Sprint("reset with ", c.body), r, http.StatusNotAcceptable, c.want)
	}

	r = e.do("POST", "/password-reset", tok, map[string]any{"newPassword": "a fresh password", "i": i, "id": id})
	e.want("reset", r, http.StatusOK, nil)
	if r.loggedIn()["email"] != "reset@example.com" || r.token() != tok {
		t.Fatalf("reset does not log in: %s", r.raw)
	}
	r = e.do("POST", "/password-reset", "", map[string]any{"newPassword": "another fresh one", "i": i, "id": id})
	e.want("the link a second time", r, http.StatusNotAcceptable, map[string]string{"i": "not valid"})
	e.want("logout", e.do("POST", "/logout", tok, nil), http.StatusOK, nil)
	r = e.do("POST", "/login/reset@example.com", tok, map[string]any{"password": "correct horse battery"})
	e.want("login with the old password", r, http.StatusNotAcceptable, map[string]string{"password": "incorrect"})
	r = e.do("POST", "/login/reset@example.com", tok, map[string]any{"password": "a fresh password"})
	e.want("login with the new password", r, http.StatusOK, nil)

	for _, bad := range []string{"https://evil.example/x", "//evil.example", "../../admin", "a b", "a?b=c", "x#y"} {
		r = e.do("POST", "/password-reset-email/reset@example.com", "", map[string]any{"linkUri": bad})
		e.want("reset e-mail with linkUri "+bad, r, http.StatusNotAcceptable, map[string]string{"linkUri": "not valid"})
	}
	r = e.do("POST", "/password-reset-email/not-an-address", "", nil)
	e.want("reset e-mail to a malformed address", r, http.StatusNotAcceptable, map[string]string{"email": "not valid"})
}

func TestPasswordResetLinksExpire(t *testing.T) {
	clock := &clock{at: time.Now()}
	e := newEnvWith(t, wire.Options{Now: clock.Now})
	e.register("late@example.com")
	e.want("reset e-mail", e.do("POST", "/password-reset-email/late@example.com", "", nil), http.StatusOK, nil)
	link := e.resetLink("late@example.com")
	if link.Path != "/" {
		t.Fatalf("link without linkUri: %s", link)
	}
	clock.advance(61 * time.Minute)
	r := e.do("POST", "/password-reset", "", map[string]any{"newPassword": "a fresh password",
		"i": link.Query().Get("i"), "id": link.Query().Get("id")})
	e.want("a link after an hour", r, http.StatusNotAcceptable, map[string]string{"i": "not valid"})
}

// clock is a clock that tests move forward.
type clock struct {
	mu sync.Mutex
	at time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
}

func TestHugeInputs(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", "/register", "", map[string]any{"email": "big@example.com", "password": "correct horse battery",
		"firstName": strings.Repeat("x", 1<<20)})
	e.want("register with a 1 MiB first name", r, http.StatusNotAcceptable, map[string]string{"firstName": "not valid"})
	r = e.do("POST", "/register", "", map[string]any{"email": "big@example.com", "password": strings.Repeat("p", 1<<20)})
	e.want("register with a 1 MiB password", r, http.StatusNotAcceptable, map[string]string{"password": "not valid"})
	r = e.do("POST", "/login/big@example.com", "", map[string]any{"password": strings.Repeat("p", 1<<20)})
	e.want("login with a 1 MiB password", r, http.StatusNotAcceptable, map[string]string{"password": "incorrect"})
	r = e.do("POST", "/register", "", `{"email": "`+strings.Repeat("a", 5<<20)+`"}`)
	if r.status != http.StatusRequestEntityTooLarge && r.status != http.StatusBadRequest {
		t.Fatalf("a 5 MiB body: %d %.200s", r.status, r.raw)
	}
	var n int
	if err := testenv.DB(t).Pool.QueryRow(context.Background(), `SELECT count(*) FROM checkout_accounts WHERE email = 'big@example.com'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("huge inputs stored %d accounts (%v)", n, err)
	}
}

func TestResetEmailsToOneAddressAreCapped(t *testing.T) {
	e := newEnv(t)
	e.register("spam@example.com")
	for i := range 7 {
		r := e.do("POST", "/password-reset-email/spam@example.com", "", nil)
		e.want(fmt.Sprint("reset e-mail ", i+1), r, http.StatusOK, nil)
	}
	if n := e.sentCount("spam@example.com"); n != 5 {
		t.Fatalf("%d reset e-mails to one address in an hour, want 5", n)
	}
}
