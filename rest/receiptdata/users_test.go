package receiptdata_test

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
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/user"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/store/postgres"
)

// sbEnv adds to env the ids of both partners, a third partner and an admin.
type sbEnv struct {
	*env
	otherID int64
	third   string
	thirdID int64
	admin   string
	thirdUN string
}

func newSBEnv(t *testing.T) *sbEnv {
	e := &sbEnv{env: newEnv(t)}
	ctx := context.Background()
	o := testenv.Credential(t, e.app, auth.KindPartner)
	e.third, e.thirdUN = testenv.BasicAuth(o.Username, o.Secret), o.Username
	p, err := e.app.Auth.AuthenticateBasic(ctx, o.Username, o.Secret)
	if err != nil {
		t.Fatal(err)
	}
	e.thirdID = p.CredentialID
	ad := testenv.Credential(t, e.app, auth.KindAdmin)
	e.admin = testenv.BasicAuth(ad.Username, ad.Secret)
	// The other partner's id: carol is its user.
	if err := e.db.Pool.QueryRow(ctx, `SELECT provider_id FROM users WHERE user_id = $1`, e.carol).Scan(&e.otherID); err != nil {
		t.Fatal(err)
	}
	return e
}

const sbPath = "/receipt-data/v1/storeboxusers"

func newPhone() string { return fmt.Sprintf("4529%06d", rand.IntN(1_000_000)) }
func newEmail() string { return "anna." + ids.LowerAlnum(8) + "@example.com" }

// createSB creates a Storebox user with both contacts validated and returns
// its userId.
func (e *sbEnv) createSB(authz, email, phone string) string {
	e.t.Helper()
	res := e.do(authz, "POST", sbPath, map[string]any{"firstName": "Anna", "lastName": "Ærø", "greenProfile": true,
		"language": "da", "email": map[string]any{"value": email, "validated": true},
		"mobileNumber": map[string]any{"value": phone, "validated": true}})
	if res.Status != http.StatusCreated {
		e.t.Fatalf("create Storebox user: %d %s", res.Status, res.Body)
	}
	id, _ := res.Object(e.t)["userId"].(string)
	if len(id) != 32 || !ids.IsLowerAlnum(id) {
		e.t.Fatalf("userId %q", id)
	}
	return id
}

// messages returns the bodies of the messages sent to to, newest first.
func (e *sbEnv) messages(to string) []string {
	e.t.Helper()
	testenv.WaitMessages(e.t)
	var data struct {
		SentMessages testenv.Nodes[struct{ Body string }]
	}
	e.gql(e.admin, `query($to: String!) { sentMessages(to: $to) { nodes { body } } }`, map[string]any{"to": to}, &data)
	var out []string
	for _, m := range data.SentMessages {
		out = append(out, m.Body)
	}
	return out
}

var codeRe = regexp.MustCompile(`(\d{6})$`)

// code returns the newest one-time code sent to to.
func (e *sbEnv) code(to string) string {
	e.t.Helper()
	msgs := e.messages(to)
	for _, msg := range msgs {
		if m := codeRe.FindStringSubmatch(msg); m != nil {
			return m[1]
		}
	}
	e.t.Fatalf("no code sent to %s: %v", to, msgs)
	return ""
}

type linkIDs struct{ EmailValidationID, MobileNumberValidationID string }

func (e *sbEnv) link(authz, email, phone string) linkIDs {
	e.t.Helper()
	body := map[string]any{"language": "da"}
	if email != "" {
		body["email"] = map[string]any{"value": email}
	}
	if phone != "" {
		body["mobileNumber"] = map[string]any{"value": phone}
	}
	res := e.do(authz, "POST", sbPath+"/link", body)
	if res.Status != http.StatusOK {
		e.t.Fatalf("link: %d %s", res.Status, res.Body)
	}
	var out linkIDs
	res.JSON(e.t, &out)
	return out
}

func (e *sbEnv) validate(authz string, l linkIDs, emailOTP, smsOTP string) *testenv.Response {
	e.t.Helper()
	return e.do(authz, "POST", sbPath+"/link/validate", map[string]any{"emailValidationId": l.EmailValidationID,
		"emailOtp": emailOTP, "mobileNumberValidationId": l.MobileNumberValidationID, "mobileNumberOtp": smsOTP})
}

// linked runs the whole link flow for authz and returns its new userId.
func (e *sbEnv) linked(authz, email, phone string) string {
	e.t.Helper()
	l := e.link(authz, email, phone)
	res := e.validate(authz, l, e.code(email), e.code(phone))
	if res.Status != http.StatusOK {
		e.t.Fatalf("validate: %d %s", res.Status, res.Body)
	}
	id, _ := res.Object(e.t)["userId"].(string)
	return id
}

func wantStatus(t *testing.T, res *testenv.Response, status int, field string) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d: %s", res.Status, status, res.Body)
	}
	if field != "" {
		var b struct{ Code, Message, Field string }
		res.JSON(t, &b)
		if b.Field != field {
			t.Fatalf("field %q, want %q: %s", b.Field, field, res.Body)
		}
	}
}

// receiptIDs lists the user's receipts as authz.
func (e *sbEnv) receiptIDs(authz, userID string) []string {
	e.t.Helper()
	res := e.do(authz, "GET", "/receipt-data/v1/users/"+userID+"/receipts?orderBy=date&direction=desc", nil)
	if res.Status != http.StatusOK {
		e.t.Fatalf("receipts of %s: %d %s", userID, res.Status, res.Body)
	}
	var out struct{ Receipts []struct{ ReceiptID string } }
	res.JSON(e.t, &out)
	var list []string
	for _, r := range out.Receipts {
		list = append(list, r.ReceiptID)
	}
	return list
}

// addCard registers a card of token tok to userID of provider, as the card
// frame does (the user store's AddCard).
func (e *sbEnv) addCard(provider int64, userID, tok string) string {
	e.t.Helper()
	sealed, err := e.app.Keys.Seal([]byte(tok))
	if err != nil {
		e.t.Fatal(err)
	}
	c := &user.Card{ID: ids.New(), UserID: userID, TruncatedPAN: "457100XXXXXX0002", SealedToken: sealed,
		TokenHash: e.app.Keys.LookupHash([]byte(tok)), CreatedAt: time.Now().UTC()}
	out, err := postgres.NewUserStore(e.db, nil, nil).AddCard(context.Background(), provider, c)
	if err != nil {
		e.t.Fatal(err)
	}
	return out.ID
}

