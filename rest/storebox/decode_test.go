package storebox

import (
	"net/http/httptest"
	"strings"
	"testing"

	"loyaltygraph/domain/errs"
)

func TestDecodeJSONRefusesNULAndInvalidUTF8(t *testing.T) {
	cases := []struct {
		name, body, field string
	}{
		{"NUL in a member", `{"memberId": "a\u0000b"}`, "memberId"},
		{"NUL in a nested array", `{"phonenumber": "4520000000", "parms": [{"name": "a", "value": "ok"}, {"name": "b", "value": "x\u0000"}]}`, "parms[1].value"},
		{"invalid UTF-8", "{\"a\": 1, \"merchantName\": \"caf\xe9\"}", "merchantName"},
		{"invalid UTF-8 after a nested object", "{\"x\": {\"y\": [1, {\"z\": true}]}, \"name\": \"\xff\"}", "name"},
		{"NUL in a member name", `{"ok": "1", "bad\u0000": "2"}`, "bad\x00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			var v map[string]any
			err := DecodeJSON(r, &v)
			e := errs.As(err)
			if err == nil || e.Code != errs.Invalid || e.Field != tc.field || !strings.Contains(e.Message, "NUL") {
				t.Fatalf("got %v; want invalid %q", err, tc.field)
			}
		})
	}
	for _, body := range []string{`{"name": "café ✓", "escaped": "\\u0000 is text", "list": ["a", {"b": "c"}]}`, `{"n": 1}`} {
		var v map[string]any
		if err := DecodeJSON(httptest.NewRequest("POST", "/", strings.NewReader(body)), &v); err != nil {
			t.Fatalf("%s refused: %v", body, err)
		}
	}
}
