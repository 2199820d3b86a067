package receiptdata_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"loyaltygraph/internal/testenv"
	"loyaltygraph/secret"
)

const createMessage = `mutation($in: CreateMarketingMessageInput!) {
  createMarketingMessage(input: $in) {
    marketingMessage { messageId merchantName subject text imageId imageUrl validFrom validTo }
    userErrors { field code message }
  }
}`

type messageResult struct {
	Data struct {
		CreateMarketingMessage *struct {
			MarketingMessage *struct {
				MessageID                   int
				MerchantName, Subject, Text string
				ImageID, ImageURL           *string
				ValidFrom, ValidTo          string
			}
			UserErrors []struct{ Field, Code, Message string }
		}
	}
	Errors []struct {
		Message    string
		Extensions map[string]any
	}
}

// message creates a marketing message through GraphQL, with an image when
// img is not nil (as a multipart request).
func (e *env) message(authz string, in map[string]any, img []byte) messageResult {
	e.t.Helper()
	var res *testenv.Response
	if img != nil {
		in["image"] = nil
		res = upload(e.t, e.app.Handler, authz, true, createMessage, map[string]any{"in": in},
			file{path: "variables.in.image", name: "offer.png", contentType: "image/png", data: img})
	} else {
		res, _ = testenv.GraphQL(e.t, e.app.Handler, authz, createMessage, map[string]any{"in": in})
	}
	var out messageResult
	res.JSON(e.t, &out)
	return out
}

func msgInput(merchantID, subject, from, to string) map[string]any {
	return map[string]any{"merchantId": merchantID, "subject": subject, "text": "We will give you a free cup of coffee",
		"validFrom": from, "validTo": to}
}

// The receipts of receiptBody are bought at 2026-11-01T10:34:23+02:00,
// that is 08:34:23 UTC.
const bought = "2026-11-01T08:34:23Z"

