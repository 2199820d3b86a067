package openloyalty_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"loyaltygraph/internal/testenv"
)

// TestPOSRegistrationsAndPushyTokens: admins and sellers assign a POS;
// registrations are counted per day over lastDays with zero days present;
// pushy tokens are listed, added and removed by admins and the customer
// itself only.
func TestPOSRegistrationsAndPushyTokens(t *testing.T) {
	e := newEnv(t)
	admin, seller := e.staff()
	email := uniq("pushy") + "@example.com"
	id := e.register(admin, "/api/DEFAULT/customer/register", "customer[firstName]", "P", "customer[lastName]", "P",
		"customer[email]", email, "customer[agreement1]", "1", "customer[plainPassword]", "pushy-pass")
	other := e.register(admin, "/api/DEFAULT/customer/register", "customer[firstName]", "O", "customer[lastName]", "O",
		"customer[email]", uniq("o")+"@example.com", "customer[agreement1]", "1")
	customer, _ := e.login("/api/customer/login_check", email, "pushy-pass")

	const pos = "00000000-0000-474c-1111-b0dd880c07e3"
	if res := e.do("POST", "/api/DEFAULT/customer/"+id+"/pos", admin, form("posId", pos)); res.Status != http.StatusOK {
		t.Fatalf("admin pos: %d %s", res.Status, res.Body)
	}
	if c := e.do("GET", "/api/DEFAULT/customer/"+id, admin, nil).Object(t); c["posId"] != pos {
		t.Fatalf("posId: %v", c["posId"])
	}
	if res := e.do("POST", "/api/DEFAULT/seller/customer/"+other+"/pos", seller, form("posId", pos)); res.Status != http.StatusOK {
		t.Fatalf("seller pos: %d %s", res.Status, res.Body)
	}
	if res := e.do("POST", "/api/DEFAULT/seller/customer/"+other+"/pos", seller, form("posId", "pos2")); res.Status != http.StatusBadRequest {
		t.Fatalf("bad posId: %d %s", res.Status, res.Body)
	}
	if res := e.do("POST", "/api/DEFAULT/customer/"+id+"/pos", seller, form("posId", pos)); res.Status != http.StatusForbidden {
		t.Fatalf("seller on the admin pos path: %d", res.Status)
	}

	res := e.do("GET", "/api/DEFAULT/customer/registrations?interval=day&lastDays=7", admin, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("registrations: %d %s", res.Status, res.Body)
	}
	days := res.Object(t)
	today := time.Now().UTC().Format("2006-01-02")
	if len(days) != 7 || days[today].(float64) < 2 || days[time.Now().UTC().AddDate(0, 0, -6).Format("2006-01-02")] == nil {
		t.Fatalf("registrations: %v", days)
	}
	if m := e.do("GET", "/api/DEFAULT/customer/registrations?interval=month&lastDays=1", admin, nil).Object(t); len(m) != 1 || m[today[:7]].(float64) < 2 {
		t.Fatalf("by month: %v", m)
	}
	for _, q := range []string{"interval=week", "lastDays=0", "lastDays=99999"} {
		if res := e.do("GET", "/api/DEFAULT/customer/registrations?"+q, admin, nil); res.Status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", q, res.Status, res.Body)
		}
	}
	if res := e.do("GET", "/api/DEFAULT/customer/registrations", seller, nil); res.Status != http.StatusForbidden {
		t.Errorf("seller registrations: %d", res.Status)
	}

	path := "/api/DEFAULT/customer/" + id + "/pushy-token"
	for _, tok := range []string{admin, customer} {
		if res := e.do("POST", path, tok, form("customer[pushyToken]", "device_"+uniq(""))); res.Status != http.StatusNoContent {
			t.Fatalf("add pushy token: %d %s", res.Status, res.Body)
		}
	}
	e.do("POST", path, customer, form("customer[pushyToken]", "pushy_token"))
	e.do("POST", path, customer, form("customer[pushyToken]", "pushy_token")) // kept once
	var list struct{ Tokens []string }
	e.do("GET", path, customer, nil).JSON(t, &list)
	if len(list.Tokens) != 3 || list.Tokens[2] != "pushy_token" {
		t.Fatalf("tokens: %+v", list)
	}
	if res := e.do("POST", path, customer, form("customer[pushyToken]", "bad token\x00")); res.Status != http.StatusBadRequest {
		t.Fatalf("bad token: %d %s", res.Status, res.Body)
	}
	if res := e.do("DELETE", path+"/pushy_token", customer, nil); res.Status != http.StatusNoContent {
		t.Fatalf("remove: %d %s", res.Status, res.Body)
	}
	if res := e.do("DELETE", path+"/pushy_token", customer, nil); res.Status != http.StatusNotFound {
		t.Fatalf("remove again: %d %s", res.Status, res.Body)
	}
	for _, r := range []struct{ method, path, token string }{
		{"GET", "/api/DEFAULT/customer/" + other + "/pushy-token", customer},
		{"POST", "/api/DEFAULT/customer/" + other + "/pushy-token", customer},
		{"GET", path, seller},
	} {
		if res := e.do(r.method, r.path, r.token, form("customer[pushyToken]", "x")); res.Status != http.StatusForbidden {
			t.Errorf("%s %s: %d", r.method, r.path, res.Status)
		}
	}
	if res := e.do("GET", path, "", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("pushy without token: %d", res.Status)
	}
}

