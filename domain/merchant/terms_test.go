package merchant

import (
	"context"
	"testing"
	"time"

	"loyaltygraph/domain/errs"
)

type termsRecorder struct{ created []*Terms }

func (r *termsRecorder) CreateTerms(_ context.Context, t *Terms) error {
	r.created = append(r.created, t)
	return nil
}

func (r *termsRecorder) FindTerms(context.Context, []string, time.Time) (*Terms, error) {
	return nil, errs.NotFoundf("none")
}

func TestPublishTermsRules(t *testing.T) {
	st := &termsRecorder{}
	svc := NewTermsService(st, func() time.Time { return time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC) })
	from := time.Date(2027, 1, 1, 15, 4, 5, 0, time.FixedZone("", 3600))
	for _, c := range []struct{ lang, title, body, field string }{
		{"dan", "T", "B", "lang"},
		{"", "T", "B", "lang"},
		{"da", "T\x00", "B", "title"},
		{"da", "T", "B\x00", "body"},
		{"da", "T\n", "B", "title"},
		{"da", "T", "\xff", "body"},
	} {
		_, err := svc.Publish(t.Context(), c.lang, from, c.title, c.body)
		if e := errs.As(err); e.Code != errs.Invalid || e.Field != c.field {
			t.Fatalf("%+v: %v", c, err)
		}
	}
	if len(st.created) != 0 {
		t.Fatal("bad terms stored")
	}
	got, err := svc.Publish(t.Context(), " NO ", from, "Vilkår", "Tekst\r\nmed linjer")
	if err != nil || got.Lang != "no" || !got.ValidFrom.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("publish: %+v %v", got, err)
	}
}

func TestFindTermsFallsBackToEnglish(t *testing.T) {
	var asked []string
	var on time.Time
	st := &findRecorder{fn: func(langs []string, d time.Time) { asked, on = langs, d }}
	svc := NewTermsService(st, func() time.Time { return time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC) })
	for _, c := range []struct {
		lang string
		want []string
	}{{"", []string{"en"}}, {"en", []string{"en"}}, {"Sv", []string{"sv", "en"}}} {
		if _, err := svc.Find(t.Context(), c.lang, nil); err != nil {
			t.Fatal(err)
		}
		if len(asked) != len(c.want) || asked[0] != c.want[0] || !on.Equal(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("%q: asked %v on %v", c.lang, asked, on)
		}
	}
	if _, err := svc.Find(t.Context(), "xyz", nil); errs.As(err).Field != "lang" {
		t.Fatalf("bad lang: %v", err)
	}
}

type findRecorder struct{ fn func([]string, time.Time) }

func (f *findRecorder) CreateTerms(context.Context, *Terms) error { return nil }
func (f *findRecorder) FindTerms(_ context.Context, langs []string, d time.Time) (*Terms, error) {
	f.fn(langs, d)
	return &Terms{}, nil
}