func TestMarketingMessageOfAReceipt(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	// A receipt that only the first partner's user (with card tok-m) has.
	mona, _ := e.newUser(e.partnerID, "tok-m")
	body := receiptBody("M1")
	body["payments"].([]any)[0].(map[string]any)["cardToken"] = "tok-m"
	rid := e.post(body)
	path := "/receipt-data/v1/receipts/" + rid + "/message"

	if res := e.do(e.partner, "GET", path, nil); res.Status != 404 {
		t.Fatalf("no message yet: %d %s", res.Status, res.Body)
	}
	// Window boundaries: validFrom is inclusive, validTo exclusive.
	for _, in := range []map[string]any{
		msgInput(e.merchant, "Ended at the purchase", "2026-10-01T00:00:00Z", bought),
		msgInput(e.merchant, "Starts after", "2026-11-01T08:34:24Z", "2026-12-01T00:00:00Z"),
	} {
		if out := e.message(admin, in, nil); out.Data.CreateMarketingMessage == nil || out.Data.CreateMarketingMessage.MarketingMessage == nil {
			t.Fatalf("create: %+v", out)
		}
	}
	if res := e.do(e.partner, "GET", path, nil); res.Status != 404 {
		t.Fatalf("messages outside the window: %d %s", res.Status, res.Body)
	}
	older := e.message(admin, msgInput(e.merchant, "Older", "2026-10-01T00:00:00Z", "2026-12-01T00:00:00Z"), nil)
	if m := older.Data.CreateMarketingMessage.MarketingMessage; m == nil || m.ImageID != nil || m.MerchantName != "Ærø Bageri" {
		t.Fatalf("older: %+v", older)
	}
	var got struct {
		ID                                   *int
		MerchantName, Subject, Text, ImageID string
	}
	e.do(e.partner, "GET", path, nil).JSON(t, &got)
	if got.Subject != "Older" || got.ID == nil || *got.ID != older.Data.CreateMarketingMessage.MarketingMessage.MessageID {
		t.Fatalf("one valid message: %+v", got)
	}
	// The latest valid message wins; it starts exactly at the purchase.
	latest := e.message(admin, msgInput(e.merchant, "Special offer", bought, "2026-11-02T00:00:00Z"), pngImage)
	lm := latest.Data.CreateMarketingMessage.MarketingMessage
	if lm == nil || lm.ImageID == nil || len(*lm.ImageID) != 32 || lm.ImageURL != nil {
		t.Fatalf("latest: %+v", latest)
	}
	res := e.do(e.partner, "GET", path, nil)
	res.JSON(t, &got)
	if res.Status != 200 || got.Subject != "Special offer" || got.MerchantName != "Ærø Bageri" || got.ImageID != *lm.ImageID ||
		got.Text != "We will give you a free cup of coffee" {
		t.Fatalf("latest valid: %d %s", res.Status, res.Body)
	}
	// The image, under the same rule.
	img := e.do(e.partner, "GET", path+"/images/"+got.ImageID, nil)
	if img.Status != 200 || !bytes.Equal(img.Body, pngImage) || img.Header.Get("Content-Type") != "image/png" ||
		img.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("image: %d %v", img.Status, img.Header)
	}
	if res := e.do(e.partner, "GET", path+"/images/"+strings.Repeat("a", 32), nil); res.Status != 404 {
		t.Errorf("unknown image: %d", res.Status)
	}
	// Another partner (whose users do not have the receipt): 404, for the
	// message and its image; without credentials 401.
	for _, p := range []string{path, path + "/images/" + got.ImageID} {
		if res := e.do(e.other, "GET", p, nil); res.Status != 404 {
			t.Errorf("other partner %s: %d %s", p, res.Status, res.Body)
		}
		if res := e.do("", "GET", p, nil); res.Status != 401 {
			t.Errorf("anonymous %s: %d", p, res.Status)
		}
	}
	// An end user reads the message of its own receipt only.
	tokens, err := secret.NewUserTokens(testenv.SecretKey, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user   string
		status int
	}{{mona, 200}, {e.alice, 404}} {
		tok, err := tokens.Issue(c.user, "4500000001", e.partnerID)
		if err != nil {
			t.Fatal(err)
		}
		if res := testenv.Do(t, e.app.Handler, "GET", path, nil, "X-Storebox-user-token", tok); res.Status != c.status {
			t.Errorf("end user %s: %d %s, want %d", c.user, res.Status, res.Body, c.status)
		}
	}
	if res := e.do(e.partner, "GET", "/receipt-data/v1/receipts/nosuchreceipt/message", nil); res.Status != 404 {
		t.Errorf("malformed receipt id: %d", res.Status)
	}

	// GraphQL: Receipt.marketingMessage with the image's URL; the
	// receipt's merchant carries its profile and logo.
	var prof profileResult
	e.gql(admin, updateProfile, map[string]any{"id": e.merchant, "in": map[string]any{"country": "dk", "city": "Ærøskøbing"}}, &prof)
	_, lo := e.setLogo(admin, e.merchant, file{name: "l.png", contentType: "image/png", data: pngImage})
	var q struct {
		Receipt struct {
			MarketingMessage *struct {
				Subject  string
				ImageURL *string
			}
			Merchant struct {
				Country *string
				Profile struct{ City *string }
				Logo    *struct{ Version string }
			}
		}
	}
	e.gql(e.partner, `query($r: ID!, $u: ID) { receipt(receiptId: $r, userId: $u) {
		marketingMessage { subject imageUrl } merchant { country profile { city } logo { version } } } }`,
		map[string]any{"r": rid, "u": mona}, &q)
	// A page of receipts reads its messages in one batch: a second receipt
	// of the same purchase time, and one bought when no message is valid.
	second := receiptBody("M2")
	second["payments"].([]any)[0].(map[string]any)["cardToken"] = "tok-m"
	e.post(second)
	third := receiptBody("M3")
	third["payments"].([]any)[0].(map[string]any)["cardToken"] = "tok-m"
	third["purchaseDateTime"] = "2026-09-01T10:00:00+02:00"
	none := e.post(third)
	var page struct {
		User struct {
			Receipts struct {
				Nodes []struct {
					ReceiptID        string
					MarketingMessage *struct{ Subject string }
				}
			}
		}
	}
	e.gql(e.partner, `query($u: ID!) { user(userId: $u) { receipts { nodes { receiptId marketingMessage { subject } } } } }`,
		map[string]any{"u": mona}, &page)
	if n := page.User.Receipts.Nodes; len(n) != 3 {
		t.Fatalf("receipts: %+v", n)
	}
	for _, n := range page.User.Receipts.Nodes {
		if (n.ReceiptID == none) != (n.MarketingMessage == nil) || n.MarketingMessage != nil && n.MarketingMessage.Subject != "Special offer" {
			t.Errorf("receipt %s: message %+v", n.ReceiptID, n.MarketingMessage)
		}
	}
	if m := q.Receipt.Merchant; m.Country == nil || *m.Country != "DK" || m.Profile.City == nil || *m.Profile.City != "Ærøskøbing" ||
		m.Logo == nil || m.Logo.Version != lo.Data.SetMerchantLogo.Logo.Version {
		t.Errorf("receipt's merchant: %+v", m)
	}
	if mm := q.Receipt.MarketingMessage; mm == nil || mm.Subject != "Special offer" || mm.ImageURL == nil ||
		*mm.ImageURL != "http://localhost:8080"+path+"/images/"+got.ImageID {
		t.Fatalf("GraphQL marketingMessage: %+v", q.Receipt.MarketingMessage)
	}
}

