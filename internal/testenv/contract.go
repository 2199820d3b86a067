package testenv

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/felixge/httpsnoop"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	liberrors "github.com/pb33f/libopenapi-validator/errors"

	"loyaltygraph/rest/openapi"
	"loyaltygraph/server"
)

// Contract is the OpenAPI document of a service and its validator: every
// response a test gets from a documented REST route is validated against
// the combined document (/openapi.json) by libopenapi-validator, so the
// document cannot drift from the code.
type Contract struct {
	// Document is the combined document, as served.
	Document []byte
	// routes matches the documented routes (ServeMux patterns).
	routes *http.ServeMux
	ops    map[string]openapi.Op
	mu     sync.Mutex
	v      validator.Validator
}

var contracts sync.Map // checkout prefix → *contractOnce

type contractOnce struct {
	once sync.Once
	c    *Contract
	err  error
}

// ContractFor returns the contract of a service whose checkout API is
// under checkoutPrefix ("" for the default), built once per test binary.
func ContractFor(t testing.TB, checkoutPrefix string) *Contract {
	t.Helper()
	v, _ := contracts.LoadOrStore(checkoutPrefix, &contractOnce{})
	co := v.(*contractOnce)
	co.once.Do(func() { co.c, co.err = NewContract(server.OpenAPIFamilies(checkoutPrefix)...) })
	if co.err != nil {
		t.Fatalf("contract: %v", co.err)
	}
	return co.c
}

// NewContract returns the contract of the combined document of fams.
func NewContract(fams ...openapi.Family) (*Contract, error) {
	body, err := openapi.Combined(fams...)
	if err != nil {
		return nil, err
	}
	doc, err := libopenapi.NewDocument(body)
	if err != nil {
		return nil, fmt.Errorf("parse the document: %w", err)
	}
	v, errs := validator.NewValidator(doc, config.WithStrictMode())
	if len(errs) > 0 {
		return nil, fmt.Errorf("build the validator: %v", errs)
	}
	c := &Contract{Document: body, routes: http.NewServeMux(), ops: map[string]openapi.Op{}, v: v}
	noop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for _, f := range fams {
		for _, op := range f.Ops {
			c.routes.Handle(op.Pattern(), noop)
			c.ops[op.Pattern()] = op
		}
	}
	return c, nil
}

// Op returns the documented operation r is routed to, if any.
func (c *Contract) Op(r *http.Request) (openapi.Op, bool) {
	if r.Method == http.MethodHead || r.Method == http.MethodOptions {
		return openapi.Op{}, false
	}
	_, pattern := c.routes.Handler(r)
	op, ok := c.ops[pattern]
	return op, ok
}

// Check validates one response to r against the document and returns
// what does not match, or nil.
func (c *Contract) Check(r *http.Request, status int, header http.Header, body []byte) []string {
	resp := &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)), Request: r}
	c.mu.Lock()
	ok, verrs := c.v.ValidateHttpResponse(r, resp)
	c.mu.Unlock()
	if ok {
		return nil
	}
	var out []string
	for _, e := range verrs {
		// Strict mode's undeclared response headers: the documents name
		// the headers a status always carries, not every header
		// (Cache-Control, X-Request-ID, ...).
		if e.ValidationType == liberrors.StrictValidationType && e.ValidationSubType == liberrors.StrictSubTypeHeader {
			continue
		}
		msg := e.Message
		if e.Reason != "" {
			msg += ": " + e.Reason
		}
		for _, s := range e.SchemaValidationErrors {
			msg += fmt.Sprintf("\n\t\t%s: %s", s.FieldPath, s.Reason)
		}
		out = append(out, msg)
	}
	return out
}

// Wrap returns h validating every response to a documented route; a
// mismatch fails t with the operation, the status and the validator's
// message. Other routes (GraphQL, health, ...) pass untouched.
func (c *Contract) Wrap(t testing.TB, h http.Handler) http.Handler {
	var done atomic.Bool
	t.Cleanup(func() { done.Store(true) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, ok := c.Op(r)
		if !ok {
			h.ServeHTTP(w, r)
			return
		}
		status := 0
		var body bytes.Buffer
		const maxBody = 16 << 20
		tooLong := false
		ww := httpsnoop.Wrap(w, httpsnoop.Hooks{
			WriteHeader: func(next httpsnoop.WriteHeaderFunc) httpsnoop.WriteHeaderFunc {
				return func(code int) {
					if status == 0 && code >= 200 {
						status = code
					}
					next(code)
				}
			},
			Write: func(next httpsnoop.WriteFunc) httpsnoop.WriteFunc {
				return func(p []byte) (int, error) {
					if status == 0 {
						status = http.StatusOK
					}
					if body.Len()+len(p) <= maxBody {
						body.Write(p)
					} else {
						tooLong = true
					}
					return next(p)
				}
			},
			ReadFrom: func(next httpsnoop.ReadFromFunc) httpsnoop.ReadFromFunc {
				return func(src io.Reader) (int64, error) {
					if status == 0 {
						status = http.StatusOK
					}
					tee := io.TeeReader(src, &limitedWriter{buf: &body, max: maxBody, over: &tooLong})
					return next(tee)
				}
			},
		})
		h.ServeHTTP(ww, r)
		if status == 0 {
			status = http.StatusOK
		}
		if tooLong || done.Load() {
			return
		}
		if problems := c.Check(r, status, w.Header().Clone(), body.Bytes()); len(problems) > 0 {
			excerpt := body.String()
			if len(excerpt) > 400 {
				excerpt = excerpt[:400] + "…"
			}
			t.Errorf("contract: %s %s (operation %s) answered %d (%s), which the OpenAPI document does not describe:\n\t%s\n\tbody: %s",
				r.Method, r.URL.Path, op.ID, status, w.Header().Get("Content-Type"), strings.Join(problems, "\n\t"), excerpt)
		}
	})
}

type limitedWriter struct {
	buf  *bytes.Buffer
	max  int
	over *bool
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.buf.Len()+len(p) <= l.max {
		l.buf.Write(p)
	} else {
		*l.over = true
	}
	return len(p), nil
}
