package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRecoverHidesPanics(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	h := chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret detail") }),
		withRequestID, recoverPanics(log))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "secret detail") {
		t.Fatalf("panic answered %d %s", rec.Code, rec.Body)
	}
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body["code"] != "internal" {
		t.Fatalf("body %s", rec.Body)
	}
	if !strings.Contains(logs.String(), "secret detail") {
		t.Fatal("panic not logged")
	}
}

func TestRequestIDAndAccessLog(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	h := chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }),
		withRequestID, accessLog(log))
	req := httptest.NewRequest("GET", "/x?token=hidden", nil)
	req.Header.Set("X-Request-Id", "abc-123")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("X-Request-Id") != "abc-123" {
		t.Fatalf("request id %q", rec.Header().Get("X-Request-Id"))
	}
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("log line %q: %v", logs.String(), err)
	}
	if line["request_id"] != "abc-123" || line["status"] != float64(418) || line["path"] != "/x" {
		t.Fatalf("log line %v", line)
	}
	if strings.Contains(logs.String(), "hidden") {
		t.Fatal("query string logged")
	}
	// A hostile request id is replaced.
	req.Header.Set("X-Request-Id", "bad id\n")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if got := rec.Header().Get("X-Request-Id"); got == "" || strings.Contains(got, " ") {
		t.Fatalf("request id %q", got)
	}
}

func TestBodyLimit(t *testing.T) {
	h := limitBody(10)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 11))))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body read: %d", rec.Code)
	}
}

// TestRequestIDRedactsCardNumbers: a card number sent as X-Request-Id is
// neither echoed nor logged, nor is one in the path.
func TestRequestIDRedactsCardNumbers(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	var seen string
	h := chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = RequestID(r.Context()) }),
		withRequestID, accessLog(log))
	for _, id := range []string{"4111111111111111", "req-4000000000000000006", "4111-1111-1111-1111"} {
		logs.Reset()
		req := httptest.NewRequest("GET", "/x", nil)
		req.Header.Set("X-Request-Id", id)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got := rec.Header().Get("X-Request-Id")
		for _, s := range []string{got, seen, logs.String()} {
			if strings.Contains(s, "1111111111") || strings.Contains(s, "0000000000") {
				t.Fatalf("request id %q kept its card number: %q", id, s)
			}
		}
		if !strings.Contains(got, "XXXXXX") || got != seen {
			t.Fatalf("request id %q became %q (context %q)", id, got, seen)
		}
	}
}
