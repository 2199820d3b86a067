package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/pan"
	"loyaltygraph/rest/openloyalty"
	"loyaltygraph/rest/storebox"
)

// middleware wraps a handler.
type middleware func(http.Handler) http.Handler

// chain applies mws so that the first one is outermost.
func chain(h http.Handler, mws ...middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

type requestIDKey struct{}

// RequestID returns the id of the request, as set by the request-id
// middleware.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// withRequestID takes a sane X-Request-Id from the caller or makes one, and
// echoes it on the response. A card number in the caller's id is masked
// before the id is logged or echoed.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = ids.LowerAlnum(20)
		}
		// SECURITY: a full card number is never logged (DESIGN "PAN guard").
		id = pan.Redact(id)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// statusClientClosed is logged for a request whose client went away
// before it was answered.
const statusClientClosed = 499

// accessLog writes one structured line per request. It logs the path, never
// the query string or headers, which may carry secrets.
func accessLog(log *slog.Logger) middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &statusRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			level := slog.LevelInfo
			switch {
			case errors.Is(r.Context().Err(), context.Canceled):
				// The client left before the answer: nobody saw it, and
				// it is no fault of the server (nginx's 499).
				rec.status, level = statusClientClosed, slog.LevelDebug
			case rec.status >= 500 && rec.status != http.StatusServiceUnavailable:
				// A 503 is a dependency that is down, logged once when it
				// went down, not one error per request.
				level = slog.LevelError
			}
			log.LogAttrs(r.Context(), level, "request",
				slog.String("request_id", RequestID(r.Context())),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.status),
				slog.Int("bytes", rec.bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("remote", r.RemoteAddr),
			)
		})
	}
}

// recoverPanics turns a panic into a 500 with a JSON body that reveals
// nothing, and logs the panic with its stack.
func recoverPanics(log *slog.Logger) middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic", "panic", v, "stack", string(debug.Stack()),
					"request_id", RequestID(r.Context()))
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusInternalServerError)
				_ = json.NewEncoder(w).Encode(map[string]string{"code": "internal", "message": "internal error"})
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// limitBody caps every request body at max bytes.
func limitBody(max int64) middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body != nil {
				r.Body = http.MaxBytesReader(w, r.Body, max)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// bodyMediaTypes lists, per write route, the media types its body may
// have besides application/json; the key is "METHOD path".
var bodyMediaTypes = map[string][]string{
	// Transaction ingestion takes CSV as documented.
	"POST /api/v1/transactions/batches": {"text/csv", "application/csv"},
	// The terms page's own Accept form, submitted by the end user's browser
	// from our page (same origin).
	"POST /api/v1/signup/terms": {"application/x-www-form-urlencoded"},
	// The card frame's form and the development issuer's page, both ours.
	"POST /receipt-data/v1/cardframe/submit": {"application/x-www-form-urlencoded"},
	"POST /receipt-data/v1/cardframe/sca":    {"application/x-www-form-urlencoded"},
}

// isWrite reports whether method changes state.
func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// hasBody reports whether r carries a body. A body of unknown length
// (chunked, or HTTP/2 without Content-Length) is peeked at: an empty one
// counts as none, so a body-less POST needs no Content-Type whatever the
// client's framing.
func hasBody(r *http.Request) bool {
	if r.ContentLength > 0 {
		return true
	}
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return false
	}
	var first [1]byte
	n, err := io.ReadFull(r.Body, first[:])
	if n == 0 {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			r.Body = http.NoBody
			return false
		}
		// A read error: let the handler meet it.
		return true
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(first[:n]), r.Body), r.Body}
	return true
}

// refuseBrowserWrites keeps browsers from being used to write on a user's
// behalf:
//   - a write (POST, PUT, PATCH, DELETE) that a browser says comes from
//     another site (Sec-Fetch-Site: cross-site) is refused with 403;
//   - a REST write that carries a body must declare it application/json
//     (or a media type its route documents: CSV for transaction ingestion,
//     a form for the terms page's Accept button); otherwise 415. HTML forms
//     can only send form, multipart or text/plain bodies, so no form on
//     another site can post to the JSON API. /graphql checks its own media
//     types. Body-less writes (create a settlement batch, settle merchants)
//     need no Content-Type.
//
// SECURITY: this is the CSRF guard of the API; the API keeps no cookies and
// sends no Basic challenge, so browsers hold no ambient credentials for it.
func refuseBrowserWrites(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isWrite(r.Method) {
			next.ServeHTTP(w, r)
			return
		}
		gql := r.URL.Path == "/graphql"
		if strings.EqualFold(r.Header.Get("Sec-Fetch-Site"), "cross-site") {
			const msg = "cross-site requests may not write"
			if gql {
				writeJSON(w, http.StatusForbidden, map[string]any{"errors": []map[string]any{
					{"message": msg, "extensions": map[string]string{"code": "FORBIDDEN"}}}})
				return
			}
			storebox.WriteJSON(w, http.StatusForbidden, storebox.ErrorBody{Code: "forbidden", Message: msg})
			return
		}
		if gql || !hasBody(r) {
			next.ServeHTTP(w, r)
			return
		}
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err == nil && mt == "application/json" {
			next.ServeHTTP(w, r)
			return
		}
		allowed := bodyMediaTypes[r.Method+" "+r.URL.Path]
		if openloyalty.IsPath(r.URL.Path) {
			// SECURITY: Open Loyalty documents form bodies (seed 003). Its
			// requests carry their authority in an Authorization header,
			// which no form on another site can set, so a cross-site form
			// reaches these routes only as an anonymous caller.
			allowed = openloyalty.BodyMediaTypes
		}
		for _, a := range allowed {
			if err == nil && mt == a {
				next.ServeHTTP(w, r)
				return
			}
		}
		msg := "a request body must be sent as application/json"
		if len(allowed) > 0 {
			msg = "a request body must be sent as application/json or " + strings.Join(allowed, " or ")
		}
		storebox.WriteJSON(w, http.StatusUnsupportedMediaType, storebox.ErrorBody{
			Code: "unsupported_media_type", Message: msg, Field: "Content-Type"})
	})
}
