package merchant

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
)

// recordingStore is a Store that records what reaches it; methods a test
// does not expect panic through the nil embedded interface.
type recordingStore struct {
	Store
	companies []*Company
	derived   []*DerivedShare
	blocked   []*BlockedProduct
	merchants map[string]bool
}

func (s *recordingStore) CreateCompany(_ context.Context, c *Company) error {
	s.companies = append(s.companies, c)
	return nil
}

func (s *recordingStore) ReplaceDerivedShares(_ context.Context, _ string, ds []*DerivedShare) error {
	s.derived = ds
	return nil
}

func (s *recordingStore) CreateBlockedProducts(_ context.Context, bs []*BlockedProduct) error {
	s.blocked = append(s.blocked, bs...)
	return nil
}

func (s *recordingStore) FindCompanies(context.Context, ListFilter) ([]*Company, error) {
	return nil, nil
}

func (s *recordingStore) FindMerchantByID(_ context.Context, id string) (*Merchant, error) {
	if s.merchants[id] {
		return &Merchant{ID: id}, nil
	}
	return nil, errs.NotFoundf("merchant not found")
}

func newTestService() (*Service, *recordingStore) {
	st := &recordingStore{merchants: map[string]bool{"m1": true}}
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	return NewService(st, func() time.Time { return now }), st
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func shareType(t ShareType) *ShareType { return &t }

func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	e := errs.As(err)
	if err == nil || e.Code != errs.Invalid || e.Field != field {
		t.Fatalf("error %v, want invalid on %q", err, field)
	}
}

func TestSharesValidate(t *testing.T) {
	cases := []struct {
		name  string
		s     Shares
		field string // "" when valid
	}{
		{"seed sample", Shares{dec("7.5"), SharePercentage, dec("2.5"), SharePercentage}, ""},
		{"bounds", Shares{dec("0"), ShareFixedAmount, dec("100"), SharePercentage}, ""},
		{"two decimals", Shares{dec("7.55"), SharePercentage, dec("0.01"), SharePercentage}, ""},
		{"one side derived", Shares{dec("7.5"), SharePercentage, dec("0"), ShareDerived}, ""},
		{"three decimals", Shares{dec("7.555"), SharePercentage, dec("1"), SharePercentage}, "userShare"},
		{"over 100", Shares{dec("1"), SharePercentage, dec("100.01"), SharePercentage}, "providerShare"},
		{"negative", Shares{dec("-0.01"), SharePercentage, dec("1"), SharePercentage}, "userShare"},
		{"unknown type", Shares{dec("1"), "percent", dec("1"), SharePercentage}, "userShareType"},
		{"empty type", Shares{dec("1"), SharePercentage, dec("1"), ""}, "providerShareType"},
		{"both derived", Shares{dec("1"), ShareDerived, dec("1"), ShareDerived}, "providerShareType"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("valid shares refused: %v", err)
				}
				return
			}
			wantInvalid(t, err, tc.field)
		})
	}
}

