package receiptdata_test

import (
	"net/http"
	"strings"
	"testing"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/testenv"
)

const publishTerms = `mutation($in: PublishTermsInput!) {
  publishTerms(input: $in) { terms { lang validFrom title body } userErrors { field code message } }
}`

type publishResult struct {
	PublishTerms struct {
		Terms      *struct{ Lang, ValidFrom, Title, Body string }
		UserErrors []struct{ Field, Code, Message string }
	}
}

func (e *env) publish(admin, lang, from, title, body string) publishResult {
	e.t.Helper()
	var out publishResult
	e.gql(admin, publishTerms, map[string]any{"in": map[string]any{"lang": lang, "validFrom": from, "title": title, "body": body}}, &out)
	return out
}

// TestTermsPublishedByAdminsReadByAnyone: admins publish terms per
// language and day; the REST doors answer the terms valid today or on a
// day without credentials, fall back to en, and answer 404 when none.
func TestTermsPublishedByAdminsReadByAnyone(t *testing.T) {
	e := newEnv(t)
	adm := testenv.Credential(t, e.app, auth.KindAdmin)
	admin := testenv.BasicAuth(adm.Username, adm.Secret)
	// Terms are global: start from none (the test may run again).
	if _, err := e.db.Pool.Exec(t.Context(), `DELETE FROM terms`); err != nil {
		t.Fatal(err)
	}

	for _, p := range []struct{ lang, from, title, body string }{
		{"en", "2018-01-01", "Terms 2018", "Line one\nLine two\twith a tab"},
		{"EN", "2099-01-01", "Terms 2099", "Future terms"},
		{"da", "2020-01-01", "Vilkår 2020", "Smørrebrød og vilkår"},
	} {
		res := e.publish(admin, p.lang, p.from, p.title, p.body)
		if len(res.PublishTerms.UserErrors) > 0 || res.PublishTerms.Terms == nil {
			t.Fatalf("publish %v: %+v", p, res.PublishTerms.UserErrors)
		}
	}
	if got := e.publish(admin, "en", "2018-01-01", "Again", "Rewritten").PublishTerms; got.Terms != nil ||
		len(got.UserErrors) != 1 || got.UserErrors[0].Field != "validFrom" || got.UserErrors[0].Code != "CONFLICT" {
		t.Fatalf("republishing a day: %+v", got)
	}

	get := func(path string) *testenv.Response { return testenv.Do(t, e.app.Handler, "GET", path, nil) }
	for _, c := range []struct{ path, lang, from, title string }{
		{"/receipt-data/v1/terms", "en", "2018-01-01", "Terms 2018"},
		{"/receipt-data/v1/terms?lang=en", "en", "2018-01-01", "Terms 2018"},
		{"/receipt-data/v1/terms?lang=da", "da", "2020-01-01", "Vilkår 2020"},
		{"/receipt-data/v1/terms?lang=DA", "da", "2020-01-01", "Vilkår 2020"},
		{"/receipt-data/v1/terms?lang=sv", "en", "2018-01-01", "Terms 2018"}, // no Swedish terms: en
		{"/receipt-data/v1/terms/2099-06-01", "en", "2099-01-01", "Terms 2099"},
		{"/receipt-data/v1/terms/2099-01-01?lang=da", "da", "2020-01-01", "Vilkår 2020"},
		{"/receipt-data/v1/terms/2019-12-31?lang=da", "en", "2018-01-01", "Terms 2018"}, // da not valid yet
		{"/receipt-data/v1/terms/2018-01-01", "en", "2018-01-01", "Terms 2018"},         // valid from its first day
	} {
		res := get(c.path)
		if res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", c.path, res.Status, res.Body)
		}
		o := res.Object(t)
		if o["lang"] != c.lang || o["validFrom"] != c.from || o["title"] != c.title || o["body"] == "" {
			t.Fatalf("%s: %v", c.path, o)
		}
	}
	if o := get("/receipt-data/v1/terms").Object(t); o["body"] != "Line one\nLine two\twith a tab" {
		t.Fatalf("body not kept as published: %q", o["body"])
	}
	if res := get("/receipt-data/v1/terms/2017-12-31"); res.Status != http.StatusNotFound {
		t.Fatalf("before any terms: %d %s", res.Status, res.Body)
	}
	for _, c := range []struct{ path, field string }{
		{"/receipt-data/v1/terms/2018-13-01", "date"},
		{"/receipt-data/v1/terms/01-01-2018", "date"},
		{"/receipt-data/v1/terms/2018-1-1", "date"},
		{"/receipt-data/v1/terms?lang=english", "lang"},
		{"/receipt-data/v1/terms?lang=d%00", "lang"},
	} {
		res := get(c.path)
		if res.Status != http.StatusBadRequest || res.Object(t)["field"] != c.field {
			t.Fatalf("%s: %d %s, want 400 naming %s", c.path, res.Status, res.Body, c.field)
		}
	}

	// GraphQL reads the same terms, anonymously too.
	var q struct {
		Terms *struct{ Lang, ValidFrom, Title string }
		Past  *struct{ Lang string }
	}
	e.gql("", `{ terms(lang: "da") { lang validFrom title } past: terms(date: "2017-01-01") { lang } }`, nil, &q)
	if q.Terms == nil || q.Terms.Lang != "da" || q.Terms.ValidFrom != "2020-01-01" || q.Past != nil {
		t.Fatalf("graphql terms: %+v %+v", q.Terms, q.Past)
	}
}

