package openloyalty_test

import (
	"testing"

	"loyaltygraph/internal/testenv"
)

// TestCustomerStatusesLoadInOneReadPerPage: a page of customers with their
// statuses costs as many SQL statements for eight customers as for two,
// and each status is the customer's own.
func TestCustomerStatusesLoadInOneReadPerPage(t *testing.T) {
	a, counter := testenv.CountingApp(t)
	e := &env{t: t, app: a}
	admin, _ := e.staff()
	tag := uniq("dl")
	const record = `mutation($in: RecordCustomerPointsInput!) { recordCustomerPoints(input: $in) { userErrors { field } } }`
	const page = `query($n: Int!, $tag: String!) { customers(storeCode: "DEFAULT", filter: {firstName: $tag}, perPage: $n) {
		total customers { customerId status { points } } } }`
	type result struct {
		Customers struct {
			Total     int
			Customers []struct {
				CustomerID string
				Status     struct{ Points string }
			}
		}
	}
	points := map[string]string{}
	statements := map[int]int64{}
	for _, n := range []int{2, 8} {
		for len(points) < n {
			id := e.register(admin, "/api/DEFAULT/customer/register", "customer[firstName]", tag, "customer[lastName]", "L",
				"customer[email]", uniq("dl")+"@example.com", "customer[agreement1]", "1")
			p := []string{"1", "2.5", "3", "4", "5", "6", "7", "8"}[len(points)]
			if res := e.gql(admin, record, map[string]any{"in": map[string]any{"storeCode": "DEFAULT", "customerId": id,
				"kind": "ADD", "points": p}}, nil); len(res.Errors) > 0 {
				t.Fatalf("record points: %+v", res.Errors)
			}
			points[id] = p
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
		}
	}
	if statements[8] != statements[2] {
		t.Errorf("statements for a page of 2: %d, of 8: %d; want the same", statements[2], statements[8])
	}
}
