package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"log/slog"
)

// blockingHandler holds each request until release is closed, counting the
// requests that reached it.
type blockingHandler struct {
	mu      sync.Mutex
	reached int
	entered chan struct{}
	release chan struct{}
}

func newBlockingHandler() *blockingHandler {
	return &blockingHandler{entered: make(chan struct{}, 100), release: make(chan struct{})}
}

func (b *blockingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.reached++
	b.mu.Unlock()
	b.entered <- struct{}{}
	<-b.release
	w.WriteHeader(http.StatusOK)
}

// serveAsync runs one request through h in the background.
func serveAsync(h http.Handler, path string) <-chan *httptest.ResponseRecorder {
	out := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		out <- rec
	}()
	return out
}

func TestOverloadQueuesThenSheds(t *testing.T) {
	b := newBlockingHandler()
	l := newLimiter(Overload{MaxInFlight: 2, MaxQueued: 1, QueueWait: time.Minute}, 1, slog.New(slog.DiscardHandler))
	h := l.forCheckout("/api/checkout").middleware(b)

	// Two run.
	running := []<-chan *httptest.ResponseRecorder{serveAsync(h, "/api/v1/merchants"), serveAsync(h, "/api/v1/merchants")}
	<-b.entered
	<-b.entered
	// One waits in the queue.
	queued := serveAsync(h, "/api/v1/merchants")
	deadline := time.Now().Add(5 * time.Second)
	for l.queued.Load() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the third request did not queue")
		}
		time.Sleep(time.Millisecond)
	}
	// The fourth is refused at once, in the family's shape, without
	// reaching the handler (no authentication, no database).
	for _, tc := range []struct{ path, field, want string }{
		{"/api/v1/merchants", "code", "unavailable"},
		{"/graphql", "", ""},
		{"/api/demo/customer/register", "code", "503"},
		{"/api/checkout/selection", "errors", ""},
	} {
		start := time.Now()
		rec := <-serveAsync(h, tc.path)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" {
			t.Fatalf("%s over the limit: %d, Retry-After %q", tc.path, rec.Code, rec.Header().Get("Retry-After"))
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s refused after %v, want at once", tc.path, d)
		}
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: body %q: %v", tc.path, rec.Body, err)
		}
		switch tc.path {
		case "/api/checkout/selection":
			errs, _ := body["errors"].(map[string]any)
			if errs["request"] != busyMessage {
				t.Errorf("checkout refusal %s", rec.Body)
			}
		case "/graphql":
			errs, _ := body["errors"].([]any)
			first, _ := errs[0].(map[string]any)
			ext, _ := first["extensions"].(map[string]any)
			if ext["code"] != "UNAVAILABLE" {
				t.Errorf("graphql refusal %s", rec.Body)
			}
		default:
			if got := body[tc.field]; got != tc.want && got != 503.0 {
				t.Errorf("%s refusal %s", tc.path, rec.Body)
			}
		}
	}
	// Health checks are never refused.
	for _, p := range []string{"/healthz", "/readyz"} {
		serveAsync(h, p)
		<-b.entered
	}
	// Nor are subscriptions, which hold their connection for as long as
	// the client listens and have their own limits.
	for _, hdr := range [][2]string{{"Upgrade", "websocket"}, {"Accept", "text/event-stream"}} {
		go func() {
			req := httptest.NewRequest(http.MethodGet, "/graphql", nil)
			req.Header.Set(hdr[0], hdr[1])
			h.ServeHTTP(httptest.NewRecorder(), req)
		}()
		<-b.entered
	}
	b.mu.Lock()
	reached := b.reached
	b.mu.Unlock()
	if reached != 6 { // two running, the two health checks, the two streams
		t.Fatalf("%d requests reached the handler, want 6", reached)
	}
	close(b.release)
	for _, c := range running {
		if rec := <-c; rec.Code != http.StatusOK {
			t.Fatalf("running request: %d", rec.Code)
		}
	}
	if rec := <-queued; rec.Code != http.StatusOK {
		t.Fatalf("queued request: %d, want it served once a slot freed", rec.Code)
	}
}

func TestOverloadQueueWaitIsShort(t *testing.T) {
	b := newBlockingHandler()
	l := newLimiter(Overload{MaxInFlight: 1, MaxQueued: 5, QueueWait: 30 * time.Millisecond}, 1, slog.New(slog.DiscardHandler))
	h := l.middleware(b)
	first := serveAsync(h, "/x")
	<-b.entered
	start := time.Now()
	rec := <-serveAsync(h, "/x")
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("queued past the wait: %d", rec.Code)
	}
	if d := time.Since(start); d < 30*time.Millisecond || d > 2*time.Second {
		t.Fatalf("refused after %v, want after the queue wait of 30ms", d)
	}
	// A queued request whose client goes away leaves the queue.
	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan int, 1)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil).WithContext(ctx))
		gone <- rec.Code
	}()
	cancel()
	<-gone
	close(b.release)
	if rec := <-first; rec.Code != http.StatusOK {
		t.Fatalf("first: %d", rec.Code)
	}
	if l.queued.Load() != 0 || len(l.slots) != 0 {
		t.Fatalf("queue %d, slots %d after all requests ended", l.queued.Load(), len(l.slots))
	}
}

func TestOverloadOffAndDefaults(t *testing.T) {
	if l := newLimiter(Overload{MaxInFlight: -1}, 4, nil); l != nil {
		t.Fatal("a negative MaxInFlight must turn the limit off")
	}
	l := newLimiter(Overload{}, 4, nil)
	if cap(l.slots) != DefaultMaxInFlight(4) || l.maxQueued != int64(DefaultMaxInFlight(4)/2) || l.wait != DefaultQueueWait {
		t.Fatalf("defaults: %d in flight, %d queued, wait %v", cap(l.slots), l.maxQueued, l.wait)
	}
}

func TestDrainTurnsReadyzAndClosesConnections(t *testing.T) {
	d := &Drain{}
	up := pingerFunc(func(context.Context) error { return nil })
	mux := http.NewServeMux()
	mux.Handle("GET /readyz", readyz(up, up, d))
	mux.HandleFunc("GET /x", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	h := chain(mux, closeWhenDraining(d))
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(path string) *http.Response {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := get("/readyz"); r.StatusCode != http.StatusOK || r.Close {
		t.Fatalf("before the drain: %d, close %v", r.StatusCode, r.Close)
	}
	d.Begin()
	if r := get("/readyz"); r.StatusCode != http.StatusServiceUnavailable || !r.Close {
		t.Fatalf("draining: /readyz %d, close %v", r.StatusCode, r.Close)
	}
	if r := get("/x"); r.StatusCode != http.StatusOK || !r.Close {
		t.Fatalf("draining: /x %d, close %v; want served, with Connection: close", r.StatusCode, r.Close)
	}
}

type pingerFunc func(context.Context) error

func (f pingerFunc) Ping(ctx context.Context) error { return f(ctx) }
