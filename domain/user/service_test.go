package user

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/notify"
)

var (
	acme   = Provider{ID: 1, Name: "Acme"}
	globex = Provider{ID: 2, Name: "Globex"}
)

const (
	phoneA  = "4511111111"
	phoneB  = "4522222222"
	baseURL = "https://loyalty.example"
)

// fixture is a Service over in-memory ports.
type fixture struct {
	svc   *Service
	store *memStore
	otps  *fakeOTPs
	msgs  *fakeMessages
	clock *testClock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{store: newMemStore(), otps: &fakeOTPs{}, msgs: &fakeMessages{},
		clock: &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}}
	f.svc = NewService(Deps{Store: f.store, Phones: digitPhones{}, OTPs: f.otps, Messages: f.msgs, Vault: xorVault{},
		Tokens: fakeTokens{}, Now: f.clock.Now, PublicBaseURL: baseURL + "/"})
	return f
}

// sms returns every SMS sent so far to phone, through the store's outbox or
// on its own.
func (f *fixture) sms(phone string) []string {
	var out []string
	for _, m := range append(append([]notify.Message{}, f.store.messages...), f.msgs.msgs...) {
		if m.To == phone && m.Channel == notify.ChannelSMS {
			out = append(out, m.Body)
		}
	}
	return out
}

var (
	linkCodeRE = regexp.MustCompile(`https?://\S+`)
	otpRE      = regexp.MustCompile(`\b[0-9]{6}\b`)
)

// lastLink returns the link of the last SMS to phone and its link code.
func (f *fixture) lastLink(t *testing.T, phone string) (string, string) {
	t.Helper()
	all := f.sms(phone)
	if len(all) == 0 {
		t.Fatalf("no SMS to %s", phone)
	}
	link := linkCodeRE.FindString(all[len(all)-1])
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("linkCode") == "" {
		t.Fatalf("SMS %q has no link with a linkCode", all[len(all)-1])
	}
	return link, u.Query().Get("linkCode")
}

// lastOTP returns the code of the last SMS to phone.
func (f *fixture) lastOTP(t *testing.T, phone string) string {
	t.Helper()
	all := f.sms(phone)
	if len(all) == 0 {
		t.Fatalf("no SMS to %s", phone)
	}
	code := otpRE.FindString(all[len(all)-1])
	if code == "" {
		t.Fatalf("SMS %q has no code", all[len(all)-1])
	}
	return code
}

func card(token string) CardInput {
	return CardInput{Token: token, TokenType: "VISA", TruncatedPAN: "457100XXXXXX0001"}
}

// signedUp makes p's user with phone through the till signup and the link,
// with the card token, and returns it.
func (f *fixture) signedUp(t *testing.T, p Provider, phone, token string) *User {
	t.Helper()
	ctx := context.Background()
	res, _, err := f.svc.SignupWithCard(ctx, p, CardSignup{Phone: phone, Card: card(token)}, false)
	if err != nil || res != SignupVerificationSent {
		t.Fatalf("signup: %v %v", res, err)
	}
	_, code := f.lastLink(t, phone)
	u, err := f.svc.VerifyLinkCode(ctx, p, code, "")
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return u
}

// payload returns an event's payload as the map the user events carry.
func payload(e notify.Event) map[string]any {
	m, _ := e.Payload.(map[string]any)
	return m
}

func wantCode(t *testing.T, what string, err error, code errs.Code, field string) {
	t.Helper()
	if !errs.Is(err, code) {
		t.Fatalf("%s: got %v, want %s", what, err, code)
	}
	if field != "" && errs.As(err).Field != field {
		t.Fatalf("%s: field %q, want %q (%v)", what, errs.As(err).Field, field, err)
	}
}

