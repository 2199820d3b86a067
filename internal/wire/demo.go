package wire

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/app/cards"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/checkout"
	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/receipt"
	"loyaltygraph/domain/user"
	"loyaltygraph/store/postgres"
)

// demoMerchants are the merchants of the demo data.
var demoMerchants = []struct{ id, name string }{
	{"demo-netto", "Netto"},
	{"demo-foetex", "Føtex"},
	{"demo-bilka", "Bilka"},
	{"demo-coop365", "Coop 365"},
	{"demo-7eleven", "7-Eleven"},
	{"demo-matas", "Matas"},
}

// demoCredentials are the demo logins, one per kind.
var demoCredentials = []struct {
	kind     auth.Kind
	username string
	name     string
}{
	{auth.KindAdmin, "demo-admin", "Demo admin"},
	{auth.KindSettlement, "demo-settlement", "Demo settlement client"},
	{auth.KindPartner, "demo-partner", "Demo partner"},
	{auth.KindSeller, "demo-seller", "Demo seller"},
}

// demoSecret derives a demo secret from the server key, so that loading the
// demo again prints the same secrets without storing them, and nobody
// without the key can guess them.
func (a *App) demoSecret(purpose string) string {
	m := hmac.New(sha256.New, a.secretKey)
	m.Write([]byte("loyaltygraph demo " + purpose))
	return hex.EncodeToString(m.Sum(nil))[:40]
}

