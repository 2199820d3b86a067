package merchant

import (
	"context"
	"time"

	"loyaltygraph/domain/errs"
)

// Stores (Shop in the domain, to keep Store for persistence): the store
// numbers whose transactions or receipts settle for a merchant.

// Shop is a store of the Loyalty Settlement API: a store number with its
// own shares, overriding its company's. (Store is the name of this
// package's persistence port, hence Shop.)
type Shop struct {
	ID          string
	MerchantID  string
	StoreNumber string
	Name        string
	Shares
	Source    Source
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ShopCreate is the input to create a store. A nil ID asks for a generated
// one; a nil Source is transaction.
type ShopCreate struct {
	ID          *string
	MerchantID  string
	StoreNumber string
	Name        string
	SharesCreate
	Source *Source
}

// ShopUpdate changes the fields that are not nil. MerchantID, when set, must
// be the store's merchant: it cannot change.
type ShopUpdate struct {
	MerchantID  *string
	StoreNumber *string
	Name        *string
	SharesUpdate
	Source *Source
}

func validateShop(sh *Shop) error {
	if err := validateText("storeNumber", sh.StoreNumber, 1, MaxTextLength); err != nil {
		return err
	}
	if err := validateText("name", sh.Name, 1, MaxTextLength); err != nil {
		return err
	}
	if err := sh.Shares.Validate(); err != nil {
		return err
	}
	if !sh.Source.Valid() {
		return errs.InvalidField("source", "source must be transaction or receipt")
	}
	return nil
}

// CreateShop validates in and stores a new store.
func (s *Service) CreateShop(ctx context.Context, in ShopCreate) (*Shop, error) {
	id, err := validateEntityID("storeId", in.ID)
	if err != nil {
		return nil, err
	}
	if err := ValidateID("merchant.id", in.MerchantID); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	sh := &Shop{ID: id, MerchantID: in.MerchantID, StoreNumber: in.StoreNumber, Name: in.Name,
		Shares: in.shares(), Source: SourceTransaction, CreatedAt: now, UpdatedAt: now}
	if in.Source != nil {
		sh.Source = *in.Source
	}
	if err := validateShop(sh); err != nil {
		return nil, err
	}
	if err := s.store.CreateShop(ctx, sh); err != nil {
		return nil, err
	}
	return sh, nil
}

// FindShopByID returns one store.
func (s *Service) FindShopByID(ctx context.Context, id string) (*Shop, error) {
	if err := ValidateID("storeId", id); err != nil {
		return nil, err
	}
	return s.store.FindShopByID(ctx, id)
}

// FindShops returns the stores f selects (see ListFilter.RequireParent).
func (s *Service) FindShops(ctx context.Context, f ListFilter) ([]*Shop, error) {
	return findOfOne(ctx, f, f.MerchantIDs, s.store.FindShops, s.merchantExists)
}

// UpdateShop changes the fields present in upd. The id and merchant never
// change.
func (s *Service) UpdateShop(ctx context.Context, id string, upd ShopUpdate) (*Shop, error) {
	if err := ValidateID("storeId", id); err != nil {
		return nil, err
	}
	if upd.StoreNumber != nil {
		if err := validateText("storeNumber", *upd.StoreNumber, 1, MaxTextLength); err != nil {
			return nil, err
		}
	}
	if upd.Name != nil {
		if err := validateText("name", *upd.Name, 1, MaxTextLength); err != nil {
			return nil, err
		}
	}
	if err := upd.validate(); err != nil {
		return nil, err
	}
	if upd.Source != nil && !upd.Source.Valid() {
		return nil, errs.InvalidField("source", "source must be transaction or receipt")
	}
	now := s.now().UTC()
	return s.store.UpdateShop(ctx, id, func(sh *Shop) error {
		if err := checkMerchantUnchanged(upd.MerchantID, sh.MerchantID); err != nil {
			return err
		}
		if upd.StoreNumber != nil {
			sh.StoreNumber = *upd.StoreNumber
		}
		if upd.Name != nil {
			sh.Name = *upd.Name
		}
		upd.apply(&sh.Shares)
		if upd.Source != nil {
			sh.Source = *upd.Source
		}
		sh.UpdatedAt = now
		return validateShop(sh)
	})
}

// DeleteShop removes a store.
func (s *Service) DeleteShop(ctx context.Context, id string) error {
	if err := ValidateID("storeId", id); err != nil {
		return err
	}
	return s.store.DeleteShop(ctx, id)
}
