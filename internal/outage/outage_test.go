// Package outage_test plays outages of PostgreSQL and Redis against the
// whole service: throw-away servers of the test's own are stopped and
// started again while requests come in, and every door must answer 503
// with Retry-After (GraphQL: UNAVAILABLE), reveal no driver text, log
// each change of state once and heal without a restart.
package outage_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"loyaltygraph/domain/auth"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
	"loyaltygraph/server"
	"loyaltygraph/store/postgres"
	"loyaltygraph/store/redis"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// driverText is what a driver or the network says, which no response may
// carry.
var driverText = []string{"failed to connect", "connection refused", "dial tcp", "SQLSTATE", "user=", "pgx",
	"pgconn", "terminating connection", "EOF", "conn closed", "redis:", "shutting down", "127.0.0.1"}

// service is the whole service on real HTTP, logging into logs.
type service struct {
	t    *testing.T
	app  *wire.App
	url  string
	logs *testenv.LogBuffer
}

func newService(t *testing.T, db *postgres.DB, rc *redis.Client) *service {
	t.Helper()
	logs := &testenv.LogBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := wire.New(wire.Options{SecretKey: testenv.SecretKey, Log: log, Argon2: &testenv.CheapArgon2,
		PublicBaseURL: "http://localhost:8080",
		// Bursts of concurrent requests test outages, not the overload
		// limiter (which has its own tests).
		Overload: server.Overload{MaxInFlight: -1}}, db, rc)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	return &service{t: t, app: a, url: srv.URL, logs: logs}
}

// answer is one response.
type answer struct {
	status int
	header http.Header
	body   string
	took   time.Duration
}

func (s *service) do(method, path, body string, headers ...string) answer {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, header: res.Header, body: string(b), took: time.Since(start)}
}

// check is one request through one door, with what it answers when the
// dependency is up, and how an outage must look in that door's shape.
type check struct {
	name string
	send func() answer
	// up tells a good answer.
	up func(a answer) bool
	// down tells the outage answer of the door's shape (status, Retry-After
	// and body checked by the caller for REST).
	down func(a answer) bool
}

func storeboxDown(a answer) bool {
	var b struct{ Code, Message string }
	return a.status == http.StatusServiceUnavailable && json.Unmarshal([]byte(a.body), &b) == nil && b.Code == "unavailable"
}

func openLoyaltyDown(a answer) bool {
	var b struct {
		Code    int
		Message string
	}
	return a.status == http.StatusServiceUnavailable && json.Unmarshal([]byte(a.body), &b) == nil && b.Code == 503 && b.Message != ""
}

func checkoutDown(a answer) bool {
	var b struct {
		Errors map[string]string `json:"errors"`
	}
	return a.status == http.StatusServiceUnavailable && json.Unmarshal([]byte(a.body), &b) == nil && len(b.Errors) > 0
}