// LoadDemo loads the demo data and returns what it made. Loading it
// again changes nothing.
func (a *App) LoadDemo(ctx context.Context) (*Demo, error) {
	var out []auth.NewCredential
	for _, c := range demoCredentials {
		nc := auth.NewCredential{Kind: c.kind, Name: c.name, Username: c.username, Secret: a.demoSecret(c.username)}
		if c.kind == auth.KindPartner {
			nc.Salt = a.demoSecret(c.username + " salt")
		}
		if _, err := a.Auth.EnsureCredential(ctx, nc); err != nil {
			return nil, fmt.Errorf("demo credential %s: %w", c.username, err)
		}
		out = append(out, nc)
	}
	// The demo merchants belong to the demo settlement client.
	client, err := a.Auth.AuthenticateBasic(ctx, "demo-settlement", a.demoSecret("demo-settlement"))
	if err != nil {
		return nil, fmt.Errorf("demo settlement client: %w", err)
	}
	for _, dm := range demoMerchants {
		id := dm.id
		_, err := a.merchants.CreateMerchant(ctx, merchant.Create{ID: &id, Name: dm.name, OwnerID: client.CredentialID})
		if err != nil && !errs.Is(err, errs.Conflict) {
			return nil, fmt.Errorf("demo merchant %s: %w", dm.id, err)
		}
	}
	d := &Demo{Credentials: out}
	if err := a.loadDemoReceipts(ctx, d); err != nil {
		return nil, err
	}
	if d.Settlement, err = a.loadDemoSettlement(ctx, client); err != nil {
		return nil, err
	}
	if err := a.loadDemoCheckout(ctx, d); err != nil {
		return nil, err
	}
	if err := a.loadDemoTerms(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// demoDeps are what the demo data is loaded through besides the services.
type demoDeps struct {
	users    *postgres.UserStore
	profiles *merchant.Profiles
	receipts *receipt.Service
	// checkout loads the demo checkout account.
	checkout *checkout.Service
	// terms publishes the demo's terms of use.
	terms *merchant.TermsService
}

// Demo is what LoadDemo made besides the credentials.
type Demo struct {
	Credentials []auth.NewCredential
	// UserID is the demo partner's user whose card paid the demo receipts.
	UserID string
	// CardToken is the token of that card: a till posting it in a
	// payment's cardToken gives the receipt to the demo user.
	CardToken string
	// MerchantID is the merchant of the demo till (demo-pos).
	MerchantID string
	// Settlement is the settlement side: Netto's model, settled.
	Settlement *DemoSettlement
	// CheckoutEmail and CheckoutPassword log in to the demo checkout
	// account, which has two orders (seed 004).
	CheckoutEmail, CheckoutPassword string
}

const (
	demoPOS        = "demo-pos"
	demoTill       = "demo-netto"
	demoCardToken  = "demo-card-token-0001"
	demoTruncated  = "457100XXXXXX0001"
	demoUserPhone  = "4520304050"
	demoUserMember = "demo0001"
)

// demoID derives a stable id (32 of [0-9a-z]) for a demo entity.
func (a *App) demoID(purpose string) string {
	m := hmac.New(sha256.New, a.secretKey)
	m.Write([]byte("loyaltygraph demo id " + purpose))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// loadDemoReceipts adds the receipt side of the demo: a till for Netto
// (demo-pos), Netto's profile and logo, a user of the demo partner with a
// card, and receipts paid with that card. Loading it again changes nothing.
func (a *App) loadDemoReceipts(ctx context.Context, d *Demo) error {
	pos := auth.NewCredential{Kind: auth.KindPOS, Name: "Demo till at Netto", Username: demoPOS,
		Secret: a.demoSecret(demoPOS), MerchantID: demoTill}
	if _, err := a.Auth.EnsureCredential(ctx, pos); err != nil {
		return fmt.Errorf("demo till: %w", err)
	}
	d.Credentials = append(d.Credentials, pos)
	d.MerchantID, d.CardToken = demoTill, demoCardToken

	country, address, zip, city, phone, reg := "DK", "Vesterbrogade 1", "1620", "København V", "+45 33 12 34 56", "DK35954716"
	if _, err := a.demo.profiles.UpdateProfile(ctx, demoTill, merchant.ProfileUpdate{Country: &country, Address: &address,
		ZipCode: &zip, City: &city, PhoneNumber: &phone, RegistrationNumber: &reg}); err != nil {
		return fmt.Errorf("demo merchant profile: %w", err)
	}
	logo, err := demoLogo()
	if err != nil {
		return err
	}
	if m, err := a.merchants.FindMerchantByID(ctx, demoTill); err != nil {
		return fmt.Errorf("demo merchant: %w", err)
	} else if m.Logo == nil || m.Logo.Version != merchant.LogoVersion(logo) {
		if _, err := a.demo.profiles.SetLogo(ctx, demoTill, "file", logo); err != nil {
			return fmt.Errorf("demo merchant logo: %w", err)
		}
	}

	partner, err := a.Auth.AuthenticateBasic(ctx, "demo-partner", a.demoSecret("demo-partner"))
	if err != nil {
		return fmt.Errorf("demo partner: %w", err)
	}
	now := time.Now().UTC()
	d.UserID = a.demoID("user")
	// The demo user signed up with its phone (verified), so that an Open
	// Loyalty customer who verifies the same phone earns points from its
	// receipts.
	u := &user.User{ID: d.UserID, Provider: user.Provider{ID: partner.CredentialID}, Phone: demoUserPhone,
		PhoneVerified: true, MemberID: demoUserMember, CreatedAt: now, UpdatedAt: now}
	sealed, err := a.Keys.Seal([]byte(demoCardToken))
	if err != nil {
		return err
	}
	card := &user.Card{ID: a.demoID("card"), TruncatedPAN: demoTruncated, SealedToken: sealed,
		TokenHash: a.Keys.LookupHash([]byte(demoCardToken)), CreatedAt: now}
	if err := a.demo.users.CreateUser(ctx, u, card, nil); err != nil && !errs.Is(err, errs.Conflict) {
		return fmt.Errorf("demo user: %w", err)
	}

	m := receipt.Merchant{ID: demoTill, Name: "Netto"}
	for i, r := range demoReceipts {
		if _, _, _, err := a.demo.receipts.Ingest(ctx, m, r.input(i)); err != nil {
			return fmt.Errorf("demo receipt %d: %w", i+1, err)
		}
	}
	return nil
}

// demoReceipt is one receipt of the demo till.
type demoReceipt struct {
	at    string
	lines []demoLine
}

type demoLine struct{ name, price string }

var demoReceipts = []demoReceipt{
	{at: "2026-11-02T08:14:05+01:00", lines: []demoLine{{"Smørrebrød med æg", "34.95"}, {"Kaffe", "18.00"}}},
	{at: "2026-11-09T17:42:31+01:00", lines: []demoLine{{"Rugbrød, økologisk", "22.50"},
		{"Leverpostej", "19.95"}, {"Mælk 1 l", "12.75"}}},
	{at: "2026-11-20T12:03:00+01:00", lines: []demoLine{{"Kanelsnegl", "14.00"}, {"Æbler 1 kg", "20.00"}}},
}

func (r demoReceipt) input(i int) receipt.Input {
	at, err := time.Parse(time.RFC3339, r.at)
	if err != nil {
		panic(err)
	}
	total := decimal.Zero
	in := receipt.Input{ExternalID: fmt.Sprintf("demo-%d", i+1), ExternalIDType: "till", PurchaseDateTime: at,
		StoreName: "Netto Vesterbrogade", Optionals: receipt.Optionals{OrderNumber: fmt.Sprint(1000 + i)}}
	for n, l := range r.lines {
		p := decimal.RequireFromString(l.price)
		total = total.Add(p)
		num, one, rate := n+1, decimal.NewFromInt(1), decimal.NewFromInt(25)
		in.Lines = append(in.Lines, receipt.Line{LineNumber: &num, Name: l.name, Count: &one,
			ItemPrice: &p, TotalPrice: p, VATRate: &rate})
	}
	vat := total.Div(decimal.NewFromInt(5)).Round(2)
	in.Total = receipt.Money{Amount: total, Currency: "DKK"}
	in.VATRates = []receipt.VATRate{{Rate: decimal.NewFromInt(25), Value: vat}}
	in.Payments = []receipt.PaymentInput{{Payment: receipt.Payment{Type: "CARD", Amount: total, Currency: "DKK",
		TruncatedCardNumber: demoTruncated, TransactionID: fmt.Sprint(300001116910 + i)}, CardToken: demoCardToken}}
	in.Barcode = &receipt.Barcode{Type: "code128", Value: fmt.Sprintf("NETTO%06d", 1000+i)}
	return in
}

// demoLogo draws the demo merchant's logo: a yellow tile with a black
// band, as a PNG (the same bytes every time, so the version is stable).
func demoLogo() ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, 96, 96))
	yellow, black := color.RGBA{0xff, 0xd5, 0x00, 0xff}, color.RGBA{0x11, 0x11, 0x11, 0xff}
	for y := range 96 {
		for x := range 96 {
			c := yellow
			if y >= 60 && y < 72 || (x-48)*(x-48)+(y-36)*(y-36) < 18*18 {
				c = black
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// DemoCardFrameURL returns a card frame URL for the demo user, signed
// with the demo partner's salt, that redirects back to /healthz.
func (a *App) DemoCardFrameURL(ctx context.Context, userID string) (string, error) {
	p, err := a.Auth.FindPartner(ctx, "demo-partner")
	if err != nil {
		return "", fmt.Errorf("demo partner: %w", err)
	}
	base := strings.TrimRight(a.baseURL, "/")
	return a.Ops.Cards.CreateFrameURL(auth.WithPrincipal(ctx, p), userID, cards.FrameURLInput{
		AcceptURL: base + "/healthz?card=accepted", DeclineURL: base + "/healthz?card=declined",
		CSSURL: "https://developer.storebox.com/frame/assets/card.css?v=5",
	})
}

// demoTerms are the terms of use the demo publishes, valid from a fixed day
// so that loading the demo again changes nothing.
var demoTerms = []struct{ lang, title, body string }{
	{"en", "Terms of use (demo)", "<p>These are the demo's terms of use. Receipts, cards and points are stored for the loyalty programme you joined.</p>"},
	{"da", "Brugsbetingelser (demo)", "<p>Dette er demoens brugsbetingelser. Kvitteringer, kort og point gemmes til det loyalitetsprogram, du er tilmeldt.</p>"},
}

// loadDemoTerms publishes the demo's terms in English and Danish (GET
// /receipt-data/v1/terms, the terms page of a signup link).
func (a *App) loadDemoTerms(ctx context.Context) error {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, t := range demoTerms {
		if _, err := a.demo.terms.Publish(ctx, t.lang, from, t.title, t.body); err != nil && !errs.Is(err, errs.Conflict) {
			return fmt.Errorf("demo terms %s: %w", t.lang, err)
		}
	}
	return nil
}
