package openloyalty_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/loyalty"
)

// TestStatusLevelsAndPoints: a new customer is at the lowest level from
// the start; purchases of 60 and 40 move it to level1 (20) with level2
// (200) next and 100 to go, an average of "50.00", and earn 100 points;
// points spent and added (expiring next month) show in the status; an
// admin assigns a level by hand and removes it; each status path answers
// only its role, and a customer only its own.
func TestStatusLevelsAndPoints(t *testing.T) {
	e := newEnv(t)
	admin, seller := e.staff()
	email := uniq("status") + "@example.com"
	id := e.register(admin, "/api/DEFAULT/customer/register", "customer[firstName]", "Stan", "customer[lastName]", "Status",
		"customer[email]", email, "customer[agreement1]", "1", "customer[plainPassword]", "status-pass")
	other := e.register(admin, "/api/DEFAULT/customer/register", "customer[firstName]", "O", "customer[lastName]", "O",
		"customer[email]", uniq("o")+"@example.com", "customer[agreement1]", "1")
	customer, _ := e.login("/api/customer/login_check", email, "status-pass")

	status := func(path, token string) map[string]any {
		t.Helper()
		res := e.do("GET", path, token, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, res.Status, res.Body)
		}
		return res.Object(t)
	}
	s := status("/api/DEFAULT/admin/customer/"+id+"/status", admin)
	if s["levelName"] != "level0" || s["level"] != "0.00%" || s["nextLevelName"] != "level1" || s["points"] != float64(0) ||
		s["averageTransactionsAmount"] != "0.00" {
		t.Fatalf("new customer: %v", s)
	}

	ctx := context.Background()
	now := time.Now()
	for _, amount := range []string{"60", "40"} {
		if err := e.app.LoyaltyPoints.RecordPurchase(ctx, "DEFAULT", id, decimal.RequireFromString(amount), now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	adminCtx := auth.WithPrincipal(ctx, &auth.Principal{Kind: auth.KindAdmin, CredentialID: 1})
	if _, err := e.app.Ops.Loyalty.RecordPoints(adminCtx, "DEFAULT", id, loyalty.PointsInput{Kind: loyalty.TransferSpend, Points: decimal.RequireFromString("30")}); err != nil {
		t.Fatal(err)
	}
	y, m, _ := now.UTC().Date()
	nextMonth := time.Date(y, m+1, 11, 12, 0, 0, 0, time.UTC)
	if _, err := e.app.Ops.Loyalty.RecordPoints(adminCtx, "DEFAULT", id, loyalty.PointsInput{Kind: loyalty.TransferAdd, Points: decimal.RequireFromString("15.5"), ExpiresAt: &nextMonth}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Ops.Loyalty.RecordPoints(adminCtx, "DEFAULT", id, loyalty.PointsInput{Kind: loyalty.TransferSpend, Points: decimal.RequireFromString("1000")}); err == nil {
		t.Fatal("spent more points than available")
	}

	s = status("/api/DEFAULT/seller/customer/"+id+"/status", seller)
	want := map[string]any{"customerId": id, "firstName": "Stan", "points": 85.5, "totalEarnedPoints": 115.5, "usedPoints": float64(30),
		"expiredPoints": float64(0), "lockedPoints": float64(0), "level": "5.00%", "levelName": "level1",
		"levelConditionValue": float64(20), "nextLevel": "10.00%", "nextLevelName": "level2", "nextLevelConditionValue": float64(200),
		"transactionsAmountToNextLevelWithoutDeliveryCosts": float64(100), "transactionsAmount": float64(100),
		"transactionsCount": float64(2), "averageTransactionsAmount": "50.00", "pointsExpiringNextMonth": 15.5}
	for k, v := range want {
		if s[k] != v {
			t.Errorf("%s = %v, want %v", k, s[k], v)
		}
	}
	if b, _ := s["pointsExpiringBreakdown"].(map[string]any); b[nextMonth.Format("2006-01-02")] != 15.5 {
		t.Errorf("breakdown: %v", s["pointsExpiringBreakdown"])
	}
	// The customer reads its own status, not another's.
	if s := status("/api/DEFAULT/customer/customer/"+id+"/status", customer); s["points"] != 85.5 {
		t.Errorf("own status: %v", s)
	}
	if res := e.do("GET", "/api/DEFAULT/customer/customer/"+other+"/status", customer, nil); res.Status != http.StatusForbidden {
		t.Errorf("another's status: %d %s", res.Status, res.Body)
	}
	// The list shows the level percent and figures too.
	if c := e.do("GET", "/api/DEFAULT/customer/"+id, admin, nil).Object(t); c["levelPercent"] != "5.00%" || c["averageTransactionAmount"] != float64(50) {
		t.Errorf("customer: %v", c)
	}

	// Manual level and its removal.
	if res := e.do("POST", "/api/DEFAULT/customer/"+id+"/level", admin, form("levelId", "e82c96cf-32a3-43bd-9034-4df343e53333")); res.Status != http.StatusOK || string(res.Body) != "[]\n" {
		t.Fatalf("assign level: %d %q", res.Status, res.Body)
	}
	if s := status("/api/DEFAULT/admin/customer/"+id+"/status", admin); s["levelName"] != "level3" || s["nextLevel"] != nil {
		t.Errorf("manual level: %v", s)
	}
	if res := e.do("POST", "/api/DEFAULT/customer/"+id+"/level", admin, form("levelId", "00000000-0000-4000-8000-000000000000")); res.Status != http.StatusBadRequest {
		t.Errorf("unknown level: %d %s", res.Status, res.Body)
	}
	if res := e.do("POST", "/api/DEFAULT/customer/"+id+"/remove-manually-level", admin, nil); res.Status != http.StatusNoContent {
		t.Fatalf("remove level: %d %s", res.Status, res.Body)
	}
	if s := status("/api/DEFAULT/admin/customer/"+id+"/status", admin); s["levelName"] != "level1" {
		t.Errorf("after removal: %v", s)
	}

	// Role matrix of the status and level paths.
	tokens := map[string]string{"admin": admin, "seller": seller, "customer": customer}
	for _, r := range []struct{ method, path, allowed string }{
		{"GET", "/api/DEFAULT/admin/customer/" + id + "/status", "admin"},
		{"GET", "/api/DEFAULT/seller/customer/" + id + "/status", "seller"},
		{"GET", "/api/DEFAULT/customer/customer/" + id + "/status", "customer"},
		{"POST", "/api/DEFAULT/customer/" + id + "/level", "admin"},
		{"POST", "/api/DEFAULT/customer/" + id + "/remove-manually-level", "admin"},
	} {
		if res := e.do(r.method, r.path, "", nil); res.Status != http.StatusUnauthorized {
			t.Errorf("%s %s without token: %d", r.method, r.path, res.Status)
		}
		for role, tok := range tokens {
			res := e.do(r.method, r.path, tok, nil)
			if (role == r.allowed) == (res.Status == http.StatusForbidden || res.Status == http.StatusUnauthorized) {
				t.Errorf("%s %s as %s: %d %s", r.method, r.path, role, res.Status, res.Body)
			}
		}
	}
}

// TestGraphQLStatusPointsAndLevels: Customer.status through GraphQL agrees
// with REST; recordCustomerPoints, assignCustomerLevel and
// removeCustomerManualLevel are admins' only, with userErrors for bad
// input; a customer reads its own status and not another's.
func TestGraphQLStatusPointsAndLevels(t *testing.T) {
	e := newEnv(t)
	admin, seller := e.staff()
	email := uniq("gst") + "@example.com"
	id := e.register(admin, "/api/DEFAULT/customer/register", "customer[firstName]", "G", "customer[lastName]", "S",
		"customer[email]", email, "customer[agreement1]", "1", "customer[plainPassword]", "gql-status-1")
	other := e.register(admin, "/api/DEFAULT/customer/register", "customer[firstName]", "O", "customer[lastName]", "O",
		"customer[email]", uniq("o")+"@example.com", "customer[agreement1]", "1")
	customer, _ := e.login("/api/customer/login_check", email, "gql-status-1")

	const record = `mutation($in: RecordCustomerPointsInput!) { recordCustomerPoints(input: $in) {
		transfer { kind points expiresAt } customer { status { points } } userErrors { field code message } } }`
	var rec struct {
		RecordCustomerPoints struct {
			Transfer *struct {
				Kind, Points string
				ExpiresAt    *string
			}
			Customer   *struct{ Status struct{ Points string } }
			UserErrors []struct{ Field, Code, Message string }
		}
	}
	y, m, _ := time.Now().UTC().Date()
	exp := time.Date(y, m+1, 5, 10, 0, 0, 0, time.UTC) // in the next calendar month
	e.gql(admin, record, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": id, "kind": "ADD", "points": "42.50", "expiresAt": exp.Format(time.RFC3339)}}, &rec)
	if rec.RecordCustomerPoints.Transfer == nil || rec.RecordCustomerPoints.Customer.Status.Points != "42.5" {
		t.Fatalf("add points: %+v", rec)
	}
	for _, bad := range []map[string]any{
		{"kind": "SPEND", "points": "100"},
		{"kind": "ADD", "points": "-1"},
		{"kind": "ADD", "points": "1.234"},
		{"kind": "SPEND", "points": "1", "expiresAt": exp.Format(time.RFC3339)},
	} {
		bad["storeCode"], bad["customerId"] = "DEFAULT", id
		e.gql(admin, record, map[string]any{"in": bad}, &rec)
		if len(rec.RecordCustomerPoints.UserErrors) != 1 || rec.RecordCustomerPoints.UserErrors[0].Code != "INVALID" {
			t.Errorf("%v: %+v", bad, rec.RecordCustomerPoints)
		}
	}
	if res := e.gql(seller, record, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": id, "kind": "ADD", "points": "1"}}, nil); len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Errorf("seller records points: %+v", res)
	}

	const statusQ = `query($id: ID!) { customer(storeCode: "DEFAULT", customerId: $id) { status {
		points totalEarnedPoints usedPoints expiredPoints lockedPoints pointsExpiringNextMonth
		level { name reward } nextLevel { name conditionValue } transactionsAmountToNextLevel
		pointsExpiringBreakdown { date points } } } }`
	var st struct {
		Customer *struct {
			Status struct {
				Points, TotalEarnedPoints, PointsExpiringNextMonth string
				Level                                              struct{ Name, Reward string }
				NextLevel                                          struct{ Name, ConditionValue string }
				TransactionsAmountToNextLevel                      string
				PointsExpiringBreakdown                            []struct{ Date, Points string }
			}
		}
	}
	e.gql(customer, statusQ, map[string]any{"id": id}, &st)
	s := st.Customer
	if s == nil || s.Status.Points != "42.5" || s.Status.PointsExpiringNextMonth != "42.5" || s.Status.Level.Name != "level0" ||
		s.Status.NextLevel.Name != "level1" || s.Status.TransactionsAmountToNextLevel != "20" ||
		len(s.Status.PointsExpiringBreakdown) != 1 || s.Status.PointsExpiringBreakdown[0].Date != exp.Format("2006-01-02") {
		t.Fatalf("status: %+v", st)
	}
	rest := e.do("GET", "/api/DEFAULT/customer/customer/"+id+"/status", customer, nil).Object(t)
	if rest["points"] != 42.5 || rest["pointsExpiringNextMonth"] != 42.5 {
		t.Fatalf("REST status disagrees: %v", rest)
	}
	if res := e.gql(customer, statusQ, map[string]any{"id": other}, nil); len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Errorf("another's status: %+v", res)
	}

	var lvl struct {
		AssignCustomerLevel struct {
			Customer   *struct{ Level struct{ Name string } }
			UserErrors []struct{ Field, Code string }
		}
	}
	const assign = `mutation($in: AssignCustomerLevelInput!) { assignCustomerLevel(input: $in) { customer { level { name } } userErrors { field code } } }`
	e.gql(admin, assign, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": id, "levelId": "e82c96cf-32a3-43bd-9034-4df343e52222"}}, &lvl)
	if lvl.AssignCustomerLevel.Customer == nil || lvl.AssignCustomerLevel.Customer.Level.Name != "level2" {
		t.Fatalf("assign: %+v", lvl)
	}
	e.gql(admin, assign, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": id, "levelId": "nope"}}, &lvl)
	if len(lvl.AssignCustomerLevel.UserErrors) != 1 || lvl.AssignCustomerLevel.UserErrors[0].Field != "levelId" {
		t.Fatalf("bad level: %+v", lvl)
	}
	var rm struct {
		RemoveCustomerManualLevel struct {
			Customer *struct{ Level struct{ Name string } }
		}
	}
	e.gql(admin, `mutation($in: RemoveCustomerManualLevelInput!) { removeCustomerManualLevel(input: $in) { customer { level { name } } } }`,
		map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": id}}, &rm)
	if rm.RemoveCustomerManualLevel.Customer == nil || rm.RemoveCustomerManualLevel.Customer.Level.Name != "level0" {
		t.Fatalf("remove: %+v", rm)
	}
}
