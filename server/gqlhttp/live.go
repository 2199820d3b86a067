package gqlhttp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Live configures subscriptions: graphql-transport-ws (and the older
// graphql-ws) over WebSocket, and Server-Sent Events.
//
// Over WebSocket the credentials come in the connection_init payload, as
// the headers a request would carry ({"Authorization": "Basic …"},
// {"X-Storebox-user-token": "…"}); without any there, the upgrade
// request's own headers count. They are checked when the connection
// starts (a refusal closes it with 4403) and again when each subscription
// starts. Over SSE each request is one subscription, authenticated like any
// request.
type Live struct {
	// Authenticate checks credentials given as request headers and returns
	// ctx carrying their principal, or why they are refused.
	Authenticate func(ctx context.Context, h http.Header) (context.Context, error)
	// PerConnection caps the subscriptions open at once on one WebSocket
	// connection (DefaultPerConnection when ≤ 0).
	PerConnection int
	// KeepAlive is the interval of keep-alive messages: pings (answered by
	// pongs) in graphql-transport-ws, "ka" messages in graphql-ws, comments
	// in SSE (DefaultKeepAlive when ≤ 0).
	KeepAlive time.Duration
	// InitTimeout is how long a WebSocket client has to send
	// connection_init (DefaultInitTimeout when ≤ 0).
	InitTimeout time.Duration
}

// Defaults of Live.
const (
	DefaultPerConnection = 10
	DefaultKeepAlive     = 15 * time.Second
	DefaultInitTimeout   = 10 * time.Second
	// maxInitPayload caps the connection_init and subscribe messages.
	maxInitPayload = 64 << 10
)

// CodeTooManySubscriptions is the extensions.code of a subscription
// refused by a limit.
const CodeTooManySubscriptions = "RATE_LIMITED"

// credentialHeaders are the headers a connection_init payload may carry.
var credentialHeaders = []string{"Authorization", "X-Storebox-user-token", "API-Token"}

func (l Live) withDefaults() Live {
	if l.PerConnection <= 0 {
		l.PerConnection = DefaultPerConnection
	}
	if l.KeepAlive <= 0 {
		l.KeepAlive = DefaultKeepAlive
	}
	if l.InitTimeout <= 0 {
		l.InitTimeout = DefaultInitTimeout
	}
	return l
}

// IsStream reports whether r asks for a stream (a WebSocket upgrade or
// Server-Sent Events) rather than one answer.
func IsStream(r *http.Request) bool {
	return r.Header.Get("Upgrade") != "" || strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// Websocket returns gqlgen's WebSocket transport with these settings.
func (l Live) Websocket() transport.Websocket {
	l = l.withDefaults()
	limit := int64(maxInitPayload)
	return transport.Websocket{
		InitFunc:              l.init,
		InitTimeout:           l.InitTimeout,
		KeepAlivePingInterval: l.KeepAlive,
		PingPongInterval:      l.KeepAlive,
		PayloadReadLimit:      &limit,
	}
}

// SSE returns gqlgen's Server-Sent Events transport with these settings.
func (l Live) SSE() transport.SSE {
	l = l.withDefaults()
	return transport.SSE{KeepAlivePingInterval: l.KeepAlive}
}

// connection is the state of one WebSocket connection.
type connection struct {
	headers http.Header
	open    atomic.Int64
	max     int64
}

type connectionKey struct{}

// init authenticates a WebSocket connection from its connection_init
// payload (or its upgrade request's headers).
func (l Live) init(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	h := http.Header{}
	for _, name := range credentialHeaders {
		for k, v := range payload {
			if s, ok := v.(string); ok && strings.EqualFold(k, name) && s != "" {
				h.Set(name, s)
			}
		}
	}
	if len(h) == 0 {
		if r := upgradeHeaders(ctx); r != nil {
			for _, name := range credentialHeaders {
				if v := r.Get(name); v != "" {
					h.Set(name, v)
				}
			}
		}
	}
	authed, err := l.Authenticate(ctx, h)
	if err != nil {
		ctx = transport.WithWebsocketCloseCode(ctx, 4403)
		return transport.AppendCloseReason(ctx, "Forbidden"), nil, err
	}
	c := &connection{headers: h, max: int64(l.withDefaults().PerConnection)}
	return context.WithValue(authed, connectionKey{}, c), nil, nil
}

type upgradeKey struct{}

// WithUpgradeHeaders keeps the headers of a WebSocket upgrade request in
// its context, for connections whose connection_init carries no
// credentials.
func WithUpgradeHeaders(ctx context.Context, h http.Header) context.Context {
	return context.WithValue(ctx, upgradeKey{}, h)
}

func upgradeHeaders(ctx context.Context) http.Header {
	h, _ := ctx.Value(upgradeKey{}).(http.Header)
	return h
}

// Subscriptions is the operation middleware of subscriptions
// (handler.Server.AroundOperations): on a WebSocket connection it checks
// the connection's credentials again and its limit of open subscriptions.
func (l Live) Subscriptions(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	c, ok := ctx.Value(connectionKey{}).(*connection)
	if !ok {
		return next(ctx) // SSE: one subscription per request, authenticated with it
	}
	// SECURITY: credentials are checked again for every subscription, so
	// that an expired user token or a removed credential stops opening
	// subscriptions on a connection authenticated earlier.
	authed, err := l.Authenticate(ctx, c.headers)
	if err != nil {
		return refuse(ctx, err.Error(), "UNAUTHENTICATED")
	}
	if c.open.Add(1) > c.max {
		c.open.Add(-1)
		return refuse(ctx, fmt.Sprintf("too many subscriptions on this connection: at most %d at once", c.max), CodeTooManySubscriptions)
	}
	var once sync.Once
	done := func() { once.Do(func() { c.open.Add(-1) }) }
	responses := next(authed)
	go func() {
		<-ctx.Done() // the subscription was stopped, or the connection closed
		done()
	}()
	return func(ctx context.Context) *graphql.Response {
		resp := responses(ctx)
		if resp == nil {
			done()
		}
		return resp
	}
}

func refuse(ctx context.Context, msg, code string) graphql.ResponseHandler {
	err := &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
	return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{err}})
}

