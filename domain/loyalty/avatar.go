package loyalty

import (
	"bytes"
	"context"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"regexp"
	"strings"
	"time"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
)

// Avatar is a customer's picture.
type Avatar struct {
	ContentType string
	// Data are the bytes; nil when only the avatar's facts were read.
	Data      []byte
	UpdatedAt time.Time
	// Size is the number of bytes.
	Size int
	// FileName names the file that holds the bytes when avatars are kept
	// in a folder (AvatarFiles); empty when PostgreSQL holds them.
	FileName string
	// CustomerID is the customer whose picture it is.
	CustomerID string
}

// Limits of avatars.
const (
	MaxAvatarBytes  = 2 << 20
	maxAvatarPixels = 4096
)

// AvatarStore keeps avatars (the bytes, or the name of the file that holds
// them). Its methods do not check permissions.
type AvatarStore interface {
	// SetAvatar replaces the customer's avatar (NotFound without
	// customer) and returns the file name of the avatar it replaced.
	SetAvatar(ctx context.Context, store, id string, a Avatar) (replacedFile string, err error)
	// FindAvatar returns the avatar, or NotFound.
	FindAvatar(ctx context.Context, store, id string) (*Avatar, error)
	// FindAvatarsOf returns the facts (no bytes) of the avatars of the
	// customers that have one, in one read.
	FindAvatarsOf(ctx context.Context, customerIDs []string) ([]*Avatar, error)
	// DeleteAvatar removes the avatar, or answers NotFound, and returns
	// its file name.
	DeleteAvatar(ctx context.Context, store, id string) (file string, err error)
}

// AvatarFiles keeps the bytes of avatars in files named by the service
// (AvatarFileName); an unknown or malformed name is NotFound.
type AvatarFiles interface {
	WriteAvatar(name string, data []byte) error
	ReadAvatar(name string) ([]byte, error)
	RemoveAvatar(name string) error
}

// avatarFileName matches the names AvatarFileName makes: the customer id,
// 16 random characters and the type's extension, nothing else (no path).
var avatarFileName = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-[0-9a-z]{16}\.(jpg|png|gif)$`)

// ValidAvatarFileName reports whether name is one AvatarFileName makes.
func ValidAvatarFileName(name string) bool { return avatarFileName.MatchString(name) }

// AvatarFileName makes the name of a new file for the avatar of customer
// id (a UUID) of type contentType: never a path, never reused.
func AvatarFileName(id, contentType string) string {
	ext := map[string]string{"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"}[contentType]
	return strings.ToLower(id) + "-" + ids.LowerAlnum(16) + "." + ext
}

// Avatars serves customers' avatars.
type Avatars struct {
	store AvatarStore
	files AvatarFiles
	now   func() time.Time
}

// NewAvatars returns the avatar service; with files, the bytes are kept
// there and PostgreSQL keeps the file's name.
func NewAvatars(store AvatarStore, files AvatarFiles, now func() time.Time) *Avatars {
	return &Avatars{store: store, files: files, now: now}
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
	av.UpdatedAt, av.Size = a.now().UTC(), len(av.Data)
	if a.files != nil {
		av.FileName = AvatarFileName(id, av.ContentType)
		if err := a.files.WriteAvatar(av.FileName, av.Data); err != nil {
			return err
		}
		av.Data = nil
	}
	old, err := a.store.SetAvatar(ctx, store, strings.ToLower(id), *av)
	if err != nil {
		if av.FileName != "" {
			_ = a.files.RemoveAvatar(av.FileName)
		}
		return err
	}
	a.removeFile(old)
	return nil
}

// removeFile removes a file no row names any more (best effort: a file
// left behind is unreachable).
func (a *Avatars) removeFile(name string) {
	if name != "" && a.files != nil {
		_ = a.files.RemoveAvatar(name)
	}
}

// Get returns the avatar of a customer of store.
func (a *Avatars) Get(ctx context.Context, store, id string) (*Avatar, error) {
	if err := checkCustomer(store, id); err != nil {
		return nil, err
	}
	av, err := a.store.FindAvatar(ctx, store, strings.ToLower(id))
	if err != nil {
		return nil, err
	}
	if av.FileName != "" {
		if a.files == nil {
			return nil, errs.NotFoundf("avatar not found")
		}
		if av.Data, err = a.files.ReadAvatar(av.FileName); err != nil {
			return nil, err
		}
	}
	return av, nil
}

// AvatarsOf returns the facts (no bytes) of the avatars of customers, as
// read in this request, in their order (nil: none), in one read.
func (a *Avatars) AvatarsOf(ctx context.Context, cs []*Customer) ([]*Avatar, error) {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	found, err := a.store.FindAvatarsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*Avatar, len(found))
	for _, av := range found {
		byID[av.CustomerID] = av
	}
	out := make([]*Avatar, len(cs))
	for i, c := range cs {
		out[i] = byID[c.ID]
	}
	return out, nil
}

// Delete removes the avatar of a customer of store.
func (a *Avatars) Delete(ctx context.Context, store, id string) error {
	if err := checkCustomer(store, id); err != nil {
		return err
	}
	file, err := a.store.DeleteAvatar(ctx, store, strings.ToLower(id))
	if err != nil {
		return err
	}
	a.removeFile(file)
	return nil
}
