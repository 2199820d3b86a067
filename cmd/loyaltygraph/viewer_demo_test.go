package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestDemoViewerAsPrinted: after `demo` (no Redis: loading the demo user's
// loyalty customer once panicked there, sending its welcome code through
// Redis), the viewer query runs as printed against `serve` and returns the
// demo user's cards, receipts with merchants and logos, loyalty status and
// the linked checkout account's orders (the two of the demo, and any
// another test imported); the loyalty customer logs in
// as printed and Query.me shows it its customer and nothing else.
func TestDemoViewerAsPrinted(t *testing.T) {
	e := testEnv(t)
	s := startServer(t, e)
	e["PUBLIC_BASE_URL"] = s.base
	out := mustRun(t, e, "demo")
	var viewerCurl, loginCurl, meQuery string
	seen := false
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "Viewer (one graph)"):
			seen = true
		case !seen:
		case strings.HasPrefix(l, "curl ") && viewerCurl == "":
			viewerCurl = l
		case strings.HasPrefix(l, "{ me "):
			meQuery = l
		case strings.HasPrefix(l, "as the loyalty customer: TOKEN=$("):
			loginCurl = strings.TrimPrefix(l, "as the loyalty customer: TOKEN=$(")
			loginCurl = loginCurl[:strings.Index(loginCurl, " | sed ")]
		}
	}
	if viewerCurl == "" || loginCurl == "" || meQuery == "" {
		t.Fatalf("the demo prints no viewer query, customer login or me query:\n%s", out)
	}

	status, body := curl(t, viewerCurl)
	var res struct {
		Data struct {
			Viewer struct {
				Cards struct {
					Nodes []struct{ TruncatedPan string }
				}
				Receipts struct {
					TotalCount int
					Nodes      []struct {
						Merchant struct {
							MerchantName string
							Logo         *struct{ URL string }
						}
					}
				}
				Merchants struct {
					Nodes []struct{ MerchantName string }
				}
				Loyalty *struct {
					CustomerID string
					Status     struct{ Points string }
				}
				CheckoutAccount *struct {
					Email  string
					Orders struct {
						TotalCount int
						Nodes      []struct{ Order string }
					}
				}
			}
		}
		Errors []any
	}
	if status != http.StatusOK || json.Unmarshal(body, &res) != nil || len(res.Errors) > 0 {
		t.Fatalf("the viewer query as printed: %d %s", status, body)
	}
	v := res.Data.Viewer
	if len(v.Cards.Nodes) == 0 || v.Receipts.TotalCount < 3 || len(v.Receipts.Nodes) == 0 || v.Receipts.Nodes[0].Merchant.Logo == nil ||
		len(v.Merchants.Nodes) == 0 || v.Loyalty == nil || v.Loyalty.Status.Points != "120" ||
		v.CheckoutAccount == nil || v.CheckoutAccount.Email != "demo.checkout@example.com" || v.CheckoutAccount.Orders.TotalCount < 2 ||
		!strings.Contains(string(body), `"order":"demo-575"`) {
		t.Fatalf("the demo viewer lacks part of the graph: %s", body)
	}

	status, body = curl(t, loginCurl)
	var tok struct{ Token string }
	if status != http.StatusOK || json.Unmarshal(body, &tok) != nil || tok.Token == "" {
		t.Fatalf("customer login as printed: %d %s", status, body)
	}
	q, _ := json.Marshal(map[string]string{"query": meQuery})
	status, body = curl(t, "curl -s "+s.base+"/graphql -H 'Content-Type: application/json' -H 'Authorization: Bearer "+
		tok.Token+"' -d '"+string(q)+"'")
	var me struct {
		Data struct {
			Me *struct {
				Credential      string
				Loyalty         *struct{ CustomerID string }
				CheckoutAccount *struct{ Email string }
			}
		}
	}
	if status != http.StatusOK || json.Unmarshal(body, &me) != nil || me.Data.Me == nil || me.Data.Me.Credential != "CUSTOMER_TOKEN" ||
		me.Data.Me.Loyalty == nil || me.Data.Me.Loyalty.CustomerID != v.Loyalty.CustomerID || me.Data.Me.CheckoutAccount != nil {
		t.Fatalf("me of the demo customer: %d %s", status, body)
	}
}
