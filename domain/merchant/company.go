package merchant

import (
	"context"
	"time"
)

// Companies: the registration numbers whose card transactions settle for a
// merchant, with the shares they grant.

// Company enables the transactions of one company registration number (in
// Denmark the CVR number) for a merchant.
type Company struct {
	ID                 string
	MerchantID         string
	Name               string
	RegistrationNumber string
	Shares
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CompanyCreate is the input to create a company. A nil ID asks for a
// generated one.
type CompanyCreate struct {
	ID                 *string
	MerchantID         string
	Name               string
	RegistrationNumber string
	SharesCreate
}

// CompanyUpdate changes the fields that are not nil. MerchantID, when set,
// must be the company's merchant: it cannot change.
type CompanyUpdate struct {
	MerchantID         *string
	Name               *string
	RegistrationNumber *string
	SharesUpdate
}

func validateCompany(c *Company) error {
	if err := validateText("name", c.Name, 1, MaxTextLength); err != nil {
		return err
	}
	if err := validateText("companyRegistrationNumber", c.RegistrationNumber, 1, MaxTextLength); err != nil {
		return err
	}
	return c.Shares.Validate()
}

// CreateCompany validates in and stores a new company.
func (s *Service) CreateCompany(ctx context.Context, in CompanyCreate) (*Company, error) {
	id, err := validateEntityID("companyId", in.ID)
	if err != nil {
		return nil, err
	}
	if err := ValidateID("merchant.id", in.MerchantID); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	c := &Company{ID: id, MerchantID: in.MerchantID, Name: in.Name, RegistrationNumber: in.RegistrationNumber,
		Shares: in.shares(), CreatedAt: now, UpdatedAt: now}
	if err := validateCompany(c); err != nil {
		return nil, err
	}
	if err := s.store.CreateCompany(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// FindCompanyByID returns one company.
func (s *Service) FindCompanyByID(ctx context.Context, id string) (*Company, error) {
	if err := ValidateID("companyId", id); err != nil {
		return nil, err
	}
	return s.store.FindCompanyByID(ctx, id)
}

// FindCompanies returns the companies f selects (see ListFilter.RequireParent).
func (s *Service) FindCompanies(ctx context.Context, f ListFilter) ([]*Company, error) {
	return findOfOne(ctx, f, f.MerchantIDs, s.store.FindCompanies, s.merchantExists)
}

// UpdateCompany changes the fields present in upd. The id and merchant
// never change.
func (s *Service) UpdateCompany(ctx context.Context, id string, upd CompanyUpdate) (*Company, error) {
	if err := ValidateID("companyId", id); err != nil {
		return nil, err
	}
	if upd.Name != nil {
		if err := validateText("name", *upd.Name, 1, MaxTextLength); err != nil {
			return nil, err
		}
	}
	if upd.RegistrationNumber != nil {
		if err := validateText("companyRegistrationNumber", *upd.RegistrationNumber, 1, MaxTextLength); err != nil {
			return nil, err
		}
	}
	if err := upd.validate(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	return s.store.UpdateCompany(ctx, id, func(c *Company) error {
		if err := checkMerchantUnchanged(upd.MerchantID, c.MerchantID); err != nil {
			return err
		}
		if upd.Name != nil {
			c.Name = *upd.Name
		}
		if upd.RegistrationNumber != nil {
			c.RegistrationNumber = *upd.RegistrationNumber
		}
		upd.apply(&c.Shares)
		c.UpdatedAt = now
		return validateCompany(c)
	})
}

// DeleteCompany removes a company.
func (s *Service) DeleteCompany(ctx context.Context, id string) error {
	if err := ValidateID("companyId", id); err != nil {
		return err
	}
	return s.store.DeleteCompany(ctx, id)
}
