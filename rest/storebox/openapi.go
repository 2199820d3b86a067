package storebox

import (
	"net/http"

	"loyaltygraph/rest/openapi"
)

// errorDescriptions say when the Storebox families answer each error
// status.
var errorDescriptions = map[int]string{
	http.StatusBadRequest:            "Invalid input: `field` names the member at fault (NUL bytes, invalid UTF-8 and card numbers included).",
	http.StatusUnauthorized:          "No credentials, or credentials that are unknown, revoked, expired or malformed.",
	http.StatusForbidden:             "The credentials may not do this.",
	http.StatusNotFound:              "No such resource for these credentials (another partner's is not found either).",
	http.StatusConflict:              "The change conflicts with the stored state.",
	http.StatusGone:                  "The resource existed but is used up or expired.",
	http.StatusRequestEntityTooLarge: "The request body is over the limit.",
	http.StatusTooManyRequests:       "Too many attempts: try again after Retry-After seconds.",
	http.StatusInternalServerError:   "An unexpected failure (logged; the message is fixed).",
	http.StatusServiceUnavailable:    "A dependency is down or the service is overloaded: try again after Retry-After seconds.",
}

// ErrorResponses documents the Storebox error body {"code","message","field"}
// for each status; 429 and 503 carry Retry-After.
func ErrorResponses(statuses ...int) []openapi.Response {
	out := make([]openapi.Response, 0, len(statuses))
	for _, s := range statuses {
		r := openapi.Response{Status: s, Type: ErrorBody{}, Description: errorDescriptions[s]}
		if s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable {
			r.Headers = []string{"Retry-After"}
		}
		out = append(out, r)
	}
	return out
}