func TestCreateMarketingMessageRules(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	for _, c := range []struct {
		name  string
		in    map[string]any
		img   []byte
		field string
		code  string
	}{
		{"validTo before validFrom", msgInput(e.merchant, "S", "2026-11-02T00:00:00Z", "2026-11-01T00:00:00Z"), nil, "validTo", "INVALID"},
		{"validTo equal to validFrom", msgInput(e.merchant, "S", "2026-11-02T00:00:00Z", "2026-11-02T00:00:00Z"), nil, "validTo", "INVALID"},
		{"empty subject", msgInput(e.merchant, " ", "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"), nil, "subject", "INVALID"},
		{"long subject", msgInput(e.merchant, strings.Repeat("s", 129), "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"), nil, "subject", "INVALID"},
		{"card number", msgInput(e.merchant, "Pay with "+pan, "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"), nil, "subject", "INVALID"},
		{"text file named .png", msgInput(e.merchant, "S", "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"), []byte("just text"), "image", "INVALID"},
		{"unknown merchant", msgInput("nosuchmerchant", "S", "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"), nil, "merchantId", "NOT_FOUND"},
	} {
		out := e.message(admin, c.in, c.img)
		p := out.Data.CreateMarketingMessage
		if p == nil || p.MarketingMessage != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Field != c.field ||
			p.UserErrors[0].Code != c.code || strings.Contains(p.UserErrors[0].Message, pan) {
			t.Errorf("%s: %+v", c.name, out)
		}
	}
	long := msgInput(e.merchant, "S", "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z")
	long["text"] = strings.Repeat("t", 2001)
	if p := e.message(admin, long, nil).Data.CreateMarketingMessage; p == nil || len(p.UserErrors) != 1 || p.UserErrors[0].Field != "text" {
		t.Errorf("long text: %+v", p)
	}
	for _, who := range []string{e.partner, e.pos} {
		out := e.message(who, msgInput(e.merchant, "S", "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"), nil)
		if len(out.Errors) == 0 || out.Errors[0].Extensions["code"] != "FORBIDDEN" {
			t.Errorf("non-admin: %+v", out)
		}
	}
	// Without the preflight header, an upload is refused.
	in := msgInput(e.merchant, "S", "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z")
	in["image"] = nil
	if res := upload(t, e.app.Handler, admin, false, createMessage, map[string]any{"in": in},
		file{path: "variables.in.image", name: "a.png", contentType: "image/png", data: pngImage}); res.Status != http.StatusBadRequest {
		t.Errorf("no preflight: %d", res.Status)
	}
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM marketing_messages WHERE merchant_id = $1`, e.merchant).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d messages stored after refusals (%v)", n, err)
	}
}

func TestUserMerchants(t *testing.T) {
	e := newEnv(t)
	e.post(receiptBody("U1"))
	type item struct {
		MerchantID, Name string
		Logo             *struct{ URL, Version string }
	}
	var list []item
	res := e.do(e.partner, "GET", "/receipt-data/v1/users/"+e.alice+"/merchants", nil)
	res.JSON(t, &list)
	if res.Status != 200 || len(list) != 1 || list[0].MerchantID != e.merchant || list[0].Name != "Ærø Bageri" || list[0].Logo != nil {
		t.Fatalf("alice's merchants: %d %s", res.Status, res.Body)
	}
	res = e.do(e.partner, "GET", "/receipt-data/v1/users/"+e.bob+"/merchants", nil)
	if res.Status != 200 || strings.TrimSpace(string(res.Body)) != "[]" {
		t.Fatalf("bob's merchants: %d %s", res.Status, res.Body)
	}
	// Another partner's user: not found.
	if res := e.do(e.other, "GET", "/receipt-data/v1/users/"+e.alice+"/merchants", nil); res.Status != 404 {
		t.Fatalf("other partner: %d %s", res.Status, res.Body)
	}
	var q struct {
		User struct {
			Merchants testenv.Nodes[struct{ MerchantID string }]
		}
	}
	e.gql(e.partner, `query($u: ID!) { user(userId: $u) { merchants { nodes { merchantId } } } }`, map[string]any{"u": e.alice}, &q)
	if len(q.User.Merchants) != 1 || q.User.Merchants[0].MerchantID != e.merchant {
		t.Fatalf("GraphQL User.merchants: %+v", q)
	}
}
