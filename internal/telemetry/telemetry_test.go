package telemetry_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	pgxdecimal "github.com/jackc/pgx-shopspring-decimal"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/otp"
	"loyaltygraph/internal/telemetry"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
	"loyaltygraph/server"
	"loyaltygraph/store/postgres"
	"loyaltygraph/store/redis"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// scrape reads /metrics as an admin.
func scrape(t *testing.T, a *wire.App) string {
	t.Helper()
	admin := testenv.Credential(t, a, auth.KindAdmin)
	resp := testenv.Do(t, a.Handler, http.MethodGet, "/metrics", nil,
		"Authorization", testenv.BasicAuth(admin.Username, admin.Secret))
	if resp.Status != http.StatusOK {
		t.Fatalf("GET /metrics as admin: %d %s", resp.Status, resp.Body)
	}
	return string(resp.Body)
}

// series counts the series of the metric family name.
func series(t *testing.T, m *telemetry.Metrics, name string) int {
	t.Helper()
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return len(f.GetMetric())
		}
	}
	return 0
}

// TestScrapeShowsRoutesAndOperations: after REST and GraphQL requests, an
// admin's scrape has a series per route (the mux pattern, not the path)
// and per GraphQL operation, and the pools' and the outbox's gauges.
func TestScrapeShowsRoutesAndOperations(t *testing.T) {
	a := testenv.App(t)
	h := a.Handler
	for _, p := range []string{"/receipt-data/v1/terms", "/receipt-data/v1/terms/2026-01-02", "/healthz"} {
		if r := testenv.Do(t, h, http.MethodGet, p, nil); r.Status >= 500 {
			t.Fatalf("GET %s: %d", p, r.Status)
		}
	}
	testenv.GraphQL(t, h, "", `query Probe { terms { title } }`, nil)
	testenv.GraphQL(t, h, "", `{ __typename }`, nil)
	testenv.GraphQL(t, h, "", `query Broken { terms { nope } }`, nil)

	body := scrape(t, a)
	for _, want := range []string{
		`method="GET",route="GET /receipt-data/v1/terms"} 1`,
		`method="GET",route="GET /receipt-data/v1/terms/{date}"} 1`,
		`lg_http_requests_total{code="200",method="GET",route="GET /healthz"} 1`,
		`lg_http_requests_total{code="200",method="POST",route="/graphql"} 2`,
		`lg_http_request_duration_seconds_bucket{method="GET",route="GET /healthz",le="+Inf"} 1`,
		`lg_graphql_operations_total{operation="Probe",outcome="ok",type="query"} 1`,
		`lg_graphql_operations_total{operation="anonymous",outcome="ok",type="query"} 1`,
		`lg_graphql_operation_duration_seconds_count{operation="Probe",type="query"} 1`,
		`lg_db_pool_connections{state="idle"}`,
		`lg_db_pool_max_connections`,
		`lg_redis_pool_connections{state="total"}`,
		`lg_outbox_scrape_ok 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	if strings.Contains(body, "2026-01-02") {
		t.Error("a raw path is a label")
	}
	// The invalid document never became an operation; its request is
	// counted by its route.
	if strings.Contains(body, `operation="Broken"`) {
		t.Error("an operation that failed validation has a series")
	}
}

// TestMetricsAreForAdmins: on the main listener, anonymous callers get 401
// and other principals 403, in the Storebox error shape.
func TestMetricsAreForAdmins(t *testing.T) {
	a := testenv.App(t)
	partner := testenv.Credential(t, a, auth.KindPartner)
	settlement := testenv.Credential(t, a, auth.KindSettlement)
	for _, c := range []struct {
		name, authorization string
		want                int
	}{
		{"anonymous", "", http.StatusUnauthorized},
		{"wrong secret", testenv.BasicAuth(partner.Username, "wrong"), http.StatusUnauthorized},
		{"partner", testenv.BasicAuth(partner.Username, partner.Secret), http.StatusForbidden},
		{"settlement client", testenv.BasicAuth(settlement.Username, settlement.Secret), http.StatusForbidden},
	} {
		var headers []string
		if c.authorization != "" {
			headers = []string{"Authorization", c.authorization}
		}
		r := testenv.Do(t, a.Handler, http.MethodGet, "/metrics", nil, headers...)
		if r.Status != c.want {
			t.Errorf("%s: %d, want %d", c.name, r.Status, c.want)
		}
		if strings.Contains(string(r.Body), "lg_http_requests_total") {
			t.Errorf("%s reads the metrics", c.name)
		}
		if r.Object(t)["code"] == nil {
			t.Errorf("%s: body %s has no code", c.name, r.Body)
		}
	}
	if r := testenv.Do(t, a.Handler, http.MethodPost, "/metrics", nil); r.Status != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics: %d, want 405", r.Status)
	}
}

// TestCardinalityIsBounded: random paths share one route label, and random
// operation names beyond the cap share "other".
func TestCardinalityIsBounded(t *testing.T) {
	m := telemetry.NewMetrics()
	m.SetMaxOperationNames(5)
	a := testenv.AppWith(t, wire.Options{Metrics: m})
	for i := range 40 {
		testenv.Do(t, a.Handler, http.MethodGet, fmt.Sprintf("/no/such/%d/path%d", i, i*7), nil)
		testenv.Do(t, a.Handler, "BREW", fmt.Sprintf("/x%d", i), nil)
	}
	before := series(t, m, "lg_http_requests_total")
	for i := range 40 {
		testenv.Do(t, a.Handler, http.MethodGet, fmt.Sprintf("/another/%d", i), nil)
	}
	if after := series(t, m, "lg_http_requests_total"); after != before {
		t.Errorf("random paths grew the route series from %d to %d", before, after)
	}
	for i := range 40 {
		testenv.GraphQL(t, a.Handler, "", fmt.Sprintf(`query Random%d { __typename }`, i), nil)
	}
	testenv.GraphQL(t, a.Handler, "", `{ __typename }`, nil)
	// Five names, "other" and "anonymous".
	if n := series(t, m, "lg_graphql_operations_total"); n != 7 {
		t.Errorf("%d operation series after 40 random names with a cap of 5, want 7", n)
	}
	body := scrape(t, a)
	for _, want := range []string{
		`lg_http_requests_total{code="404",method="GET",route="unmatched"} 80`,
		`method="other",route="unmatched"`,
		`lg_graphql_operations_total{operation="other",outcome="ok",type="query"} 35`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	if strings.Contains(body, "/no/such") || strings.Contains(body, "BREW") {
		t.Error("a raw path or method is a label")
	}
}

// TestOTPOutcomesAreCounted: sends, throttled sends and checks by outcome.
func TestOTPOutcomesAreCounted(t *testing.T) {
	m := telemetry.NewMetrics()
	key := []byte("otp-metrics-key-0123456789abcdef")
	svc, err := otp.NewService(m.OTPStore(redis.NewOTPStore(testenv.Redis(t))), otp.Options{Key: key, Length: 6})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	phone := "4712345678"
	code, err := svc.Issue(ctx, 1, otp.PurposeAuthenticate, phone)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Issue(ctx, 1, otp.PurposeAuthenticate, phone); err == nil {
		t.Fatal("a second code within the send interval was sent")
	}
	_ = svc.Verify(ctx, 1, otp.PurposeAuthenticate, phone, "000000")
	if err := svc.Verify(ctx, 1, otp.PurposeAuthenticate, phone, code); err != nil && code != "000000" {
		t.Fatal(err)
	}
	_ = svc.Verify(ctx, 1, otp.PurposeAuthenticate, phone, code)
	body, err := testutil.CollectAndFormat(m.Registry, expfmt.TypeTextPlain, "lg_otp_sends_total", "lg_otp_verifications_total")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`lg_otp_sends_total{outcome="sent"} 1`,
		`lg_otp_sends_total{outcome="throttled"} 1`,
		`lg_otp_verifications_total{outcome="matched"} 1`,
		`lg_otp_verifications_total{outcome="no_code"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("OTP metrics lack %s:\n%s", want, body)
		}
	}
	if strings.Contains(string(body), phone) {
		t.Error("a phone number is a label")
	}
}

