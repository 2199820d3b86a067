package testenv

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Response is a recorded HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test when it is not JSON.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("response is not JSON (%v): %s", err, r.Body)
	}
}

// Object decodes the body as a JSON object.
func (r *Response) Object(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// BasicAuth returns an Authorization header value for HTTP Basic.
func BasicAuth(user, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+secret))
}

// Do sends one request to h. A body that is not a string or []byte is
// encoded as JSON. Headers come as name, value pairs.
func Do(t testing.TB, h http.Handler, method, path string, body any, headers ...string) *Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return &Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// GraphQLResult is a GraphQL response body.
type GraphQLResult struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// GraphQL posts a query with variables to /graphql and decodes the result.
func GraphQL(t testing.TB, h http.Handler, authorization, query string, vars map[string]any) (*Response, *GraphQLResult) {
	t.Helper()
	headers := []string{"Accept", "application/graphql-response+json"}
	if authorization != "" {
		headers = append(headers, "Authorization", authorization)
	}
	resp := Do(t, h, http.MethodPost, "/graphql", map[string]any{"query": query, "variables": vars}, headers...)
	var out GraphQLResult
	resp.JSON(t, &out)
	return resp, &out
}

// Nodes decodes a GraphQL connection's {"nodes": [...]} into the slice of
// its nodes, so that a test reads a connection as it would read a list.
type Nodes[T any] []T

// UnmarshalJSON reads a connection object's nodes.
func (n *Nodes[T]) UnmarshalJSON(b []byte) error {
	var conn struct{ Nodes []T }
	if err := json.Unmarshal(b, &conn); err != nil {
		return err
	}
	*n = conn.Nodes
	return nil
}
