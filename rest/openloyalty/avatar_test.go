package openloyalty_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
)

func picture() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		img.Set(x, x, color.RGBA{R: 200, A: 255})
	}
	return img
}

// TestAvatar: a JPEG (with EXIF), PNG or GIF is kept re-encoded, without
// its metadata; other files, and images too large by their header, are
// refused naming avatar.file; the customer itself and admins reach it,
// no one else.
func TestAvatar(t *testing.T) {
	e := newEnv(t)
	admin, seller := e.staff()
	email := uniq("avatar") + "@example.com"
	id := e.register(admin, "/api/DEFAULT/customer/register", "customer[firstName]", "A", "customer[lastName]", "V",
		"customer[email]", email, "customer[agreement1]", "1", "customer[plainPassword]", "avatar-pass")
	other := e.register(admin, "/api/DEFAULT/customer/register", "customer[firstName]", "O", "customer[lastName]", "O",
		"customer[email]", uniq("o")+"@example.com", "customer[agreement1]", "1")
	customer, _ := e.login("/api/customer/login_check", email, "avatar-pass")
	path := "/api/DEFAULT/customer/" + id + "/avatar"

	var j bytes.Buffer
	jpeg.Encode(&j, picture(), nil)
	exif := append([]byte{0xff, 0xe1, 0x00, 0x16}, []byte("Exif\x00\x00GPS 59.91N 10.75E")...)
	withExif := append(append([]byte{0xff, 0xd8}, exif...), j.Bytes()[2:]...)
	if res := e.upload(customer, path, "avatar[file]", "me.jpg", withExif); res.Status != http.StatusNoContent {
		t.Fatalf("jpeg: %d %s", res.Status, res.Body)
	}
	res := e.do("GET", path, customer, nil)
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" || bytes.Contains(res.Body, []byte("GPS")) {
		t.Fatalf("get: %d %s (metadata kept: %v)", res.Status, res.Header.Get("Content-Type"), bytes.Contains(res.Body, []byte("GPS")))
	}
	if _, err := jpeg.Decode(bytes.NewReader(res.Body)); err != nil {
		t.Fatalf("stored avatar is no JPEG: %v", err)
	}
	var p, g bytes.Buffer
	png.Encode(&p, picture())
	gif.Encode(&g, picture(), nil)
	// In this order: the GIF, uploaded last, is the avatar.
	for _, up := range []struct {
		name string
		data []byte
	}{{"a.png", append(p.Bytes(), []byte("trailing secret")...)}, {"a.gif", g.Bytes()}} {
		if res := e.upload(admin, path, "avatar[file]", up.name, up.data); res.Status != http.StatusNoContent {
			t.Fatalf("%s: %d %s", up.name, res.Status, res.Body)
		}
	}
	if res := e.do("GET", path, admin, nil); res.Header.Get("Content-Type") != "image/gif" {
		t.Fatalf("gif: %s", res.Header.Get("Content-Type"))
	}

	huge := p.Bytes()
	huge = append([]byte(nil), huge...)
	huge[16], huge[17], huge[18], huge[19] = 0, 1, 0, 0 // width 65536 in the IHDR
	for name, data := range map[string][]byte{"a.txt": []byte("hello"), "a.svg": []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`),
		"huge.png": huge, "broken.jpg": []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0}} {
		res := e.upload(admin, path, "avatar[file]", name, data)
		formErrors(t, (*testenvResponse)(res), "avatar.file")
	}
	if res := e.upload(admin, path, "wrong[field]", "a.gif", g.Bytes()); res.Status != http.StatusBadRequest {
		t.Fatalf("wrong field: %d", res.Status)
	}
	for _, r := range []struct {
		token string
		path  string
	}{{seller, path}, {customer, "/api/DEFAULT/customer/" + other + "/avatar"}} {
		if res := e.upload(r.token, r.path, "avatar[file]", "a.gif", g.Bytes()); res.Status != http.StatusForbidden {
			t.Errorf("upload %s: %d", r.path, res.Status)
		}
		if res := e.do("GET", r.path, r.token, nil); res.Status != http.StatusForbidden {
			t.Errorf("get %s: %d", r.path, res.Status)
		}
	}
	if res := e.do("DELETE", path, customer, nil); res.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	if res := e.do("GET", path, customer, nil); res.Status != http.StatusNotFound {
		t.Fatalf("after delete: %d", res.Status)
	}
}

// gqlUpload posts a GraphQL multipart request with one file at variable
// $file.
func (e *env) gqlUpload(token, query string, vars map[string]any, name string, data []byte) *testenv.Response {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	vars["file"] = nil
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", `{"0": ["variables.file"]}`)
	w, _ := mw.CreateFormFile("0", name)
	_, _ = w.Write(data)
	_ = mw.Close()
	req := httptest.NewRequest("POST", "/graphql", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/graphql-response+json")
	req.Header.Set("GraphQL-Preflight", "1")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.app.Handler.ServeHTTP(rec, req)
	return &testenv.Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// TestGraphQLAvatarAndImport: setCustomerAvatar, Customer.avatar,
// deleteCustomerAvatar and importCustomers through GraphQL, with
// userErrors naming file.
func TestGraphQLAvatarAndImport(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.staff()
	id := e.register(admin, "/api/DEFAULT/customer/register", "customer[firstName]", "A", "customer[lastName]", "V",
		"customer[email]", uniq("gav")+"@example.com", "customer[agreement1]", "1")
	const set = `mutation($s: String!, $id: ID!, $file: Upload!) { setCustomerAvatar(storeCode: $s, customerId: $id, file: $file) {
		avatar { contentType size } userErrors { field code } } }`
	var g bytes.Buffer
	gif.Encode(&g, picture(), nil)
	res := e.gqlUpload(admin, set, map[string]any{"s": "DEFAULT", "id": id}, "a.gif", g.Bytes())
	var out struct {
		Data struct {
			SetCustomerAvatar struct {
				Avatar     *struct{ ContentType string }
				UserErrors []struct{ Field, Code string }
			}
		}
	}
	res.JSON(t, &out)
	if out.Data.SetCustomerAvatar.Avatar == nil || out.Data.SetCustomerAvatar.Avatar.ContentType != "image/gif" {
		t.Fatalf("set avatar: %s", res.Body)
	}
	res = e.gqlUpload(admin, set, map[string]any{"s": "DEFAULT", "id": id}, "a.txt", []byte("not an image"))
	res.JSON(t, &out)
	if ue := out.Data.SetCustomerAvatar.UserErrors; len(ue) != 1 || ue[0].Field != "file" || ue[0].Code != "INVALID" {
		t.Fatalf("bad avatar: %s", res.Body)
	}
	var c struct {
		Customer struct{ Avatar *struct{ ContentType string } }
	}
	e.gql(admin, `query($id: ID!) { customer(storeCode: "DEFAULT", customerId: $id) { avatar { contentType size updatedAt } } }`, map[string]any{"id": id}, &c)
	if c.Customer.Avatar == nil {
		t.Fatalf("Customer.avatar: %+v", c)
	}
	e.gql(admin, `mutation($id: ID!) { deleteCustomerAvatar(storeCode: "DEFAULT", customerId: $id) { userErrors { field } } }`, map[string]any{"id": id}, nil)
	e.gql(admin, `query($id: ID!) { customer(storeCode: "DEFAULT", customerId: $id) { avatar { contentType } } }`, map[string]any{"id": id}, &c)
	if c.Customer.Avatar != nil {
		t.Fatalf("avatar not deleted: %+v", c)
	}

	const imp = `mutation($s: String!, $file: Upload!) { importCustomers(storeCode: $s, file: $file) {
		items { status identifier message customer { customerId } } totalProcessed totalSuccess totalFailed userErrors { field code } } }`
	tag := uniq("")
	doc := `<customers><customer><email>g` + tag + `@test.pl</email><firstName>F</firstName><lastName>L</lastName><active>true</active>` +
		`<agreement1>true</agreement1><gender>female</gender></customer><customer><email>h` + tag + `@test.pl</email></customer></customers>`
	res = e.gqlUpload(admin, imp, map[string]any{"s": "DEFAULT"}, "c.xml", []byte(doc))
	var io struct {
		Data struct {
			ImportCustomers struct {
				Items []struct {
					Status, Identifier string
					Message            *string
					Customer           *struct{ CustomerID string }
				}
				TotalProcessed, TotalSuccess, TotalFailed int
			}
		}
	}
	res.JSON(t, &io)
	ic := io.Data.ImportCustomers
	if ic.TotalProcessed != 2 || ic.TotalSuccess != 1 || ic.Items[0].Customer == nil || ic.Items[1].Message == nil ||
		*ic.Items[1].Message != "Convert exception: firstName is required node" {
		t.Fatalf("import: %s", res.Body)
	}
	res = e.gqlUpload(admin, imp, map[string]any{"s": "DEFAULT"}, "x.xml", []byte(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><customers/>`))
	if !strings.Contains(string(res.Body), `"field":"file"`) || strings.Contains(string(res.Body), "root:") {
		t.Fatalf("DTD import: %s", res.Body)
	}
}