// TestDeliveryOutcomesAreCounted: each attempt of an outbox job is counted
// by kind and outcome, the last failed one as discarded.
func TestDeliveryOutcomesAreCounted(t *testing.T) {
	m := telemetry.NewMetrics()
	mw := m.DeliveryMiddleware().(rivertype.WorkerMiddleware)
	ctx := context.Background()
	job := func(attempt int) *rivertype.JobRow {
		return &rivertype.JobRow{Kind: "notify_webhook", Attempt: attempt, MaxAttempts: 3}
	}
	fail := errors.New("endpoint answered 500")
	_ = mw.Work(ctx, job(1), func(context.Context) error { return nil })
	_ = mw.Work(ctx, job(1), func(context.Context) error { return fail })
	_ = mw.Work(ctx, job(3), func(context.Context) error { return fail })
	_ = mw.Work(ctx, job(2), func(context.Context) error { return river.JobCancel(fail) })
	body, err := testutil.CollectAndFormat(m.Registry, expfmt.TypeTextPlain, "lg_delivery_attempts_total")
	if err != nil {
		t.Fatal(err)
	}
	for _, outcome := range []string{"delivered", "retry", "discarded", "cancelled"} {
		want := `lg_delivery_attempts_total{kind="notify_webhook",outcome="` + outcome + `"} 1`
		if !strings.Contains(string(body), want) {
			t.Errorf("lacks %s:\n%s", want, body)
		}
	}
}

