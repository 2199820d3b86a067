package openloyalty_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/loyalty"
	"loyaltygraph/domain/otp"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
	"loyaltygraph/phone"
)

// uniqPhone is a valid Danish mobile number that no other test of the
// package uses (in all likelihood).
func uniqPhone() string {
	for {
		p := fmt.Sprintf("+452%07d", rand.IntN(10_000_000))
		if _, err := (phone.Strict{}).Normalize("phone", p); err == nil {
			return p
		}
	}
}

// client is an address of its own for one phase of a test, so that wrong
// codes counted against other tests' (or runs') addresses do not count.
func client() string {
	return fmt.Sprintf("198.%d.%d.%d", 18+rand.IntN(2), rand.IntN(256), 1+rand.IntN(254))
}

// messagesTo returns the bodies of the messages sent to to, newest first,
// read as an admin through GraphQL (sentMessages).
func (e *env) messagesTo(to string) []string {
	e.t.Helper()
	testenv.WaitMessages(e.t)
	ad := testenv.Credential(e.t, e.app, auth.KindAdmin)
	_, res := testenv.GraphQL(e.t, e.app.Handler, testenv.BasicAuth(ad.Username, ad.Secret),
		`query($to: String!) { sentMessages(to: $to) { nodes { body } } }`, map[string]any{"to": to})
	var data struct {
		SentMessages testenv.Nodes[struct{ Body string }]
	}
	if err := json.Unmarshal(res.Data, &data); err != nil {
		e.t.Fatalf("sentMessages: %v %s", err, res.Data)
	}
	var out []string
	for _, m := range data.SentMessages {
		out = append(out, m.Body)
	}
	return out
}

var smsCodeRe = regexp.MustCompile(`\b(\d{6})$`)

// smsCode returns the newest code sent to phone (+digits).
func (e *env) smsCode(phone string) string {
	e.t.Helper()
	for _, m := range e.messagesTo(strings.TrimPrefix(phone, "+")) {
		if c := smsCodeRe.FindStringSubmatch(m); c != nil {
			return c[1]
		}
	}
	e.t.Fatalf("no code sent to %s", phone)
	return ""
}

// phoneOf reads a customer's phone and whether it is verified.
func (e *env) phoneOf(id string) (string, bool) {
	e.t.Helper()
	var phone *string
	var verified bool
	err := testenv.DB(e.t).Pool.QueryRow(context.Background(),
		`SELECT phone, phone_verified FROM ol_customers WHERE customer_id = $1`, id).Scan(&phone, &verified)
	if err != nil {
		e.t.Fatal(err)
	}
	if phone == nil {
		return "", verified
	}
	return *phone, verified
}

// otpSends are quick send limits for tests: one second between sends.
func otpSends() otp.SendLimits {
	return otp.SendLimits{Interval: time.Second, PerWindow: 50, Window: time.Hour}
}

// activateSMS posts an SMS activation code from client (an address of its
// own, so that wrong codes of other tests do not count against it).
func (e *env) activateSMS(client, store, code string) *testenv.Response {
	e.t.Helper()
	return e.postFrom(client, "/api/"+store+"/customer/activate-sms/"+code, "")
}

