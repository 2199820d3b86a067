package delivery

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"loyaltygraph/domain/card"
)

// Limits of the card frame's language files.
const (
	languageTimeout  = 2 * time.Second
	languageMaxBytes = 32 << 10
	languageTTL      = time.Hour
	languageFailTTL  = time.Minute
	languageEntries  = 512
)

// LanguageFiles fetch the card frame's language files (seed 001), which
// partners host, and keep them for an hour per URL ("only downloaded if
// the URL changes").
//
// SECURITY: fetching a URL a caller chose is server-side request forgery
// waiting to happen. The URL was signed by the partner (the frame hash),
// and on top: only https (http too with allowPrivate, for development and
// tests), no redirects, no proxy, only public addresses after DNS
// resolution (unless allowPrivate), a 2 second timeout, at most 32 KiB,
// and what comes back is only ever used as the texts of known keys, each
// HTML-escaped when rendered. Any failure shows the default (Danish) texts.
type LanguageFiles struct {
	client       *http.Client
	allowPrivate bool

	mu    sync.Mutex
	cache map[string]languageEntry
}

type languageEntry struct {
	texts   card.Texts
	expires time.Time
}

// NewLanguageFiles returns the language file fetcher.
func NewLanguageFiles(allowPrivate bool) *LanguageFiles {
	return &LanguageFiles{client: NewWebhookHTTPClient(languageTimeout, allowPrivate), allowPrivate: allowPrivate,
		cache: make(map[string]languageEntry)}
}

// Texts returns the texts of the language file at raw, or the defaults
// when raw is empty or cannot be fetched.
func (l *LanguageFiles) Texts(ctx context.Context, raw string) card.Texts {
	if raw == "" || card.WebOrigin(raw, l.allowPrivate) == "" {
		return card.DefaultTexts()
	}
	now := time.Now()
	l.mu.Lock()
	e, ok := l.cache[raw]
	l.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.texts
	}
	texts, good := l.fetch(ctx, raw)
	ttl := languageTTL
	if !good {
		ttl = languageFailTTL
	}
	l.mu.Lock()
	if len(l.cache) >= languageEntries {
		clear(l.cache)
	}
	l.cache[raw] = languageEntry{texts: texts, expires: now.Add(ttl)}
	l.mu.Unlock()
	return texts
}

func (l *LanguageFiles) fetch(ctx context.Context, raw string) (card.Texts, bool) {
	if _, err := url.Parse(raw); err != nil {
		return card.DefaultTexts(), false
	}
	ctx, cancel := context.WithTimeout(ctx, languageTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return card.DefaultTexts(), false
	}
	req.Header.Set("Accept", "application/json")
	resp, err := l.client.Do(req)
	if err != nil {
		return card.DefaultTexts(), false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return card.DefaultTexts(), false
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, languageMaxBytes+1))
	if err != nil || len(b) > languageMaxBytes {
		return card.DefaultTexts(), false
	}
	return card.ParseTexts(b), true
}