// TestPublishTermsRefusesBadInputAndNonAdmins: every bad field is a
// userError naming it, nothing is stored; partners may not publish.
func TestPublishTermsRefusesBadInputAndNonAdmins(t *testing.T) {
	e := newEnv(t)
	adm := testenv.Credential(t, e.app, auth.KindAdmin)
	admin := testenv.BasicAuth(adm.Username, adm.Secret)
	for _, c := range []struct{ lang, from, title, body, field string }{
		{"english", "2030-01-01", "T", "B", "lang"},
		{"e1", "2030-01-01", "T", "B", "lang"},
		{"fi", "2030-01-01", "", "B", "title"},
		{"fi", "2030-01-01", "T", "  ", "body"},
		{"fi", "2030-01-01", "T", "B\x1bx", "body"},
		{"fi", "2030-01-01", strings.Repeat("t", 201), "B", "title"},
		{"fi", "2030-01-01", "T", strings.Repeat("b", 100_001), "body"},
		{"fi", "2030-01-01", "T", "card 4571000000000001 here", "body"},
		{"fi", "1999-12-31", "T", "B", "validFrom"},
	} {
		got := e.publish(admin, c.lang, c.from, c.title, c.body).PublishTerms
		if got.Terms != nil || len(got.UserErrors) != 1 || got.UserErrors[0].Field != c.field || got.UserErrors[0].Code != "INVALID" {
			t.Fatalf("%+v: %+v", c, got)
		}
	}
	// NUL bytes are refused before the operation, naming the field.
	for _, in := range []map[string]any{
		{"lang": "fi", "validFrom": "2030-01-01", "title": "T\x00", "body": "B"},
		{"lang": "fi", "validFrom": "2030-01-01", "title": "T", "body": "B\x00ody"},
	} {
		_, res := testenv.GraphQL(t, e.app.Handler, admin, publishTerms, map[string]any{"in": in})
		if len(res.Errors) == 0 || !strings.Contains(res.Errors[0].Message, "NUL") {
			t.Fatalf("NUL accepted: %+v", res.Errors)
		}
	}
	_, res := testenv.GraphQL(t, e.app.Handler, e.partner, publishTerms,
		map[string]any{"in": map[string]any{"lang": "fi", "validFrom": "2030-01-01", "title": "T", "body": "B"}})
	if len(res.Errors) == 0 {
		t.Fatal("a partner published terms")
	}
	_, res = testenv.GraphQL(t, e.app.Handler, admin, publishTerms,
		map[string]any{"in": map[string]any{"lang": "fi", "validFrom": "2030-1-1", "title": "T", "body": "B"}})
	if len(res.Errors) == 0 {
		t.Fatal("a malformed Date was accepted")
	}
	var n int
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM terms WHERE lang = 'fi'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("stored %d fi terms (%v)", n, err)
	}
}
