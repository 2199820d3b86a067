package merchant

import (
	"context"
	"time"

	"loyaltygraph/domain/errs"
)

// Blocked products: product numbers never settled, across merchants.

// BlockedProduct is a product number that is never settled, whichever
// merchant sells it.
type BlockedProduct struct {
	ID            string
	Name          string
	ProductNumber string
	CreatedAt     time.Time
}

// BlockedProductCreate is the input to block a product number. A nil ID
// asks for a generated one.
type BlockedProductCreate struct {
	ID            *string
	Name          string
	ProductNumber string
}

func (s *Service) newBlockedProduct(in BlockedProductCreate, now time.Time) (*BlockedProduct, error) {
	id, err := validateEntityID("productId", in.ID)
	if err != nil {
		return nil, err
	}
	if err := validateText("name", in.Name, 0, MaxTextLength); err != nil {
		return nil, err
	}
	if err := validateText("productNumber", in.ProductNumber, 1, MaxTextLength); err != nil {
		return nil, err
	}
	return &BlockedProduct{ID: id, Name: in.Name, ProductNumber: in.ProductNumber, CreatedAt: now}, nil
}

// CreateBlockedProduct blocks one product number for every merchant.
func (s *Service) CreateBlockedProduct(ctx context.Context, in BlockedProductCreate) (*BlockedProduct, error) {
	b, err := s.newBlockedProduct(in, s.now().UTC())
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateBlockedProducts(ctx, []*BlockedProduct{b}); err != nil {
		return nil, singleErr(err)
	}
	return b, nil
}

// CreateBlockedProducts blocks all of in, or none; errors name the item as
// "[i].field".
func (s *Service) CreateBlockedProducts(ctx context.Context, in []BlockedProductCreate) ([]*BlockedProduct, error) {
	if len(in) > MaxBatchSize {
		return nil, errs.E(errs.Invalid, "at most %d blocked products at a time", MaxBatchSize)
	}
	now := s.now().UTC()
	out := make([]*BlockedProduct, len(in))
	seenID, seenNumber := map[string]int{}, map[string]int{}
	for i, item := range in {
		b, err := s.newBlockedProduct(item, now)
		if err != nil {
			return nil, errs.Item("blockedProducts", i, err)
		}
		if j, dup := seenID[b.ID]; dup {
			return nil, errs.InvalidField(itemField("blockedProducts", i, "productId"), "productId repeats item %d", j)
		}
		if j, dup := seenNumber[b.ProductNumber]; dup {
			return nil, errs.InvalidField(itemField("blockedProducts", i, "productNumber"), "productNumber repeats item %d", j)
		}
		seenID[b.ID], seenNumber[b.ProductNumber] = i, i
		out[i] = b
	}
	if len(out) == 0 {
		return out, nil
	}
	if err := s.store.CreateBlockedProducts(ctx, out); err != nil {
		return nil, itemErr("blockedProducts", err)
	}
	return out, nil
}

// FindBlockedProducts returns a page of blocked products ordered by id.
func (s *Service) FindBlockedProducts(ctx context.Context, f ListFilter) ([]*BlockedProduct, error) {
	if err := validatePage(f); err != nil {
		return nil, err
	}
	out, err := s.store.FindBlockedProducts(ctx, f)
	if out == nil && err == nil {
		out = []*BlockedProduct{}
	}
	return out, err
}

// DeleteBlockedProduct unblocks a product number.
func (s *Service) DeleteBlockedProduct(ctx context.Context, id string) error {
	if err := ValidateID("productId", id); err != nil {
		return err
	}
	return s.store.DeleteBlockedProduct(ctx, id)
}