func graphQLDown(a answer) bool {
	var b struct {
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal([]byte(a.body), &b) != nil || len(b.Errors) == 0 {
		return false
	}
	for _, e := range b.Errors {
		if e.Extensions["code"] != "UNAVAILABLE" {
			return false
		}
	}
	return true
}

func graphQLUp(a answer) bool {
	return a.status == http.StatusOK && !strings.Contains(a.body, `"errors"`)
}

func status(codes ...int) func(answer) bool {
	return func(a answer) bool {
		for _, c := range codes {
			if a.status == c {
				return true
			}
		}
		return false
	}
}

// expectOutage sends every check until each answers its outage shape,
// within limit of the outage, and checks Retry-After and the absence of
// driver text on every answer on the way.
func expectOutage(t *testing.T, checks []check, since time.Time, limit time.Duration) {
	t.Helper()
	for _, c := range checks {
		for {
			a := c.send()
			for _, bad := range driverText {
				if strings.Contains(a.body, bad) {
					t.Fatalf("%s: the answer carries driver text %q: %d %s", c.name, bad, a.status, a.body)
				}
			}
			if strings.Contains(a.body, "BAD_USER_INPUT") || strings.Contains(a.body, "INTERNAL_SERVER_ERROR") ||
				a.status == http.StatusInternalServerError {
				t.Fatalf("%s: an outage answered as the caller's or the server's fault: %d %s", c.name, a.status, a.body)
			}
			if c.down(a) {
				if a.status == http.StatusServiceUnavailable {
					if s, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || s < 1 {
						t.Fatalf("%s: 503 without a Retry-After in seconds: %v", c.name, a.header)
					}
				}
				break
			}
			if !c.up(a) {
				t.Fatalf("%s: unexpected answer during the outage: %d %s", c.name, a.status, a.body)
			}
			if time.Since(since) > limit {
				t.Fatalf("%s: still %d %s %v after the outage began", c.name, a.status, a.body, time.Since(since))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if took := time.Since(since); took > limit {
		t.Fatalf("the outage showed after %v, want within %v", took, limit)
	}
}

// expectRecovery sends every check until each answers as when up, within
// limit of the dependency's return.
func expectRecovery(t *testing.T, checks []check, since time.Time, limit time.Duration) {
	t.Helper()
	for _, c := range checks {
		for {
			a := c.send()
			if c.up(a) {
				break
			}
			if time.Since(since) > limit {
				t.Fatalf("%s: not back %v after the dependency returned: %d %s", c.name, time.Since(since), a.status, a.body)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// logRecord is one line of the JSON log.
type logRecord struct {
	Level string `json:"level"`
	Msg   string `json:"msg"`
	raw   string
}

func (s *service) records() []logRecord {
	var out []logRecord
	for _, line := range strings.Split(strings.TrimSpace(s.logs.String()), "\n") {
		var r logRecord
		if json.Unmarshal([]byte(line), &r) == nil {
			r.raw = line
			out = append(out, r)
		}
	}
	return out
}

// expectStateLog checks that the outage of dep was logged as one warning
// when it began and one when it ended, and that nothing else was logged
// as a warning or an error.
func expectStateLog(t *testing.T, s *service, dep string) {
	t.Helper()
	var down, up int
	for _, r := range s.records() {
		switch {
		case r.Msg == dep+" is unavailable":
			down++
			if r.Level != "WARN" {
				t.Errorf("state change logged at %s: %s", r.Level, r.raw)
			}
		case r.Msg == dep+" is available again":
			up++
			if r.Level != "WARN" {
				t.Errorf("state change logged at %s: %s", r.Level, r.raw)
			}
		case r.Level == "WARN" || r.Level == "ERROR":
			t.Errorf("logged during the outage: %s", r.raw)
		}
	}
	if down != 1 || up != 1 {
		t.Errorf("%s: %d lines for going down and %d for coming back, want 1 and 1\n%s", dep, down, up, s.logs.String())
	}
}

func TestPostgresOutageAnswers503AndHeals(t *testing.T) {
	pg := testenv.StartPostgres(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	s := newService(t, db, testenv.Redis(t))

	settlementClient := testenv.Credential(t, s.app, auth.KindSettlement)
	cold := testenv.Credential(t, s.app, auth.KindSettlement) // first used during the outage
	partner := testenv.Credential(t, s.app, auth.KindPartner)
	admin := testenv.Credential(t, s.app, auth.KindAdmin)
	basic := testenv.BasicAuth(settlementClient.Username, settlementClient.Secret)
	partnerBasic := testenv.BasicAuth(partner.Username, partner.Secret)
	login := s.do("POST", "/api/admin/login_check", `{"_username":"`+admin.Username+`","_password":"`+admin.Secret+`"}`)
	var tokens struct{ Token string }
	if login.status != http.StatusOK || json.Unmarshal([]byte(login.body), &tokens) != nil || tokens.Token == "" {
		t.Fatalf("admin login: %d %s", login.status, login.body)
	}
	gql := func(authorization, query string) func() answer {
		body, _ := json.Marshal(map[string]any{"query": query})
		return func() answer {
			return s.do("POST", "/graphql", string(body), "Authorization", authorization, "Accept", "application/json")
		}
	}
	checks := []check{
		{name: "Loyalty Settlement REST", send: func() answer { return s.do("GET", "/api/v1/merchants", "", "Authorization", basic) },
			up: status(http.StatusOK), down: storeboxDown},
		{name: "Receipt Data REST", send: func() answer {
			return s.do("GET", "/receipt-data/v1/users/nosuchuser/receipts?orderBy=date&direction=desc", "", "Authorization", partnerBasic)
		}, up: status(http.StatusOK, http.StatusNotFound), down: storeboxDown},
		{name: "User API REST", send: func() answer { return s.do("GET", "/api/v1/users/nosuchuser", "", "Authorization", partnerBasic) },
			up: status(http.StatusNotFound), down: storeboxDown},
		{name: "Open Loyalty REST", send: func() answer {
			return s.do("GET", "/api/DEFAULT/admin/customer", "", "Authorization", "Bearer "+tokens.Token)
		}, up: status(http.StatusOK), down: openLoyaltyDown},
		{name: "GraphQL", send: gql(basic, `{ merchants(first: 1) { totalCount } }`), up: graphQLUp, down: graphQLDown},
		// Relationship fields go through dataloaders.
		{name: "GraphQL relationships", send: gql(basic, `{ merchants(first: 5) { nodes { merchantId
			companies { nodes { __typename } } stores { nodes { __typename } } campaigns { nodes { __typename } } invoices { nodes { __typename } } } } }`),
			up: graphQLUp, down: graphQLDown},
		// Writes too.
		{name: "Loyalty Settlement REST write", send: func() answer {
			return s.do("POST", "/api/v1/merchants", `{"merchantName":"Outage"}`, "Authorization", basic)
		}, up: status(http.StatusCreated), down: storeboxDown},
		{name: "User API REST write", send: func() answer {
			return s.do("PUT", "/api/v1/users/nosuchuser", `{"parms":[]}`, "Authorization", partnerBasic)
		}, up: status(http.StatusNotFound), down: storeboxDown},
		{name: "Open Loyalty REST write", send: func() answer {
			return s.do("POST", "/api/DEFAULT/admin/customer/register", `{"customer":{"firstName":"A","lastName":"B","email":"outage@example.com","agreement1":true}}`,
				"Authorization", "Bearer "+tokens.Token)
		}, up: status(http.StatusOK, http.StatusBadRequest), down: openLoyaltyDown},
		{name: "Checkout REST", send: func() answer {
			return s.do("POST", "/api/checkout/login/nobody@example.com", `{"password":"wrong password"}`)
		}, up: status(http.StatusNotAcceptable), down: checkoutDown},
		{name: "GraphQL mutation", send: gql(basic, `mutation { createMerchant(input: {merchantName: "Outage"}) { merchant { merchantId } userErrors { code message } } }`),
			up: graphQLUp, down: graphQLDown},
	}
	for _, c := range checks {
		if a := c.send(); !c.up(a) {
			t.Fatalf("%s before the outage: %d %s", c.name, a.status, a.body)
		}
	}
	// Credentials never checked before the outage cannot be checked in it.
	coldChecks := []check{
		{name: "REST with credentials to look up", send: func() answer {
			return s.do("GET", "/api/v1/merchants", "", "Authorization", testenv.BasicAuth(cold.Username, cold.Secret))
		}, up: status(http.StatusOK), down: storeboxDown},
		{name: "GraphQL with credentials to look up", send: gql(testenv.BasicAuth(cold.Username, cold.Secret),
			`{ merchants(first: 1) { totalCount } }`), up: graphQLUp, down: func(a answer) bool {
			return a.status == http.StatusServiceUnavailable && graphQLDown(a)
		}},
	}

	pg.Stop(t)
	stopped := time.Now()
	expectOutage(t, append(checks, coldChecks...), stopped, time.Second)

	pg.Start(t)
	started := time.Now()
	expectRecovery(t, append(checks, coldChecks...), started, 2*time.Second)
	t.Logf("back %v after PostgreSQL started", time.Since(started))
	time.Sleep(300 * time.Millisecond) // the probe's line, if it were late
	expectStateLog(t, s, "postgres")
}

func TestRedisOutageAnswers503FastAndHeals(t *testing.T) {
	rs := testenv.StartRedis(t)
	ctx := context.Background()
	rc, err := redis.Open(ctx, rs.URL, "lgoutage:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close() })
	s := newService(t, testenv.DB(t), rc)

	partner := testenv.Credential(t, s.app, auth.KindPartner)
	basic := testenv.BasicAuth(partner.Username, partner.Secret)
	// Checking a one-time password reads and counts its tries in Redis
	// (an unknown phone is checked alike).
	otpREST := func() answer {
		return s.do("POST", "/api/v1/authenticate/verify", `{"phonenumber":"4520000777","otp":"123456"}`, "Authorization", basic)
	}
	otpGraphQL := func() answer {
		body, _ := json.Marshal(map[string]any{"query": `mutation { verifyUserToken(phonenumber: "4520000777", otp: "123456") { userErrors { code } } }`})
		return s.do("POST", "/graphql", string(body), "Authorization", basic, "Accept", "application/json")
	}
	checks := []check{
		{name: "OTP by REST", send: otpREST, up: status(http.StatusBadRequest, http.StatusUnauthorized), down: storeboxDown},
		{name: "OTP by GraphQL", send: otpGraphQL, up: graphQLUp, down: graphQLDown},
		// Checkout sessions live in Redis.
		{name: "Checkout REST", send: func() answer { return s.do("GET", "/api/checkout/selection", "") },
			up: status(http.StatusOK), down: checkoutDown},
	}
	for _, c := range checks {
		if a := c.send(); !c.up(a) {
			t.Fatalf("%s before the outage: %d %s", c.name, a.status, a.body)
		}
	}

	rs.Stop(t)
	stopped := time.Now()
	// The first request after the crash fails fast, not after retries.
	if a := otpREST(); !storeboxDown(a) || a.took > 500*time.Millisecond {
		t.Fatalf("first request after the crash: %d %s after %v", a.status, a.body, a.took)
	}
	expectOutage(t, checks, stopped, time.Second)
	// Known down, every request fails at once.
	var took time.Duration
	for range 20 {
		took += otpREST().took
	}
	if took > time.Second {
		t.Fatalf("20 requests took %v with Redis known down", took)
	}
	// Everything that does not need Redis keeps serving.
	if a := s.do("GET", "/api/v1/users/nosuchuser", "", "Authorization", basic); a.status != http.StatusNotFound {
		t.Fatalf("a request without Redis: %d %s", a.status, a.body)
	}
	if a := s.do("GET", "/readyz", ""); a.status != http.StatusServiceUnavailable || !strings.Contains(a.body, "redis") {
		t.Fatalf("readyz: %d %s", a.status, a.body)
	}

	rs.Start(t)
	started := time.Now()
	expectRecovery(t, checks, started, 2*time.Second)
	t.Logf("back %v after Redis started", time.Since(started))
	time.Sleep(300 * time.Millisecond)
	expectStateLog(t, s, "redis")
}