func TestCreateCompanyDefaultsAndValidation(t *testing.T) {
	svc, st := newTestService()
	ctx := context.Background()
	c, err := svc.CreateCompany(ctx, CompanyCreate{MerchantID: "m1", Name: "Test Company", RegistrationNumber: "12346790",
		SharesCreate: SharesCreate{UserShare: dec("7.5"), ProviderShare: dec("2.5")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.ID) != 32 || c.UserShareType != SharePercentage || c.ProviderShareType != SharePercentage {
		t.Fatalf("company %+v: want a generated id and percentage shares", c)
	}
	if !c.CreatedAt.Equal(c.UpdatedAt) || c.CreatedAt.IsZero() {
		t.Fatalf("timestamps %v %v", c.CreatedAt, c.UpdatedAt)
	}

	bad := []struct {
		name  string
		in    CompanyCreate
		field string
	}{
		{"empty id", CompanyCreate{ID: new(string)}, "companyId"},
		{"missing merchant", CompanyCreate{Name: "x", RegistrationNumber: "1"}, "merchant.id"},
		{"blank name", CompanyCreate{MerchantID: "m1", Name: " ", RegistrationNumber: "1"}, "name"},
		{"long name", CompanyCreate{MerchantID: "m1", Name: strings.Repeat("n", 129), RegistrationNumber: "1"}, "name"},
		{"empty registration", CompanyCreate{MerchantID: "m1", Name: "x"}, "companyRegistrationNumber"},
		{"derived type both", CompanyCreate{MerchantID: "m1", Name: "x", RegistrationNumber: "1",
			SharesCreate: SharesCreate{UserShareType: shareType(ShareDerived), ProviderShareType: shareType(ShareDerived)}}, "providerShareType"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.CreateCompany(ctx, tc.in)
			wantInvalid(t, err, tc.field)
		})
	}
	if len(st.companies) != 1 {
		t.Fatalf("refused companies reached the store: %d", len(st.companies))
	}
}

func TestCampaignPeriod(t *testing.T) {
	start := time.Date(2018, 11, 8, 17, 32, 28, 0, time.UTC)
	c := &Campaign{Start: start, End: start.Add(48 * time.Hour), Shares: Shares{dec("1"), SharePercentage, dec("1"), SharePercentage}}
	if err := validateCampaign(c); err != nil {
		t.Fatal(err)
	}
	if !c.ActiveAt(start) || c.ActiveAt(c.End) || c.ActiveAt(start.Add(-time.Nanosecond)) {
		t.Fatal("ActiveAt must be start ≤ t < end")
	}
	c.End = start
	wantInvalid(t, validateCampaign(c), "campaignEnd")
	c.End = start.Add(-time.Second)
	wantInvalid(t, validateCampaign(c), "campaignEnd")
	c.End, c.Name = start.Add(time.Hour), strings.Repeat("n", 65)
	wantInvalid(t, validateCampaign(c), "name")
}

func TestReplaceDerivedSharesValidatesEveryItem(t *testing.T) {
	svc, st := newTestService()
	ctx := context.Background()
	item := func(share, derived string) DerivedShareCreate {
		return DerivedShareCreate{Share: dec(share), DerivedShare: dec(derived)}
	}
	out, err := svc.ReplaceDerivedShares(ctx, "m1", []DerivedShareCreate{item("2.5", "0.5"), item("5", "1")})
	if err != nil || len(out) != 2 || out[0].MerchantID != "m1" || out[0].DerivedShareType != SharePercentage {
		t.Fatalf("replace: %v %+v", err, out)
	}
	bad := []struct {
		name  string
		items []DerivedShareCreate
		field string
	}{
		{"three decimals", []DerivedShareCreate{item("1", "1"), item("2.555", "1")}, "derivedShares[1].share"},
		{"derived type", []DerivedShareCreate{{Share: dec("1"), DerivedShare: dec("1"), DerivedShareType: shareType(ShareDerived)}}, "derivedShares[0].derivedShareType"},
		{"same share twice", []DerivedShareCreate{item("2.5", "1"), item("2.50", "2")}, "derivedShares[1].share"},
		{"other merchant", []DerivedShareCreate{{MerchantID: "m2", Share: dec("1"), DerivedShare: dec("1")}}, "derivedShares[0].merchantId"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.ReplaceDerivedShares(ctx, "m1", tc.items)
			wantInvalid(t, err, tc.field)
		})
	}
	if len(st.derived) != 2 {
		t.Fatalf("a refused replace reached the store: %d", len(st.derived))
	}
}

func TestCreateBlockedProductsNamesTheItem(t *testing.T) {
	svc, st := newTestService()
	ctx := context.Background()
	_, err := svc.CreateBlockedProducts(ctx, []BlockedProductCreate{{ProductNumber: "1"}, {ProductNumber: ""}})
	wantInvalid(t, err, "blockedProducts[1].productNumber")
	_, err = svc.CreateBlockedProducts(ctx, []BlockedProductCreate{{ProductNumber: "1"}, {ProductNumber: "1"}})
	wantInvalid(t, err, "blockedProducts[1].productNumber")
	if len(st.blocked) != 0 {
		t.Fatal("refused items reached the store")
	}
	// A store error about one item names it too.
	st2 := &itemFailingStore{recordingStore: st}
	svc2 := NewService(st2, time.Now)
	_, err = svc2.CreateBlockedProducts(ctx, []BlockedProductCreate{{ProductNumber: "1"}, {ProductNumber: "2"}})
	if e := errs.As(err); e.Code != errs.Conflict || e.Field != "blockedProducts[1].productNumber" {
		t.Fatalf("store conflict on item 1: %v", err)
	}
	_, err = svc2.CreateBlockedProduct(ctx, BlockedProductCreate{ProductNumber: "2"})
	if e := errs.As(err); e.Code != errs.Conflict || e.Field != "productNumber" {
		t.Fatalf("store conflict on a single product: %v", err)
	}
}

type itemFailingStore struct{ *recordingStore }

func (s *itemFailingStore) CreateBlockedProducts(_ context.Context, bs []*BlockedProduct) error {
	return &ItemError{Index: len(bs) - 1, Err: errs.Conflictf("productNumber", "this product number is already blocked")}
}

func TestListsCheckTheirParentOnlyWhenAsked(t *testing.T) {
	svc, _ := newTestService()
	ctx := context.Background()
	if _, err := svc.FindCompanies(ctx, ListFilter{MerchantIDs: []string{"nope"}}); err != nil {
		t.Fatalf("plain list: %v", err)
	}
	_, err := svc.FindCompanies(ctx, ListFilter{MerchantIDs: []string{"nope"}, RequireParent: true})
	if !errs.Is(err, errs.NotFound) {
		t.Fatalf("unknown merchant: %v", err)
	}
	list, err := svc.FindCompanies(ctx, ListFilter{MerchantIDs: []string{"m1"}, RequireParent: true})
	if err != nil || list == nil || len(list) != 0 {
		t.Fatalf("known merchant: %v %v", list, err)
	}
	tooMany := MaxPageSize + 1
	_, err = svc.FindCompanies(ctx, ListFilter{Limit: &tooMany})
	wantInvalid(t, err, "limit")
}
