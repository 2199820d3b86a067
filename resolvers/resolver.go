// Package resolvers is the one room behind both doors: the GraphQL field
// resolvers, and the operations that the REST families call too. Each
// operation authorizes the principal and makes one domain call.
package resolvers

import (
	"loyaltygraph/domain/merchant"
)

// Resolver holds the dependencies of every resolver.
type Resolver struct {
	MerchantOps *MerchantOps
}

// Services are the domain services the resolvers call.
type Services struct {
	Merchant *merchant.Service
}

// New returns the root resolver.
func New(s Services) *Resolver {
	return &Resolver{MerchantOps: &MerchantOps{svc: s.Merchant}}
}
