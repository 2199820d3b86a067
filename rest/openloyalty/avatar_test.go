package openloyalty_test

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"
	"testing"
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
	for name, data := range map[string][]byte{"a.png": append(p.Bytes(), []byte("trailing secret")...), "a.gif": g.Bytes()} {
		if res := e.upload(admin, path, "avatar[file]", name, data); res.Status != http.StatusNoContent {
			t.Fatalf("%s: %d %s", name, res.Status, res.Body)
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
