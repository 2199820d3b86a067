package merchant

import (
	"context"
	"errors"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
)

// Derived shares: a share looked up by the value of the other share.

// DerivedShare maps a share value to the value of the other share, for the
// merchant's rules whose other share type is derived.
type DerivedShare struct {
	ID         string
	MerchantID string
	// Share is the value looked up.
	Share decimal.Decimal
	// DerivedShare is the value found, read as DerivedShareType.
	DerivedShare     decimal.Decimal
	DerivedShareType ShareType
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// DerivedShareCreate is the input to create a derived share. A nil ID asks
// for a generated one; a nil type is percentage.
type DerivedShareCreate struct {
	ID               *string
	MerchantID       string
	Share            decimal.Decimal
	DerivedShare     decimal.Decimal
	DerivedShareType *ShareType
}

// DerivedShareUpdate changes the fields that are not nil. MerchantID, when
// set, must be the derived share's merchant: it cannot change.
type DerivedShareUpdate struct {
	MerchantID       *string
	Share            *decimal.Decimal
	DerivedShare     *decimal.Decimal
	DerivedShareType *ShareType
}

func validateDerivedShare(d *DerivedShare) error {
	if err := ValidateShareValue("share", d.Share); err != nil {
		return err
	}
	return ValidateShare("derivedShare", Share{Value: d.DerivedShare, Type: d.DerivedShareType}, false)
}

func (s *Service) newDerivedShare(in DerivedShareCreate, now time.Time) (*DerivedShare, error) {
	id, err := validateEntityID("derivedShareId", in.ID)
	if err != nil {
		return nil, err
	}
	if err := ValidateID("merchant.id", in.MerchantID); err != nil {
		return nil, err
	}
	d := &DerivedShare{ID: id, MerchantID: in.MerchantID, Share: in.Share, DerivedShare: in.DerivedShare,
		DerivedShareType: SharePercentage, CreatedAt: now, UpdatedAt: now}
	if in.DerivedShareType != nil {
		d.DerivedShareType = *in.DerivedShareType
	}
	if err := validateDerivedShare(d); err != nil {
		return nil, err
	}
	return d, nil
}

// CreateDerivedShare validates in and stores a new derived share. A share
// value appears once per merchant.
func (s *Service) CreateDerivedShare(ctx context.Context, in DerivedShareCreate) (*DerivedShare, error) {
	d, err := s.newDerivedShare(in, s.now().UTC())
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateDerivedShare(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

// FindDerivedShareByID returns one derived share.
func (s *Service) FindDerivedShareByID(ctx context.Context, id string) (*DerivedShare, error) {
	if err := ValidateID("derivedShareId", id); err != nil {
		return nil, err
	}
	return s.store.FindDerivedShareByID(ctx, id)
}

// FindDerivedShares returns the derived shares f selects (see
// ListFilter.RequireParent).
func (s *Service) FindDerivedShares(ctx context.Context, f ListFilter) ([]*DerivedShare, error) {
	return findOfOne(ctx, f, f.MerchantIDs, s.store.FindDerivedShares, s.merchantExists)
}

// UpdateDerivedShare changes the fields present in upd. The id and merchant
// never change.
func (s *Service) UpdateDerivedShare(ctx context.Context, id string, upd DerivedShareUpdate) (*DerivedShare, error) {
	if err := ValidateID("derivedShareId", id); err != nil {
		return nil, err
	}
	if upd.Share != nil {
		if err := ValidateShareValue("share", *upd.Share); err != nil {
			return nil, err
		}
	}
	if upd.DerivedShare != nil {
		if err := ValidateShareValue("derivedShare", *upd.DerivedShare); err != nil {
			return nil, err
		}
	}
	if upd.DerivedShareType != nil && (!upd.DerivedShareType.Valid() || *upd.DerivedShareType == ShareDerived) {
		return nil, errs.InvalidField("derivedShareType", "derivedShareType must be percentage or fixed_amount")
	}
	now := s.now().UTC()
	return s.store.UpdateDerivedShare(ctx, id, func(d *DerivedShare) error {
		if err := checkMerchantUnchanged(upd.MerchantID, d.MerchantID); err != nil {
			return err
		}
		if upd.Share != nil {
			d.Share = *upd.Share
		}
		if upd.DerivedShare != nil {
			d.DerivedShare = *upd.DerivedShare
		}
		if upd.DerivedShareType != nil {
			d.DerivedShareType = *upd.DerivedShareType
		}
		d.UpdatedAt = now
		return validateDerivedShare(d)
	})
}

// DeleteDerivedShare removes a derived share.
func (s *Service) DeleteDerivedShare(ctx context.Context, id string) error {
	if err := ValidateID("derivedShareId", id); err != nil {
		return err
	}
	return s.store.DeleteDerivedShare(ctx, id)
}

// ReplaceDerivedShares makes in the merchant's whole set of derived shares,
// atomically: on any error the old set stays. An item's MerchantID, when
// set, must be merchantID; errors name the item as "derivedShares[i].field".
func (s *Service) ReplaceDerivedShares(ctx context.Context, merchantID string, in []DerivedShareCreate) ([]*DerivedShare, error) {
	if err := ValidateID("merchant.id", merchantID); err != nil {
		return nil, err
	}
	if len(in) > MaxBatchSize {
		return nil, errs.InvalidField("derivedShares", "at most %d derived shares at a time", MaxBatchSize)
	}
	now := s.now().UTC()
	out := make([]*DerivedShare, len(in))
	seenID, seenShare := map[string]int{}, map[string]int{}
	for i, item := range in {
		field := func(name string) string { return itemField("derivedShares", i, name) }
		if item.MerchantID == "" {
			item.MerchantID = merchantID
		} else if item.MerchantID != merchantID {
			return nil, errs.InvalidField(field("merchantId"), "merchantId must be the merchant of the path")
		}
		d, err := s.newDerivedShare(item, now)
		if err != nil {
			return nil, errs.Item("derivedShares", i, err)
		}
		if j, dup := seenID[d.ID]; dup {
			return nil, errs.InvalidField(field("derivedShareId"), "derivedShareId repeats item %d", j)
		}
		// The lookup is by value: 2.5 and 2.50 are one key.
		key := d.Share.StringFixed(2)
		if j, dup := seenShare[key]; dup {
			return nil, errs.InvalidField(field("share"), "share repeats item %d", j)
		}
		seenID[d.ID], seenShare[key] = i, i
		out[i] = d
	}
	if err := s.store.ReplaceDerivedShares(ctx, merchantID, out); err != nil {
		var ie *ItemError
		if errors.As(err, &ie) {
			return nil, errs.Item("derivedShares", ie.Index, ie.Err)
		}
		return nil, err
	}
	return out, nil
}
