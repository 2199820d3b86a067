package merchant

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"loyaltygraph/domain/errs"
)

// Limits of a merchant's profile.
const (
	MaxAddressLength            = 256
	MaxZipCodeLength            = 16
	MaxCityLength               = 128
	MaxPhoneNumberLength        = 32
	MaxRegistrationNumberLength = 32
)

// MaxImageBytes is the largest logo or marketing image: 1 MiB.
const MaxImageBytes = 1 << 20

// ProfileUpdate changes the profile fields that are not nil; an empty
// string clears a field.
type ProfileUpdate struct {
	Country            *string
	Address            *string
	ZipCode            *string
	City               *string
	PhoneNumber        *string
	RegistrationNumber *string
}

// LogoImage is a merchant's logo with its bytes.
type LogoImage struct {
	Logo
	Data []byte
}

// Image is an uploaded image whose kind was read from its first bytes.
type Image struct {
	ContentType string
	Data        []byte
}

// The image types a logo or a marketing message may have.
const (
	ContentTypePNG  = "image/png"
	ContentTypeJPEG = "image/jpeg"
	ContentTypeWebP = "image/webp"
)

// SniffImage returns the type of an image by its magic bytes: PNG, JPEG or
// WebP, or "" for anything else.
//
// SECURITY: the type is never taken from the client (its file name or
// Content-Type), so that no HTML or SVG is ever served as an image.
func SniffImage(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return ContentTypePNG
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		return ContentTypeJPEG
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return ContentTypeWebP
	}
	return ""
}

// CheckImage checks an uploaded image named field: at most MaxImageBytes,
// and a PNG, JPEG or WebP by its magic bytes.
func CheckImage(field string, data []byte) (Image, error) {
	if len(data) == 0 {
		return Image{}, errs.InvalidField(field, "%s is empty", label(field))
	}
	if len(data) > MaxImageBytes {
		return Image{}, errs.InvalidField(field, "%s must be at most %d bytes", label(field), MaxImageBytes)
	}
	ct := SniffImage(data)
	if ct == "" {
		return Image{}, errs.InvalidField(field, "%s must be a PNG, JPEG or WebP image", label(field))
	}
	return Image{ContentType: ct, Data: data}, nil
}

// LogoVersion is the version of a logo's content: the first 16 hex digits
// of its SHA-256. A new logo has a new version; a URL with a version names
// one content for ever.
func LogoVersion(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// LogoPath is the path (under the public base URL) where the logo of a
// merchant is served at one version: the Receipt Data API's logo route.
func LogoPath(merchantID, version string) string {
	return "/receipt-data/v1/merchants/" + url.PathEscape(merchantID) + "/logo?version=" + url.QueryEscape(version)
}

// NormalizeCountry returns an ISO 3166-1 alpha-2 code in upper case, or an
// invalid-field error naming field.
func NormalizeCountry(field, c string) (string, error) {
	u := strings.ToUpper(strings.TrimSpace(c))
	if len(u) != 2 || !strings.Contains(countryCodes, " "+u+" ") {
		return "", errs.InvalidField(field, "%s must be an ISO 3166-1 alpha-2 country code such as dk", label(field))
	}
	return u, nil
}

// countryCodes are the officially assigned ISO 3166-1 alpha-2 codes.
const countryCodes = " AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS" +
	" BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET" +
	" FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO" +
	" IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH" +
	" MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM" +
	" PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG" +
	" TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW "

// checkProfileText checks one free-text field of a profile: UTF-8 without
// control characters, at most max characters, no card number.
func checkProfileText(field, v string, max int) error {
	if !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return errs.InvalidField(field, "%s must be text without control characters", label(field))
	}
	if utf8.RuneCountInString(v) > max {
		return errs.InvalidField(field, "%s must be at most %d characters", label(field), max)
	}
	return checkPAN(field, v)
}

// Validate checks and normalizes the fields present: the country to upper
// case, text fields trimmed.
func (u *ProfileUpdate) Validate() error {
	if u.Country != nil && *u.Country != "" {
		c, err := NormalizeCountry("country", *u.Country)
		if err != nil {
			return err
		}
		u.Country = &c
	}
	for _, f := range []struct {
		field string
		v     *string
		max   int
	}{
		{"address", u.Address, MaxAddressLength},
		{"zipCode", u.ZipCode, MaxZipCodeLength},
		{"city", u.City, MaxCityLength},
		{"phoneNumber", u.PhoneNumber, MaxPhoneNumberLength},
		{"registrationNumber", u.RegistrationNumber, MaxRegistrationNumberLength},
	} {
		if f.v == nil {
			continue
		}
		*f.v = strings.TrimSpace(*f.v)
		if err := checkProfileText(f.field, *f.v, f.max); err != nil {
			return err
		}
	}
	return nil
}