func TestSignupWithCardNewPhoneTextsOneLinkAndCreatesNoUser(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		settings  *PartnerSettings
		tokenOnly bool
		in        CardSignup
		wantLink  string // prefix
		wantBody  string
	}{
		{name: "storebox flow", in: CardSignup{Phone: phoneA, Card: card("tok-1"), StoreID: "SB-1"},
			wantLink: baseURL + "/api/v1/signup/terms?linkCode=", wantBody: "Acme (signed up at SB-1)"},
		{name: "card token", tokenOnly: true, in: CardSignup{Phone: phoneA, Card: CardInput{Token: "tok-1", TokenType: "VISA"}},
			wantLink: baseURL + "/api/v1/signup/terms?linkCode=", wantBody: "Acme: confirm"},
		{name: "customer flow", settings: &PartnerSettings{ProviderID: acme.ID, Flow: FlowCustomer, LandingURL: "https://acme.example/join?src=sms"},
			in: CardSignup{Phone: phoneA, Card: card("tok-1")}, wantLink: "https://acme.example/join?", wantBody: "Acme: confirm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.settings != nil {
				if _, err := f.svc.SetSettings(ctx, *tc.settings); err != nil {
					t.Fatal(err)
				}
			}
			res, u, err := f.svc.SignupWithCard(ctx, acme, tc.in, tc.tokenOnly)
			if err != nil || res != SignupVerificationSent || u != nil {
				t.Fatalf("got %v %v %v, want VERIFICATION_SENT without user", res, u, err)
			}
			if got := f.sms(phoneA); len(got) != 1 || !strings.HasPrefix(got[0], tc.wantBody) {
				t.Fatalf("SMS %q, want one starting %q", got, tc.wantBody)
			}
			link, code := f.lastLink(t, phoneA)
			if !strings.HasPrefix(link, tc.wantLink) || len(code) != linkCodeLength {
				t.Fatalf("link %q, want %q… with a %d-character code", link, tc.wantLink, linkCodeLength)
			}
			if strings.Contains(f.sms(phoneA)[0], "tok-1") {
				t.Fatal("the SMS carries the card token")
			}
			if f.store.userCount(acme.ID) != 0 || len(f.store.eventsOf(notify.EventUserCreated)) != 0 {
				t.Fatal("a user exists before the link is followed")
			}
			if _, err := f.svc.FindByPhone(ctx, acme, phoneA); !errs.Is(err, errs.NotFound) {
				t.Fatalf("user by phone before verify: %v, want not found", err)
			}
			if _, err := f.svc.CardTokenByPhone(ctx, acme, phoneA); !errs.Is(err, errs.NotFound) {
				t.Fatalf("card token before verify: %v, want not found", err)
			}
			// The card is the user's once the end user follows the link.
			u, err = f.svc.VerifyLinkCode(ctx, acme, code, "")
			if err != nil {
				t.Fatal(err)
			}
			if tok, err := f.svc.CardTokenByPhone(ctx, acme, phoneA); err != nil || tok != "tok-1" {
				t.Fatalf("card token after verify: %q %v", tok, err)
			}
			if sg, err := f.store.FindSignup(ctx, code); err != nil || string(sg.Card.SealedToken) == "tok-1" {
				t.Fatalf("signup stores the token in the clear: %v", err)
			}
			if u.Phone != phoneA || !u.PhoneVerified || u.Provider != acme {
				t.Fatalf("user %+v", u)
			}
		})
	}
}

func TestSignupWithCardKnownPhoneAddsTheCard(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	u := f.signedUp(t, acme, phoneA, "tok-1")
	other := f.signedUp(t, acme, phoneB, "tok-b")
	sent := len(f.sms(phoneA))

	f.clock.Advance(time.Minute)
	res, got, err := f.svc.SignupWithCard(ctx, acme, CardSignup{Phone: phoneA, Card: card("tok-2")}, false)
	if err != nil || res != SignupCardAdded || got == nil || got.ID != u.ID {
		t.Fatalf("got %v %+v %v, want CARD_ADDED to %s", res, got, err, u.ID)
	}
	if len(f.sms(phoneA)) != sent {
		t.Fatal("a known phone was texted again")
	}
	// The same token again is a no-op.
	f.clock.Advance(time.Minute)
	if res, _, err := f.svc.SignupWithCard(ctx, acme, CardSignup{Phone: phoneA, Card: card("tok-2")}, false); err != nil || res != SignupCardAdded {
		t.Fatalf("same card again: %v %v", res, err)
	}
	cards, err := f.svc.Cards(ctx, u.ID)
	if err != nil || len(cards) != 2 {
		t.Fatalf("cards %d %v, want 2", len(cards), err)
	}
	if tok, _ := (xorVault{}).Open(cards[0].SealedToken); string(tok) != "tok-2" {
		t.Fatalf("newest card first: %q", tok)
	}
	// Another user's token is a conflict on the token.
	_, _, err = f.svc.SignupWithCard(ctx, acme, CardSignup{Phone: phoneA, Card: card("tok-b")}, false)
	wantCode(t, "another user's card", err, errs.Conflict, "token")
	if cards, _ := f.svc.Cards(ctx, other.ID); len(cards) != 1 {
		t.Fatalf("the other user has %d cards", len(cards))
	}
	// Another partner's user with the same token is no concern of Acme's.
	if res, _, err := f.svc.SignupWithCard(ctx, globex, CardSignup{Phone: phoneA, Card: card("tok-1")}, false); err != nil || res != SignupVerificationSent {
		t.Fatalf("globex signup of a phone known to acme: %v %v, want VERIFICATION_SENT", res, err)
	}
}

func TestVerifyLinkCodeCreatesTheUserOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if _, _, err := f.svc.SignupWithCard(ctx, acme, CardSignup{Phone: phoneA, Card: card("tok-1")}, false); err != nil {
		t.Fatal(err)
	}
	_, code := f.lastLink(t, phoneA)

	// Another partner neither sees nor spends Acme's code.
	_, err := f.svc.VerifyLinkCode(ctx, globex, code, "")
	wantCode(t, "globex verify", err, errs.NotFound, "")
	_, err = f.svc.LinkCode(ctx, globex, code)
	wantCode(t, "globex link code", err, errs.NotFound, "")
	// A bad memberId is refused before the code is spent.
	_, err = f.svc.VerifyLinkCode(ctx, acme, code, "m 1")
	wantCode(t, "bad memberId", err, errs.Invalid, "memberId")

	sg, err := f.svc.LinkCode(ctx, acme, code)
	if err != nil || sg.Phone != phoneA || sg.Card == nil {
		t.Fatalf("link code: %+v %v", sg, err)
	}
	u, err := f.svc.VerifyLinkCode(ctx, acme, code, "member-0001")
	if err != nil || u.MemberID != "member-0001" || u.Phone != phoneA || u.Provider != acme {
		t.Fatalf("verify: %+v %v", u, err)
	}
	if n := len(f.store.eventsOf(notify.EventUserCreated)); n != 1 {
		t.Fatalf("%d user.created events, want 1", n)
	}
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"verify", func() error { _, err := f.svc.VerifyLinkCode(ctx, acme, code, ""); return err }},
		{"link code", func() error { _, err := f.svc.LinkCode(ctx, acme, code); return err }},
		{"terms page", func() error { _, _, err := f.svc.TermsPage(ctx, code); return err }},
		{"accept terms", func() error { _, _, err := f.svc.AcceptTerms(ctx, code); return err }},
	} {
		wantCode(t, "second "+tc.name, tc.call(), errs.Gone, "linkCode")
	}
	if f.store.userCount(acme.ID) != 1 || len(f.store.eventsOf(notify.EventUserCreated)) != 1 {
		t.Fatal("a used link code made another user")
	}
	if f.store.userCount(globex.ID) != 0 {
		t.Fatal("globex got a user")
	}
}

func TestLinkCodeExpiresAfterAWeek(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if err := f.svc.Signup(ctx, acme, phoneA, "member-0002", SMSTypeLink); err != nil {
		t.Fatal(err)
	}
	_, code := f.lastLink(t, phoneA)
	f.clock.Advance(linkCodeTTL - time.Second)
	if _, _, err := f.svc.TermsPage(ctx, code); err != nil {
		t.Fatalf("terms page just before expiry: %v", err)
	}
	f.clock.Advance(time.Second)
	_, err := f.svc.VerifyLinkCode(ctx, acme, code, "")
	wantCode(t, "expired verify", err, errs.Gone, "linkCode")
	_, _, err = f.svc.AcceptTerms(ctx, code)
	wantCode(t, "expired accept", err, errs.Gone, "linkCode")
	if f.store.userCount(acme.ID) != 0 {
		t.Fatal("an expired code made a user")
	}
	_, err = f.svc.LinkCode(ctx, acme, "unknowncode")
	wantCode(t, "unknown code", err, errs.NotFound, "")
}