// Streams ends the streams (WebSocket connections, SSE responses) a
// server holds when it shuts down: http.Server.Shutdown neither closes
// hijacked connections nor ends responses that never finish.
type Streams struct {
	mu     sync.Mutex
	closed bool
	next   int
	cancel map[int]context.CancelFunc
}

// NewStreams returns an empty set of streams.
func NewStreams() *Streams { return &Streams{cancel: map[int]context.CancelFunc{}} }

// Handle serves a stream with next: its deadlines are lifted (a stream
// outlives the server's read and write timeouts; keep-alives and the
// pong check watch it instead) and its context ends on Close.
func (s *Streams) Handle(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			writeJSON(w, map[string]any{"errors": gqlerror.List{{Message: "the server is shutting down",
				Extensions: map[string]any{"code": "UNAVAILABLE"}}}})
			return
		}
		id := s.next
		s.next++
		s.cancel[id] = cancel
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			delete(s.cancel, id)
			s.mu.Unlock()
		}()
		rc := http.NewResponseController(w)
		if err := rc.SetReadDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return
		}
		_ = rc.SetWriteDeadline(time.Time{})
		ctx = WithUpgradeHeaders(ctx, r.Header)
		if r.Header.Get("Upgrade") == "" {
			// SSE flushes each event through whatever wraps w.
			w = flushWriter{w, rc}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Close ends every stream, and refuses new ones.
func (s *Streams) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, cancel := range s.cancel {
		cancel()
	}
}

// flushWriter lets gqlgen's SSE transport, which asks for an http.Flusher,
// flush through middleware that wraps the ResponseWriter.
type flushWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
}

func (f flushWriter) Flush()                      { _ = f.rc.Flush() }
func (f flushWriter) Unwrap() http.ResponseWriter { return f.ResponseWriter }
