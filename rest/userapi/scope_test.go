package userapi_test

import (
	"context"
	"strings"
	"testing"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/user"
	"loyaltygraph/internal/testenv"
)

// principal authenticates c as the HTTP middleware would.
func (e *env) principal(c *auth.NewCredential) context.Context {
	e.t.Helper()
	p, err := e.app.Auth.AuthenticateBasic(e.t.Context(), c.Username, c.Secret)
	if err != nil {
		e.t.Fatal(err)
	}
	return auth.WithPrincipal(e.t.Context(), p)
}

// TestPartnerCannotSetOrReadAnotherPartnersSettings: naming another partner
// is forbidden and changes nothing; each partner reads its own settings.
func TestPartnerCannotSetOrReadAnotherPartnersSettings(t *testing.T) {
	e := newEnv(t)
	_, res := testenv.GraphQL(t, e.app.Handler, e.other, `mutation { setPartnerSettings(input: {flow: STOREBOX, landingUrl: "https://other.example/join"}) { userErrors { field } } }`, nil)
	if len(res.Errors) > 0 {
		t.Fatalf("own settings: %+v", res.Errors)
	}
	_, res = testenv.GraphQL(t, e.app.Handler, e.partner, `mutation($p: String) { setPartnerSettings(input: {partnerUsername: $p, flow: CUSTOMER, landingUrl: "https://evil.example/"}) { settings { flow } } }`,
		map[string]any{"p": e.otherCred.Username})
	if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Fatalf("a partner set another partner's settings: %s %+v", res.Data, res.Errors)
	}
	// Straight through the application layer too, as any door would call it.
	if _, err := e.app.Ops.Users.SetSettings(e.principal(e.partnerCred), e.otherCred.Username, user.PartnerSettings{LandingURL: "https://evil.example/"}); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("SetSettings for another partner: %v", err)
	}
	_, res = testenv.GraphQL(t, e.app.Handler, e.other, `{ partnerSettings { flow landingUrl } }`, nil)
	if !strings.Contains(string(res.Data), "https://other.example/join") || strings.Contains(string(res.Data), "evil") {
		t.Fatalf("the other partner's settings changed: %s", res.Data)
	}
	_, res = testenv.GraphQL(t, e.app.Handler, e.partner, `{ partnerSettings { landingUrl } }`, nil)
	if strings.Contains(string(res.Data), "other.example") {
		t.Fatalf("a partner reads another partner's settings: %s", res.Data)
	}
}

// TestCardsOfAnotherPartnersUserAreNotFound: Cards checks the user it is
// given, whatever the caller did to obtain it.
func TestCardsOfAnotherPartnersUserAreNotFound(t *testing.T) {
	e := newEnv(t)
	id := e.linkedUser("4520000091", "tok-scope")
	own := e.principal(e.partnerCred)
	u, err := e.app.Ops.Users.Get(own, id)
	if err != nil {
		t.Fatal(err)
	}
	if cards, err := e.app.Ops.Users.Cards(own, u); err != nil || len(cards) != 1 {
		t.Fatalf("own user's cards: %v %v", cards, err)
	}
	if cards, err := e.app.Ops.Users.Cards(e.principal(e.otherCred), u); !errs.Is(err, errs.NotFound) || cards != nil {
		t.Fatalf("another partner read the cards: %v %v", cards, err)
	}
	if _, err := e.app.Ops.Users.Cards(e.t.Context(), u); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("anonymous read the cards: %v", err)
	}
}