// ProfileStore persists merchants' profiles and logos. Its methods do not
// check permissions.
type ProfileStore interface {
	// UpdateMerchantProfile applies upd at now and returns the merchant, or
	// a not-found error.
	UpdateMerchantProfile(ctx context.Context, id string, upd ProfileUpdate, now time.Time) (*Merchant, error)
	// SetMerchantLogo replaces the merchant's logo, or returns a not-found
	// error.
	SetMerchantLogo(ctx context.Context, id string, logo LogoImage, now time.Time) error
	// FindMerchantLogo returns the merchant's current logo with its bytes,
	// or a not-found error when the merchant or its logo does not exist.
	FindMerchantLogo(ctx context.Context, id string) (*LogoImage, error)
	// FindSupportedMerchants returns the active merchants, of one country
	// when country is not empty, ordered by id.
	FindSupportedMerchants(ctx context.Context, country string) ([]*Merchant, error)
	// FindUserMerchants returns the merchants the user has receipts from,
	// ordered by id.
	FindUserMerchants(ctx context.Context, userID string) ([]*Merchant, error)
}

// LogoCache keeps copies of logos' bytes. A cache that cannot be reached
// returns errors; the service then reads the store.
type LogoCache interface {
	// GetLogo returns the cached logo of the merchant, or nil when none is
	// cached.
	GetLogo(ctx context.Context, merchantID string) (*LogoImage, error)
	// PutLogo caches logo as the merchant's, replacing any other version.
	PutLogo(ctx context.Context, merchantID string, logo LogoImage) error
}

// Profiles holds the rules of merchants' profiles and logos.
type Profiles struct {
	store   ProfileStore
	cache   LogoCache
	now     func() time.Time
	onCache func(ctx context.Context, err error)
}

// NewProfiles returns the profile service. onCacheError is told when the
// logo cache fails (the request is served from the store anyway); nil
// ignores it.
func NewProfiles(store ProfileStore, cache LogoCache, now func() time.Time, onCacheError func(context.Context, error)) *Profiles {
	if onCacheError == nil {
		onCacheError = func(context.Context, error) {}
	}
	return &Profiles{store: store, cache: cache, now: now, onCache: onCacheError}
}

// UpdateProfile changes the profile fields present in upd.
func (p *Profiles) UpdateProfile(ctx context.Context, id string, upd ProfileUpdate) (*Merchant, error) {
	if err := ValidateID("merchant.id", id); err != nil {
		return nil, err
	}
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	return p.store.UpdateMerchantProfile(ctx, id, upd, p.now().UTC())
}

// SetLogo checks data (named field) and makes it the merchant's logo, and
// returns the logo's version and type.
func (p *Profiles) SetLogo(ctx context.Context, id, field string, data []byte) (*Logo, error) {
	if err := ValidateID("merchant.id", id); err != nil {
		return nil, err
	}
	img, err := CheckImage(field, data)
	if err != nil {
		return nil, err
	}
	logo := LogoImage{Logo: Logo{Version: LogoVersion(img.Data), ContentType: img.ContentType}, Data: img.Data}
	if err := p.store.SetMerchantLogo(ctx, id, logo, p.now().UTC()); err != nil {
		return nil, err
	}
	// The store is the record; the cache gets the new version now so that
	// the next read need not go to the store.
	if err := p.cache.PutLogo(ctx, id, logo); err != nil {
		p.onCache(ctx, err)
	}
	return &logo.Logo, nil
}

// Logo returns the merchant's logo with its bytes. With version set and
// equal to the cached one, the cache answers alone (a version names one
// content); otherwise the store does, and the cache is replaced. A cache
// that fails is skipped.
func (p *Profiles) Logo(ctx context.Context, id, version string) (*LogoImage, error) {
	if ValidateID("merchant.id", id) != nil {
		return nil, errs.NotFoundf("merchant not found")
	}
	cached, err := p.cache.GetLogo(ctx, id)
	if err != nil {
		p.onCache(ctx, err)
		cached = nil
	}
	if cached != nil && (version == "" || version == cached.Version) {
		return cached, nil
	}
	logo, err := p.store.FindMerchantLogo(ctx, id)
	if err != nil {
		return nil, err
	}
	if cached == nil || cached.Version != logo.Version {
		if err := p.cache.PutLogo(ctx, id, *logo); err != nil {
			p.onCache(ctx, err)
		}
	}
	return logo, nil
}

// Supported returns the active merchants, of country (ISO 3166-1 alpha-2,
// any case) when it is not empty.
func (p *Profiles) Supported(ctx context.Context, country string) ([]*Merchant, error) {
	if country != "" {
		c, err := NormalizeCountry("country", country)
		if err != nil {
			return nil, err
		}
		country = c
	}
	return p.store.FindSupportedMerchants(ctx, country)
}

// UserMerchants returns the merchants the user has receipts from; the
// caller has checked that the user is its own.
func (p *Profiles) UserMerchants(ctx context.Context, userID string) ([]*Merchant, error) {
	return p.store.FindUserMerchants(ctx, userID)
}
