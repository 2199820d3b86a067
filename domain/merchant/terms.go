package merchant

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/pan"
)

// Terms are the user terms of the Receipt Data API (seed 001) in one
// language, valid from one day on until terms of a later day take over.
type Terms struct {
	// Lang is an ISO 639-1 code, lower case ("da", "no", "sv", "fi", "en").
	Lang string
	// ValidFrom is the first day the terms apply, as a date (midnight UTC).
	ValidFrom time.Time
	Title     string
	Body      string
	CreatedAt time.Time
}

// Limits and defaults of terms.
const (
	// DefaultTermsLang is the language read when none is asked, and when
	// the asked one has no terms.
	DefaultTermsLang = "en"
	MaxTermsTitle    = 200
	MaxTermsBody     = 100_000
	// DateLayout is the layout of a terms date (YYYY-MM-DD).
	DateLayout = "2006-01-02"
)

// TermsStore persists terms. Its methods do not check permissions.
type TermsStore interface {
	// CreateTerms inserts t; terms of the same language and day are a
	// conflict on validFrom.
	CreateTerms(ctx context.Context, t *Terms) error
	// FindTerms returns the terms of each of langs (in that order of
	// preference) valid on day: the first language that has terms wins,
	// and of its terms the latest with ValidFrom ≤ day. Not found when
	// none is.
	FindTerms(ctx context.Context, langs []string, day time.Time) (*Terms, error)
}

// TermsService holds the rules of terms.
type TermsService struct {
	store TermsStore
	now   func() time.Time
}

// NewTermsService returns the terms service.
func NewTermsService(store TermsStore, now func() time.Time) *TermsService {
	return &TermsService{store: store, now: now}
}

// NormalizeLang checks a language code and returns it in lower case: two
// ASCII letters (ISO 639-1). Any such code is accepted, so that a language
// can be added by publishing its terms; field names the parameter.
func NormalizeLang(field, lang string) (string, error) {
	l := strings.ToLower(strings.TrimSpace(lang))
	if len(l) != 2 || l[0] < 'a' || l[0] > 'z' || l[1] < 'a' || l[1] > 'z' {
		return "", errs.InvalidField(field, "%s must be a two-letter language code such as da, no, sv, fi or en", field)
	}
	return l, nil
}

// ParseDate reads a terms date (YYYY-MM-DD); field names the parameter.
func ParseDate(field, s string) (time.Time, error) {
	d, err := time.Parse(DateLayout, s)
	if err != nil || len(s) != len(DateLayout) {
		return time.Time{}, errs.InvalidField(field, "%s must be a date in the format YYYY-MM-DD", field)
	}
	return d, nil
}

// day is t's calendar day at midnight UTC.
func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// checkTermsText checks a title or body: required, at most max
// characters of valid UTF-8 without NUL or control characters (a body
// may hold line breaks and tabs), and no card number.
func checkTermsText(field, v string, max int, multiline bool) error {
	if strings.TrimSpace(v) == "" {
		return errs.InvalidField(field, "%s is required", field)
	}
	if !utf8.ValidString(v) {
		return errs.InvalidField(field, "%s must be valid UTF-8", field)
	}
	if strings.ContainsFunc(v, func(r rune) bool {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			return false
		}
		return r < ' ' || r == 0x7f
	}) {
		return errs.InvalidField(field, "%s must not contain NUL bytes or control characters", field)
	}
	if utf8.RuneCountInString(v) > max {
		return errs.InvalidField(field, "%s must be at most %d characters", field, max)
	}
	// SECURITY: a card number is never stored (DESIGN "PAN guard").
	return pan.CheckText(field, v)
}

// Publish validates and stores terms of one language valid from validFrom
// (a day; its time of day is dropped). Terms of a day already published
// are a conflict: published terms are never rewritten.
func (s *TermsService) Publish(ctx context.Context, lang string, validFrom time.Time, title, body string) (*Terms, error) {
	l, err := NormalizeLang("lang", lang)
	if err != nil {
		return nil, err
	}
	if validFrom.IsZero() {
		return nil, errs.InvalidField("validFrom", "validFrom is required")
	}
	if y := validFrom.Year(); y < 2000 || y > 9999 {
		return nil, errs.InvalidField("validFrom", "validFrom must be a date between 2000-01-01 and 9999-12-31")
	}
	if err := checkTermsText("title", title, MaxTermsTitle, false); err != nil {
		return nil, err
	}
	if err := checkTermsText("body", body, MaxTermsBody, true); err != nil {
		return nil, err
	}
	t := &Terms{Lang: l, ValidFrom: day(validFrom), Title: title, Body: body, CreatedAt: s.now().UTC()}
	if err := s.store.CreateTerms(ctx, t); err != nil {
		return nil, err
	}
	return t, nil
}

// Find returns the terms in lang valid on date (today when nil). An empty
// lang is DefaultTermsLang; a language without terms falls back to
// DefaultTermsLang. Not found when there are none.
func (s *TermsService) Find(ctx context.Context, lang string, date *time.Time) (*Terms, error) {
	langs := []string{DefaultTermsLang}
	if strings.TrimSpace(lang) != "" {
		l, err := NormalizeLang("lang", lang)
		if err != nil {
			return nil, err
		}
		if l != DefaultTermsLang {
			langs = []string{l, DefaultTermsLang}
		}
	}
	d := day(s.now().UTC())
	if date != nil {
		d = day(*date)
	}
	return s.store.FindTerms(ctx, langs, d)
}