func TestAcceptTermsCreatesTheUserWithTheSignupMemberID(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	st := PartnerSettings{ProviderID: acme.ID, Flow: FlowStorebox, TermsURL: "https://acme.example/terms",
		LandingURL: "https://acme.example/welcome"}
	if _, err := f.svc.SetSettings(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Signup(ctx, acme, phoneA, "member-0003", SMSTypeLink); err != nil {
		t.Fatal(err)
	}
	_, code := f.lastLink(t, phoneA)
	sg, page, err := f.svc.TermsPage(ctx, code)
	if err != nil || sg.Provider.ID != acme.ID || page.TermsURL != st.TermsURL {
		t.Fatalf("terms page: %+v %+v %v", sg, page, err)
	}
	u, got, err := f.svc.AcceptTerms(ctx, code)
	if err != nil || u.MemberID != "member-0003" || got.LandingURL != st.LandingURL {
		t.Fatalf("accept: %+v %+v %v", u, got, err)
	}
	if cards, _ := f.svc.Cards(ctx, u.ID); len(cards) != 0 {
		t.Fatalf("a signup without card made %d cards", len(cards))
	}
}

func TestMemberIDTakenIsAConflictAndLeavesTheCodeUsable(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	first := f.signedUp(t, acme, phoneA, "tok-1")
	if err := f.svc.Signup(ctx, acme, phoneB, "", SMSTypeLink); err != nil {
		t.Fatal(err)
	}
	_, code := f.lastLink(t, phoneB)
	_, err := f.svc.VerifyLinkCode(ctx, acme, code, first.MemberID)
	wantCode(t, "taken memberId", err, errs.Conflict, "memberId")
	u, err := f.svc.VerifyLinkCode(ctx, acme, code, "member-0004")
	if err != nil || u.MemberID != "member-0004" {
		t.Fatalf("retry with a free memberId: %+v %v", u, err)
	}
	// The same memberId at another partner is free.
	if err := f.svc.Signup(ctx, globex, phoneA, "", SMSTypeLink); err != nil {
		t.Fatal(err)
	}
	_, code = f.lastLink(t, phoneA)
	if g, err := f.svc.VerifyLinkCode(ctx, globex, code, first.MemberID); err != nil || g.ID == first.ID {
		t.Fatalf("globex user with acme's memberId: %+v %v", g, err)
	}
}

func TestBadInputNamesTheField(t *testing.T) {
	ctx := context.Background()
	many := make([]Parm, maxParms+1)
	for i := range many {
		many[i] = Parm{Name: strings.Repeat("p", i+1), Value: "v"}
	}
	for _, tc := range []struct {
		name  string
		call  func(f *fixture, u *User) error
		field string
	}{
		{"signup with card: phone", func(f *fixture, _ *User) error {
			_, _, err := f.svc.SignupWithCard(ctx, acme, CardSignup{Phone: "+45 1234", Card: card("t-9")}, false)
			return err
		}, "user.phone"},
		{"signup with card: no truncatedPan", func(f *fixture, _ *User) error {
			_, _, err := f.svc.SignupWithCard(ctx, acme, CardSignup{Phone: phoneB, Card: CardInput{Token: "t-9"}}, false)
			return err
		}, "truncatedPan"},
		{"signup with card: full PAN", func(f *fixture, _ *User) error {
			c := card("t-9")
			c.TruncatedPAN = canary
			_, _, err := f.svc.SignupWithCard(ctx, acme, CardSignup{Phone: phoneB, Card: c}, false)
			return err
		}, "truncatedPan"},
		{"signup with card token: no tokenType", func(f *fixture, _ *User) error {
			_, _, err := f.svc.SignupWithCard(ctx, acme, CardSignup{Phone: phoneB, Card: CardInput{Token: "t-9"}}, true)
			return err
		}, "tokenType"},
		{"signup with card: token with space", func(f *fixture, _ *User) error {
			_, _, err := f.svc.SignupWithCard(ctx, acme, CardSignup{Phone: phoneB, Card: card("t 9")}, false)
			return err
		}, "token"},
		{"signup with card: storeId", func(f *fixture, _ *User) error {
			_, _, err := f.svc.SignupWithCard(ctx, acme, CardSignup{Phone: phoneB, Card: card("t-9"), StoreID: strings.Repeat("s", maxStoreID+1)}, false)
			return err
		}, "storeId"},
		{"signup: memberId short", func(f *fixture, _ *User) error {
			return f.svc.Signup(ctx, acme, phoneB, "abc", SMSTypeOTP)
		}, "memberId"},
		{"signup: memberId long", func(f *fixture, _ *User) error {
			return f.svc.Signup(ctx, acme, phoneB, strings.Repeat("m", maxMemberID+1), SMSTypeLink)
		}, "memberId"},
		{"signup: memberId card number", func(f *fixture, _ *User) error {
			return f.svc.Signup(ctx, acme, phoneB, canary, SMSTypeOTP)
		}, "memberId"},
		{"signup: smsType", func(f *fixture, _ *User) error {
			return f.svc.Signup(ctx, acme, phoneB, "", 3)
		}, "smsType"},
		{"signup: phone", func(f *fixture, _ *User) error {
			return f.svc.Signup(ctx, acme, "", "", SMSTypeOTP)
		}, "user.phone"},
		{"validate otp: empty", func(f *fixture, _ *User) error {
			_, err := f.svc.ValidateOTP(ctx, acme, phoneB, "")
			return err
		}, "otp"},
		{"validate otp: wrong", func(f *fixture, _ *User) error {
			_, err := f.svc.ValidateOTP(ctx, acme, phoneB, "000000")
			return err
		}, "otp"},
		{"verify token: empty otp", func(f *fixture, _ *User) error {
			_, err := f.svc.VerifyToken(ctx, acme, phoneA, "")
			return err
		}, "otp"},
		{"request token: phone", func(f *fixture, _ *User) error {
			return f.svc.RequestToken(ctx, acme, "45-11")
		}, "user.phone"},
		{"update: parm value NUL", func(f *fixture, u *User) error {
			p := []Parm{{"a", "x\x00"}}
			_, err := f.svc.UpdateUser(ctx, acme, u.ID, Update{Parms: &p})
			return err
		}, "parms[0].value"},
		{"update: parm value card number", func(f *fixture, u *User) error {
			p := []Parm{{"card", canary}}
			_, err := f.svc.UpdateUser(ctx, acme, u.ID, Update{Parms: &p})
			return err
		}, "parms[0].value"},
		{"update: too many parms", func(f *fixture, u *User) error {
			_, err := f.svc.UpdateUser(ctx, acme, u.ID, Update{Parms: &many})
			return err
		}, "parms"},
		{"update: phone", func(f *fixture, u *User) error {
			p := "12"
			_, err := f.svc.UpdateUser(ctx, acme, u.ID, Update{Phone: &p})
			return err
		}, "user.phone"},
		{"update: userId", func(f *fixture, _ *User) error {
			_, err := f.svc.UpdateUser(ctx, acme, "../x", Update{})
			return err
		}, "userId"},
		{"delete: userId", func(f *fixture, _ *User) error { return f.svc.DeleteUser(ctx, acme, "") }, "userId"},
		{"card: cardId", func(f *fixture, u *User) error {
			_, err := f.svc.Card(ctx, acme, u.ID, "Card-1")
			return err
		}, "cardId"},
		{"link code: shape", func(f *fixture, _ *User) error {
			_, err := f.svc.LinkCode(ctx, acme, "ABC-def")
			return err
		}, "linkCode"},
		{"accept terms: shape", func(f *fixture, _ *User) error {
			_, _, err := f.svc.AcceptTerms(ctx, "")
			return err
		}, "linkCode"},
		{"card token by phone: phone", func(f *fixture, _ *User) error {
			_, err := f.svc.CardTokenByPhone(ctx, acme, "phone")
			return err
		}, "user.phone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			u := f.signedUp(t, acme, phoneA, "tok-1")
			sent, events := len(f.store.messages)+len(f.msgs.msgs), len(f.store.events)
			err := tc.call(f, u)
			wantInvalid(t, tc.name, err, tc.field)
			// Bad input changes nothing a partner or end user could see.
			if len(f.store.messages)+len(f.msgs.msgs) != sent || len(f.store.events) != events {
				t.Error("bad input sent a message or an event")
			}
			if len(f.store.signups) != 1 || f.store.userCount(acme.ID) != 1 {
				t.Error("bad input stored a signup or a user")
			}
			if got, _ := f.svc.Find(ctx, acme, u.ID); got.Phone != phoneA || got.PendingPhone != "" || len(got.Parms) != 0 {
				t.Errorf("bad input changed the user: %+v", got)
			}
		})
	}
}

