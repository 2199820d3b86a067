package openloyalty_test

import (
	"bytes"
	"image/png"
	"io"
	"net/http"
	"testing"

	"loyaltygraph/internal/testenv"
)

// TestCustomerStatusesLoadInOneReadPerPage: a page of customers with their
// statuses, pushy tokens and avatars costs as many SQL statements for
// eight customers as for two, and each status, token list and avatar is
// the customer's own.
func TestCustomerStatusesLoadInOneReadPerPage(t *testing.T) {
	a, counter := testenv.CountingApp(t)
	e := &env{t: t, app: a}
	admin, _ := e.staff()
	tag := uniq("dl")
	const record = `mutation($in: RecordCustomerPointsInput!) { recordCustomerPoints(input: $in) { userErrors { field } } }`
	const page = `query($n: Int!, $tag: String!) { customers(storeCode: "DEFAULT", filter: {firstName: $tag}, perPage: $n) {
		total customers { customerId status { points } pushyTokens avatar { contentType size } } } }`
	type result struct {
		Customers struct {
			Total     int
			Customers []struct {
				CustomerID  string
				Status      struct{ Points string }
				PushyTokens []string
				Avatar      *struct {
					ContentType string
					Size        int
				}
			}
		}
	}
	points, avatars := map[string]string{}, map[string]bool{}
	statements := map[int]int64{}
	for _, n := range []int{2, 8} {
		for len(points) < n {
			id := e.register(admin, "/api/DEFAULT/customer/register", "customer[firstName]", tag, "customer[lastName]", "L",
				"customer[email]", uniq("dl")+"@example.com", "customer[agreement1]", "1", "customer[plainPassword]", "loader-pass")
			p := []string{"1", "2.5", "3", "4", "5", "6", "7", "8"}[len(points)]
			if res := e.gql(admin, record, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": id,
				"kind": "ADD", "points": p}}, nil); len(res.Errors) > 0 {
				t.Fatalf("record points: %+v", res.Errors)
			}
			points[id] = p
			if res := e.do("POST", "/api/DEFAULT/customer/"+id+"/pushy-token", admin, form("customer[pushyToken]", "tok-"+id[:8])); res.Status != http.StatusNoContent {
				t.Fatalf("pushy token: %d %s", res.Status, res.Body)
			}
			// Every other customer has an avatar.
			if len(points)%2 == 1 {
				var png bytes.Buffer
				if err := pngEncode(&png); err != nil {
					t.Fatal(err)
				}
				if res := e.upload(admin, "/api/DEFAULT/customer/"+id+"/avatar", "avatar[file]", "a.png", png.Bytes()); res.Status != http.StatusNoContent {
					t.Fatalf("avatar: %d %s", res.Status, res.Body)
				}
				avatars[id] = true
			}
		}
		var out result
		counter.Reset()
		if res := e.gql(admin, page, map[string]any{"n": n, "tag": tag}, &out); len(res.Errors) > 0 {
			t.Fatalf("page of %d: %+v", n, res.Errors)
		}
		statements[n] = counter.Count()
		if len(out.Customers.Customers) != n {
			t.Fatalf("page of %d lists %d customers", n, len(out.Customers.Customers))
		}
		for _, c := range out.Customers.Customers {
			if c.Status.Points != points[c.CustomerID] {
				t.Errorf("customer %s has %s points, want %s", c.CustomerID, c.Status.Points, points[c.CustomerID])
			}
			if len(c.PushyTokens) != 1 || c.PushyTokens[0] != "tok-"+c.CustomerID[:8] {
				t.Errorf("customer %s has pushy tokens %v", c.CustomerID, c.PushyTokens)
			}
			if (c.Avatar != nil) != avatars[c.CustomerID] || c.Avatar != nil && (c.Avatar.ContentType != "image/png" || c.Avatar.Size == 0) {
				t.Errorf("customer %s has avatar %+v, want one: %v", c.CustomerID, c.Avatar, avatars[c.CustomerID])
			}
		}
	}
	if statements[8] != statements[2] {
		t.Errorf("statements for a page of 2: %d, of 8: %d; want the same", statements[2], statements[8])
	}
}

func pngEncode(w io.Writer) error { return png.Encode(w, picture()) }