func (e *env) upload(token, path, field, name string, content []byte) *testenv.Response {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write(content)
	mw.Close()
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.app.Handler.ServeHTTP(rec, req)
	return &testenv.Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// TestXMLImport: the seed's import format registers each good customer and
// reports each bad one with Open Loyalty's messages; a document with a
// DTD or an external entity is refused whole, without reading the file it
// names and without registering anyone.
func TestXMLImport(t *testing.T) {
	e := newEnv(t)
	admin, seller := e.staff()
	tag := uniq("")
	good := func(n, extra string) string {
		return fmt.Sprintf(`<customer><email>%s%s@test.pl</email><firstName>F</firstName><lastName>L</lastName>
			<active>true</active><agreement1>true</agreement1><gender>male</gender>%s</customer>`, n, tag, extra)
	}
	doc := `<?xml version="1.0" encoding="UTF-8"?><customers>` +
		good("a", `<birthDate>1990-01-02</birthDate><phone>+48456456001</phone><loyaltyCardNumber>IMP`+tag+`</loyaltyCardNumber>
			<levelId>e82c96cf-32a3-43bd-9034-4df343e52222</levelId><address><city>Warszawa</city><postal>00-000</postal></address>
			<company><name>ACME</name><nip>123</nip></company><labels>k:v</labels><agreement2>false</agreement2>`) +
		good("b", `<birthDate>02-01-1990</birthDate>`) +
		`<customer><email>c` + tag + `@test.pl</email><firstName>F</firstName><lastName>L</lastName><active>true</active><agreement1>true</agreement1></customer>` +
		good("d", "") +
		strings.Replace(good("e", ""), "<active>true</active>", "<active>false</active>", 1) +
		good("a", "") + // the same e-mail again
		`</customers>`
	res := e.upload(admin, "/api/DEFAULT/admin/customer/import", "file[file]", "customers.xml", []byte(doc))
	if res.Status != http.StatusOK {
		t.Fatalf("import: %d %s", res.Status, res.Body)
	}
	var out struct {
		Items []struct {
			Status              string
			ProcessImportResult map[string]string
			Message             string
			Identifier          string
		}
		TotalProcessed, TotalSuccess, TotalFailed int
	}
	res.JSON(t, &out)
	if out.TotalProcessed != 6 || out.TotalSuccess != 3 || out.TotalFailed != 3 || len(out.Items) != 6 {
		t.Fatalf("totals: %s", res.Body)
	}
	want := []struct{ status, message string }{
		{"success", ""},
		{"error", "Convert exception: birthDate has invalid date format (Y-m-d required)"},
		{"error", "Convert exception: gender is required node"},
		{"success", ""},
		{"success", ""},
		{"error", "email: This value is already used."},
	}
	for i, w := range want {
		it := out.Items[i]
		if it.Status != w.status || it.Message != w.message || !strings.HasSuffix(it.Identifier, tag+"@test.pl") {
			t.Errorf("item %d: %+v, want %+v", i, it, w)
		}
	}
	a := e.do("GET", "/api/DEFAULT/customer/"+out.Items[0].ProcessImportResult["object"], admin, nil).Object(t)
	if a["phone"] != "+48456456001" || a["levelId"] != "e82c96cf-32a3-43bd-9034-4df343e52222" || a["address"].(map[string]any)["city"] != "Warszawa" ||
		a["birthDate"] != "1990-01-02T00:00:00+0000" || a["company"].(map[string]any)["name"] != "ACME" {
		t.Errorf("imported customer: %v", a)
	}
	if e5 := e.do("GET", "/api/DEFAULT/customer/"+out.Items[4].ProcessImportResult["object"], admin, nil).Object(t); e5["active"] != false {
		t.Errorf("inactive import: %v", e5)
	}

	// External entities and DTDs are refused whole.
	count := func() int {
		var n int
		testenv.DB(t).Pool.QueryRow(t.Context(), `SELECT count(*) FROM ol_customers WHERE email LIKE '%xxe%'`).Scan(&n)
		return n
	}
	for _, evil := range []string{
		`<?xml version="1.0"?><!DOCTYPE customers [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><customers>` +
			`<customer><email>xxe@test.pl</email><firstName>&xxe;</firstName><lastName>L</lastName><active>true</active><agreement1>true</agreement1><gender>male</gender></customer></customers>`,
		`<?xml version="1.0"?><!DOCTYPE customers SYSTEM "http://127.0.0.1:1/evil.dtd"><customers><customer><email>xxe2@test.pl</email></customer></customers>`,
		`<customers><customer><email>xxe3@test.pl</email><firstName>&xxe;</firstName></customer></customers>`,
		`<customers><customer><email>xxe4@test.pl</email>`,
	} {
		res := e.upload(admin, "/api/DEFAULT/admin/customer/import", "file[file]", "evil.xml", []byte(evil))
		if res.Status != http.StatusBadRequest || strings.Contains(string(res.Body), "root:") {
			t.Errorf("evil import: %d %s", res.Status, res.Body)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("an evil import registered %d customers", n)
	}
	if res := e.upload(seller, "/api/DEFAULT/admin/customer/import", "file[file]", "c.xml", []byte(doc)); res.Status != http.StatusForbidden {
		t.Errorf("seller import: %d", res.Status)
	}
	if res := e.do("POST", "/api/DEFAULT/admin/customer/import", admin, form("file[file]", "C:\\fakepath\\customers.xml")); res.Status != http.StatusBadRequest {
		t.Errorf("import without a file: %d %s", res.Status, res.Body)
	}
}