func TestPhoneChangesOnlyAfterTheOTP(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	u := f.signedUp(t, acme, phoneA, "tok-1")
	newPhone := phoneB
	parms := []Parm{{"tier", "gold"}}
	got, err := f.svc.UpdateUser(ctx, acme, u.ID, Update{Phone: &newPhone, Parms: &parms})
	if err != nil || got.Phone != phoneA || got.PendingPhone != phoneB || len(got.Parms) != 1 {
		t.Fatalf("update: %+v %v, want old phone with %s pending and the parms", got, err, phoneB)
	}
	if msgs := f.sms(phoneB); len(msgs) != 1 || !strings.Contains(msgs[0], "confirm this phone number") {
		t.Fatalf("SMS to the new phone: %q", msgs)
	}
	if _, err := f.svc.FindByPhone(ctx, acme, phoneB); !errs.Is(err, errs.NotFound) {
		t.Fatalf("new phone before OTP: %v, want not found", err)
	}
	if got, err := f.svc.FindByPhone(ctx, acme, phoneA); err != nil || got.ID != u.ID {
		t.Fatalf("old phone before OTP: %v", err)
	}
	code := f.lastOTP(t, phoneB)

	// Another partner's validation of the code moves nothing.
	_, err = f.svc.ValidateOTP(ctx, globex, phoneB, code)
	wantCode(t, "globex validates acme's code", err, errs.Invalid, "otp")
	_, err = f.svc.ValidateOTP(ctx, acme, phoneB, "999999")
	wantCode(t, "wrong code", err, errs.Invalid, "otp")
	if got, _ := f.svc.Find(ctx, acme, u.ID); got.Phone != phoneA {
		t.Fatalf("phone moved before the OTP: %+v", got)
	}

	moved, err := f.svc.ValidateOTP(ctx, acme, phoneB, code)
	if err != nil || moved.ID != u.ID || moved.Phone != phoneB || moved.PendingPhone != "" || !moved.PhoneVerified {
		t.Fatalf("validate: %+v %v", moved, err)
	}
	if _, err := f.svc.FindByPhone(ctx, acme, phoneA); !errs.Is(err, errs.NotFound) {
		t.Fatalf("old phone after OTP: %v, want not found", err)
	}
	if tok, err := f.svc.CardTokenByPhone(ctx, acme, phoneB); err != nil || tok != "tok-1" {
		t.Fatalf("the card moves with the phone: %q %v", tok, err)
	}
	if f.store.userCount(globex.ID) != 0 || f.store.userCount(acme.ID) != 1 {
		t.Fatal("validation made a user")
	}
	if ev := f.store.eventsOf(notify.EventUserUpdated); len(ev) != 2 || payload(ev[1])["phoneNumber"] != phoneB {
		t.Fatalf("user.updated events: %+v", ev)
	}
}

