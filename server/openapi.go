package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"loyaltygraph/rest/checkout"
	"loyaltygraph/rest/openapi"
	"loyaltygraph/rest/openloyalty"
	"loyaltygraph/rest/receiptdata"
	"loyaltygraph/rest/settlement"
	"loyaltygraph/rest/userapi"
	"loyaltygraph/web/docs"
)

// families are the REST families the OpenAPI documents describe, each
// built from the table that registers its routes: one line per family.
func families(checkoutPrefix string) []openapi.Family {
	return []openapi.Family{
		userapi.OpenAPI(),
		receiptdata.OpenAPI(),
		receiptdata.POSOpenAPI(),
		settlement.OpenAPI(),
		openloyalty.OpenAPI(),
		checkout.OpenAPI(checkoutPrefix),
	}
}

// OpenAPIFamilies are the documented REST families of a service whose
// checkout API is under checkoutPrefix ("" for the default), for the
// contract test.
func OpenAPIFamilies(checkoutPrefix string) []openapi.Family { return families(checkoutPrefix) }

// OpenAPIDocument is the combined document served at /openapi.json.
func OpenAPIDocument(checkoutPrefix string) []byte {
	return openapi.MustCombined(families(checkoutPrefix)...)
}

// OpenAPIPath is where the combined document is served; each family's is
// at /openapi/{key}.json.
const OpenAPIPath = "/openapi.json"

// registerOpenAPI serves the documents and the reference page: public,
// they describe the API and hold no data.
func registerOpenAPI(mux *http.ServeMux, checkoutPrefix string) {
	fams := families(checkoutPrefix)
	mux.Handle("GET "+OpenAPIPath, jsonDocument(openapi.MustCombined(fams...)))
	byKey := map[string]http.Handler{}
	for _, f := range fams {
		byKey[f.Key+".json"] = jsonDocument(openapi.MustDocument(f))
	}
	mux.HandleFunc("GET /openapi/{file}", func(w http.ResponseWriter, r *http.Request) {
		h, ok := byKey[r.PathValue("file")]
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"code": "not_found",
				"message": "no such document; every family is in " + OpenAPIPath})
			return
		}
		h.ServeHTTP(w, r)
	})
	d := docs.Handler(OpenAPIPath)
	mux.Handle("GET "+docs.Path, d)
	mux.Handle("GET "+docs.Path+"/", d)
}

// jsonDocument serves a fixed JSON document, revalidated by ETag.
func jsonDocument(body []byte) http.Handler {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("ETag", etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	})
}
