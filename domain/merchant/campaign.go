package merchant

import (
	"context"
	"time"

	"loyaltygraph/domain/errs"
)

// Campaigns: periods in which other shares apply.

// Campaign overrides a merchant's shares during a period, optionally only
// for one store number, category or product number.
type Campaign struct {
	ID         string
	MerchantID string
	Name       string
	// Start is the first instant of the campaign; End the first instant
	// after it.
	Start time.Time
	End   time.Time
	Shares
	StoreNumber   *string
	CategoryID    *string
	ProductNumber *string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ActiveAt reports whether the campaign runs at t: Start ≤ t < End.
func (c *Campaign) ActiveAt(t time.Time) bool { return !t.Before(c.Start) && t.Before(c.End) }

// CampaignCreate is the input to create a campaign. A nil ID asks for a
// generated one; a nil or empty scope field means no limit.
type CampaignCreate struct {
	ID            *string
	MerchantID    string
	Name          string
	Start         time.Time
	End           time.Time
	StoreNumber   *string
	CategoryID    *string
	ProductNumber *string
	SharesCreate
}

// CampaignUpdate changes the fields that are not nil; an empty scope field
// removes that limit. MerchantID, when set, must be the campaign's merchant:
// it cannot change.
type CampaignUpdate struct {
	MerchantID    *string
	Name          *string
	Start         *time.Time
	End           *time.Time
	StoreNumber   *string
	CategoryID    *string
	ProductNumber *string
	SharesUpdate
}

func validateCampaign(c *Campaign) error {
	if err := validateText("name", c.Name, 0, MaxCampaignNameLength); err != nil {
		return err
	}
	if c.Start.IsZero() {
		return errs.InvalidField("campaignStart", "campaignStart is required")
	}
	if c.End.IsZero() {
		return errs.InvalidField("campaignEnd", "campaignEnd is required")
	}
	if !c.Start.Before(c.End) {
		return errs.InvalidField("campaignEnd", "campaignEnd must be after campaignStart")
	}
	return c.Shares.Validate()
}

// CreateCampaign validates in and stores a new campaign. A category must be
// one of the merchant's own.
func (s *Service) CreateCampaign(ctx context.Context, in CampaignCreate) (*Campaign, error) {
	id, err := validateEntityID("campaignId", in.ID)
	if err != nil {
		return nil, err
	}
	if err := ValidateID("merchant.id", in.MerchantID); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	c := &Campaign{ID: id, MerchantID: in.MerchantID, Name: in.Name, Start: in.Start.UTC(), End: in.End.UTC(),
		Shares: in.shares(), CreatedAt: now, UpdatedAt: now}
	if c.StoreNumber, err = validateOptional("storeNumber", in.StoreNumber); err != nil {
		return nil, err
	}
	if c.CategoryID, err = validateOptionalID("categoryId", in.CategoryID); err != nil {
		return nil, err
	}
	if c.ProductNumber, err = validateOptional("productNumber", in.ProductNumber); err != nil {
		return nil, err
	}
	if err := validateCampaign(c); err != nil {
		return nil, err
	}
	if err := s.store.CreateCampaign(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// FindCampaignByID returns one campaign.
func (s *Service) FindCampaignByID(ctx context.Context, id string) (*Campaign, error) {
	if err := ValidateID("campaignId", id); err != nil {
		return nil, err
	}
	return s.store.FindCampaignByID(ctx, id)
}

// FindCampaigns returns the campaigns f selects (see ListFilter.RequireParent).
func (s *Service) FindCampaigns(ctx context.Context, f ListFilter) ([]*Campaign, error) {
	return findOfOne(ctx, f, f.MerchantIDs, s.store.FindCampaigns, s.merchantExists)
}

// FindCurrentCampaigns returns a page of the campaigns of every merchant
// of ownerID (0: of every merchant) that are active now or start later,
// ordered by start.
func (s *Service) FindCurrentCampaigns(ctx context.Context, ownerID int64, offset, limit int) ([]*Campaign, error) {
	now := s.now().UTC()
	return s.FindCampaigns(ctx, ListFilter{EndAfter: &now, Offset: offset, Limit: &limit, OwnerID: ownerID})
}

// UpdateCampaign changes the fields present in upd; the period is checked
// as a whole (start before end). The id and merchant never change.
func (s *Service) UpdateCampaign(ctx context.Context, id string, upd CampaignUpdate) (*Campaign, error) {
	if err := ValidateID("campaignId", id); err != nil {
		return nil, err
	}
	if upd.Name != nil {
		if err := validateText("name", *upd.Name, 0, MaxCampaignNameLength); err != nil {
			return nil, err
		}
	}
	storeNumber, err := validateOptional("storeNumber", upd.StoreNumber)
	if err != nil {
		return nil, err
	}
	category, err := validateOptionalID("categoryId", upd.CategoryID)
	if err != nil {
		return nil, err
	}
	product, err := validateOptional("productNumber", upd.ProductNumber)
	if err != nil {
		return nil, err
	}
	if err := upd.validate(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	return s.store.UpdateCampaign(ctx, id, func(c *Campaign) error {
		if err := checkMerchantUnchanged(upd.MerchantID, c.MerchantID); err != nil {
			return err
		}
		if upd.Name != nil {
			c.Name = *upd.Name
		}
		if upd.Start != nil {
			c.Start = upd.Start.UTC()
		}
		if upd.End != nil {
			c.End = upd.End.UTC()
		}
		if upd.StoreNumber != nil {
			c.StoreNumber = storeNumber
		}
		if upd.CategoryID != nil {
			c.CategoryID = category
		}
		if upd.ProductNumber != nil {
			c.ProductNumber = product
		}
		upd.apply(&c.Shares)
		c.UpdatedAt = now
		return validateCampaign(c)
	})
}

// DeleteCampaign removes a campaign.
func (s *Service) DeleteCampaign(ctx context.Context, id string) error {
	if err := ValidateID("campaignId", id); err != nil {
		return err
	}
	return s.store.DeleteCampaign(ctx, id)
}