func TestPhoneChangeAlreadyVerifiedOrUnchangedSendsNoOTP(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	u := f.signedUp(t, acme, phoneA, "tok-1")
	same := phoneA
	if got, err := f.svc.UpdateUser(ctx, acme, u.ID, Update{Phone: &same}); err != nil || got.PendingPhone != "" {
		t.Fatalf("same phone: %+v %v", got, err)
	}
	newPhone := phoneB
	got, err := f.svc.UpdateUser(ctx, acme, u.ID, Update{Phone: &newPhone, PhoneVerified: true})
	if err != nil || got.Phone != phoneB || got.PendingPhone != "" {
		t.Fatalf("verified phone: %+v %v", got, err)
	}
	if len(f.sms(phoneB)) != 0 || len(f.otps.issued) != 0 {
		t.Fatal("an OTP went out for a phone the partner vouched for")
	}
	// A phone taken by another user of the partner is a conflict.
	other := f.signedUp(t, acme, phoneA, "tok-2")
	_, err = f.svc.UpdateUser(ctx, acme, other.ID, Update{Phone: &newPhone, PhoneVerified: true})
	wantCode(t, "taken phone", err, errs.Conflict, "user.phone")
}

func TestCardTokenByPhoneReturnsTheNewestCard(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.signedUp(t, acme, phoneA, "tok-old")
	f.clock.Advance(time.Hour)
	if _, _, err := f.svc.SignupWithCard(ctx, acme, CardSignup{Phone: phoneA, Card: card("tok-new")}, false); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	// The old card again is no newer card.
	if _, _, err := f.svc.SignupWithCard(ctx, acme, CardSignup{Phone: phoneA, Card: card("tok-old")}, false); err != nil {
		t.Fatal(err)
	}
	if tok, err := f.svc.CardTokenByPhone(ctx, acme, phoneA); err != nil || tok != "tok-new" {
		t.Fatalf("token %q %v, want tok-new", tok, err)
	}
	_, err := f.svc.CardTokenByPhone(ctx, globex, phoneA)
	wantCode(t, "globex", err, errs.NotFound, "")
	_, err = f.svc.CardTokenByPhone(ctx, acme, phoneB)
	wantCode(t, "unknown phone", err, errs.NotFound, "")
}

func TestValidateOTPCreatesTheUserOfThatPartnerOnly(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if err := f.svc.Signup(ctx, acme, phoneA, "member-0005", SMSTypeOTP); err != nil {
		t.Fatal(err)
	}
	if msgs := f.sms(phoneA); len(msgs) != 1 || !strings.HasPrefix(msgs[0], "Acme: your code is ") {
		t.Fatalf("SMS %q", msgs)
	}
	code := f.lastOTP(t, phoneA)
	if f.store.userCount(acme.ID) != 0 {
		t.Fatal("a user before the OTP")
	}
	_, err := f.svc.ValidateOTP(ctx, globex, phoneA, code)
	wantCode(t, "globex", err, errs.Invalid, "otp")
	if f.store.userCount(globex.ID) != 0 {
		t.Fatal("globex got a user from acme's code")
	}
	u, err := f.svc.ValidateOTP(ctx, acme, phoneA, code)
	if err != nil || u.Provider != acme || u.MemberID != "member-0005" || !u.PhoneVerified || u.Phone != phoneA {
		t.Fatalf("validate: %+v %v", u, err)
	}
	_, err = f.svc.ValidateOTP(ctx, acme, phoneA, code)
	wantCode(t, "code used twice", err, errs.Invalid, "otp")

	// A second signup of the phone returns the same user.
	if err := f.svc.Signup(ctx, acme, phoneA, "", SMSTypeOTP); err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.ValidateOTP(ctx, acme, phoneA, f.lastOTP(t, phoneA))
	if err != nil || again.ID != u.ID {
		t.Fatalf("second validation: %+v %v, want %s", again, err, u.ID)
	}
	if f.store.userCount(acme.ID) != 1 || len(f.store.eventsOf(notify.EventUserCreated)) != 1 {
		t.Fatal("the second validation made another user")
	}
	// Globex signing up the same phone gets a user of its own.
	if err := f.svc.Signup(ctx, globex, phoneA, "", SMSTypeOTP); err != nil {
		t.Fatal(err)
	}
	g, err := f.svc.ValidateOTP(ctx, globex, phoneA, f.lastOTP(t, phoneA))
	if err != nil || g.ID == u.ID || g.Provider != globex || g.MemberID == "" {
		t.Fatalf("globex user: %+v %v", g, err)
	}
}

