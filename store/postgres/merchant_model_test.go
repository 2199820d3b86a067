package postgres_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/store/postgres"
)

func merchantService(t *testing.T) *merchant.Service {
	t.Helper()
	return merchant.NewService(postgres.NewMerchantStore(testenv.DB(t)), time.Now)
}

func newModelMerchant(t *testing.T, svc *merchant.Service) string {
	t.Helper()
	m, err := svc.CreateMerchant(context.Background(), merchant.Create{Name: "Model"})
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func modelDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func modelPtr[T any](v T) *T { return &v }

func uniqueDigits() string { return "8" + fmt.Sprint(time.Now().UnixNano()%1e12) + ids.LowerAlnum(2) }

func TestLoadRulesReadsTheWholeModel(t *testing.T) {
	svc := merchantService(t)
	ctx := context.Background()
	m := newModelMerchant(t, svc)
	other := newModelMerchant(t, svc)
	shares := merchant.SharesCreate{UserShare: modelDec("7.5"), ProviderShare: modelDec("2.55"), ProviderShareType: modelPtr(merchant.ShareDerived)}

	company, err := svc.CreateCompany(ctx, merchant.CompanyCreate{MerchantID: m, Name: "C", RegistrationNumber: uniqueDigits(), SharesCreate: shares})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateCompany(ctx, merchant.CompanyCreate{MerchantID: other, Name: "Other", RegistrationNumber: uniqueDigits(), SharesCreate: shares}); err != nil {
		t.Fatal(err)
	}
	shop, err := svc.CreateShop(ctx, merchant.ShopCreate{MerchantID: m, StoreNumber: uniqueDigits(), Name: "S", SharesCreate: shares, Source: modelPtr(merchant.SourceReceipt)})
	if err != nil {
		t.Fatal(err)
	}
	category, err := svc.CreateCategory(ctx, merchant.CategoryCreate{MerchantID: m, Name: "Cat", StoreNumber: modelPtr(shop.StoreNumber), SharesCreate: shares})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddProducts(ctx, category.ID, []merchant.ProductCreate{{ProductNumber: "1000"}, {ProductNumber: "2000", Name: "Bread"}}); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	campaign, err := svc.CreateCampaign(ctx, merchant.CampaignCreate{MerchantID: m, Start: start, End: start.Add(24 * time.Hour),
		CategoryID: modelPtr(category.ID), ProductNumber: modelPtr("1000"), SharesCreate: shares})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateDerivedShare(ctx, merchant.DerivedShareCreate{MerchantID: m, Share: modelDec("7.5"), DerivedShare: modelDec("0.5")}); err != nil {
		t.Fatal(err)
	}
	blocked := uniqueDigits()
	if _, err := svc.CreateBlockedProduct(ctx, merchant.BlockedProductCreate{ProductNumber: blocked}); err != nil {
		t.Fatal(err)
	}

	r, err := svc.LoadRules(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if r.Merchant == nil || r.Merchant.ID != m || len(r.Companies) != 1 || len(r.Shops) != 1 || len(r.Categories) != 1 ||
		len(r.Products) != 2 || len(r.Campaigns) != 1 || len(r.DerivedShares) != 1 {
		t.Fatalf("rules: %+v", r)
	}
	c := r.Companies[0]
	if c.ID != company.ID || !c.UserShare.Equal(modelDec("7.5")) || !c.ProviderShare.Equal(modelDec("2.55")) ||
		c.UserShareType != merchant.SharePercentage || c.ProviderShareType != merchant.ShareDerived {
		t.Fatalf("company: %+v", c)
	}
	if r.Shops[0].Source != merchant.SourceReceipt || *r.Categories[0].StoreNumber != shop.StoreNumber {
		t.Fatalf("store %+v, category %+v", r.Shops[0], r.Categories[0])
	}
	got := r.Campaigns[0]
	if got.ID != campaign.ID || !got.Start.Equal(start) || got.StoreNumber != nil || *got.CategoryID != category.ID || *got.ProductNumber != "1000" {
		t.Fatalf("campaign: %+v", got)
	}
	if !got.ActiveAt(start) || got.ActiveAt(got.End) {
		t.Fatal("campaign period")
	}
	if ds := r.DerivedShares[0]; !ds.Share.Equal(modelDec("7.5")) || !ds.DerivedShare.Equal(modelDec("0.5")) || ds.DerivedShareType != merchant.SharePercentage {
		t.Fatalf("derived share: %+v", ds)
	}
	found := false
	for _, b := range r.Blocked {
		found = found || b.ProductNumber == blocked
	}
	if !found {
		t.Fatalf("blocked products lack %s", blocked)
	}
	if _, err := svc.LoadRules(ctx, "no-such-merchant"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("unknown merchant: %v", err)
	}
}

// Concurrent partial updates of one row each keep the other's change.
func TestConcurrentUpdatesKeepEachOthersFields(t *testing.T) {
	svc := merchantService(t)
	ctx := context.Background()
	m := newModelMerchant(t, svc)
	c, err := svc.CreateCompany(ctx, merchant.CompanyCreate{MerchantID: m, Name: "C0", RegistrationNumber: uniqueDigits(),
		SharesCreate: merchant.SharesCreate{UserShare: modelDec("0"), ProviderShare: modelDec("0")}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 10; i++ {
		var wg sync.WaitGroup
		name, share := fmt.Sprintf("C%d", i), decimal.NewFromInt(int64(i))
		wg.Go(func() {
			if _, err := svc.UpdateCompany(ctx, c.ID, merchant.CompanyUpdate{Name: &name}); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if _, err := svc.UpdateCompany(ctx, c.ID, merchant.CompanyUpdate{SharesUpdate: merchant.SharesUpdate{UserShare: &share}}); err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		got, err := svc.FindCompanyByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != name || !got.UserShare.Equal(share) {
			t.Fatalf("round %d: name %q share %s, want %q and %s", i, got.Name, got.UserShare, name, share)
		}
	}
}

// Concurrent replaces leave one whole set, never a mix.
func TestConcurrentReplacesLeaveOneWholeSet(t *testing.T) {
	svc := merchantService(t)
	ctx := context.Background()
	m := newModelMerchant(t, svc)
	sets := make([][]merchant.DerivedShareCreate, 6)
	for i := range sets {
		for j := range 3 {
			sets[i] = append(sets[i], merchant.DerivedShareCreate{Share: decimal.NewFromInt(int64(j)), DerivedShare: decimal.NewFromInt(int64(i))})
		}
	}
	var wg sync.WaitGroup
	for _, set := range sets {
		wg.Go(func() {
			if _, err := svc.ReplaceDerivedShares(ctx, m, set); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := svc.FindDerivedShares(ctx, merchant.ListFilter{MerchantIDs: []string{m}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d derived shares after concurrent replaces, want 3", len(got))
	}
	for _, ds := range got[1:] {
		if !ds.DerivedShare.Equal(got[0].DerivedShare) {
			t.Fatalf("a mix of sets: %s and %s", got[0].DerivedShare, ds.DerivedShare)
		}
	}
}

// The one snapshot of every merchant's rules holds exactly what LoadRules
// reads of each active merchant, in merchant id order, and no disabled
// merchant.
func TestLoadAllRulesIsEachActiveMerchantsRules(t *testing.T) {
	svc := merchantService(t)
	ctx := context.Background()
	shares := merchant.SharesCreate{UserShare: modelDec("5"), ProviderShare: modelDec("1.5")}
	var made []string
	for i := range 3 {
		m := newModelMerchant(t, svc)
		made = append(made, m)
		for range 2 {
			if _, err := svc.CreateCompany(ctx, merchant.CompanyCreate{MerchantID: m, Name: "C", RegistrationNumber: uniqueDigits(), SharesCreate: shares}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.CreateShop(ctx, merchant.ShopCreate{MerchantID: m, StoreNumber: uniqueDigits(), Name: "S", SharesCreate: shares}); err != nil {
				t.Fatal(err)
			}
		}
		category, err := svc.CreateCategory(ctx, merchant.CategoryCreate{MerchantID: m, Name: "Cat", SharesCreate: shares})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddProducts(ctx, category.ID, []merchant.ProductCreate{{ProductNumber: "2" + fmt.Sprint(i)}, {ProductNumber: "1" + fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
		start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		for d := range 2 {
			if _, err := svc.CreateCampaign(ctx, merchant.CampaignCreate{MerchantID: m, Start: start.AddDate(0, 0, -d), End: start.AddDate(0, 1, 0), SharesCreate: shares}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.CreateDerivedShare(ctx, merchant.DerivedShareCreate{MerchantID: m, Share: modelDec("5"), DerivedShare: modelDec("0.5")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.CreateBlockedProduct(ctx, merchant.BlockedProductCreate{ProductNumber: uniqueDigits()}); err != nil {
		t.Fatal(err)
	}
	disabled := made[1]
	if _, err := svc.UpdateMerchant(ctx, disabled, merchant.Update{Status: modelPtr(merchant.StatusDisabled)}); err != nil {
		t.Fatal(err)
	}

	all, err := svc.LoadAllRules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var active []string
	for offset := 0; ; offset += merchant.MaxPageSize {
		list, total, err := svc.FindMerchants(ctx, merchant.Filter{Offset: offset, Limit: merchant.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range list {
			if m.Status == merchant.StatusActive {
				active = append(active, m.ID)
			}
		}
		if offset+len(list) >= total {
			break
		}
	}
	if len(all) != len(active) {
		t.Fatalf("%d rules for %d active merchants", len(all), len(active))
	}
	for i, r := range all {
		if r.Merchant.ID != active[i] {
			t.Fatalf("rules %d are %s's, want %s's (merchant id order)", i, r.Merchant.ID, active[i])
		}
		if r.Merchant.ID == disabled {
			t.Fatal("a disabled merchant's rules were loaded")
		}
		one, err := svc.LoadRules(ctx, r.Merchant.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(r, one) {
			t.Fatalf("merchant %s: snapshot %+v, LoadRules %+v", r.Merchant.ID, r, one)
		}
	}
}