// postFrom posts a form body from client.
func (e *env) postFrom(client, path, body string) *testenv.Response {
	e.t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = client + ":4711"
	rec := httptest.NewRecorder()
	e.app.Handler.ServeHTTP(rec, req)
	return &testenv.Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

func routerMiss(res *testenv.Response) bool {
	return res.Status == http.StatusMethodNotAllowed ||
		res.Status == http.StatusNotFound && strings.Contains(string(res.Body), "No route found")
}

// TestEverySeedPathAnswers walks every path of seed 003, with its method,
// as the role the seed names for it: none is left to the router's 404 or
// 405, and none refuses that role.
func TestEverySeedPathAnswers(t *testing.T) {
	e := newEnv(t)
	admin, seller := e.staff()
	email := uniq("seed") + "@example.com"
	id := e.register(admin, "/api/DEFAULT/admin/customer/register", "customer[firstName]", "Seed", "customer[lastName]", "Path",
		"customer[email]", email, "customer[phone]", uniqPhone(), "customer[agreement1]", "1", "customer[plainPassword]", "seed-path-1")
	other := e.register(admin, "/api/DEFAULT/admin/customer/register", "customer[firstName]", "Other", "customer[lastName]", "Path",
		"customer[email]", uniq("seed2")+"@example.com", "customer[agreement1]", "1")
	customer, _ := e.login("/api/customer/login_check", email, "seed-path-1")
	tokens := map[string]string{"admin": admin, "seller": seller, "customer": customer, "none": ""}
	for _, r := range []struct{ role, method, path, body string }{
		{"none", "POST", "/api/admin/login_check", form("_username", "x", "_password", "y")},
		{"none", "POST", "/api/seller/login_check", form("_username", "x", "_password", "y")},
		{"none", "POST", "/api/customer/login_check", form("_username", "x", "_password", "y")},
		{"none", "POST", "/api/DEFAULT/customer/login_check", form("_username", "x", "_password", "y")},
		{"none", "POST", "/api/token/refresh", form("refresh_token", "x")},
		{"admin", "GET", "/api/DEFAULT/admin/customer", ""},
		{"admin", "GET", "/api/DEFAULT/admin/customer/" + id + "/status", ""},
		{"admin", "GET", "/api/DEFAULT/customer", ""},
		{"admin", "GET", "/api/DEFAULT/customer/" + id, ""},
		{"admin", "GET", "/api/DEFAULT/customer/" + id + "/avatar", ""},
		{"admin", "GET", "/api/DEFAULT/customer/" + id + "/pushy-token", ""},
		{"admin", "GET", "/api/DEFAULT/customer/check?emailOrPhone=" + email, ""},
		{"customer", "GET", "/api/DEFAULT/customer/customer/" + id + "/status", ""},
		{"admin", "GET", "/api/DEFAULT/customer/registrations?interval=day&lastDays=7", ""},
		{"seller", "GET", "/api/DEFAULT/seller/customer/" + id + "/status", ""},
		{"admin", "POST", "/api/DEFAULT/admin/customer/" + id + "/activate", ""},
		{"admin", "POST", "/api/DEFAULT/admin/customer/" + id + "/deactivate", ""},
		{"admin", "POST", "/api/DEFAULT/admin/customer/" + id + "/activate", ""},
		{"admin", "POST", "/api/DEFAULT/admin/customer/" + id + "/send-sms-code", ""},
		{"admin", "POST", "/api/DEFAULT/admin/customer/import", ""},
		{"admin", "POST", "/api/DEFAULT/admin/customer/register", form("customer[firstName]", "")},
		{"admin", "POST", "/api/DEFAULT/customer/" + id + "/avatar", ""},
		{"admin", "POST", "/api/DEFAULT/customer/" + id + "/level", form("levelId", "000096cf-32a3-43bd-9034-4df343e5fd93")},
		{"admin", "POST", "/api/DEFAULT/customer/" + id + "/remove-manually-level", ""},
		{"admin", "POST", "/api/DEFAULT/customer/" + id + "/pos", form("posId", "00000000-0000-474c-1111-b0dd880c07e3")},
		{"admin", "POST", "/api/DEFAULT/customer/" + id + "/pushy-token", form("customer[pushyToken]", "seed-token")},
		{"admin", "DELETE", "/api/DEFAULT/customer/" + id + "/pushy-token/seed-token", ""},
		{"admin", "DELETE", "/api/DEFAULT/customer/" + id + "/avatar", ""},
		{"none", "POST", "/api/DEFAULT/customer/activate-sms/954604", ""},
		{"none", "POST", "/api/DEFAULT/customer/activate/abcde", ""},
		{"customer", "POST", "/api/DEFAULT/customer/confirm-change/153105", ""},
		{"customer", "POST", "/api/DEFAULT/customer/customer-phone/send-sms-code", ""},
		{"admin", "POST", "/api/DEFAULT/customer/register", form("customer[firstName]", "")},
		{"seller", "POST", "/api/DEFAULT/pos/search/customer", form("search[email]", email)},
		{"seller", "POST", "/api/DEFAULT/seller/customer/" + id + "/activate", ""},
		{"seller", "POST", "/api/DEFAULT/seller/customer/" + id + "/deactivate", ""},
		{"seller", "POST", "/api/DEFAULT/seller/customer/" + id + "/pos", form("posId", "00000000-0000-474c-1111-b0dd880c07e3")},
		{"seller", "POST", "/api/DEFAULT/seller/customer/" + id + "/send-sms-code", ""},
		{"seller", "POST", "/api/DEFAULT/seller/customer/register", form("customer[firstName]", "")},
		{"admin", "PUT", "/api/DEFAULT/customer/" + id, form("customer[lastName]", "Walked")},
		{"admin", "POST", "/api/DEFAULT/admin/customer/" + other + "/anonymize", ""},
		{"admin", "DELETE", "/api/DEFAULT/customer/" + other, ""},
	} {
		var body any
		if r.body != "" {
			body = r.body
		}
		res := e.do(r.method, r.path, tokens[r.role], body)
		if routerMiss(res) || (r.role != "none" && (res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden)) ||
			res.Status >= 500 {
			t.Errorf("%s %s as %s: %d %s", r.method, r.path, r.role, res.Status, res.Body)
		}
	}
}

// TestSMSActivationCodes: admins and sellers send a customer its SMS
// activation code, the customer resends its own; nobody else may. The
// code activates the customer once (204) and verifies its phone; wrong,
// malformed, replayed, replaced and expired codes are 400 and change
// nothing; sends are throttled per phone, and wrong codes per client (429).
func TestSMSActivationCodes(t *testing.T) {
	e := &env{t: t, app: testenv.AppWith(t, wire.Options{LoyaltyCodes: loyalty.CodeLimits{
		SMSTTL: 2 * time.Second, Sends: otpSends(), Failures: loyalty.FailureLimits{PerClient: 6, PerStore: 1000, Window: time.Minute}}})}
	admin, seller := e.staff()
	email, phone := uniq("sms")+"@example.com", uniqPhone()
	id := e.register(admin, "/api/DEFAULT/admin/customer/register", "customer[firstName]", "Sms", "customer[lastName]", "Code",
		"customer[email]", email, "customer[phone]", phone, "customer[agreement1]", "1", "customer[plainPassword]", "sms-pass-1")
	other := e.register(admin, "/api/DEFAULT/admin/customer/register", "customer[firstName]", "Other", "customer[lastName]", "Code",
		"customer[email]", uniq("sms2")+"@example.com", "customer[phone]", uniqPhone(), "customer[agreement1]", "1")
	noPhone := e.register(admin, "/api/DEFAULT/admin/customer/register", "customer[firstName]", "No", "customer[lastName]", "Phone",
		"customer[email]", uniq("sms3")+"@example.com", "customer[agreement1]", "1")
	customer, _ := e.login("/api/customer/login_check", email, "sms-pass-1")

	// The role matrix of the three send paths.
	for _, r := range []struct {
		path, allowed string
	}{
		{"/api/DEFAULT/admin/customer/" + id + "/send-sms-code", "admin"},
		{"/api/DEFAULT/seller/customer/" + id + "/send-sms-code", "seller"},
		{"/api/DEFAULT/customer/customer-phone/send-sms-code", "customer"},
	} {
		if res := e.do("POST", r.path, "", nil); res.Status != http.StatusUnauthorized {
			t.Errorf("%s without token: %d", r.path, res.Status)
		}
		for role, tok := range map[string]string{"admin": admin, "seller": seller, "customer": customer} {
			res := e.do("POST", r.path, tok, nil)
			if role == r.allowed && res.Status != http.StatusOK && res.Status != http.StatusTooManyRequests {
				t.Errorf("%s as %s: %d %s", r.path, role, res.Status, res.Body)
			}
			if role != r.allowed && res.Status != http.StatusForbidden {
				t.Errorf("%s as %s: %d, want 403", r.path, role, res.Status)
			}
		}
	}
	// A second send to the same phone within the interval is throttled.
	if res := e.do("POST", "/api/DEFAULT/admin/customer/"+id+"/send-sms-code", admin, nil); res.Status != http.StatusTooManyRequests ||
		res.Header.Get("Retry-After") == "" {
		t.Fatalf("send again at once: %d %s", res.Status, res.Body)
	}
	// No phone: 400 naming it; another store's or a made-up customer: 404.
	if res := e.do("POST", "/api/DEFAULT/admin/customer/"+noPhone+"/send-sms-code", admin, nil); res.Status != http.StatusBadRequest ||
		!strings.Contains(string(res.Body), "phone") {
		t.Fatalf("no phone: %d %s", res.Status, res.Body)
	}
	for _, p := range []string{"/api/OTHER/admin/customer/" + id + "/send-sms-code",
		"/api/DEFAULT/admin/customer/00000000-0000-4000-8000-00000000dead/send-sms-code",
		"/api/DEFAULT/admin/customer/not-a-uuid/send-sms-code"} {
		if res := e.do("POST", p, admin, nil); res.Status != http.StatusNotFound {
			t.Fatalf("%s: %d %s", p, res.Status, res.Body)
		}
	}

	c1, c2, c3, c4 := client(), client(), client(), client()
	code := e.smsCode(phone)
	if _, verified := e.phoneOf(id); verified {
		t.Fatal("the phone is verified before the code was entered")
	}
	// Bad input: never a 500, nothing activated.
	for _, bad := range []string{"12345", "1234567", "abcdef", "%00%00%00%00%00%00", strings.Repeat("9", 300)} {
		if res := e.activateSMS(c1, "DEFAULT", bad); res.Status != http.StatusBadRequest {
			t.Fatalf("activate-sms %q: %d %s", bad, res.Status, res.Body)
		}
	}
	// The code of another store does not work here.
	if res := e.activateSMS(c2, "OTHER", code); res.Status != http.StatusBadRequest {
		t.Fatalf("code in another store: %d %s", res.Status, res.Body)
	}
	e.do("POST", "/api/DEFAULT/admin/customer/"+id+"/deactivate", admin, nil)
	if res := e.activateSMS(c2, "DEFAULT", code); res.Status != http.StatusNoContent {
		t.Fatalf("activate-sms: %d %s", res.Status, res.Body)
	}
	if c := e.do("GET", "/api/DEFAULT/customer/"+id, admin, nil).Object(t); c["active"] != true {
		t.Fatalf("not activated: %v", c)
	}
	if got, verified := e.phoneOf(id); !verified || got != phone {
		t.Fatalf("phone %s verified %v after activation", got, verified)
	}
	// Replayed: 400.
	if res := e.activateSMS(c2, "DEFAULT", code); res.Status != http.StatusBadRequest ||
		res.Object(t)["message"] == nil {
		t.Fatalf("replayed code: %d %s", res.Status, res.Body)
	}

	// A newer code replaces the older one; an expired code is void.
	otherPhone, _ := e.phoneOf(other)
	e.do("POST", "/api/DEFAULT/admin/customer/"+other+"/send-sms-code", admin, nil)
	first := e.smsCode(otherPhone)
	time.Sleep(1100 * time.Millisecond) // the test's send interval
	if res := e.do("POST", "/api/DEFAULT/seller/customer/"+other+"/send-sms-code", seller, nil); res.Status != http.StatusOK {
		t.Fatalf("second send: %d %s", res.Status, res.Body)
	}
	second := e.smsCode(otherPhone)
	if first != second {
		if res := e.activateSMS(c3, "DEFAULT", first); res.Status != http.StatusBadRequest {
			t.Fatalf("replaced code: %d %s", res.Status, res.Body)
		}
	}
	time.Sleep(2100 * time.Millisecond) // the test's code lifetime
	if res := e.activateSMS(c3, "DEFAULT", second); res.Status != http.StatusBadRequest {
		t.Fatalf("expired code: %d %s", res.Status, res.Body)
	}
	if _, verified := e.phoneOf(other); verified {
		t.Fatal("an expired code verified the phone")
	}

	// Wrong codes are counted per client: past the limit, 429 even for a
	// right code.
	e.do("POST", "/api/DEFAULT/admin/customer/"+other+"/send-sms-code", admin, nil)
	right := e.smsCode(otherPhone)
	for i := 0; i < 6; i++ {
		e.activateSMS(c4, "DEFAULT", "000000")
	}
	if res := e.activateSMS(c4, "DEFAULT", right); res.Status != http.StatusTooManyRequests {
		t.Fatalf("after many wrong codes: %d %s", res.Status, res.Body)
	}
	// Codes live in Redis only as keyed hashes.
	keys, err := testenv.Redis(t).Redis().Keys(context.Background(), "*olcode*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.Contains(k, right) {
			t.Fatalf("a code in clear in key %s", k)
		}
		if v, _ := testenv.Redis(t).Redis().Get(context.Background(), k).Result(); strings.Contains(v, right) {
			t.Fatalf("a code in clear in %s", k)
		}
	}
}