func TestSignupMemberIDIsForgottenAfterADay(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if err := f.svc.Signup(ctx, acme, phoneA, "member-0006", SMSTypeOTP); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(signupMemberTTL)
	u, err := f.svc.ValidateOTP(ctx, acme, phoneA, f.lastOTP(t, phoneA))
	if err != nil || u.MemberID == "member-0006" || u.MemberID == "" {
		t.Fatalf("validate: %+v %v, want a generated memberId", u, err)
	}
}

func TestUsersAndCardsOfAnotherPartnerAreNotFound(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	u := f.signedUp(t, acme, phoneA, "tok-1")
	other := f.signedUp(t, acme, phoneB, "tok-2")
	cards, err := f.svc.Cards(ctx, u.ID)
	if err != nil || len(cards) != 1 {
		t.Fatalf("cards %v %v", cards, err)
	}
	cardID := cards[0].ID
	parms := []Parm{{"x", "y"}}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"find", func() error { _, err := f.svc.Find(ctx, globex, u.ID); return err }()},
		{"find by phone", func() error { _, err := f.svc.FindByPhone(ctx, globex, phoneA); return err }()},
		{"update", func() error { _, err := f.svc.UpdateUser(ctx, globex, u.ID, Update{Parms: &parms}); return err }()},
		{"delete", f.svc.DeleteUser(ctx, globex, u.ID)},
		{"card", func() error { _, err := f.svc.Card(ctx, globex, "", cardID); return err }()},
		{"card of another user", func() error { _, err := f.svc.Card(ctx, acme, other.ID, cardID); return err }()},
	} {
		wantCode(t, tc.name, tc.err, errs.NotFound, "")
	}
	if got, err := f.svc.Find(ctx, acme, u.ID); err != nil || len(got.Parms) != 0 {
		t.Fatalf("acme's user after globex's tries: %+v %v", got, err)
	}
	if c, err := f.svc.Card(ctx, acme, u.ID, cardID); err != nil || c.UserID != u.ID || c.TruncatedPAN != "457100XXXXXX0001" {
		t.Fatalf("own card: %+v %v", c, err)
	}
	// Deleting removes the user and its cards, with one event.
	if err := f.svc.DeleteUser(ctx, acme, u.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Find(ctx, acme, u.ID)
	wantCode(t, "deleted user", err, errs.NotFound, "")
	_, err = f.svc.CardTokenByPhone(ctx, acme, phoneA)
	wantCode(t, "deleted user's card", err, errs.NotFound, "")
	if ev := f.store.eventsOf(notify.EventUserDeleted); len(ev) != 1 || ev[0].OwnerID != acme.ID || payload(ev[0])["memberId"] != u.MemberID {
		t.Fatalf("user.deleted events: %+v", ev)
	}
}

