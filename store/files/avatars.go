// Package files keeps what the service stores outside its databases in a
// folder of the local (or a mounted, shared) file system: the bytes of
// Open Loyalty avatars when LOYALTY_AVATAR_DIR is set.
package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/loyalty"
)

// AvatarFolder keeps avatars as files in one folder.
//
// SECURITY: a file's name comes from the service (the customer's UUID and
// random characters, loyalty.AvatarFileName), never from a request, and
// every name is checked against that shape before it is joined to the
// folder, so no name reaches outside it.
type AvatarFolder struct{ dir string }

var _ loyalty.AvatarFiles = (*AvatarFolder)(nil)

// NewAvatarFolder returns the avatar folder at dir, creating it (0700)
// when missing; dir must be a folder we can write to.
func NewAvatarFolder(dir string) (*AvatarFolder, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("avatar folder %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("avatar folder %q: %w", dir, err)
	}
	probe, err := os.CreateTemp(abs, ".probe-*")
	if err != nil {
		return nil, fmt.Errorf("avatar folder %q is not writable: %w", dir, err)
	}
	probe.Close()
	_ = os.Remove(probe.Name())
	return &AvatarFolder{dir: abs}, nil
}

// path returns the file of name inside the folder, or NotFound for a name
// that is not one the service makes.
func (f *AvatarFolder) path(name string) (string, error) {
	if !loyalty.ValidAvatarFileName(name) || !filepath.IsLocal(name) {
		return "", errs.NotFoundf("avatar not found")
	}
	return filepath.Join(f.dir, name), nil
}

// WriteAvatar writes data to the file name (0600), whole or not at all.
func (f *AvatarFolder) WriteAvatar(name string, data []byte) error {
	p, err := f.path(name)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(f.dir, ".upload-*")
	if err != nil {
		return fmt.Errorf("write avatar: %w", err)
	}
	defer os.Remove(tmp.Name()) // gone after the rename, or on failure
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write avatar: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write avatar: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write avatar: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("write avatar: %w", err)
	}
	return nil
}

// ReadAvatar reads the file name; a missing one is NotFound.
func (f *AvatarFolder) ReadAvatar(name string) ([]byte, error) {
	p, err := f.path(name)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errs.NotFoundf("avatar not found")
	}
	if err != nil {
		return nil, fmt.Errorf("read avatar: %w", err)
	}
	return data, nil
}

// RemoveAvatar removes the file name; a missing one is no error.
func (f *AvatarFolder) RemoveAvatar(name string) error {
	p, err := f.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove avatar: %w", err)
	}
	return nil
}