// TestActivationTokenSetsThePassword: a customer registered without a
// password gets an activation token by e-mail; the token (with a password)
// activates it once, after which it logs in; wrong, replayed and
// malformed tokens are 400; a bad password is 400 and keeps the token.
func TestActivationTokenSetsThePassword(t *testing.T) {
	e := newEnv(t)
	_, seller := e.staff()
	email := uniq("token") + "@example.com"
	id := e.register(seller, "/api/DEFAULT/seller/customer/register", "customer[firstName]", "Tok", "customer[lastName]", "En",
		"customer[email]", email, "customer[agreement1]", "1")
	msgs := e.messagesTo(email)
	if len(msgs) == 0 {
		t.Fatal("no activation e-mail")
	}
	m := regexp.MustCompile(`/customer/activate/([0-9a-z]{32})`).FindStringSubmatch(msgs[0])
	if m == nil {
		t.Fatalf("no token in %q", msgs[0])
	}
	token, from := m[1], client()
	if res := e.postFrom(from, "/api/DEFAULT/customer/activate/"+token, form("customer[plainPassword]", "short")); res.Status != http.StatusBadRequest {
		t.Fatalf("short password: %d %s", res.Status, res.Body)
	}
	for _, bad := range []string{"abcde", strings.Repeat("a", 32), "%00" + token[3:]} {
		if res := e.postFrom(from, "/api/DEFAULT/customer/activate/"+bad, ""); res.Status != http.StatusBadRequest {
			t.Fatalf("token %q: %d %s", bad, res.Status, res.Body)
		}
	}
	if res := e.postFrom(from, "/api/DEFAULT/customer/activate/"+token, form("customer[plainPassword]", "token-pass-1")); res.Status != http.StatusOK {
		t.Fatalf("activate: %d %s", res.Status, res.Body)
	}
	tok, _ := e.login("/api/customer/login_check", email, "token-pass-1")
	if claims(t, tok)["id"] != id {
		t.Fatal("logged in as someone else")
	}
	if res := e.postFrom(from, "/api/DEFAULT/customer/activate/"+token, form("customer[plainPassword]", "token-pass-2")); res.Status != http.StatusBadRequest {
		t.Fatalf("replayed token: %d %s", res.Status, res.Body)
	}
	if res := e.do("POST", "/api/customer/login_check", "", form("_username", email, "_password", "token-pass-2")); res.Status != http.StatusUnauthorized {
		t.Fatalf("the replayed token changed the password: %d", res.Status)
	}
}