// tracedApp builds the service on a pool whose statements are both traced
// and counted (tracers composed), with an in-memory span exporter.
func tracedApp(t *testing.T, log *testenv.LogBuffer) (*wire.App, *tracetest.InMemoryExporter, *testenv.Statements) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tracing := telemetry.NewTracing(exp, server.RequestID, true)
	cfg, err := pgxpool.ParseConfig(testenv.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	counter := &testenv.Statements{}
	cfg.ConnConfig.Tracer = counter
	tracing.ConfigurePool(cfg)
	cfg.AfterConnect = func(_ context.Context, conn *pgx.Conn) error {
		pgxdecimal.Register(conn.TypeMap())
		return nil
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	a := testenv.AppOn(t, &postgres.DB{Pool: pool}, wire.Options{Tracing: tracing, Log: slogTo(log)})
	return a, exp, counter
}

// spansOf returns the spans of the trace whose root span has request id id.
func spansOf(t *testing.T, spans tracetest.SpanStubs, id string) (root tracetest.SpanStub, trace tracetest.SpanStubs) {
	t.Helper()
	found := false
	for _, s := range spans {
		if !s.Parent.IsValid() && attr(s, "request_id") == id {
			root, found = s, true
		}
	}
	if !found {
		t.Fatalf("no root span with request id %s among %d spans", id, len(spans))
	}
	for _, s := range spans {
		if s.SpanContext.TraceID() == root.SpanContext.TraceID() {
			trace = append(trace, s)
		}
	}
	return root, trace
}

func attr(s tracetest.SpanStub, key string) string {
	for _, a := range s.Attributes {
		if string(a.Key) == key {
			return a.Value.Emit()
		}
	}
	return ""
}

// descends reports whether s is below ancestor in its trace.
func descends(s, ancestor tracetest.SpanStub, trace tracetest.SpanStubs) bool {
	byID := map[string]tracetest.SpanStub{}
	for _, x := range trace {
		byID[x.SpanContext.SpanID().String()] = x
	}
	for cur := s; cur.Parent.IsValid(); {
		if cur.Parent.SpanID() == ancestor.SpanContext.SpanID() {
			return true
		}
		next, ok := byID[cur.Parent.SpanID().String()]
		if !ok {
			return false
		}
		cur = next
	}
	return false
}

// TestTracesOfOneGraphQLAndOneRESTRequest: the spans of a GraphQL request
// (HTTP, operation, resolver, SQL) and of a REST request (HTTP, SQL) reach
// the exporter as one trace each, every span with the request id; no
// variable, path value or SQL argument is recorded; the statement counter
// set on the same pool still counts (tracers composed).
func TestTracesOfOneGraphQLAndOneRESTRequest(t *testing.T) {
	var logs testenv.LogBuffer
	a, exp, counter := tracedApp(t, &logs)
	const secretish = "qx" // a language without terms: en is read

	resp, res := func() (*testenv.Response, *testenv.GraphQLResult) {
		headers := []string{"Accept", "application/graphql-response+json", "X-Request-Id", "gql-request-1"}
		r := testenv.Do(t, a.Handler, http.MethodPost, "/graphql",
			map[string]any{"query": `query Terms($lang: String) { terms(lang: $lang) { title } }`,
				"variables": map[string]any{"lang": secretish}}, headers...)
		var out testenv.GraphQLResult
		r.JSON(t, &out)
		return r, &out
	}()
	if resp.Status != http.StatusOK || len(res.Errors) > 0 {
		t.Fatalf("GraphQL: %d %s", resp.Status, resp.Body)
	}
	counter.Reset()
	rest := testenv.Do(t, a.Handler, http.MethodGet, "/receipt-data/v1/terms/2026-03-04", nil, "X-Request-Id", "rest-request-1")
	if rest.Status != http.StatusOK && rest.Status != http.StatusNotFound {
		t.Fatalf("REST: %d %s", rest.Status, rest.Body)
	}
	if counter.Count() == 0 {
		t.Error("the counting tracer saw no statement: the tracers were not composed")
	}
	// A persisted query's hash is looked up in Redis.
	const hash = "0000000000000000000000000000000000000000000000000000000000000abc"
	testenv.Do(t, a.Handler, http.MethodPost, "/graphql", map[string]any{
		"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}},
		"Accept", "application/graphql-response+json", "X-Request-Id", "apq-request-1")
	spans := exp.GetSpans()

	_, atrace := spansOf(t, spans, "apq-request-1")
	var redisSpans int
	for _, s := range atrace {
		if attr(s, "db.system") == "redis" {
			redisSpans++
		}
		for _, kv := range s.Attributes {
			if strings.Contains(kv.Value.Emit(), "0abc") {
				t.Errorf("span %s records the persisted query's hash in %s", s.Name, kv.Key)
			}
		}
	}
	if redisSpans == 0 {
		t.Errorf("no Redis span in the persisted query's trace: %v", names(atrace))
	}

	root, trace := spansOf(t, spans, "gql-request-1")
	if root.Name != "/graphql" || attr(root, "http.route") != "/graphql" {
		t.Errorf("GraphQL root span %q route %q", root.Name, attr(root, "http.route"))
	}
	var op, field tracetest.SpanStub
	var sql []tracetest.SpanStub
	for _, s := range trace {
		switch {
		case s.Name == "query Terms":
			op = s
		case s.Name == "Query.terms":
			field = s
		case attr(s, "db.system") == "postgresql":
			sql = append(sql, s)
		}
	}
	if op.Name == "" || !descends(op, root, trace) {
		t.Fatalf("no operation span under the request's: %v", names(trace))
	}
	if field.Name == "" || !descends(field, op, trace) {
		t.Fatalf("no resolver span under the operation's: %v", names(trace))
	}
	if len(sql) == 0 || !descends(sql[0], field, trace) || !strings.Contains(attr(sql[0], "db.statement"), "terms") {
		t.Fatalf("no SQL span under the resolver's: %v", names(trace))
	}

	rroot, rtrace := spansOf(t, spans, "rest-request-1")
	if rroot.Name != "GET /receipt-data/v1/terms/{date}" {
		t.Errorf("REST root span %q", rroot.Name)
	}
	var rsql int
	for _, s := range rtrace {
		if attr(s, "db.system") == "postgresql" && descends(s, rroot, rtrace) && attr(s, "db.statement") != "" {
			rsql++
		}
	}
	if rsql == 0 {
		t.Errorf("no SQL span under the REST request's: %v", names(rtrace))
	}

	for _, s := range append(trace, rtrace...) {
		if id := attr(s, "request_id"); id != "gql-request-1" && id != "rest-request-1" {
			t.Errorf("span %s has request id %q", s.Name, id)
		}
		for _, kv := range s.Attributes {
			v := kv.Value.Emit()
			if strings.Contains(v, secretish) || strings.Contains(v, "2026-03-04") || strings.Contains(v, "2026") {
				t.Errorf("span %s records %s=%s", s.Name, kv.Key, v)
			}
		}
	}
	// The access log line of each request names its request id and trace.
	for _, id := range []string{"gql-request-1", "rest-request-1"} {
		if !strings.Contains(logs.String(), `"request_id":"`+id+`"`) {
			t.Errorf("no log line with request id %s", id)
		}
	}
	if !strings.Contains(logs.String(), `"trace_id":"`+root.SpanContext.TraceID().String()+`"`) {
		t.Error("no log line names the GraphQL request's trace")
	}
}

func names(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}

var _ sdktrace.SpanExporter = (*tracetest.InMemoryExporter)(nil)

func slogTo(b *testenv.LogBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, nil))
}

