package wire

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
)

// demoMerchants are the merchants of the demo data.
var demoMerchants = []struct{ id, name string }{
	{"demo-netto", "Netto"},
	{"demo-foetex", "Føtex"},
	{"demo-bilka", "Bilka"},
	{"demo-coop365", "Coop 365"},
	{"demo-7eleven", "7-Eleven"},
	{"demo-matas", "Matas"},
}

// demoCredentials are the demo logins, one per kind.
var demoCredentials = []struct {
	kind     auth.Kind
	username string
	name     string
}{
	{auth.KindAdmin, "demo-admin", "Demo admin"},
	{auth.KindSettlement, "demo-settlement", "Demo settlement client"},
	{auth.KindPartner, "demo-partner", "Demo partner"},
	{auth.KindSeller, "demo-seller", "Demo seller"},
}

// demoSecret derives a demo secret from the server key, so that loading the
// demo again prints the same secrets without storing them, and nobody
// without the key can guess them.
func (a *App) demoSecret(purpose string) string {
	m := hmac.New(sha256.New, a.secretKey)
	m.Write([]byte("loyaltygraph demo " + purpose))
	return hex.EncodeToString(m.Sum(nil))[:40]
}

// LoadDemo loads the demo data and returns the demo credentials. Loading it
// again changes nothing.
func (a *App) LoadDemo(ctx context.Context) ([]auth.NewCredential, error) {
	var out []auth.NewCredential
	for _, c := range demoCredentials {
		nc := auth.NewCredential{Kind: c.kind, Name: c.name, Username: c.username, Secret: a.demoSecret(c.username)}
		if c.kind == auth.KindPartner {
			nc.Salt = a.demoSecret(c.username + " salt")
		}
		if _, err := a.Auth.EnsureCredential(ctx, nc); err != nil {
			return nil, fmt.Errorf("demo credential %s: %w", c.username, err)
		}
		out = append(out, nc)
	}
	// The demo merchants belong to the demo settlement client.
	client, err := a.Auth.AuthenticateBasic(ctx, "demo-settlement", a.demoSecret("demo-settlement"))
	if err != nil {
		return nil, fmt.Errorf("demo settlement client: %w", err)
	}
	for _, dm := range demoMerchants {
		id := dm.id
		_, err := a.merchants.CreateMerchant(ctx, merchant.Create{ID: &id, Name: dm.name, OwnerID: client.CredentialID})
		if err != nil && !errs.Is(err, errs.Conflict) {
			return nil, fmt.Errorf("demo merchant %s: %w", dm.id, err)
		}
	}
	return out, nil
}
