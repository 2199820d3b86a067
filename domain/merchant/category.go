package merchant

import (
	"context"
	"time"

	"loyaltygraph/domain/errs"
)

// Product categories and their products, by which receipt lines settle.

// Category is a product category with its own shares, for merchants that
// send receipts; it may be limited to one store.
type Category struct {
	ID         string
	MerchantID string
	Name       string
	Shares
	// StoreNumber limits the category to one store; nil means every store.
	StoreNumber *string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CategoryCreate is the input to create a category. A nil ID asks for a
// generated one; a nil or empty StoreNumber means every store.
type CategoryCreate struct {
	ID          *string
	MerchantID  string
	Name        string
	StoreNumber *string
	SharesCreate
}

// CategoryUpdate changes the fields that are not nil; an empty StoreNumber
// makes the category apply in every store. MerchantID, when set, must be the
// category's merchant: it cannot change.
type CategoryUpdate struct {
	MerchantID  *string
	Name        *string
	StoreNumber *string
	SharesUpdate
}

// Product is a product number (such as an EAN) in a category.
type Product struct {
	ID            string
	CategoryID    string
	Name          string
	ProductNumber string
	CreatedAt     time.Time
}

// ProductCreate is the input to add a product to a category. A nil ID asks
// for a generated one.
type ProductCreate struct {
	ID            *string
	CategoryID    string
	Name          string
	ProductNumber string
}

func validateCategory(c *Category) error {
	if err := validateText("name", c.Name, 1, MaxTextLength); err != nil {
		return err
	}
	return c.Shares.Validate()
}

// CreateCategory validates in and stores a new category.
func (s *Service) CreateCategory(ctx context.Context, in CategoryCreate) (*Category, error) {
	id, err := validateEntityID("categoryId", in.ID)
	if err != nil {
		return nil, err
	}
	if err := ValidateID("merchant.id", in.MerchantID); err != nil {
		return nil, err
	}
	storeNumber, err := validateOptional("storeNumber", in.StoreNumber)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	c := &Category{ID: id, MerchantID: in.MerchantID, Name: in.Name, StoreNumber: storeNumber,
		Shares: in.shares(), CreatedAt: now, UpdatedAt: now}
	if err := validateCategory(c); err != nil {
		return nil, err
	}
	if err := s.store.CreateCategory(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// FindCategoryByID returns one category.
func (s *Service) FindCategoryByID(ctx context.Context, id string) (*Category, error) {
	if err := ValidateID("categoryId", id); err != nil {
		return nil, err
	}
	return s.store.FindCategoryByID(ctx, id)
}

// FindCategories returns the categories f selects (see ListFilter.RequireParent).
func (s *Service) FindCategories(ctx context.Context, f ListFilter) ([]*Category, error) {
	return findOfOne(ctx, f, f.MerchantIDs, s.store.FindCategories, s.merchantExists)
}

// UpdateCategory changes the fields present in upd. The id and merchant
// never change.
func (s *Service) UpdateCategory(ctx context.Context, id string, upd CategoryUpdate) (*Category, error) {
	if err := ValidateID("categoryId", id); err != nil {
		return nil, err
	}
	if upd.Name != nil {
		if err := validateText("name", *upd.Name, 1, MaxTextLength); err != nil {
			return nil, err
		}
	}
	storeNumber, err := validateOptional("storeNumber", upd.StoreNumber)
	if err != nil {
		return nil, err
	}
	if err := upd.validate(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	return s.store.UpdateCategory(ctx, id, func(c *Category) error {
		if err := checkMerchantUnchanged(upd.MerchantID, c.MerchantID); err != nil {
			return err
		}
		if upd.Name != nil {
			c.Name = *upd.Name
		}
		if upd.StoreNumber != nil {
			c.StoreNumber = storeNumber
		}
		upd.apply(&c.Shares)
		c.UpdatedAt = now
		return validateCategory(c)
	})
}

// DeleteCategory removes a category and its products. A category that a
// campaign names is a conflict.
func (s *Service) DeleteCategory(ctx context.Context, id string) error {
	if err := ValidateID("categoryId", id); err != nil {
		return err
	}
	return s.store.DeleteCategory(ctx, id)
}

func (s *Service) newProduct(in ProductCreate, now time.Time) (*Product, error) {
	id, err := validateEntityID("productId", in.ID)
	if err != nil {
		return nil, err
	}
	if err := ValidateID("categoryId", in.CategoryID); err != nil {
		return nil, err
	}
	if err := validateText("name", in.Name, 0, MaxTextLength); err != nil {
		return nil, err
	}
	if err := validateText("productNumber", in.ProductNumber, 1, MaxTextLength); err != nil {
		return nil, err
	}
	return &Product{ID: id, CategoryID: in.CategoryID, Name: in.Name, ProductNumber: in.ProductNumber, CreatedAt: now}, nil
}

// CreateProduct validates in and adds a product to its category; a category
// that does not exist is an invalid categoryId.
func (s *Service) CreateProduct(ctx context.Context, in ProductCreate) (*Product, error) {
	p, err := s.newProduct(in, s.now().UTC())
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateProducts(ctx, []*Product{p}); err != nil {
		return nil, singleErr(err)
	}
	return p, nil
}

// AddProducts adds all of in to the category, or none. An item's
// CategoryID, when set, must be categoryID; errors name the item as
// "[i].field". A category that does not exist is not found.
func (s *Service) AddProducts(ctx context.Context, categoryID string, in []ProductCreate) ([]*Product, error) {
	if err := ValidateID("categoryId", categoryID); err != nil {
		return nil, err
	}
	if len(in) > MaxBatchSize {
		return nil, errs.E(errs.Invalid, "at most %d products at a time", MaxBatchSize)
	}
	now := s.now().UTC()
	out := make([]*Product, len(in))
	seenID, seenNumber := map[string]int{}, map[string]int{}
	for i, item := range in {
		if item.CategoryID == "" {
			item.CategoryID = categoryID
		} else if item.CategoryID != categoryID {
			return nil, errs.InvalidField(itemField("products", i, "categoryId"), "categoryId must be the category of the path")
		}
		p, err := s.newProduct(item, now)
		if err != nil {
			return nil, errs.Item("products", i, err)
		}
		if j, dup := seenID[p.ID]; dup {
			return nil, errs.InvalidField(itemField("products", i, "productId"), "productId repeats item %d", j)
		}
		if j, dup := seenNumber[p.ProductNumber]; dup {
			return nil, errs.InvalidField(itemField("products", i, "productNumber"), "productNumber repeats item %d", j)
		}
		seenID[p.ID], seenNumber[p.ProductNumber] = i, i
		out[i] = p
	}
	if err := s.categoryExists(ctx, categoryID); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	if err := s.store.CreateProducts(ctx, out); err != nil {
		return nil, itemErr("products", err)
	}
	return out, nil
}

// FindProducts returns the products f selects (see ListFilter.RequireParent).
func (s *Service) FindProducts(ctx context.Context, f ListFilter) ([]*Product, error) {
	return findOfOne(ctx, f, f.CategoryIDs, s.store.FindProducts, s.categoryExists)
}

// DeleteProduct removes a product from its category.
func (s *Service) DeleteProduct(ctx context.Context, id string) error {
	if err := ValidateID("productId", id); err != nil {
		return err
	}
	return s.store.DeleteProduct(ctx, id)
}
