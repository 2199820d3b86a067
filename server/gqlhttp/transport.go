// Package gqlhttp is a gqlgen transport for GraphQL over HTTP (GET and POST with
// application/json bodies) that passes graphql-http's audit (scripts/audit)
// with no MUST failure, no SHOULD warning and no MAY notice, and that takes
// file uploads as the GraphQL multipart request spec describes (multipart.go).
package gqlhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

const (
	mediaJSON         = "application/json"
	mediaGraphQLResp  = "application/graphql-response+json"
	defaultMaxBodyLen = 1 << 20
)

// Transport serves GraphQL over HTTP GET and POST. Add it to the gqlgen server
// AFTER transport.Websocket, transport.Options, transport.MultipartMixed and
// transport.MultipartForm (if used), and INSTEAD of transport.GET/transport.POST:
// it claims every other GET and POST request.
type Transport struct {
	// MaxBodyBytes caps POST bodies (413 above it); 0 means 1 MiB.
	MaxBodyBytes int64
	// Uploads enables multipart/form-data requests with files (the
	// GraphQL multipart request spec) when its limits are set.
	Uploads Uploads
}

var _ graphql.Transport = Transport{}

func (Transport) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && (r.Method == http.MethodGet || r.Method == http.MethodPost)
}

func (t Transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	w.Header().Add("Vary", "Accept")
	mediaType, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		// None of the listed media types is supported: 406 is the RECOMMENDED answer.
		writeErrors(w, mediaJSON, http.StatusNotAcceptable,
			gqlerror.List{{Message: "Accept must allow application/graphql-response+json or application/json"}}, nil)
		return
	}
	start := graphql.Now()
	params, status, err := t.readParams(w, r)
	if err != nil {
		// Malformed HTTP request (not a GraphQL request at all): 4xx whatever the media type.
		writeErrors(w, mediaType, status, gqlerror.List{{Message: err.Error()}}, nil)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	ctx := r.Context()
	opCtx, gqlErrs := exec.CreateOperationContext(ctx, params)
	if gqlErrs != nil {
		// Request error (parse, validation, variable coercion, unknown operation,
		// complexity, APQ, ...): no execution, so no "data" key. 200 for the
		// legacy application/json, 400 for application/graphql-response+json.
		status := http.StatusOK
		if mediaType == mediaGraphQLResp {
			status = http.StatusBadRequest
		}
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), gqlErrs)
		writeErrors(w, mediaType, status, resp.Errors, resp.Extensions)
		return
	}
	if r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		writeErrors(w, mediaType, http.StatusMethodNotAllowed,
			gqlerror.List{{Message: "GET requests may only run query operations; use POST"}}, nil)
		return
	}

	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	if resp == nil {
		// gqlgen answers nothing once the request's context is done (the
		// client left, or the request timed out).
		writeErrors(w, mediaType, http.StatusServiceUnavailable, gqlerror.List{{
			Message: "the request timed out or was cancelled", Extensions: map[string]any{"code": "UNAVAILABLE"},
		}}, nil)
		return
	}
	w.Header().Set("Content-Type", mediaType+"; charset=utf-8")
	w.WriteHeader(http.StatusOK) // also when data is null after a field error
	writeResponse(w, resp)
}

// readParams extracts the GraphQL request parameters; a non-nil error comes with
// the 4xx status to answer.
func (t Transport) readParams(w http.ResponseWriter, r *http.Request) (*graphql.RawParams, int, error) {
	var raw struct {
		Query, OperationName, Variables, Extensions json.RawMessage
	}
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		str := func(name string) json.RawMessage {
			if !q.Has(name) {
				return nil
			}
			b, _ := json.Marshal(q.Get(name))
			return b
		}
		raw.Query, raw.OperationName = str("query"), str("operationName")
		raw.Variables = json.RawMessage(strings.TrimSpace(q.Get("variables")))
		raw.Extensions = json.RawMessage(strings.TrimSpace(q.Get("extensions")))
		for _, v := range []*json.RawMessage{&raw.Variables, &raw.Extensions} {
			if len(*v) == 0 {
				*v = nil
			} else if !json.Valid(*v) {
				return nil, http.StatusBadRequest, errors.New("variables and extensions must be URL-encoded JSON")
			}
		}
	} else if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == mediaMultipart && t.Uploads.enabled() {
		var files map[string][]string
		var uploads map[string]graphql.Upload
		var status int
		var err error
		raw.Query, raw.OperationName, raw.Variables, raw.Extensions, files, uploads, status, err = t.readMultipart(w, r)
		if err != nil {
			return nil, status, err
		}
		p, status, err := checkParams(raw.Query, raw.OperationName, raw.Variables, raw.Extensions)
		if err != nil {
			return nil, status, err
		}
		if err := placeUploads(p, files, uploads); err != nil {
			return nil, http.StatusBadRequest, err
		}
		return p, 0, nil
	} else {
		ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || ct != mediaJSON {
			return nil, http.StatusUnsupportedMediaType, errors.New("Content-Type must be application/json")
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return nil, http.StatusUnsupportedMediaType, errors.New("only utf-8 request bodies are supported")
		}
		limit := t.MaxBodyBytes
		if limit <= 0 {
			limit = defaultMaxBodyLen
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body larger than %d bytes", limit)
			}
			return nil, http.StatusBadRequest, errors.New("could not read the request body")
		}
		body = bytes.TrimSpace(body)
		if len(body) == 0 {
			return nil, http.StatusBadRequest, errors.New("request body is empty")
		}
		if body[0] != '{' || json.Unmarshal(body, &raw) != nil {
			return nil, http.StatusBadRequest, errors.New("request body must be a JSON object")
		}
	}

	return checkParams(raw.Query, raw.OperationName, raw.Variables, raw.Extensions)
}