func cardReceipt(ext, tok string) map[string]any {
	b := receiptBody(ext)
	b["payments"] = []any{map[string]any{"type": "CARD", "amount": "34.50", "cardToken": tok, "truncatedCardNumber": "457100XXXXXX0002"}}
	return b
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// TestCreateStoreboxUserValidates: names of 1 to 32 characters, at least
// one contact given as validated, well-formed contacts and language; no
// NUL or card number; a contact of another account is a conflict.
func TestCreateStoreboxUserValidates(t *testing.T) {
	e := newSBEnv(t)
	valid := func() map[string]any {
		return map[string]any{"firstName": "Anna", "lastName": "Berg", "email": map[string]any{"value": newEmail(), "validated": true}}
	}
	long := strings.Repeat("å", 33)
	for _, tc := range []struct {
		name   string
		change func(map[string]any)
		field  string
	}{
		{"no firstName", func(b map[string]any) { delete(b, "firstName") }, "firstName"},
		{"blank lastName", func(b map[string]any) { b["lastName"] = "  " }, "lastName"},
		{"firstName of 33", func(b map[string]any) { b["firstName"] = long }, "firstName"},
		{"lastName of 33", func(b map[string]any) { b["lastName"] = long }, "lastName"},
		{"card number in name", func(b map[string]any) { b["lastName"] = pan }, "lastName"},
		{"none validated", func(b map[string]any) {
			b["email"] = map[string]any{"value": newEmail(), "validated": false}
			b["mobileNumber"] = map[string]any{"value": newPhone()}
		}, "email.validated"},
		{"no contact", func(b map[string]any) { delete(b, "email") }, "email.validated"},
		{"only phone, not validated", func(b map[string]any) {
			delete(b, "email")
			b["mobileNumber"] = map[string]any{"value": newPhone(), "validated": false}
		}, "mobileNumber.validated"},
		{"bad email", func(b map[string]any) { b["email"] = map[string]any{"value": "anna at example", "validated": true} }, "email.value"},
		{"bad phone", func(b map[string]any) {
			b["mobileNumber"] = map[string]any{"value": "12ab", "validated": true}
		}, "mobileNumber.value"},
		{"email not an object", func(b map[string]any) { b["email"] = "anna@example.com" }, "email"},
		{"greenProfile not a boolean", func(b map[string]any) { b["greenProfile"] = "yes" }, "greenProfile"},
		{"bad language", func(b map[string]any) { b["language"] = "dansk" }, "language"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := valid()
			tc.change(b)
			wantStatus(t, e.do(e.partner, "POST", sbPath, b), http.StatusBadRequest, tc.field)
		})
	}
	// A NUL byte is refused before anything is stored.
	res := e.do(e.partner, "POST", sbPath, `{"firstName":"An\u0000na","lastName":"B","email":{"value":"x@example.com","validated":true}}`)
	wantStatus(t, res, http.StatusBadRequest, "")
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM users WHERE provider_id = $1 AND kind = 'storebox'`,
		e.partnerID).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d Storebox users stored after refusals (%v)", n, err)
	}
	// Only a validated phone is enough; 32 characters are allowed.
	b := valid()
	delete(b, "email")
	b["firstName"] = strings.Repeat("å", 32)
	b["mobileNumber"] = map[string]any{"value": "+45 " + newPhone()[2:], "validated": true}
	wantStatus(t, e.do(e.partner, "POST", sbPath, b), http.StatusCreated, "")
	// The same e-mail for another account is a conflict (it is a username).
	email := newEmail()
	e.createSB(e.partner, email, newPhone())
	b = valid()
	b["email"] = map[string]any{"value": strings.ToUpper(email), "validated": true}
	wantStatus(t, e.do(e.other, "POST", sbPath, b), http.StatusConflict, "email.value")
	// The account finalisation e-mail went out once, in the language given.
	if msgs := e.messages(email); len(msgs) != 1 || !strings.HasPrefix(msgs[0], "Hej Anna. Din Storebox-bruger er oprettet via") {
		t.Fatalf("finalisation e-mail %v", msgs)
	}
}

// TestStoreboxUserGreenProfile: GET shows it, PUT without it changes
// nothing, PUT with it sets it; other partners and other kinds of users
// are not found.
func TestStoreboxUserGreenProfile(t *testing.T) {
	e := newSBEnv(t)
	id := e.createSB(e.partner, newEmail(), newPhone())
	get := func() bool {
		res := e.do(e.partner, "GET", sbPath+"/"+id, nil)
		wantStatus(t, res, http.StatusOK, "")
		var b map[string]bool
		res.JSON(t, &b)
		return b["greenProfile"]
	}
	if !get() {
		t.Fatal("greenProfile false, created true")
	}
	wantStatus(t, e.do(e.partner, "PUT", sbPath+"/"+id, map[string]any{}), http.StatusOK, "")
	wantStatus(t, e.do(e.partner, "PUT", sbPath+"/"+id, nil), http.StatusOK, "")
	wantStatus(t, e.do(e.partner, "PUT", sbPath+"/"+id, map[string]any{"greenProfile": nil}), http.StatusOK, "")
	if !get() {
		t.Fatal("PUT without greenProfile changed it")
	}
	wantStatus(t, e.do(e.partner, "PUT", sbPath+"/"+id, map[string]any{"greenProfile": false}), http.StatusOK, "")
	if get() {
		t.Fatal("PUT greenProfile false did not change it")
	}
	wantStatus(t, e.do(e.partner, "PUT", sbPath+"/"+id, map[string]any{"greenProfile": 1}), http.StatusBadRequest, "greenProfile")
	// Another partner's user, a User API user and unknown ids: 404.
	for _, tc := range []struct{ authz, id string }{{e.other, id}, {e.partner, e.alice}, {e.partner, ids.New()}, {e.partner, "NOT-AN-ID"}} {
		for _, m := range []string{"GET", "PUT", "DELETE"} {
			var body any
			if m == "PUT" {
				body = map[string]any{"greenProfile": true}
			}
			wantStatus(t, e.do(tc.authz, m, sbPath+"/"+tc.id, body), http.StatusNotFound, "")
		}
		// …and its receipts too.
		if tc.authz == e.other {
			wantStatus(t, e.do(tc.authz, "GET", "/receipt-data/v1/users/"+tc.id+"/receipts?orderBy=date&direction=desc", nil), http.StatusNotFound, "")
		}
	}
	wantStatus(t, e.do("", "GET", sbPath+"/"+id, nil), http.StatusUnauthorized, "")
	// The User API does not delete a Storebox user behind its account.
	wantStatus(t, e.do(e.partner, "DELETE", "/api/v1/users/"+id, nil), http.StatusNotFound, "")
}

// TestLinkStoreboxUser: codes go to the account's e-mail and phone; the
// validated link maps the calling partner to the account; linking again
// gives the same user; a code works once.
func TestLinkStoreboxUser(t *testing.T) {
	e := newSBEnv(t)
	email, phone := newEmail(), newPhone()
	first := e.createSB(e.partner, email, phone)
	l := e.link(e.other, email, "")
	if len(l.EmailValidationID) != 32 || l.MobileNumberValidationID != "" {
		t.Fatalf("validation ids %+v", l)
	}
	ec, sc := e.code(email), ""
	res := e.validate(e.other, l, ec, sc)
	wantStatus(t, res, http.StatusOK, "")
	mapped, _ := res.Object(t)["userId"].(string)
	if len(mapped) != 32 || mapped == first {
		t.Fatalf("mapped userId %q (first %q)", mapped, first)
	}
	wantStatus(t, e.do(e.other, "GET", sbPath+"/"+mapped, nil), http.StatusOK, "")
	// The green profile is the account's: one partner's change shows at the other.
	wantStatus(t, e.do(e.partner, "PUT", sbPath+"/"+first, map[string]any{"greenProfile": false}), http.StatusOK, "")
	var g map[string]bool
	e.do(e.other, "GET", sbPath+"/"+mapped, nil).JSON(t, &g)
	if g["greenProfile"] {
		t.Fatal("greenProfile is not the account's")
	}
	// Replay: the same ids and codes again are refused.
	wantStatus(t, e.validate(e.other, l, ec, sc), http.StatusBadRequest, "emailValidationId")
	// Linking again (by the other contact) gives the same user.
	l2 := e.link(e.other, "", phone)
	if l2.EmailValidationID != "" {
		t.Fatalf("an e-mail validation id without an e-mail: %+v", l2)
	}
	res = e.do(e.other, "POST", sbPath+"/link/validate", map[string]any{"mobileNumberValidationId": l2.MobileNumberValidationID,
		"mobileNumberOtp": e.code(phone)})
	wantStatus(t, res, http.StatusOK, "")
	if again, _ := res.Object(t)["userId"].(string); again != mapped {
		t.Fatalf("second link gave %q, want %q", again, mapped)
	}
	// The code is texted in the language asked for.
	if msgs := e.messages(phone); len(msgs) == 0 || !strings.HasPrefix(msgs[0], "Storebox: din kode") {
		t.Fatalf("messages in Danish: %v", msgs)
	}
	// The e-mail's code is sent by e-mail, the phone's by SMS.
	var data struct {
		SentMessages testenv.Nodes[struct{ Channel string }]
	}
	e.gql(e.admin, `query($to: String!) { sentMessages(to: $to) { nodes { channel } } }`, map[string]any{"to": email}, &data)
	if len(data.SentMessages) == 0 || data.SentMessages[0].Channel != "EMAIL" && data.SentMessages[0].Channel != "email" {
		t.Fatalf("e-mail messages %+v", data.SentMessages)
	}
	// Bad shapes.
	wantStatus(t, e.do(e.other, "POST", sbPath+"/link", map[string]any{}), http.StatusBadRequest, "email")
	wantStatus(t, e.do(e.other, "POST", sbPath+"/link/validate", map[string]any{}), http.StatusBadRequest, "emailValidationId")
	wantStatus(t, e.do(e.other, "POST", sbPath+"/link/validate", map[string]any{"emailValidationId": ids.New()}), http.StatusBadRequest, "emailOtp")
}

// TestLinkUnknownContactsAnswerAlike: unknown and unvalidated contacts get
// the same answer as an account's validated ones, and no code goes out.
func TestLinkUnknownContactsAnswerAlike(t *testing.T) {
	e := newSBEnv(t)
	email, phone := newEmail(), newPhone()
	// The account's phone is not validated: it is not a way in.
	res := e.do(e.partner, "POST", sbPath, map[string]any{"firstName": "A", "lastName": "B",
		"email": map[string]any{"value": email, "validated": true}, "mobileNumber": map[string]any{"value": phone, "validated": false}})
	wantStatus(t, res, http.StatusCreated, "")
	known := e.do(e.other, "POST", sbPath+"/link", map[string]any{"email": map[string]any{"value": email}})
	unknownEmail, unknownPhone := newEmail(), newPhone()
	unknown := e.do(e.other, "POST", sbPath+"/link", map[string]any{"email": map[string]any{"value": unknownEmail},
		"mobileNumber": map[string]any{"value": unknownPhone}})
	unvalidated := e.do(e.other, "POST", sbPath+"/link", map[string]any{"mobileNumber": map[string]any{"value": phone}})
	shape := func(r *testenv.Response) string {
		var m map[string]string
		r.JSON(t, &m)
		var keys []string
		for k, v := range m {
			keys = append(keys, fmt.Sprintf("%s:%d", k, len(v)))
		}
		return fmt.Sprint(r.Status, len(keys))
	}
	if known.Status != http.StatusOK || unknown.Status != http.StatusOK || unvalidated.Status != http.StatusOK {
		t.Fatalf("statuses %d %d %d", known.Status, unknown.Status, unvalidated.Status)
	}
	var k, u, v map[string]string
	known.JSON(t, &k)
	unknown.JSON(t, &u)
	unvalidated.JSON(t, &v)
	if len(k["emailValidationId"]) != 32 || len(u["emailValidationId"]) != 32 || len(u["mobileNumberValidationId"]) != 32 ||
		len(v["mobileNumberValidationId"]) != 32 {
		t.Fatalf("answers differ: known %v unknown %v unvalidated %v (%s %s)", k, u, v, shape(known), shape(unknown))
	}
	if msgs := e.messages(email); len(msgs) != 2 || (codeRe.FindString(msgs[0]) == "") == (codeRe.FindString(msgs[1]) == "") {
		t.Fatalf("the account's e-mail got %v, want the finalisation e-mail and one code", msgs)
	}
	for _, to := range []string{unknownEmail, unknownPhone, phone} {
		if msgs := e.messages(to); len(msgs) != 0 {
			t.Fatalf("%s got %v", to, msgs)
		}
	}
	// Validating an unknown contact's id answers like a wrong code.
	res = e.do(e.other, "POST", sbPath+"/link/validate", map[string]any{"emailValidationId": u["emailValidationId"], "emailOtp": "123456"})
	wantStatus(t, res, http.StatusBadRequest, "emailOtp")
	// Too many codes to one contact are throttled alike, known or not.
	again := e.do(e.other, "POST", sbPath+"/link", map[string]any{"email": map[string]any{"value": unknownEmail}})
	againKnown := e.do(e.other, "POST", sbPath+"/link", map[string]any{"email": map[string]any{"value": email}})
	if again.Status != http.StatusTooManyRequests || againKnown.Status != http.StatusTooManyRequests {
		t.Fatalf("second send within the interval: unknown %d, known %d; want 429 both", again.Status, againKnown.Status)
	}
}

// TestLinkWrongOTP: a wrong code is refused naming its field, tries run out
// and void the code.
func TestLinkWrongOTP(t *testing.T) {
	e := newSBEnv(t)
	email, phone := newEmail(), newPhone()
	e.createSB(e.partner, email, phone)
	l := e.link(e.other, email, "")
	right := e.code(email)
	wrong := "000000"
	if right == wrong {
		wrong = "111111"
	}
	body := func(code string) map[string]any {
		return map[string]any{"emailValidationId": l.EmailValidationID, "emailOtp": code}
	}
	res := e.do(e.other, "POST", sbPath+"/link/validate", body(wrong))
	wantStatus(t, res, http.StatusBadRequest, "emailOtp")
	if !strings.Contains(string(res.Body), "wrong code") {
		t.Fatalf("wrong code answered %s", res.Body)
	}
	for range 4 {
		e.do(e.other, "POST", sbPath+"/link/validate", body(wrong))
	}
	// Five wrong tries voided it: the right code no longer works.
	wantStatus(t, e.do(e.other, "POST", sbPath+"/link/validate", body(right)), http.StatusBadRequest, "emailOtp")
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM users WHERE provider_id = $1 AND kind = 'storebox'`, e.otherID).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d mappings after failed validation (%v)", n, err)
	}
}