// TestConfirmPhoneChange: a customer's own change of its phone waits for
// the code sent to the new phone; confirm-change (the customer's token
// only) applies it, verified; wrong codes count and the fifth voids it.
func TestConfirmPhoneChange(t *testing.T) {
	e := newEnv(t)
	admin, seller := e.staff()
	email, oldPhone, newPhone := uniq("chg")+"@example.com", uniqPhone(), uniqPhone()
	id := e.register(admin, "/api/DEFAULT/admin/customer/register", "customer[firstName]", "Chg", "customer[lastName]", "Phone",
		"customer[email]", email, "customer[phone]", oldPhone, "customer[agreement1]", "1", "customer[plainPassword]", "chg-pass-1")
	customer, _ := e.login("/api/customer/login_check", email, "chg-pass-1")

	if res := e.do("PUT", "/api/DEFAULT/customer/"+id, customer, form("customer[phone]", "not a phone")); res.Status != http.StatusBadRequest {
		t.Fatalf("bad phone: %d %s", res.Status, res.Body)
	}
	if res := e.do("PUT", "/api/DEFAULT/customer/"+id, customer, form("customer[phone]", newPhone, "customer[firstName]", "Changed")); res.Status != http.StatusOK {
		t.Fatalf("update: %d %s", res.Status, res.Body)
	}
	if got, _ := e.phoneOf(id); got != oldPhone {
		t.Fatalf("the phone changed to %s before it was confirmed", got)
	}
	code := e.smsCode(newPhone)
	for role, tok := range map[string]string{"none": "", "admin": admin, "seller": seller} {
		want := http.StatusForbidden
		if role == "none" {
			want = http.StatusUnauthorized
		}
		if res := e.do("POST", "/api/DEFAULT/customer/confirm-change/"+code, tok, nil); res.Status != want {
			t.Fatalf("confirm-change as %s: %d %s", role, res.Status, res.Body)
		}
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if res := e.do("POST", "/api/DEFAULT/customer/confirm-change/"+wrong, customer, nil); res.Status != http.StatusBadRequest {
		t.Fatalf("wrong code: %d %s", res.Status, res.Body)
	}
	if res := e.do("POST", "/api/DEFAULT/customer/confirm-change/"+code, customer, nil); res.Status != http.StatusNoContent {
		t.Fatalf("confirm-change: %d %s", res.Status, res.Body)
	}
	if got, verified := e.phoneOf(id); got != newPhone || !verified {
		t.Fatalf("phone %s verified %v, want %s verified", got, verified, newPhone)
	}
	if res := e.do("POST", "/api/DEFAULT/customer/confirm-change/"+code, customer, nil); res.Status != http.StatusBadRequest {
		t.Fatalf("replayed: %d %s", res.Status, res.Body)
	}
	// An admin's change of the phone is immediate and not verified.
	third := uniqPhone()
	e.do("PUT", "/api/DEFAULT/customer/"+id, admin, form("customer[phone]", third))
	if got, verified := e.phoneOf(id); got != third || verified {
		t.Fatalf("admin change: %s verified %v", got, verified)
	}

	// Five wrong tries void the code.
	fourth := uniqPhone()
	e.do("PUT", "/api/DEFAULT/customer/"+id, customer, form("customer[phone]", fourth))
	code = e.smsCode(fourth)
	for i := 0; i < 5; i++ {
		e.do("POST", "/api/DEFAULT/customer/confirm-change/"+wrong, customer, nil)
	}
	if res := e.do("POST", "/api/DEFAULT/customer/confirm-change/"+code, customer, nil); res.Status != http.StatusBadRequest {
		t.Fatalf("voided code: %d %s", res.Status, res.Body)
	}
	// Erasing its phone needs no code.
	if res := e.do("PUT", "/api/DEFAULT/customer/"+id, customer, form("customer[phone]", "")); res.Status != http.StatusOK {
		t.Fatalf("erase phone: %d %s", res.Status, res.Body)
	}
	if got, verified := e.phoneOf(id); got != "" || verified {
		t.Fatalf("after erasing: %q verified %v", got, verified)
	}
	// A phone another customer has is refused at once.
	taken := uniqPhone()
	e.register(admin, "/api/DEFAULT/admin/customer/register", "customer[firstName]", "Has", "customer[lastName]", "Phone",
		"customer[email]", uniq("chg2")+"@example.com", "customer[phone]", taken, "customer[agreement1]", "1")
	if res := e.do("PUT", "/api/DEFAULT/customer/"+id, customer, form("customer[phone]", taken)); res.Status != http.StatusBadRequest ||
		!strings.Contains(string(res.Body), "This value is already used.") {
		t.Fatalf("a taken phone: %d %s", res.Status, res.Body)
	}
}

// TestGraphQLCodes: the code operations through GraphQL follow the same
// rules as REST: sending is for staff and the customer itself, entering a
// code needs no credentials and answers wrong codes as userErrors naming
// token, and only the customer confirms its phone change.
func TestGraphQLCodes(t *testing.T) {
	e := newEnv(t)
	admin, seller := e.staff()
	email, phone := uniq("gql")+"@example.com", uniqPhone()
	id := e.register(admin, "/api/DEFAULT/admin/customer/register", "customer[firstName]", "Gql", "customer[lastName]", "Code",
		"customer[email]", email, "customer[phone]", phone, "customer[agreement1]", "1", "customer[plainPassword]", "gql-pass-1")
	other := e.register(admin, "/api/DEFAULT/admin/customer/register", "customer[firstName]", "Other", "customer[lastName]", "Code",
		"customer[email]", uniq("gql2")+"@example.com", "customer[phone]", uniqPhone(), "customer[agreement1]", "1")
	customer, _ := e.login("/api/customer/login_check", email, "gql-pass-1")

	const send = `mutation($in: SendCustomerActivationCodeInput!) { sendCustomerActivationCode(input: $in) { ok userErrors { field code } } }`
	type codeResult struct {
		Ok         bool
		UserErrors []struct{ Field, Code string }
	}
	if res := e.gql("", send, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": id}}, nil); len(res.Errors) == 0 ||
		res.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Fatalf("send without token: %+v", res.Errors)
	}
	if res := e.gql(customer, send, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": other}}, nil); len(res.Errors) == 0 ||
		res.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Fatalf("a customer sends another's code: %+v", res.Errors)
	}
	var sent struct{ SendCustomerActivationCode codeResult }
	if res := e.gql(customer, send, map[string]any{"in": map[string]any{"storeCode": "DEFAULT"}}, &sent); len(res.Errors) > 0 || !sent.SendCustomerActivationCode.Ok {
		t.Fatalf("the customer's own send: %+v %+v", res.Errors, sent)
	}
	if res := e.gql(seller, send, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": other}}, &sent); len(res.Errors) > 0 || !sent.SendCustomerActivationCode.Ok {
		t.Fatalf("a seller's send: %+v %+v", res.Errors, sent)
	}

	const activate = `mutation($in: ActivateCustomerBySmsCodeInput!) { activateCustomerBySmsCode(input: $in) { ok userErrors { field code } } }`
	var act struct{ ActivateCustomerBySmsCode codeResult }
	code := e.smsCode(phone)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if res := e.gql("", activate, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "code": wrong}}, &act); len(res.Errors) > 0 ||
		act.ActivateCustomerBySmsCode.Ok || len(act.ActivateCustomerBySmsCode.UserErrors) != 1 || act.ActivateCustomerBySmsCode.UserErrors[0].Field != "token" {
		t.Fatalf("wrong code: %+v %+v", res.Errors, act)
	}
	if res := e.gql("", activate, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "code": code}}, &act); len(res.Errors) > 0 || !act.ActivateCustomerBySmsCode.Ok {
		t.Fatalf("right code: %+v %+v", res.Errors, act)
	}
	var read struct{ Customer struct{ PhoneVerified bool } }
	if e.gql(admin, `query($id: ID!) { customer(storeCode: "DEFAULT", customerId: $id) { phoneVerified } }`, map[string]any{"id": id}, &read); !read.Customer.PhoneVerified {
		t.Fatal("phoneVerified is false after the SMS code")
	}

	// Activation token, registered by a seller through GraphQL.
	tokEmail := uniq("gqltok") + "@example.com"
	const register = `mutation($in: RegisterCustomerInput!) { registerCustomer(input: $in) { customer { customerId } userErrors { field } } }`
	if res := e.gql(seller, register, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customer": map[string]any{
		"firstName": "Tok", "lastName": "Gql", "email": tokEmail, "agreement1": true}}}, nil); len(res.Errors) > 0 {
		t.Fatalf("register: %+v", res.Errors)
	}
	m := regexp.MustCompile(`/customer/activate/([0-9a-z]{32})`).FindStringSubmatch(strings.Join(e.messagesTo(tokEmail), "\n"))
	if m == nil {
		t.Fatal("no activation token sent")
	}
	const byToken = `mutation($in: ActivateCustomerByTokenInput!) { activateCustomerByToken(input: $in) { ok userErrors { field code } } }`
	var tokRes struct{ ActivateCustomerByToken codeResult }
	if res := e.gql("", byToken, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "token": m[1], "plainPassword": "gql-token-pass"}}, &tokRes); len(res.Errors) > 0 || !tokRes.ActivateCustomerByToken.Ok {
		t.Fatalf("activate by token: %+v %+v", res.Errors, tokRes)
	}
	e.login("/api/customer/login_check", tokEmail, "gql-token-pass")

	// The customer changes its phone through GraphQL and confirms it.
	newPhone := uniqPhone()
	const update = `mutation($in: UpdateCustomerInput!) { updateCustomer(input: $in) { customer { phone } userErrors { field } } }`
	if res := e.gql(customer, update, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": id, "customer": map[string]any{"phone": newPhone}}}, nil); len(res.Errors) > 0 {
		t.Fatalf("update: %+v", res.Errors)
	}
	code = e.smsCode(newPhone)
	const confirm = `mutation($in: ConfirmCustomerPhoneChangeInput!) { confirmCustomerPhoneChange(input: $in) { customer { phone phoneVerified } userErrors { field } } }`
	if res := e.gql(admin, confirm, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "code": code}}, nil); len(res.Errors) == 0 ||
		res.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Fatalf("an admin confirms: %+v", res.Errors)
	}
	var conf struct {
		ConfirmCustomerPhoneChange struct {
			Customer struct {
				Phone         string
				PhoneVerified bool
			}
		}
	}
	if res := e.gql(customer, confirm, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "code": code}}, &conf); len(res.Errors) > 0 ||
		conf.ConfirmCustomerPhoneChange.Customer.Phone != newPhone || !conf.ConfirmCustomerPhoneChange.Customer.PhoneVerified {
		t.Fatalf("confirm: %+v %+v", res.Errors, conf)
	}
}
