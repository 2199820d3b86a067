package receiptdata_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
	"loyaltygraph/store/redis"
)

// Images by their magic bytes.
var (
	pngImage  = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 64)...)
	pngImage2 = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{2}, 64)...)
	jpegImage = append([]byte{0xff, 0xd8, 0xff, 0xe0}, bytes.Repeat([]byte{3}, 64)...)
	webpImage = append([]byte("RIFF\x40\x00\x00\x00WEBPVP8 "), bytes.Repeat([]byte{4}, 64)...)
)

// file is one file part of a multipart GraphQL request, filling the
// variable path.
type file struct {
	path, name, contentType string
	data                    []byte
}

// upload posts a GraphQL multipart request (graphql-multipart-request-spec)
// with the GraphQL-Preflight header when preflight is set.
func upload(t *testing.T, h http.Handler, authz string, preflight bool, query string, vars map[string]any, files ...file) *testenv.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	_ = mw.WriteField("operations", string(ops))
	m := map[string][]string{}
	for i, f := range files {
		m[fmt.Sprint(i)] = []string{f.path}
	}
	mp, _ := json.Marshal(m)
	_ = mw.WriteField("map", string(mp))
	for i, f := range files {
		hdr := map[string][]string{
			"Content-Disposition": {fmt.Sprintf(`form-data; name="%d"; filename="%s"`, i, f.name)},
			"Content-Type":        {f.contentType},
		}
		w, err := mw.CreatePart(hdr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(f.data)
	}
	_ = mw.Close()
	req := httptest.NewRequest("POST", "/graphql", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/graphql-response+json")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	if preflight {
		req.Header.Set("GraphQL-Preflight", "1")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return &testenv.Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

const setLogo = `mutation($id: ID!, $file: Upload!) {
  setMerchantLogo(merchantId: $id, file: $file) { logo { url version } userErrors { field code message } }
}`

type setLogoResult struct {
	Data struct {
		SetMerchantLogo *struct {
			Logo *struct {
				URL     string
				Version string
			}
			UserErrors []struct{ Field, Code, Message string }
		}
	}
	Errors []struct {
		Message    string
		Extensions map[string]any
	}
}

func (e *env) setLogo(authz, merchantID string, f file) (*testenv.Response, setLogoResult) {
	e.t.Helper()
	f.path = "variables.file"
	res := upload(e.t, e.app.Handler, authz, true, setLogo, map[string]any{"id": merchantID, "file": nil}, f)
	var out setLogoResult
	if res.Status == http.StatusOK {
		res.JSON(e.t, &out)
	}
	return res, out
}

func (e *env) admin() string {
	e.t.Helper()
	c := testenv.Credential(e.t, e.app, auth.KindAdmin)
	return testenv.BasicAuth(c.Username, c.Secret)
}

func (e *env) newMerchant(name, status string) string {
	e.t.Helper()
	id := "m" + ids.LowerAlnum(10)
	if _, err := e.db.Pool.Exec(context.Background(), `INSERT INTO merchants (merchant_id, name, status) VALUES ($1, $2, $3)`,
		id, name, status); err != nil {
		e.t.Fatal(err)
	}
	return id
}

const updateProfile = `mutation($id: ID!, $in: UpdateMerchantProfileInput!) {
  updateMerchantProfile(merchantId: $id, input: $in) {
    merchant { merchantId country profile { country address zipCode city phoneNumber registrationNumber } }
    userErrors { field code message }
  }
}`

type profileResult struct {
	UpdateMerchantProfile struct {
		Merchant *struct {
			MerchantID string
			Country    *string
			Profile    map[string]*string
		}
		UserErrors []struct{ Field, Code, Message string }
	}
}

func TestUpdateMerchantProfileRules(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	var ok profileResult
	e.gql(admin, updateProfile, map[string]any{"id": e.merchant, "in": map[string]any{"country": "dk", "address": " Algade 1 ",
		"zipCode": "4000", "city": "Roskilde", "phoneNumber": "+45 12345678", "registrationNumber": "DK12345678"}}, &ok)
	m := ok.UpdateMerchantProfile.Merchant
	if len(ok.UpdateMerchantProfile.UserErrors) > 0 || m == nil || m.Country == nil || *m.Country != "DK" ||
		*m.Profile["address"] != "Algade 1" || *m.Profile["city"] != "Roskilde" || *m.Profile["registrationNumber"] != "DK12345678" {
		t.Fatalf("update profile: %+v", ok.UpdateMerchantProfile)
	}
	// The store fills the domain merchant's profile (what PDFs print).
	got, err := e.app.Ops.Merchants.Get(auth.WithPrincipal(context.Background(), &auth.Principal{Kind: auth.KindAdmin}), e.merchant)
	if err != nil || got.Profile.Country != "DK" || got.Profile.ZipCode != "4000" || got.Profile.PhoneNumber != "+45 12345678" {
		t.Fatalf("FindMerchantByID profile: %+v %v", got, err)
	}
	// An absent field stays; an empty one clears.
	e.gql(admin, updateProfile, map[string]any{"id": e.merchant, "in": map[string]any{"zipCode": ""}}, &ok)
	if p := ok.UpdateMerchantProfile.Merchant.Profile; p["zipCode"] != nil || *p["city"] != "Roskilde" {
		t.Fatalf("partial update: %+v", p)
	}

	for _, c := range []struct {
		name  string
		in    map[string]any
		field string
		code  string
	}{
		{"unknown country", map[string]any{"country": "xx"}, "country", "INVALID"},
		{"three letters", map[string]any{"country": "dnk"}, "country", "INVALID"},
		{"long city", map[string]any{"city": strings.Repeat("a", 129)}, "city", "INVALID"},
		{"long zip code", map[string]any{"zipCode": strings.Repeat("1", 17)}, "zipCode", "INVALID"},
		{"control character", map[string]any{"address": "Algade\x01 1"}, "address", "INVALID"},
		{"card number", map[string]any{"address": "Algade " + pan}, "address", "INVALID"},
	} {
		var bad profileResult
		e.gql(admin, updateProfile, map[string]any{"id": e.merchant, "in": c.in}, &bad)
		ue := bad.UpdateMerchantProfile.UserErrors
		if len(ue) != 1 || ue[0].Field != c.field || ue[0].Code != c.code || strings.Contains(ue[0].Message, pan) {
			t.Errorf("%s: userErrors %+v, want %s on %s", c.name, ue, c.code, c.field)
		}
	}
	var unknown profileResult
	e.gql(admin, updateProfile, map[string]any{"id": "nosuchmerchant", "in": map[string]any{"city": "Køge"}}, &unknown)
	if ue := unknown.UpdateMerchantProfile.UserErrors; len(ue) != 1 || ue[0].Code != "NOT_FOUND" {
		t.Errorf("unknown merchant: %+v", ue)
	}
	// NUL is refused before any resolver runs.
	_, res := testenv.GraphQL(t, e.app.Handler, admin, updateProfile, map[string]any{"id": e.merchant, "in": map[string]any{"city": "a\x00b"}})
	if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Errorf("NUL: %+v", res.Errors)
	}
	// Only admins write profiles: the partner and the settlement client
	// that may administer merchants are forbidden.
	settlement := testenv.Credential(t, e.app, auth.KindSettlement)
	for _, who := range []string{e.partner, testenv.BasicAuth(settlement.Username, settlement.Secret)} {
		_, res := testenv.GraphQL(t, e.app.Handler, who, updateProfile, map[string]any{"id": e.merchant, "in": map[string]any{"city": "Køge"}})
		if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "FORBIDDEN" {
			t.Errorf("non-admin: %+v", res.Errors)
		}
	}
	if got, _ := e.app.Ops.Merchants.Get(auth.WithPrincipal(context.Background(), &auth.Principal{Kind: auth.KindAdmin}), e.merchant); got.Profile.City != "Roskilde" {
		t.Errorf("a refused update changed the city to %q", got.Profile.City)
	}
}

func TestSupportedMerchantsByCountry(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	se := e.newMerchant("Svensk Butik", "active")
	off := e.newMerchant("Lukket Butik", "disabled")
	for id, c := range map[string]string{e.merchant: "dk", se: "SE", off: "dk"} {
		var out profileResult
		e.gql(admin, updateProfile, map[string]any{"id": id, "in": map[string]any{"country": c}}, &out)
	}
	if res, out := e.setLogo(admin, e.merchant, file{name: "logo.png", contentType: "image/png", data: pngImage}); res.Status != 200 ||
		out.Data.SetMerchantLogo.Logo == nil {
		t.Fatalf("set logo: %d %s", res.Status, res.Body)
	}
	type item struct {
		MerchantID, Name, Country string
		Logo                      *struct{ URL, Version string }
	}
	// Other tests of the package add merchants too: keep this test's.
	mine := map[string]bool{e.merchant: true, se: true, off: true}
	var list []item
	get := func(path string) *testenv.Response {
		t.Helper()
		res := e.do(e.partner, "GET", path, nil)
		if res.Status != 200 {
			t.Fatalf("%s: %d %s", path, res.Status, res.Body)
		}
		var all []item
		res.JSON(t, &all)
		list = list[:0]
		for _, it := range all {
			if mine[it.MerchantID] {
				list = append(list, it)
			}
		}
		return res
	}
	res := get("/receipt-data/v1/merchants?country=DK")
	if len(list) != 1 || list[0].MerchantID != e.merchant || list[0].Name != "Ærø Bageri" || list[0].Country != "dk" ||
		list[0].Logo == nil || !strings.Contains(list[0].Logo.URL, "/receipt-data/v1/merchants/"+e.merchant+"/logo?version="+list[0].Logo.Version) {
		t.Fatalf("dk merchants: %s", res.Body)
	}
	get("/receipt-data/v1/merchants?country=se")
	if len(list) != 1 || list[0].MerchantID != se || list[0].Logo != nil {
		t.Fatalf("se merchants: %+v", list)
	}
	if raw := get("/receipt-data/v1/merchants?country=se").Body; strings.Contains(string(raw), `"merchantId":"`+se+`","name":"Svensk Butik","country":"se","logo"`) {
		t.Errorf("logo present without a logo: %s", raw)
	}
	get("/receipt-data/v1/merchants")
	if len(list) != 2 {
		t.Errorf("all active merchants: %+v", list)
	}
	for _, bad := range []string{"xx", "dnk", "d"} {
		res := e.do(e.partner, "GET", "/receipt-data/v1/merchants?country="+bad, nil)
		if res.Status != 400 || res.Object(t)["field"] != "country" {
			t.Errorf("country=%s: %d %s", bad, res.Status, res.Body)
		}
	}
	if res := e.do("", "GET", "/receipt-data/v1/merchants", nil); res.Status != 401 {
		t.Errorf("anonymous: %d", res.Status)
	}
	var gq struct {
		SupportedMerchants testenv.Nodes[struct {
			MerchantID string
			Country    string
			Logo       *struct{ URL, Version string }
		}]
	}
	e.gql(e.partner, `{ supportedMerchants(country: "dk") { nodes { merchantId country logo { url version } } } }`, nil, &gq)
	found := false
	for _, m := range gq.SupportedMerchants {
		if m.MerchantID == off || m.MerchantID == se || m.Country != "DK" {
			t.Errorf("GraphQL supportedMerchants lists %+v", m)
		}
		if m.MerchantID == e.merchant {
			found = m.Logo != nil && m.Logo.Version != ""
		}
	}
	if !found {
		t.Errorf("GraphQL supportedMerchants: %+v", gq)
	}
	_, r := testenv.GraphQL(t, e.app.Handler, e.partner, `{ supportedMerchants(country: "zz") { nodes { merchantId } } }`, nil)
	if len(r.Errors) == 0 || r.Errors[0].Extensions["field"] != "country" {
		t.Errorf("GraphQL bad country: %+v", r.Errors)
	}
}

func TestSetMerchantLogoUploadRules(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	png := file{path: "variables.file", name: "logo.png", contentType: "image/png", data: pngImage}
	vars := func() map[string]any { return map[string]any{"id": e.merchant, "file": nil} }

	// Without the preflight header a multipart request is refused (CSRF).
	if res := upload(t, e.app.Handler, admin, false, setLogo, vars(), png); res.Status != 400 ||
		!strings.Contains(string(res.Body), "GraphQL-Preflight") {
		t.Fatalf("no preflight header: %d %s", res.Status, res.Body)
	}
	// Not an admin: forbidden, and nothing stored.
	if _, out := e.setLogo(e.partner, e.merchant, png); len(out.Errors) == 0 || out.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Fatalf("partner: %+v", out)
	}
	if _, out := e.setLogo("", e.merchant, png); len(out.Errors) == 0 || out.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Fatalf("anonymous: %+v", out)
	}
	// The type comes from the bytes, never from the name or the client's type.
	for _, c := range []struct {
		name string
		f    file
	}{
		{"text named .png", file{name: "logo.png", contentType: "image/png", data: []byte("hello, I am text\n")}},
		{"svg", file{name: "logo.svg", contentType: "image/svg+xml", data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)}},
		{"html", file{name: "logo.png", contentType: "image/png", data: []byte("<html><script>alert(1)</script>")}},
		{"empty", file{name: "logo.png", contentType: "image/png", data: []byte{}}},
		{"over 1 MiB", file{name: "big.png", contentType: "image/png", data: append(append([]byte{}, pngImage...), make([]byte, 1<<20)...)}},
	} {
		res, out := e.setLogo(admin, e.merchant, c.f)
		p := out.Data.SetMerchantLogo
		if res.Status != 200 || p == nil || p.Logo != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Field != "file" || p.UserErrors[0].Code != "INVALID" {
			t.Errorf("%s: %d %s", c.name, res.Status, res.Body)
		}
	}
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM merchant_logos WHERE merchant_id = $1`, e.merchant).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d logos stored after refusals (%v)", n, err)
	}
	// Bounded transport: a file over the transport's limit, too many
	// files, a body over the total limit.
	huge := file{path: "variables.file", name: "huge.png", contentType: "image/png", data: append(append([]byte{}, pngImage...), make([]byte, 2<<20)...)}
	if res := upload(t, e.app.Handler, admin, true, setLogo, vars(), huge); res.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("file over 2 MiB: %d %s", res.Status, res.Body)
	}
	three := []file{png, png, png}
	for i := range three {
		three[i].path = "variables.file"
	}
	if res := upload(t, e.app.Handler, admin, true, setLogo, vars(), three...); res.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("three files: %d %s", res.Status, res.Body)
	}
	// A map path that names no null variable is the client's error.
	if res := upload(t, e.app.Handler, admin, true, setLogo, vars(), file{path: "variables.nope", name: "a.png", contentType: "image/png", data: pngImage}); res.Status != 400 {
		t.Errorf("bad map path: %d %s", res.Status, res.Body)
	}
	// Unknown merchant.
	if _, out := e.setLogo(admin, "nosuchmerchant", png); out.Data.SetMerchantLogo == nil ||
		len(out.Data.SetMerchantLogo.UserErrors) != 1 || out.Data.SetMerchantLogo.UserErrors[0].Code != "NOT_FOUND" {
		t.Errorf("unknown merchant: %+v", out)
	}

	// PNG, JPEG and WebP are accepted; each new logo has a new version.
	seen := map[string]bool{}
	for _, f := range []file{png, {name: "x.bin", contentType: "application/octet-stream", data: jpegImage}, {name: "l.webp", contentType: "image/webp", data: webpImage}} {
		res, out := e.setLogo(admin, e.merchant, f)
		p := out.Data.SetMerchantLogo
		if res.Status != 200 || p == nil || p.Logo == nil || len(p.UserErrors) != 0 {
			t.Fatalf("set logo %s: %d %s", f.name, res.Status, res.Body)
		}
		if seen[p.Logo.Version] {
			t.Errorf("version %s repeated", p.Logo.Version)
		}
		seen[p.Logo.Version] = true
		if !strings.HasPrefix(p.Logo.URL, "http://localhost:8080/receipt-data/v1/merchants/"+e.merchant+"/logo?version=") {
			t.Errorf("logo url %s", p.Logo.URL)
		}
	}
	var m struct {
		Merchant struct {
			Logo struct{ Version string }
		}
	}
	e.gql(admin, `query($id: ID!) { merchant(merchantId: $id) { logo { version } } }`, map[string]any{"id": e.merchant}, &m)
	if !seen[m.Merchant.Logo.Version] {
		t.Errorf("Merchant.logo %+v", m)
	}
}

func TestLogoIsServedWithCachingHeaders(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	_, out := e.setLogo(admin, e.merchant, file{name: "logo.png", contentType: "text/plain", data: pngImage})
	v1 := out.Data.SetMerchantLogo.Logo.Version
	path := "/receipt-data/v1/merchants/" + e.merchant + "/logo"

	// No credentials needed.
	res := testenv.Do(t, e.app.Handler, "GET", path+"?version="+v1, nil)
	if res.Status != 200 || !bytes.Equal(res.Body, pngImage) {
		t.Fatalf("logo: %d %q", res.Status, res.Body)
	}
	h := res.Header
	if h.Get("Content-Type") != "image/png" || h.Get("ETag") != `"`+v1+`"` || h.Get("X-Content-Type-Options") != "nosniff" ||
		h.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("headers: %v", h)
	}
	// 304 on If-None-Match, with the same validators.
	res = testenv.Do(t, e.app.Handler, "GET", path+"?version="+v1, nil, "If-None-Match", `W/"other", "`+v1+`"`)
	if res.Status != http.StatusNotModified || len(res.Body) != 0 || res.Header.Get("ETag") != `"`+v1+`"` {
		t.Fatalf("If-None-Match: %d %v", res.Status, res.Header)
	}
	if res := testenv.Do(t, e.app.Handler, "GET", path+"?version="+v1, nil, "If-None-Match", `"other"`); res.Status != 200 {
		t.Fatalf("other etag: %d", res.Status)
	}

	// Served from Redis: the cache answers for a version it holds, even
	// if the record changed under it (a version names one content).
	if _, err := e.db.Pool.Exec(context.Background(), `UPDATE merchant_logos SET data = $2 WHERE merchant_id = $1`, e.merchant, jpegImage); err != nil {
		t.Fatal(err)
	}
	if res := testenv.Do(t, e.app.Handler, "GET", path+"?version="+v1, nil); !bytes.Equal(res.Body, pngImage) {
		t.Fatalf("not served from the cache: %q", res.Body)
	}

	// A new logo replaces the cached one and changes the version; the old
	// version's URL now gets the current logo, which must be revalidated.
	_, out = e.setLogo(admin, e.merchant, file{name: "logo.png", contentType: "image/png", data: pngImage2})
	v2 := out.Data.SetMerchantLogo.Logo.Version
	if v2 == v1 {
		t.Fatal("version did not change")
	}
	res = testenv.Do(t, e.app.Handler, "GET", path+"?version="+v2, nil)
	if !bytes.Equal(res.Body, pngImage2) || res.Header.Get("ETag") != `"`+v2+`"` {
		t.Fatalf("new version: %q %v", res.Body, res.Header)
	}
	res = testenv.Do(t, e.app.Handler, "GET", path+"?version="+v1, nil)
	if !bytes.Equal(res.Body, pngImage2) || res.Header.Get("Cache-Control") == "public, max-age=31536000, immutable" {
		t.Fatalf("old version: %q %v", res.Body, res.Header)
	}
	if res := testenv.Do(t, e.app.Handler, "GET", path+"?version="+v1, nil, "If-None-Match", `"`+v1+`"`); res.Status != 200 {
		t.Fatalf("stale etag answered %d", res.Status)
	}
	// A cache filled from PostgreSQL on a miss.
	rc := testenv.Redis(t)
	if err := redis.NewLogoCache(rc).PutLogo(context.Background(), e.merchant, logoOf("0000000000000000", jpegImage)); err != nil {
		t.Fatal(err)
	}
	if res := testenv.Do(t, e.app.Handler, "GET", path+"?version="+v2, nil); !bytes.Equal(res.Body, pngImage2) {
		t.Fatalf("cache of another version served: %q", res.Body)
	}
	if got, _ := redis.NewLogoCache(rc).GetLogo(context.Background(), e.merchant); got == nil || got.Version != v2 {
		t.Fatalf("cache not replaced: %+v", got)
	}

	// Unknown merchant, merchant without a logo: 404.
	for _, p := range []string{"/receipt-data/v1/merchants/nosuch/logo", "/receipt-data/v1/merchants/" + e.newMerchant("Uden Logo", "active") + "/logo"} {
		if res := testenv.Do(t, e.app.Handler, "GET", p, nil); res.Status != 404 {
			t.Errorf("%s: %d", p, res.Status)
		}
	}
}

// closedRedis is a Redis client of a port where nothing listens.
func closedRedis(t *testing.T) *redis.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	rc, err := redis.Dial("redis://"+addr, "lg:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close() })
	return rc
}

func TestLogoIsServedFromPostgreSQLWithRedisDown(t *testing.T) {
	e := newEnv(t)
	down, err := wire.New(wire.Options{SecretKey: testenv.SecretKey, Log: testenv.Logger(), Argon2: &testenv.CheapArgon2,
		PublicBaseURL: "http://x"}, e.db, closedRedis(t))
	if err != nil {
		t.Fatal(err)
	}
	admin := e.admin()
	// A logo set while Redis is down is stored; reading it works too.
	f := file{path: "variables.file", name: "logo.png", contentType: "image/png", data: pngImage}
	res := upload(t, down.Handler, admin, true, setLogo, map[string]any{"id": e.merchant, "file": nil}, f)
	var out setLogoResult
	res.JSON(t, &out)
	if out.Data.SetMerchantLogo == nil || out.Data.SetMerchantLogo.Logo == nil {
		t.Fatalf("set logo with redis down: %d %s", res.Status, res.Body)
	}
	v := out.Data.SetMerchantLogo.Logo.Version
	for i := 0; i < 2; i++ {
		res := testenv.Do(t, down.Handler, "GET", "/receipt-data/v1/merchants/"+e.merchant+"/logo?version="+v, nil)
		if res.Status != 200 || !bytes.Equal(res.Body, pngImage) || res.Header.Get("ETag") != `"`+v+`"` {
			t.Fatalf("logo with redis down: %d %q", res.Status, res.Body)
		}
	}
}

func logoOf(version string, data []byte) merchant.LogoImage {
	return merchant.LogoImage{Logo: merchant.Logo{Version: version, ContentType: "image/jpeg"}, Data: data}
}
