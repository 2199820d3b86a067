package merchants

import (
	"context"

	"loyaltygraph/app/authz"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/merchant"
)

// ProfileOps are the operations on merchants' public profiles and logos
// (Receipt Data API, seed 001): admins write them, partners and their
// users read them, anyone reads a logo.
type ProfileOps struct {
	profiles *merchant.Profiles
}

// NewProfileOps returns the profile operations over profiles.
func NewProfileOps(profiles *merchant.Profiles) *ProfileOps { return &ProfileOps{profiles: profiles} }

var (
	// profileAdmins write profiles and logos.
	profileAdmins = authz.Allow(authz.ScopeAll, auth.KindAdmin)
	// profileReaders see which merchants take part, with their profiles.
	profileReaders = authz.Allow(authz.ScopeAll, auth.KindPartner, auth.KindUser, auth.KindSettlement, auth.KindAdmin)
)

// profilePolicy holds the rule of each profile operation.
var profilePolicy = authz.NewPolicy("merchantprofiles", map[string]authz.Rule{
	"UpdateProfile": profileAdmins,
	"SetLogo":       profileAdmins,
	// A logo is a public image, fetched by apps without credentials and
	// cached by anyone; its URL is the capability.
	"Logo":      authz.Public(),
	"Supported": profileReaders,
})

// ProfilePolicy returns the rules of the profile operations.
func ProfilePolicy() *authz.Policy { return profilePolicy }

// UpdateProfile changes the profile fields present in upd.
func (o *ProfileOps) UpdateProfile(ctx context.Context, merchantID string, upd merchant.ProfileUpdate) (*merchant.Merchant, error) {
	if _, err := profilePolicy.Authorize(ctx, "UpdateProfile"); err != nil {
		return nil, err
	}
	return o.profiles.UpdateProfile(ctx, merchantID, upd)
}

// SetLogo makes data the merchant's logo; field names the upload in
// errors. It returns the new logo's version and type.
func (o *ProfileOps) SetLogo(ctx context.Context, merchantID, field string, data []byte) (*merchant.Logo, error) {
	if _, err := profilePolicy.Authorize(ctx, "SetLogo"); err != nil {
		return nil, err
	}
	return o.profiles.SetLogo(ctx, merchantID, field, data)
}

// Logo returns the merchant's logo with its bytes (see
// merchant.Profiles.Logo for version).
func (o *ProfileOps) Logo(ctx context.Context, merchantID, version string) (*merchant.LogoImage, error) {
	if _, err := profilePolicy.Authorize(ctx, "Logo"); err != nil {
		return nil, err
	}
	return o.profiles.Logo(ctx, merchantID, version)
}

// Supported returns the active merchants, of country when it is not empty.
func (o *ProfileOps) Supported(ctx context.Context, country string) ([]*merchant.Merchant, error) {
	if _, err := profilePolicy.Authorize(ctx, "Supported"); err != nil {
		return nil, err
	}
	return o.profiles.Supported(ctx, country)
}