// TestLinkOTPFromAnotherPartner: a partner cannot validate (or spend the
// tries of) another partner's link request, even with the right codes.
func TestLinkOTPFromAnotherPartner(t *testing.T) {
	e := newSBEnv(t)
	email, phone := newEmail(), newPhone()
	e.createSB(e.partner, email, phone)
	l := e.link(e.other, email, phone)
	ec, sc := e.code(email), e.code(phone)
	for range 6 {
		wantStatus(t, e.validate(e.third, l, ec, sc), http.StatusBadRequest, "emailValidationId")
	}
	// The requesting partner still validates.
	wantStatus(t, e.validate(e.other, l, ec, sc), http.StatusOK, "")
}

// TestDeleteStoreboxUserLeavesAccount: deleting a mapping leaves the
// account and the other partner's mapping, with the account's cards.
func TestDeleteStoreboxUserLeavesAccount(t *testing.T) {
	e := newSBEnv(t)
	email, phone := newEmail(), newPhone()
	first := e.createSB(e.partner, email, phone)
	e.addCard(e.partnerID, first, "tok-sb")
	mapped := e.linked(e.other, email, phone)
	wantStatus(t, e.do(e.partner, "DELETE", sbPath+"/"+first, nil), http.StatusNoContent, "")
	wantStatus(t, e.do(e.partner, "GET", sbPath+"/"+first, nil), http.StatusNotFound, "")
	wantStatus(t, e.do(e.other, "GET", sbPath+"/"+mapped, nil), http.StatusOK, "")
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM storebox_accounts WHERE email = $1`, email).Scan(&n); err != nil || n != 1 {
		t.Fatalf("account count %d (%v)", n, err)
	}
	// The card registered through the deleted mapping stays the account's.
	id := e.post(cardReceipt("R-after-delete", "tok-sb"))
	if got := e.receiptIDs(e.other, mapped); !contains(got, id) {
		t.Fatalf("the other partner's user lost the account's card: receipts %v", got)
	}
	// The partner can link again.
	again := e.linked(e.partner, email, phone)
	if again == first || again == "" {
		t.Fatalf("relinked user %q", again)
	}
	if got := e.receiptIDs(e.partner, again); !contains(got, id) {
		t.Fatalf("the relinked user misses the account's receipt: %v", got)
	}
}

// TestReceiptsViaAccountCardsReachEveryMappedUser: a receipt paid with a
// card registered through one partner's mapping reaches every partner's
// user of the account, also a partner that links later.
func TestReceiptsViaAccountCardsReachEveryMappedUser(t *testing.T) {
	e := newSBEnv(t)
	email, phone := newEmail(), newPhone()
	first := e.createSB(e.partner, email, phone)
	card := e.addCard(e.partnerID, first, "tok-acc")
	before := e.post(cardReceipt("R-before", "tok-acc"))
	mapped := e.linked(e.other, email, phone)
	after := e.post(cardReceipt("R-after", "tok-acc"))
	for _, who := range []struct{ authz, id string }{{e.partner, first}, {e.other, mapped}} {
		got := e.receiptIDs(who.authz, who.id)
		if !contains(got, before) || !contains(got, after) {
			t.Fatalf("user %s has %v, want %s and %s", who.id, got, before, after)
		}
	}
	// The other partner's user sees the account's card on the receipt.
	var d struct{ MatchedCards []struct{ CardID string } }
	e.do(e.other, "GET", "/receipt-data/v1/users/"+mapped+"/receipts/"+after, nil).JSON(t, &d)
	if len(d.MatchedCards) != 1 || d.MatchedCards[0].CardID != card {
		t.Fatalf("matched cards %+v, want %s", d.MatchedCards, card)
	}
	// Late: a receipt paid with a card before it was registered reaches
	// every mapping when the card is registered through one of them.
	lateBody := cardReceipt("R-late", "tok-late")
	lateBody["purchaseDateTime"] = time.Now().Add(-time.Hour).Format(time.RFC3339) // within the late-match window
	lateID := e.post(lateBody)
	e.addCard(e.otherID, mapped, "tok-late")
	for _, who := range []struct{ authz, id string }{{e.partner, first}, {e.other, mapped}} {
		if got := e.receiptIDs(who.authz, who.id); !contains(got, lateID) {
			t.Fatalf("user %s lacks the late-matched receipt: %v", who.id, got)
		}
	}
	// A third partner without a mapping has nothing.
	wantStatus(t, e.do(e.third, "GET", "/receipt-data/v1/users/"+mapped+"/receipts?orderBy=date&direction=desc", nil), http.StatusNotFound, "")
	// The account's cards (registered through either mapping) are listed
	// for every mapping (User.cards).
	var data struct {
		User struct {
			Cards testenv.Nodes[struct{ CardID string }]
		}
	}
	e.gql(e.other, `query($id: ID!) { user(userId: $id) { cards { nodes { cardId } } } }`, map[string]any{"id": mapped}, &data)
	if len(data.User.Cards) != 2 || (data.User.Cards[0].CardID != card && data.User.Cards[1].CardID != card) {
		t.Fatalf("cards of the other mapping %+v", data.User.Cards)
	}
}

// TestDeleteStoreboxAccountNotifiesEveryPartner: an admin deletes the
// account; every mapped partner gets STOREBOX_USER_DELETED with its own
// user's id, and the mappings are gone.
func TestDeleteStoreboxAccountNotifiesEveryPartner(t *testing.T) {
	e := newSBEnv(t)
	got := make(chan map[string]string, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b map[string]string
		_ = json.NewDecoder(r.Body).Decode(&b)
		b["path"] = r.URL.Path
		got <- b
	}))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	for owner, path := range map[int64]string{e.partnerID: "/p1", e.otherID: "/p2"} {
		if _, err := e.app.Notify.SetEndpoint(ctx, owner, notify.EventStoreboxUserDeleted, srv.URL+path, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.app.Jobs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	email, phone := newEmail(), newPhone()
	first := e.createSB(e.partner, email, phone)
	mapped := e.linked(e.other, email, phone)
	// Partners may not delete accounts.
	_, res := testenv.GraphQL(t, e.app.Handler, e.partner, `mutation($in: DeleteStoreboxAccountInput!) { deleteStoreboxAccount(input: $in) { deletedAccountId } }`,
		map[string]any{"in": map[string]any{"email": email}})
	if len(res.Errors) == 0 {
		t.Fatal("a partner deleted a Storebox account")
	}
	var out struct {
		DeleteStoreboxAccount struct {
			DeletedAccountID *string
			UserErrors       []struct{ Field, Code string }
		}
	}
	e.gql(e.admin, `mutation($in: DeleteStoreboxAccountInput!) { deleteStoreboxAccount(input: $in) { deletedAccountId userErrors { field code } } }`,
		map[string]any{"in": map[string]any{"mobileNumber": "+" + phone}}, &out)
	if out.DeleteStoreboxAccount.DeletedAccountID == nil {
		t.Fatalf("delete account: %+v", out.DeleteStoreboxAccount.UserErrors)
	}
	want := map[string]string{"/p1": first, "/p2": mapped}
	for range 2 {
		select {
		case b := <-got:
			if want[b["path"]] == "" || b["userId"] != want[b["path"]] || len(b) != 2 {
				t.Fatalf("notification %v, want userId %s", b, want[b["path"]])
			}
			delete(want, b["path"])
		case <-time.After(10 * time.Second):
			t.Fatalf("notifications missing for %v", want)
		}
	}
	wantStatus(t, e.do(e.partner, "GET", sbPath+"/"+first, nil), http.StatusNotFound, "")
	wantStatus(t, e.do(e.other, "GET", sbPath+"/"+mapped, nil), http.StatusNotFound, "")
	// Gone: a second delete is a not-found user error.
	e.gql(e.admin, `mutation($in: DeleteStoreboxAccountInput!) { deleteStoreboxAccount(input: $in) { deletedAccountId userErrors { field code } } }`,
		map[string]any{"in": map[string]any{"email": email}}, &out)
	if out.DeleteStoreboxAccount.DeletedAccountID != nil || len(out.DeleteStoreboxAccount.UserErrors) != 1 ||
		out.DeleteStoreboxAccount.UserErrors[0].Code != "NOT_FOUND" {
		t.Fatalf("second delete %+v", out.DeleteStoreboxAccount)
	}
}

const wlPath = "/receipt-data/v1/whitelabel/"

// TestWhitelabelUsers: create (201, then 200 with the same userId), look
// up, delete; scoped to the partner; userIdType and cid checked.
func TestWhitelabelUsers(t *testing.T) {
	e := newSBEnv(t)
	// Whitelabel types are issued to one partner: fresh ones per test.
	acme, other := "acme"+ids.LowerAlnum(8), "other"+ids.LowerAlnum(8)
	res := e.do(e.partner, "POST", wlPath+acme+"/users", map[string]any{"cid": "kunde-42", "language": "sv"})
	wantStatus(t, res, http.StatusCreated, "")
	id, _ := res.Object(t)["userId"].(string)
	if len(id) != 32 {
		t.Fatalf("userId %q", id)
	}
	res = e.do(e.partner, "POST", wlPath+acme+"/users", map[string]any{"cid": "kunde-42"})
	wantStatus(t, res, http.StatusOK, "")
	if again, _ := res.Object(t)["userId"].(string); again != id {
		t.Fatalf("second create gave %q, want %q", again, id)
	}
	res = e.do(e.partner, "GET", wlPath+acme+"/users/kunde-42", nil)
	wantStatus(t, res, http.StatusOK, "")
	if got, _ := res.Object(t)["userId"].(string); got != id {
		t.Fatalf("look up gave %q", got)
	}
	// Another partner: not found; and the type is the first partner's now,
	// so the other partner cannot make users of it.
	wantStatus(t, e.do(e.other, "GET", wlPath+acme+"/users/kunde-42", nil), http.StatusNotFound, "")
	wantStatus(t, e.do(e.other, "DELETE", wlPath+acme+"/users/kunde-42", nil), http.StatusNotFound, "")
	wantStatus(t, e.do(e.other, "GET", "/receipt-data/v1/users/"+id+"/receipts?orderBy=date&direction=desc", nil), http.StatusNotFound, "")
	wantStatus(t, e.do(e.other, "POST", wlPath+acme+"/users", map[string]any{"cid": "kunde-42"}), http.StatusForbidden, "userIdType")
	wantStatus(t, e.do(e.other, "POST", wlPath+acme+"/users", map[string]any{"cid": "kunde-43"}), http.StatusForbidden, "userIdType")
	// Its own type is its own.
	res = e.do(e.other, "POST", wlPath+other+"/users", map[string]any{"cid": "kunde-42"})
	wantStatus(t, res, http.StatusCreated, "")
	if theirs, _ := res.Object(t)["userId"].(string); theirs == id {
		t.Fatal("two partners share a whitelabel user")
	}
	// The user is a user of the Receipt Data API: its receipts list works.
	if got := e.receiptIDs(e.partner, id); len(got) != 0 {
		t.Fatalf("new user has receipts %v", got)
	}
	// Not a Storebox user.
	wantStatus(t, e.do(e.partner, "GET", sbPath+"/"+id, nil), http.StatusNotFound, "")
	// Validation.
	for _, tc := range []struct {
		method, path string
		body         any
		field        string
	}{
		{"POST", wlPath + "a/users", map[string]any{"cid": "x"}, "userIdType"},
		{"POST", wlPath + "ACME/users", map[string]any{"cid": "x"}, "userIdType"},
		{"POST", wlPath + strings.Repeat("a", 33) + "/users", map[string]any{"cid": "x"}, "userIdType"},
		{"POST", wlPath + "acme.cid/users", map[string]any{"cid": "x"}, "userIdType"},
		{"GET", wlPath + "a/users/x", nil, "userIdType"},
		{"DELETE", wlPath + "a%20b/users/x", nil, "userIdType"},
		{"POST", wlPath + acme + "/users", map[string]any{}, "cid"},
		{"POST", wlPath + acme + "/users", map[string]any{"cid": ""}, "cid"},
		{"POST", wlPath + acme + "/users", map[string]any{"cid": 42}, "cid"},
		{"POST", wlPath + acme + "/users", map[string]any{"cid": strings.Repeat("c", 129)}, "cid"},
		{"POST", wlPath + acme + "/users", map[string]any{"cid": pan}, "cid"},
		{"POST", wlPath + acme + "/users", map[string]any{"cid": "a\tb"}, "cid"},
		{"POST", wlPath + acme + "/users", map[string]any{"cid": "x", "language": "svenska"}, "language"},
		{"GET", wlPath + acme + "/users/a%00b", nil, "cid"},
		{"GET", wlPath + acme + "/users/" + pan, nil, "cid"},
	} {
		wantStatus(t, e.do(e.partner, tc.method, tc.path, tc.body), http.StatusBadRequest, tc.field)
	}
	wantStatus(t, e.do(e.partner, "POST", wlPath+acme+"/users", `{"cid":"a\u0000b"}`), http.StatusBadRequest, "")
	wantStatus(t, e.do(e.partner, "POST", wlPath+"w"+ids.LowerAlnum(31)+"/users", map[string]any{"cid": strings.Repeat("ø", 128)}), http.StatusCreated, "")
	// Delete: gone, and a second delete is not found.
	wantStatus(t, e.do(e.partner, "DELETE", wlPath+acme+"/users/kunde-42", nil), http.StatusNoContent, "")
	wantStatus(t, e.do(e.partner, "GET", wlPath+acme+"/users/kunde-42", nil), http.StatusNotFound, "")
	wantStatus(t, e.do(e.partner, "DELETE", wlPath+acme+"/users/kunde-42", nil), http.StatusNotFound, "")
	wantStatus(t, e.do(e.partner, "GET", "/receipt-data/v1/users/"+id+"/receipts?orderBy=date&direction=desc", nil), http.StatusNotFound, "")
}

// TestWhitelabelCustomerBlockMatching: a POS receipt with customer
// {userIdType, cid} reaches the whitelabel user with that type and cid of
// the partner the type is issued to, not users of another type or cid;
// one posted before the user existed reaches it when it is created.
func TestWhitelabelCustomerBlockMatching(t *testing.T) {
	e := newSBEnv(t)
	// Whitelabel types are issued to one partner: fresh ones per test.
	acme, zeta := "acme"+ids.LowerAlnum(8), "zeta"+ids.LowerAlnum(8)
	create := func(authz, typ, cid string) string {
		res := e.do(authz, "POST", wlPath+typ+"/users", map[string]any{"cid": cid})
		if res.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		id, _ := res.Object(t)["userId"].(string)
		return id
	}
	withCustomer := func(ext, typ, cid string) map[string]any {
		b := receiptBody(ext)
		b["payments"] = []any{map[string]any{"type": "CASH", "amount": "34.50"}}
		b["customer"] = map[string]any{"userIdType": typ, "cid": cid}
		return b
	}
	// An admin issues zeta to the third partner before anyone uses it.
	var iss struct {
		IssueWhitelabelType struct {
			UserIDType *string
			UserErrors []struct{ Field, Code string }
		}
	}
	const issue = `mutation($in: IssueWhitelabelTypeInput!) { issueWhitelabelType(input: $in) { userIdType userErrors { field code } } }`
	e.gql(e.admin, issue, map[string]any{"in": map[string]any{"userIdType": zeta, "partnerUsername": e.thirdUN}}, &iss)
	if iss.IssueWhitelabelType.UserIDType == nil {
		t.Fatalf("issue: %+v", iss)
	}
	wantStatus(t, e.do(e.partner, "POST", wlPath+zeta+"/users", map[string]any{"cid": "c-1"}), http.StatusForbidden, "userIdType")
	a := create(e.partner, acme, "c-1")
	otherCID := create(e.partner, acme, "c-2")
	otherType := create(e.third, zeta, "c-1")
	// Another partner cannot make a user of acme to receive a's receipts.
	wantStatus(t, e.do(e.other, "POST", wlPath+acme+"/users", map[string]any{"cid": "c-1"}), http.StatusForbidden, "userIdType")
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	if _, err := e.app.Notify.SetEndpoint(context.Background(), e.partnerID, notify.EventReceipt, srv.URL, nil); err != nil {
		t.Fatal(err)
	}
	r1 := e.post(withCustomer("W1", acme, "c-1"))
	if got := e.receiptIDs(e.partner, a); len(got) != 1 || got[0] != r1 {
		t.Fatalf("whitelabel user %s has %v, want [%s]", a, got, r1)
	}
	// The partner gets the RECEIPT notification for its whitelabel user,
	// with no card.
	var payload string
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT payload FROM notification_deliveries
		WHERE owner_id = $1 AND type = 'RECEIPT' AND payload LIKE '%' || $2 || '%'`, e.partnerID, r1).Scan(&payload); err != nil {
		t.Fatalf("RECEIPT notification: %v", err)
	}
	var n struct {
		UserID  string
		CardIDs []string
	}
	if err := json.Unmarshal([]byte(payload), &n); err != nil || n.UserID != a || n.CardIDs == nil || len(n.CardIDs) != 0 {
		t.Fatalf("notification %s (%v)", payload, err)
	}
	if got := e.receiptIDs(e.partner, otherCID); len(got) != 0 {
		t.Fatalf("user of another cid has %v", got)
	}
	if got := e.receiptIDs(e.third, otherType); len(got) != 0 {
		t.Fatalf("user of another type has %v", got)
	}
	// Reissuing a type whose users are another partner's is a conflict.
	e.gql(e.admin, issue, map[string]any{"in": map[string]any{"userIdType": acme, "partnerUsername": e.thirdUN}}, &iss)
	if len(iss.IssueWhitelabelType.UserErrors) != 1 || iss.IssueWhitelabelType.UserErrors[0].Code != "CONFLICT" {
		t.Fatalf("reissue: %+v", iss)
	}
	_, res := testenv.GraphQL(t, e.app.Handler, e.partner, issue, map[string]any{"in": map[string]any{"userIdType": "mine", "partnerUsername": e.thirdUN}})
	if len(res.Errors) == 0 {
		t.Fatal("a partner issued a whitelabel type")
	}
	// The receipt's details are the whitelabel user's too.
	wantStatus(t, e.do(e.partner, "GET", "/receipt-data/v1/users/"+a+"/receipts/"+r1, nil), http.StatusOK, "")
	// Late: posted before the user exists, reached when it is created.
	r2 := e.post(withCustomer("W2", acme, "late-1"))
	late := create(e.partner, acme, "late-1")
	if got := e.receiptIDs(e.partner, late); len(got) != 1 || got[0] != r2 {
		t.Fatalf("late whitelabel user has %v, want [%s]", got, r2)
	}
	// A re-post updates, and does not duplicate.
	e.do(e.pos, "POST", receiver, withCustomer("W2", acme, "late-1"))
	if got := e.receiptIDs(e.partner, late); len(got) != 1 {
		t.Fatalf("after re-post %v", got)
	}
}

