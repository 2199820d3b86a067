package files_test

import (
	"os"
	"path/filepath"
	"testing"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/loyalty"
	"loyaltygraph/store/files"
)

// TestAvatarFolderStaysInItsFolder: names the service makes are written,
// read and removed inside the folder; any other name (a path, a traversal,
// NUL, another shape) is NotFound and touches no file.
func TestAvatarFolderStaysInItsFolder(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "avatars")
	f, err := files.NewAvatarFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "secret.png"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	name := loyalty.AvatarFileName("1CB6D205-8B77-40E1-A801-052185ED52D9", "image/png")
	if !loyalty.ValidAvatarFileName(name) {
		t.Fatalf("made an invalid name %q", name)
	}
	if err := f.WriteAvatar(name, []byte("png bytes")); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("written file: %v %v", st, err)
	}
	if got, err := f.ReadAvatar(name); err != nil || string(got) != "png bytes" {
		t.Fatalf("read: %q %v", got, err)
	}
	for _, bad := range []string{"../secret.png", "..", "/etc/passwd", "secret.png", name + "/x", "a\x00.png",
		"../avatars/" + name, "1cb6d205-8b77-40e1-a801-052185ed52d9-aaaaaaaaaaaaaaaa.svg", ""} {
		if _, err := f.ReadAvatar(bad); !errs.Is(err, errs.NotFound) {
			t.Errorf("read %q: %v, want not found", bad, err)
		}
		if err := f.WriteAvatar(bad, []byte("x")); !errs.Is(err, errs.NotFound) {
			t.Errorf("write %q: %v, want not found", bad, err)
		}
		if err := f.RemoveAvatar(bad); !errs.Is(err, errs.NotFound) {
			t.Errorf("remove %q: %v, want not found", bad, err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(root, "secret.png")); err != nil || string(b) != "secret" {
		t.Fatal("a file outside the folder was touched")
	}
	if err := f.RemoveAvatar(name); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadAvatar(name); !errs.Is(err, errs.NotFound) {
		t.Fatalf("read after remove: %v", err)
	}
	if err := f.RemoveAvatar(name); err != nil {
		t.Fatalf("removing a missing file: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
}