// TestAvatarInAConfiguredFolder: with LOYALTY_AVATAR_DIR, the re-encoded
// avatar is a file (0600) in that folder named by the customer id and
// random characters, PostgreSQL keeps only its name; GET serves it; a new
// avatar replaces the file and DELETE removes it. A name that would leave
// the folder cannot be stored.
func TestAvatarInAConfiguredFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "avatars")
	e := &env{t: t, app: testenv.AppWith(t, wire.Options{LoyaltyAvatarDir: dir})}
	admin, _ := e.staff()
	id := e.register(admin, "/api/DEFAULT/customer/register", "customer[firstName]", "F", "customer[lastName]", "Older",
		"customer[email]", uniq("folder")+"@example.com", "customer[agreement1]", "1", "customer[plainPassword]", "folder-pass")
	path := "/api/DEFAULT/customer/" + id + "/avatar"
	files := func() []string {
		t.Helper()
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, en := range entries {
			names = append(names, en.Name())
		}
		return names
	}
	var p, g bytes.Buffer
	png.Encode(&p, picture())
	gif.Encode(&g, picture(), nil)
	if res := e.upload(admin, path, "avatar[file]", "../../etc/passwd", p.Bytes()); res.Status != http.StatusNoContent {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	names := files()
	if len(names) != 1 || !strings.HasPrefix(names[0], id+"-") || !strings.HasSuffix(names[0], ".png") {
		t.Fatalf("files in the folder: %v", names)
	}
	if st, _ := os.Stat(filepath.Join(dir, names[0])); st.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v", st.Mode())
	}
	var inDB *[]byte
	var file *string
	if err := testenv.DB(t).Pool.QueryRow(context.Background(), `SELECT data, file_name FROM ol_avatars WHERE customer_id = $1`, id).
		Scan(&inDB, &file); err != nil || inDB != nil || file == nil || *file != names[0] {
		t.Fatalf("row: data %v file %v err %v", inDB != nil, file, err)
	}
	onDisk, _ := os.ReadFile(filepath.Join(dir, names[0]))
	res := e.do("GET", path, admin, nil)
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || !bytes.Equal(res.Body, onDisk) {
		t.Fatalf("get: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	if res := e.upload(admin, path, "avatar[file]", "b.gif", g.Bytes()); res.Status != http.StatusNoContent {
		t.Fatalf("replace: %d %s", res.Status, res.Body)
	}
	if now := files(); len(now) != 1 || now[0] == names[0] || !strings.HasSuffix(now[0], ".gif") {
		t.Fatalf("after replacing: %v (was %v)", now, names)
	}
	if res := e.do("DELETE", path, admin, nil); res.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	if now := files(); len(now) != 0 {
		t.Fatalf("after deleting: %v", now)
	}
	// The database refuses a file name that is a path.
	_, err := testenv.DB(t).Pool.Exec(context.Background(), `INSERT INTO ol_avatars (customer_id, content_type, updated_at, size, file_name)
		VALUES ($1, 'image/png', now(), 1, '../../etc/passwd')`, id)
	if err == nil {
		t.Fatal("a path was stored as an avatar's file name")
	}
}
