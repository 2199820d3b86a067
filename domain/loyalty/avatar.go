package loyalty

import (
	"bytes"
	"context"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"time"

	"loyaltygraph/domain/errs"
)

// Avatar is a customer's picture.
type Avatar struct {
	ContentType string
	Data        []byte
	UpdatedAt   time.Time
}

// Limits of avatars.
const (
	MaxAvatarBytes  = 2 << 20
	maxAvatarPixels = 4096
)

// AvatarStore keeps avatars. Its methods do not check permissions.
type AvatarStore interface {
	// SetAvatar replaces the customer's avatar (NotFound without customer).
	SetAvatar(ctx context.Context, store, id string, a Avatar) error
	// FindAvatar returns the avatar, or NotFound.
	FindAvatar(ctx context.Context, store, id string) (*Avatar, error)
	// DeleteAvatar removes the avatar, or answers NotFound.
	DeleteAvatar(ctx context.Context, store, id string) error
}

// Avatars serves customers' avatars.
type Avatars struct {
	store AvatarStore
	now   func() time.Time
}

// NewAvatars returns the avatar service.
func NewAvatars(store AvatarStore, now func() time.Time) *Avatars {
	return &Avatars{store: store, now: now}
}

// ReencodeAvatar checks that data is a JPEG, PNG or GIF by its magic bytes
// and its size, decodes it and encodes it again, so that nothing but the
// pixels is kept (no EXIF, no trailing data).
func ReencodeAvatar(data []byte) (*Avatar, error) {
	if len(data) == 0 {
		return nil, errs.InvalidField("avatar.file", "This value should not be blank.")
	}
	if len(data) > MaxAvatarBytes {
		return nil, errs.InvalidField("avatar.file", "The file is too large (at most %d bytes).", MaxAvatarBytes)
	}
	var ct string
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		ct = "image/jpeg"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		ct = "image/png"
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		ct = "image/gif"
	default:
		return nil, errs.InvalidField("avatar.file", "The mime type of the file is invalid. Allowed mime types are image/jpeg, image/png, image/gif.")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || "image/"+format != ct {
		return nil, errs.InvalidField("avatar.file", "The file is not a valid image.")
	}
	// SECURITY: the declared size is checked before decoding, so that a
	// small file cannot make us allocate a huge image.
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxAvatarPixels || cfg.Height > maxAvatarPixels {
		return nil, errs.InvalidField("avatar.file", "The image must be at most %dx%d pixels.", maxAvatarPixels, maxAvatarPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, errs.InvalidField("avatar.file", "The file is not a valid image.")
	}
	var out bytes.Buffer
	switch ct {
	case "image/jpeg":
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 90})
	case "image/png":
		err = png.Encode(&out, img)
	default:
		err = gif.Encode(&out, img, nil)
	}
	if err != nil {
		return nil, err
	}
	return &Avatar{ContentType: ct, Data: out.Bytes()}, nil
}

// Set makes data the avatar of a customer of store.
func (a *Avatars) Set(ctx context.Context, store, id string, data []byte) error {
	if err := checkCustomer(store, id); err != nil {
		return err
	}
	av, err := ReencodeAvatar(data)
	if err != nil {
		return err
	}
	av.UpdatedAt = a.now().UTC()
	return a.store.SetAvatar(ctx, store, strings.ToLower(id), *av)
}

// Get returns the avatar of a customer of store.
func (a *Avatars) Get(ctx context.Context, store, id string) (*Avatar, error) {
	if err := checkCustomer(store, id); err != nil {
		return nil, err
	}
	return a.store.FindAvatar(ctx, store, strings.ToLower(id))
}

// Delete removes the avatar of a customer of store.
func (a *Avatars) Delete(ctx context.Context, store, id string) error {
	if err := checkCustomer(store, id); err != nil {
		return err
	}
	return a.store.DeleteAvatar(ctx, store, strings.ToLower(id))
}