// TestStoreboxGraphQL: the mutations take input objects and answer
// userErrors; User.greenProfile and User.kind show.
func TestStoreboxGraphQL(t *testing.T) {
	e := newSBEnv(t)
	// Whitelabel types are issued to one partner: fresh ones per test.
	acme := "acme" + ids.LowerAlnum(8)
	email, phone := newEmail(), newPhone()
	var c struct {
		CreateStoreboxUser struct {
			UserID *string
			User   *struct {
				Kind         string
				GreenProfile *bool
			}
			UserErrors []struct{ Field, Code string }
		}
	}
	const create = `mutation($in: CreateStoreboxUserInput!) { createStoreboxUser(input: $in) { userId user { kind greenProfile } userErrors { field code } } }`
	e.gql(e.partner, create, map[string]any{"in": map[string]any{"firstName": "A", "lastName": "B",
		"email": map[string]any{"value": email}}}, &c)
	if c.CreateStoreboxUser.UserID != nil || len(c.CreateStoreboxUser.UserErrors) != 1 || c.CreateStoreboxUser.UserErrors[0].Field != "email.validated" {
		t.Fatalf("none validated: %+v", c.CreateStoreboxUser)
	}
	e.gql(e.partner, create, map[string]any{"in": map[string]any{"firstName": "A", "lastName": "B", "greenProfile": true,
		"email": map[string]any{"value": email, "validated": true}, "mobileNumber": map[string]any{"value": phone, "validated": true}}}, &c)
	if c.CreateStoreboxUser.UserID == nil || c.CreateStoreboxUser.User.Kind != "STOREBOX" || !*c.CreateStoreboxUser.User.GreenProfile {
		t.Fatalf("create: %+v", c.CreateStoreboxUser)
	}
	id := *c.CreateStoreboxUser.UserID
	var l struct {
		LinkStoreboxUser struct{ EmailValidationID, MobileNumberValidationID *string }
	}
	e.gql(e.other, `mutation($in: LinkStoreboxUserInput!) { linkStoreboxUser(input: $in) { emailValidationId mobileNumberValidationId userErrors { field } } }`,
		map[string]any{"in": map[string]any{"email": email}}, &l)
	if l.LinkStoreboxUser.EmailValidationID == nil || l.LinkStoreboxUser.MobileNumberValidationID != nil {
		t.Fatalf("link: %+v", l)
	}
	var v struct {
		ValidateStoreboxUserLink struct {
			UserID     *string
			UserErrors []struct{ Field, Code string }
		}
	}
	const validate = `mutation($in: ValidateStoreboxUserLinkInput!) { validateStoreboxUserLink(input: $in) { userId userErrors { field code } } }`
	e.gql(e.other, validate, map[string]any{"in": map[string]any{"emailValidationId": *l.LinkStoreboxUser.EmailValidationID, "emailOtp": "99999"}}, &v)
	if v.ValidateStoreboxUserLink.UserID != nil || len(v.ValidateStoreboxUserLink.UserErrors) != 1 || v.ValidateStoreboxUserLink.UserErrors[0].Field != "emailOtp" {
		t.Fatalf("wrong code: %+v", v)
	}
	e.gql(e.other, validate, map[string]any{"in": map[string]any{"emailValidationId": *l.LinkStoreboxUser.EmailValidationID, "emailOtp": e.code(email)}}, &v)
	if v.ValidateStoreboxUserLink.UserID == nil {
		t.Fatalf("validate: %+v", v)
	}
	mapped := *v.ValidateStoreboxUserLink.UserID
	var u struct {
		UpdateStoreboxUser struct{ User struct{ GreenProfile bool } }
	}
	e.gql(e.other, `mutation($in: UpdateStoreboxUserInput!) { updateStoreboxUser(input: $in) { user { greenProfile } userErrors { field } } }`,
		map[string]any{"in": map[string]any{"userId": mapped, "greenProfile": false}}, &u)
	var q struct {
		StoreboxUser *struct{ GreenProfile bool }
		Other        *struct{ UserID string }
	}
	e.gql(e.partner, `query($id: ID!, $o: ID!) { storeboxUser(userId: $id) { greenProfile } other: storeboxUser(userId: $o) { userId } }`,
		map[string]any{"id": id, "o": mapped}, &q)
	if q.StoreboxUser == nil || q.StoreboxUser.GreenProfile || q.Other != nil {
		t.Fatalf("query: %+v", q)
	}
	var d struct {
		DeleteStoreboxUser struct {
			DeletedUserID *string
			UserErrors    []struct{ Code string }
		}
	}
	const del = `mutation($in: DeleteStoreboxUserInput!) { deleteStoreboxUser(input: $in) { deletedUserId userErrors { code } } }`
	e.gql(e.partner, del, map[string]any{"in": map[string]any{"userId": mapped}}, &d)
	if d.DeleteStoreboxUser.DeletedUserID != nil || len(d.DeleteStoreboxUser.UserErrors) != 1 || d.DeleteStoreboxUser.UserErrors[0].Code != "NOT_FOUND" {
		t.Fatalf("deleting another partner's user: %+v", d)
	}
	// unlinkStoreboxUser (API-MAP's name) is the same operation.
	const unlink = `mutation($in: DeleteStoreboxUserInput!) { deleteStoreboxUser: unlinkStoreboxUser(input: $in) { deletedUserId userErrors { code } } }`
	e.gql(e.partner, unlink, map[string]any{"in": map[string]any{"userId": mapped}}, &d)
	if d.DeleteStoreboxUser.DeletedUserID != nil || len(d.DeleteStoreboxUser.UserErrors) != 1 || d.DeleteStoreboxUser.UserErrors[0].Code != "NOT_FOUND" {
		t.Fatalf("unlinking another partner's user: %+v", d)
	}
	e.gql(e.other, unlink, map[string]any{"in": map[string]any{"userId": mapped}}, &d)
	if d.DeleteStoreboxUser.DeletedUserID == nil || *d.DeleteStoreboxUser.DeletedUserID != mapped {
		t.Fatalf("delete: %+v", d)
	}
	// Whitelabel.
	var w struct {
		CreateWhitelabelUser struct {
			UserID  *string
			Created *bool
			User    *struct{ Kind, UserIDType, Cid string }
		}
	}
	const cw = `mutation($in: CreateWhitelabelUserInput!) { createWhitelabelUser(input: $in) { userId created user { kind userIdType cid } userErrors { field } } }`
	e.gql(e.partner, cw, map[string]any{"in": map[string]any{"userIdType": acme, "cid": "g-1"}}, &w)
	if w.CreateWhitelabelUser.UserID == nil || !*w.CreateWhitelabelUser.Created || w.CreateWhitelabelUser.User.Kind != "WHITELABEL" ||
		w.CreateWhitelabelUser.User.Cid != "g-1" || w.CreateWhitelabelUser.User.UserIDType != acme {
		t.Fatalf("create whitelabel: %+v", w)
	}
	wid := *w.CreateWhitelabelUser.UserID
	e.gql(e.partner, cw, map[string]any{"in": map[string]any{"userIdType": acme, "cid": "g-1"}}, &w)
	if *w.CreateWhitelabelUser.UserID != wid || *w.CreateWhitelabelUser.Created {
		t.Fatalf("second create: %+v", w)
	}
	var wq struct{ WhitelabelUser *struct{ UserID string } }
	e.gql(e.partner, `query($t: String!) { whitelabelUser(userIdType: $t, cid: "g-1") { userId } }`, map[string]any{"t": acme}, &wq)
	if wq.WhitelabelUser == nil || wq.WhitelabelUser.UserID != wid {
		t.Fatalf("whitelabelUser: %+v", wq)
	}
	var wd struct {
		DeleteWhitelabelUser struct {
			DeletedUserID *string
			UserErrors    []struct{ Field string }
		}
	}
	e.gql(e.partner, `mutation { deleteWhitelabelUser(input: {userIdType: "A", cid: "g-1"}) { deletedUserId userErrors { field } } }`, nil, &wd)
	if wd.DeleteWhitelabelUser.DeletedUserID != nil || len(wd.DeleteWhitelabelUser.UserErrors) != 1 || wd.DeleteWhitelabelUser.UserErrors[0].Field != "userIdType" {
		t.Fatalf("bad userIdType: %+v", wd)
	}
	e.gql(e.partner, `mutation($t: String!) { deleteWhitelabelUser(input: {userIdType: $t, cid: "g-1"}) { deletedUserId userErrors { field } } }`,
		map[string]any{"t": acme}, &wd)
	if wd.DeleteWhitelabelUser.DeletedUserID == nil || *wd.DeleteWhitelabelUser.DeletedUserID != wid {
		t.Fatalf("delete whitelabel: %+v", wd)
	}
	// Admins look accounts up.
	var a struct {
		StoreboxAccount *struct{ Email, MobileNumber string }
	}
	e.gql(e.admin, `query($e: String) { storeboxAccount(email: $e) { email mobileNumber } }`, map[string]any{"e": email}, &a)
	if a.StoreboxAccount == nil || a.StoreboxAccount.Email != email || a.StoreboxAccount.MobileNumber != phone {
		t.Fatalf("storeboxAccount: %+v", a)
	}
	_, res := testenv.GraphQL(t, e.app.Handler, e.partner, `query($e: String) { storeboxAccount(email: $e) { email } }`, map[string]any{"e": email})
	if len(res.Errors) == 0 {
		t.Fatal("a partner read a Storebox account")
	}
}
