package resolvers

import (
	"encoding/base64"
	"strings"

	"loyaltygraph/domain/errs"
)

// Global ids are "Type:nativeId" in unpadded base64url, opaque to clients.
const (
	typeMerchant = "Merchant"
	typeUser     = "User"
	typeCard     = "Card"
)

// GlobalID returns the global id of the object of type typ with native id.
func GlobalID(typ, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + id))
}

// parseGlobalID splits a global id into its type and native id.
func parseGlobalID(gid string) (typ, id string, err error) {
	raw, decErr := base64.RawURLEncoding.DecodeString(gid)
	if decErr != nil || len(gid) > 512 {
		return "", "", errs.InvalidField("id", "id is not a valid global id")
	}
	typ, id, ok := strings.Cut(string(raw), ":")
	if !ok || typ == "" || id == "" {
		return "", "", errs.InvalidField("id", "id is not a valid global id")
	}
	return typ, id, nil
}