func TestLoginTokenOnlyForThePartnersUser(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	u := f.signedUp(t, acme, phoneA, "tok-1")
	// An unknown phone answers alike, without a text.
	if err := f.svc.RequestToken(ctx, acme, phoneB); err != nil || len(f.sms(phoneB)) != 0 {
		t.Fatalf("unknown phone: %v, %d SMS", err, len(f.sms(phoneB)))
	}
	if err := f.svc.RequestToken(ctx, globex, phoneA); err != nil || len(f.otps.issued) != 0 {
		t.Fatalf("globex asking for acme's user: %v, %d codes", err, len(f.otps.issued))
	}
	if err := f.svc.RequestToken(ctx, acme, phoneA); err != nil {
		t.Fatal(err)
	}
	code := f.lastOTP(t, phoneA)
	_, err := f.svc.VerifyToken(ctx, globex, phoneA, code)
	wantCode(t, "globex", err, errs.Invalid, "otp")
	tok, err := f.svc.VerifyToken(ctx, acme, phoneA, code)
	if want := "token:" + u.ID + ":" + phoneA + ":1"; err != nil || tok != want {
		t.Fatalf("token %q %v, want %q", tok, err, want)
	}
	_, err = f.svc.VerifyToken(ctx, acme, phoneA, code)
	wantCode(t, "code used twice", err, errs.Invalid, "otp")
	// A code issued before the user was deleted gives no token.
	if err := f.svc.RequestToken(ctx, acme, phoneA); err != nil {
		t.Fatal(err)
	}
	code = f.lastOTP(t, phoneA)
	if err := f.svc.DeleteUser(ctx, acme, u.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.VerifyToken(ctx, acme, phoneA, code)
	wantCode(t, "deleted user", err, errs.Invalid, "otp")
}

func TestSettings(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	st, err := f.svc.Settings(ctx, acme.ID)
	if err != nil || st.Flow != FlowStorebox || st.TermsURL != "" {
		t.Fatalf("default settings: %+v %v", st, err)
	}
	for _, tc := range []struct {
		name  string
		in    PartnerSettings
		field string // "" when accepted
	}{
		{"storebox", PartnerSettings{Flow: FlowStorebox, TermsURL: "https://acme.example/terms"}, ""},
		{"customer", PartnerSettings{Flow: FlowCustomer, LandingURL: "https://acme.example/join"}, ""},
		{"http landing", PartnerSettings{Flow: FlowCustomer, LandingURL: "http://acme.example/join"}, ""},
		{"terms with port and IPv6", PartnerSettings{Flow: FlowStorebox, TermsURL: "https://[2001:db8::1]:8443/t"}, ""},
		{"no flow", PartnerSettings{}, "flow"},
		{"unknown flow", PartnerSettings{Flow: "partner"}, "flow"},
		{"customer without landing", PartnerSettings{Flow: FlowCustomer}, "landingUrl"},
		{"http terms", PartnerSettings{Flow: FlowStorebox, TermsURL: "http://acme.example/terms"}, "termsUrl"},
		{"terms adding a CSP directive", PartnerSettings{Flow: FlowStorebox, TermsURL: "https://acme.example;script-src *"}, "termsUrl"},
		{"terms with credentials", PartnerSettings{Flow: FlowStorebox, TermsURL: "https://u:p@acme.example/"}, "termsUrl"},
		{"terms with two origins", PartnerSettings{Flow: FlowStorebox, TermsURL: "https://a.example, https://b.example"}, "termsUrl"},
		{"relative landing", PartnerSettings{Flow: FlowStorebox, LandingURL: "/join"}, "landingUrl"},
		{"javascript landing", PartnerSettings{Flow: FlowCustomer, LandingURL: "javascript:alert(1)"}, "landingUrl"},
		{"landing with a card number", PartnerSettings{Flow: FlowCustomer, LandingURL: "https://acme.example/?c=" + canary}, "landingUrl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tc.in.ProviderID = acme.ID
			got, err := f.svc.SetSettings(ctx, tc.in)
			if tc.field != "" {
				wantInvalid(t, tc.name, err, tc.field)
				if st, _ := f.svc.Settings(ctx, acme.ID); st.Flow != FlowStorebox || st.LandingURL != "" || st.TermsURL != "" {
					t.Errorf("refused settings were stored: %+v", st)
				}
				return
			}
			if err != nil || !got.UpdatedAt.Equal(f.clock.Now()) {
				t.Fatalf("set: %+v %v", got, err)
			}
			st, err := f.svc.Settings(ctx, acme.ID)
			if err != nil || *st != *got {
				t.Fatalf("stored %+v, want %+v", st, got)
			}
			if other, _ := f.svc.Settings(ctx, globex.ID); other.Flow != FlowStorebox || other.TermsURL != "" || other.LandingURL != "" {
				t.Fatalf("globex sees acme's settings: %+v", other)
			}
		})
	}
}

func TestValidateOTPWithATakenMemberIDIsAConflict(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	first := f.signedUp(t, acme, phoneA, "tok-1")
	if err := f.svc.Signup(ctx, acme, phoneB, first.MemberID, SMSTypeOTP); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.ValidateOTP(ctx, acme, phoneB, f.lastOTP(t, phoneB))
	wantCode(t, "taken memberId", err, errs.Conflict, "memberId")
	if f.store.userCount(acme.ID) != 1 {
		t.Fatal("a second user with the memberId")
	}
}

func TestSettingsNameTheSameFieldEveryTime(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	bad := PartnerSettings{ProviderID: acme.ID, Flow: FlowStorebox, TermsURL: "http://acme.example/t", LandingURL: "ftp://acme.example/l"}
	for range 50 {
		_, err := f.svc.SetSettings(ctx, bad)
		wantCode(t, "both URLs bad", err, errs.Invalid, "termsUrl")
	}
}
