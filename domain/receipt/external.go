package receipt

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"loyaltygraph/domain/errs"
)

// ErrBadSignature answers a view by external id whose X-Auth-signature is
// missing or is not the partner's signature of its parameters.
var ErrBadSignature = errs.E(errs.Forbidden, "X-Auth-signature is missing or wrong")

// maxSignature bounds the signature header: the Base64 of 32 bytes is 44
// characters.
const maxSignature = 128

// ExternalSignature is the signature of a view by external id: the Base64
// of HMAC-SHA256 keyed with the partner's secret over
// "{externalReceiptId}:{type}" (seed 001, "View receipt by external
// receipt id").
func ExternalSignature(secret []byte, externalID, idType string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(externalID + ":" + idType))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifyExternalSignature checks signature (standard or URL-safe Base64,
// padded or not) against the partner's secret and the parameters.
//
// SECURITY: the MACs are compared in constant time; a missing, malformed
// or wrong signature is ErrBadSignature alike.
func VerifyExternalSignature(secret []byte, externalID, idType, signature string) error {
	signature = strings.TrimSpace(signature)
	if len(secret) == 0 || signature == "" || len(signature) > maxSignature {
		return ErrBadSignature
	}
	got, err := decodeBase64(signature)
	if err != nil {
		return ErrBadSignature
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(externalID + ":" + idType))
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrBadSignature
	}
	return nil
}

// decodeBase64 reads standard or URL-safe Base64, with or without padding.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// CheckExternalRef checks the parameters of a view by external id, naming
// the one at fault as the Receipt Data API does (the path's
// externalReceiptId, the query's type).
//
// SECURITY: the signed data joins the two with a colon, so a type with a
// colon is refused: otherwise the signature of ("a:b", "c") would also
// sign ("a", "b:c"), another receipt.
func CheckExternalRef(externalID, idType string) error {
	if err := checkCode("externalReceiptId", externalID, true, maxExternalID); err != nil {
		return err
	}
	if err := checkCode("type", idType, true, maxShortText); err != nil {
		return err
	}
	if strings.Contains(idType, ":") {
		return errs.InvalidField("type", "type must not contain a colon")
	}
	return nil
}

// FindByExternalID returns the receipt with the till's external id and
// type that a user of the partner providerID has (only userID's, when
// userID is set), in that user's view. The partner's own users' copies
// count too; the till's original comes first, then the latest.
func (s *Service) FindByExternalID(ctx context.Context, providerID int64, userID, externalID, idType string) (*Receipt, error) {
	if err := CheckExternalRef(externalID, idType); err != nil {
		return nil, err
	}
	return s.store.FindProviderReceiptByExternalID(ctx, providerID, userID, externalID, idType)
}
