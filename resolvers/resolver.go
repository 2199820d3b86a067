// Package resolvers is the one room behind both doors: the GraphQL field
// resolvers, and the operations that the REST families call too. Each
// operation authorizes the principal and makes one domain call.
package resolvers

import (
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/settlement"
	"loyaltygraph/domain/user"
)

// Resolver holds the dependencies of every resolver.
type Resolver struct {
	MerchantOps   *MerchantOps
	ModelOps      *MerchantModelOps
	UserOps       *UserOps
	NotifyOps     *NotifyOps
	SettlementOps *SettlementOps

	auth *auth.Service
}

// Services are the domain services the resolvers call.
type Services struct {
	Auth       *auth.Service
	Merchant   *merchant.Service
	User       *user.Service
	Notify     *notify.Service
	Settlement *settlement.Service
}

// New returns the root resolver.
func New(s Services) *Resolver {
	return &Resolver{
		MerchantOps:   &MerchantOps{svc: s.Merchant},
		ModelOps:      &MerchantModelOps{svc: s.Merchant},
		UserOps:       &UserOps{svc: s.User},
		NotifyOps:     &NotifyOps{svc: s.Notify},
		SettlementOps: &SettlementOps{svc: s.Settlement},
		auth:          s.Auth,
	}
}
