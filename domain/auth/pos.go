package auth

import (
	"context"
	"strings"
	"unicode/utf8"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
)

// CreatePOSCredential makes a credential of kind pos for a merchant's till,
// bound to merchantID, and returns its secret, which is never retrievable
// again. The caller checks that the merchant exists; the store refuses a
// merchant that does not.
// SECURITY: a POS principal carries its merchant; it may post receipts for
// that merchant only.
func (s *Service) CreatePOSCredential(ctx context.Context, name, merchantID string) (*NewCredential, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > maxNameLength || !utf8.ValidString(name) {
		return nil, errs.InvalidField("name", "name must be 1 to %d characters", maxNameLength)
	}
	if merchantID == "" {
		return nil, errs.InvalidField("merchant", "a pos credential needs a merchant")
	}
	out := &NewCredential{
		Kind:       KindPOS,
		Name:       name,
		Username:   string(KindPOS) + "-" + ids.LowerAlnum(usernameSuffix),
		Secret:     ids.Secret(secretLength),
		MerchantID: merchantID,
	}
	hash, err := s.hasher.Hash(ctx, out.Secret)
	if err != nil {
		return nil, err
	}
	c := &Credential{Kind: KindPOS, Name: name, Username: out.Username, SecretHash: hash, MerchantID: merchantID}
	if err := s.store.CreateCredential(ctx, c); err != nil {
		if errs.Is(err, errs.Conflict) && errs.As(err).Field == "" {
			return nil, errs.InvalidField("merchant", "merchant %q does not exist", merchantID)
		}
		return nil, err
	}
	return out, nil
}