// checkParams decodes and checks the members of a GraphQL request.
func checkParams(query, operationName, variables, extensions json.RawMessage) (*graphql.RawParams, int, error) {
	raw := struct{ Query, OperationName, Variables, Extensions json.RawMessage }{query, operationName, variables, extensions}
	p := &graphql.RawParams{}
	if !isNull(raw.Query) && (json.Unmarshal(raw.Query, &p.Query) != nil || p.Query == "") {
		return nil, http.StatusBadRequest, errors.New("the query parameter must be a non-empty string")
	}
	if !isNull(raw.OperationName) && json.Unmarshal(raw.OperationName, &p.OperationName) != nil {
		return nil, http.StatusBadRequest, errors.New("the operationName parameter must be a string or null")
	}
	if !isNull(raw.Variables) && (raw.Variables[0] != '{' || decodeNumbers(raw.Variables, &p.Variables) != nil) {
		return nil, http.StatusBadRequest, errors.New("the variables parameter must be a JSON object or null")
	}
	if !isNull(raw.Extensions) && (raw.Extensions[0] != '{' || decodeNumbers(raw.Extensions, &p.Extensions) != nil) {
		return nil, http.StatusBadRequest, errors.New("the extensions parameter must be a JSON object or null")
	}
	// The query may be left out only by an automatic-persisted-query request
	// (extensions.persistedQuery.sha256Hash), which the APQ extension resolves.
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return nil, http.StatusBadRequest, errors.New("the query parameter is missing")
	}
	return p, 0, nil
}

func isNull(m json.RawMessage) bool { return len(m) == 0 || string(m) == "null" }

// decodeNumbers decodes like gqlgen does (json.Number, so Int/Float scalars
// keep their precision).
func decodeNumbers(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// negotiate picks the response media type from the Accept header(s): the
// highest-q supported type; */* and application/* mean application/json;
// no Accept at all means application/json. ok is false when the header lists
// no supported type.
func negotiate(accept []string) (mediaType string, ok bool) {
	if len(accept) == 0 {
		return mediaJSON, true
	}
	best, bestQ, bestSpecific := "", 0.0, false
	for _, header := range accept {
		for _, part := range strings.Split(header, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if qs, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(qs, 64); err != nil {
					continue
				}
			}
			if q <= 0 {
				continue
			}
			var cand string
			specific := true
			switch mt {
			case mediaGraphQLResp, mediaJSON:
				cand = mt
			case "*/*", "application/*":
				cand, specific = mediaJSON, false
			default:
				continue
			}
			// Higher q wins; on a tie an explicit type beats a wildcard and
			// application/graphql-response+json beats application/json.
			if q > bestQ || (q == bestQ && ((specific && !bestSpecific) ||
				(specific == bestSpecific && cand == mediaGraphQLResp))) {
				best, bestQ, bestSpecific = cand, q, specific
			}
		}
	}
	return best, best != ""
}

func writeErrors(w http.ResponseWriter, mediaType string, status int, errs gqlerror.List, ext map[string]any) {
	w.Header().Set("Content-Type", mediaType+"; charset=utf-8")
	w.WriteHeader(status)
	writeJSON(w, struct {
		Errors     gqlerror.List  `json:"errors"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{errs, ext})
}

func writeJSON(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"errors":[{"message":"internal error: could not encode the response"}]}`)
	}
	_, _ = w.Write(b)
}

// writeResponse writes resp without re-scanning resp.Data, which gqlgen
// produced as valid JSON: json.Marshal would validate and compact it again.
func writeResponse(w io.Writer, resp *graphql.Response) {
	var buf bytes.Buffer
	buf.Grow(len(resp.Data) + 64)
	buf.WriteByte('{')
	member := func(name string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			return
		}
		buf.WriteString(`"` + name + `":`)
		buf.Write(b)
		buf.WriteByte(',')
	}
	if len(resp.Errors) > 0 {
		member("errors", resp.Errors)
	}
	if resp.Label != "" {
		member("label", resp.Label)
	}
	if len(resp.Path) > 0 {
		member("path", resp.Path)
	}
	if resp.HasNext != nil {
		member("hasNext", *resp.HasNext)
	}
	if len(resp.Extensions) > 0 {
		member("extensions", resp.Extensions)
	}
	buf.WriteString(`"data":`)
	if len(resp.Data) == 0 {
		buf.WriteString("null")
	} else {
		buf.Write(resp.Data)
	}
	buf.WriteByte('}')
	_, _ = w.Write(buf.Bytes())
}