// TestTracingIsOffWithoutAnEndpoint: without OTEL_EXPORTER_OTLP_ENDPOINT
// nothing is instrumented: no tracing, no GraphQL extension beyond the
// metrics, no pool tracer, no Redis hook.
func TestTracingIsOffWithoutAnEndpoint(t *testing.T) {
	getenv := func(k string) string {
		if k == "OTEL_SERVICE_NAME" {
			return "x"
		}
		return ""
	}
	tr, err := telemetry.StartTracing(context.Background(), getenv, server.RequestID)
	if err != nil || tr != nil {
		t.Fatalf("StartTracing without an endpoint: %v, %v", tr, err)
	}
	on := func(k string) string {
		return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SDK_DISABLED": "true"}[k]
	}
	if tr, _ := telemetry.StartTracing(context.Background(), on, server.RequestID); tr != nil {
		t.Error("OTEL_SDK_DISABLED=true still traces")
	}
	if exts := telemetry.GraphQL(nil, tr); len(exts) != 0 {
		t.Errorf("%d GraphQL extensions with telemetry off", len(exts))
	}
	if exts := telemetry.GraphQL(telemetry.NewMetrics(), tr); len(exts) != 1 {
		t.Errorf("%d GraphQL extensions with metrics only, want 1 (no field interceptor)", len(exts))
	}
	cfg, err := pgxpool.ParseConfig("postgres://u@127.0.0.1/db")
	if err != nil {
		t.Fatal(err)
	}
	tr.ConfigurePool(cfg)
	if cfg.ConnConfig.Tracer != nil {
		t.Error("a pool tracer is set with tracing off")
	}
	if tr.RedisHook() != nil {
		t.Error("a Redis hook with tracing off")
	}
}
