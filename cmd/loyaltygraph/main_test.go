package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/domain/ids"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/store/postgres"
	"loyaltygraph/store/redis"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testSecretKey is the SECRET_KEY of every run: 64 hex characters, as
// `openssl rand -hex 32` makes.
const testSecretKey = "5f0c1e9a7b3d2468ace0bdf13579fdb92468ace013579bdf0f1e2d3c4b5a6978"

// auditScript is graphql-http's audit, relative to this package's directory.
const auditScript = "../../scripts/audit/audit.mjs"

// env is the environment a run sees: getenv is a lookup in it, never the
// process environment.
type env map[string]string

func (e env) getenv(key string) string { return e[key] }

// with returns a copy of e with the given KEY, VALUE pairs set; an empty
// value removes the key.
func (e env) with(kv ...string) env {
	out := make(env, len(e)+len(kv)/2)
	for k, v := range e {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
		} else {
			out[kv[i]] = kv[i+1]
		}
	}
	return out
}

// testEnv returns a complete environment on this package's database and the
// test Redis, with a Redis key prefix of the test's own that is emptied when
// the test ends.
func testEnv(t *testing.T) env {
	t.Helper()
	redisURL := testenv.RedisURL(t)
	prefix := "lgtest:main:" + ids.LowerAlnum(10) + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rc, err := redis.Open(ctx, redisURL, prefix)
		if err != nil {
			t.Logf("clean up redis prefix %s: %v", prefix, err)
			return
		}
		defer rc.Close()
		if err := rc.DeletePrefix(ctx); err != nil {
			t.Logf("clean up redis prefix %s: %v", prefix, err)
		}
	})
	return env{
		"DATABASE_URL": testenv.DatabaseURL(t),
		"REDIS_URL":    redisURL,
		"REDIS_PREFIX": prefix,
		"SECRET_KEY":   testSecretKey,
		"HTTP_ADDR":    "127.0.0.1:0",
		// Production without an SMS gateway: messages are logged redacted.
		"SMS_SENDER": "log",
		// No load balancer to drain from.
		"SHUTDOWN_DRAIN_DELAY": "0s",
		// Tests send bursts of requests on a machine busy with other
		// tests; the limiter's default (2 per CPU) would refuse some.
		"HTTP_MAX_IN_FLIGHT": "64",
	}
}

// runCmd runs one command to completion and returns what it printed.
func runCmd(t *testing.T, e env, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	err = run(ctx, args, e.getenv, &out, &errOut)
	return out.String(), errOut.String(), err
}

// mustRun runs a command that must succeed and returns its stdout.
func mustRun(t *testing.T, e env, args ...string) string {
	t.Helper()
	stdout, stderr, err := runCmd(t, e, args...)
	if err != nil {
		t.Fatalf("run %q: %v\nstdout: %s\nstderr: %s", args, err, stdout, stderr)
	}
	return stdout
}

// newCredential creates a credential with the binary and returns it.
func newCredential(t *testing.T, e env, kind, name string) map[string]string {
	t.Helper()
	out := mustRun(t, e, "credentials", "create", kind, name)
	var c map[string]string
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("credentials create printed %q: %v", out, err)
	}
	return c
}

func basicAuth(user, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+secret))
}

// server is a `serve` run in the background.
type server struct {
	addr   string // host:port it listens on
	base   string // http://addr
	logs   *testenv.LogBuffer
	cancel context.CancelFunc
	done   chan error
	client *http.Client
}

// startServer runs `serve` until the test ends (or stop is called) and
// waits for its "listening" log line.
func startServer(t *testing.T, e env) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{
		logs: &testenv.LogBuffer{}, cancel: cancel, done: make(chan error, 1),
		client: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}},
	}
	go func() { s.done <- run(ctx, []string{"serve"}, e.getenv, io.Discard, s.logs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
			t.Errorf("serve did not return within 20s of cancellation")
		}
	})

	deadline := time.Now().Add(30 * time.Second)
	for s.addr == "" {
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("serve returned before listening: %v\nlogs:\n%s", err, s.logs.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no \"listening\" log line within 30s; logs:\n%s", s.logs.String())
		}
		if line := findLog(s.logs.String(), "listening"); line != nil {
			addr, _ := line["addr"].(string)
			if addr == "" {
				t.Fatalf("listening line has no addr: %v", line)
			}
			s.addr = addr
		}
	}
	s.base = "http://" + s.addr
	return s
}

// findLog returns the first JSON log line whose msg is msg.
func findLog(logs, msg string) map[string]any {
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == msg {
			return line
		}
	}
	return nil
}

// stop cancels the server's context and requires a clean return within 15s.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		if err != nil {
			t.Fatalf("serve returned %v after cancellation; logs:\n%s", err, s.logs.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("serve did not shut down within 15s; logs:\n%s", s.logs.String())
	}
}

// response is a received HTTP response with its body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response (status %d) is not JSON: %v: %s", r.status, err, r.body)
	}
}

// do sends a request to the server; a non-nil body is sent as JSON.
// headers come as name, value pairs.
func (s *server) do(t *testing.T, method, path string, body any, headers ...string) *response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}
}

// graphQLResult is a GraphQL response body.
type graphQLResult struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// graphql posts a query to /graphql, with authorization unless it is empty.
func (s *server) graphql(t *testing.T, authorization, query string, vars map[string]any) (*response, *graphQLResult) {
	t.Helper()
	headers := []string{"Accept", "application/json"}
	if authorization != "" {
		headers = append(headers, "Authorization", authorization)
	}
	r := s.do(t, http.MethodPost, "/graphql", map[string]any{"query": query, "variables": vars}, headers...)
	var out graphQLResult
	r.json(t, &out)
	return r, &out
}

// wantStatus fails the test unless r has the given status.
func wantStatus(t *testing.T, what string, r *response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.status, status, r.body)
	}
}

// freshDatabase creates an empty database on the test server and returns
// its URL; it is dropped when the test ends.
func freshDatabase(t *testing.T) string {
	t.Helper()
	testenv.DatabaseURL(t) // fails the test with the usual hint when the servers are missing
	adminURL := os.Getenv("TEST_DATABASE_URL")
	name := "lg_test_fresh_" + ids.LowerAlnum(10)
	admin := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, adminURL)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := admin(`CREATE DATABASE ` + pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := admin(`DROP DATABASE IF EXISTS ` + pgx.Identifier{name}.Sanitize() + ` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(adminURL)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

func TestMigrateTwiceChangesNothing(t *testing.T) {
	t.Run("package database", func(t *testing.T) {
		e := testEnv(t)
		for range 2 {
			if out := mustRun(t, e, "migrate"); out != "database is up to date\n" {
				t.Fatalf("migrate printed %q, want \"database is up to date\"", out)
			}
		}
	})

	t.Run("fresh database", func(t *testing.T) {
		e := testEnv(t).with("DATABASE_URL", freshDatabase(t))
		migrations, err := postgres.Migrations()
		if err != nil {
			t.Fatal(err)
		}
		var want strings.Builder
		for _, m := range migrations {
			fmt.Fprintf(&want, "applied %s\n", m.Name)
		}
		out := mustRun(t, e, "migrate")
		if !strings.HasPrefix(out, "applied 0001_") || out != want.String() {
			t.Fatalf("first migrate printed %q, want %q", out, want.String())
		}
		if out := mustRun(t, e, "migrate"); out != "database is up to date\n" {
			t.Fatalf("second migrate printed %q, want \"database is up to date\"", out)
		}
	})
}

func TestCredentialsCreatePrintsOneJSONObject(t *testing.T) {
	e := testEnv(t)
	db := testenv.DB(t)
	a := testenv.App(t)
	for _, kind := range []string{"partner", "settlement", "admin", "seller"} {
		t.Run(kind, func(t *testing.T) {
			name := "e2e " + kind + " " + ids.LowerAlnum(6)
			out := mustRun(t, e, "credentials", "create", kind, name)

			dec := json.NewDecoder(strings.NewReader(out))
			var cred map[string]any
			if err := dec.Decode(&cred); err != nil {
				t.Fatalf("stdout is not a JSON object: %v: %q", err, out)
			}
			if err := dec.Decode(&json.RawMessage{}); !errors.Is(err, io.EOF) {
				t.Fatalf("stdout has more than one JSON value (%v): %q", err, out)
			}
			wantKeys := []string{"kind", "name", "secret", "username"}
			if kind == "partner" {
				wantKeys = append(wantKeys, "salt")
			}
			slices.Sort(wantKeys)
			keys := make([]string, 0, len(cred))
			str := map[string]string{}
			for k, v := range cred {
				keys = append(keys, k)
				s, _ := v.(string)
				if s == "" {
					t.Errorf("%s is %#v, want a non-empty string", k, v)
				}
				str[k] = s
			}
			slices.Sort(keys)
			if !slices.Equal(keys, wantKeys) {
				t.Fatalf("keys %v, want %v: %s", keys, wantKeys, out)
			}
			if str["kind"] != kind || str["name"] != name || !strings.HasPrefix(str["username"], kind+"-") {
				t.Fatalf("credential %s does not match kind %q name %q", out, kind, name)
			}

			var secretHash string
			var sealedSecret, sealedSalt []byte
			err := db.Pool.QueryRow(context.Background(),
				`SELECT secret_hash, sealed_secret, sealed_salt FROM credentials WHERE username = $1`, str["username"],
			).Scan(&secretHash, &sealedSecret, &sealedSalt)
			if err != nil {
				t.Fatalf("credential %s not in the credentials table: %v", str["username"], err)
			}
			if !strings.HasPrefix(secretHash, "$argon2id$") || strings.Contains(secretHash, str["secret"]) {
				t.Fatalf("secret_hash %q is not an argon2id hash hiding the secret", secretHash)
			}
			for col, sealed := range map[string][]byte{"sealed_secret": sealedSecret, "sealed_salt": sealedSalt} {
				if bytes.Contains(sealed, []byte(str["secret"])) || (str["salt"] != "" && bytes.Contains(sealed, []byte(str["salt"]))) {
					t.Fatalf("%s holds the secret or salt in plain text", col)
				}
				if (kind == "partner") != (sealed != nil) {
					t.Fatalf("%s is %x; want it set for partners only", col, sealed)
				}
			}

			// The printed secret is the one that authenticates.
			p, err := a.Auth.AuthenticateBasic(context.Background(), str["username"], str["secret"])
			if err != nil || string(p.Kind) != kind {
				t.Fatalf("authenticate with the printed secret: principal %+v, err %v", p, err)
			}
		})
	}

	countNamed := func(t *testing.T, name string) int {
		t.Helper()
		var n int
		if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM credentials WHERE name = $1`, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	refused := []struct {
		name, wantErr string
		env           env
		kind          string
	}{
		{"bad kind", "KIND", e, "robot"},
		{"empty kind", "KIND", e, ""},
		{"missing SECRET_KEY", "SECRET_KEY", e.with("SECRET_KEY", ""), "admin"},
		{"short SECRET_KEY", "SECRET_KEY", e.with("SECRET_KEY", "0123456789abcdef0123456789abcde"), "admin"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			name := "e2e refused " + ids.LowerAlnum(6)
			stdout, _, err := runCmd(t, tc.env, "credentials", "create", tc.kind, name)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
			}
			if stdout != "" {
				t.Fatalf("stdout %q, want nothing", stdout)
			}
			if n := countNamed(t, name); n != 0 {
				t.Fatalf("%d credentials named %q were stored", n, name)
			}
		})
	}
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	e := testEnv(t)
	settings := []string{"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "HTTP_ADDR", "PUBLIC_BASE_URL", "LOG_LEVEL", "LG_ENV"}
	cases := []struct {
		setting string
		env     env
	}{
		{"DATABASE_URL", e.with("DATABASE_URL", "")},
		{"DATABASE_URL", e.with("DATABASE_URL", "mysql://root@127.0.0.1/db")},
		{"REDIS_URL", e.with("REDIS_URL", "")},
		{"REDIS_URL", e.with("REDIS_URL", "http://127.0.0.1:6379")},
		{"HTTP_ADDR", e.with("HTTP_ADDR", "localhost")},
		{"HTTP_ADDR", e.with("HTTP_ADDR", "127.0.0.1:")},
		{"LOG_LEVEL", e.with("LOG_LEVEL", "loud")},
		{"SECRET_KEY", e.with("SECRET_KEY", "")},
		{"PUBLIC_BASE_URL", e.with("PUBLIC_BASE_URL", "example.com")},
		{"LG_ENV", e.with("LG_ENV", "staging")},
	}
	for _, tc := range cases {
		t.Run(tc.setting, func(t *testing.T) {
			stdout, _, err := runCmd(t, tc.env, "serve")
			if err == nil {
				t.Fatalf("serve started with a bad %s", tc.setting)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.setting) {
				t.Fatalf("error %q does not name %s", msg, tc.setting)
			}
			for _, other := range settings {
				// Only the setting at fault is named.
				if other != tc.setting && strings.Contains(msg, other) {
					t.Errorf("error %q also names %s, which is not at fault", msg, other)
				}
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
		})
	}

	t.Run("several problems at once", func(t *testing.T) {
		_, _, err := runCmd(t, e.with("DATABASE_URL", "", "LOG_LEVEL", "loud"), "serve")
		if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") || !strings.Contains(err.Error(), "LOG_LEVEL") {
			t.Fatalf("error %v, want both DATABASE_URL and LOG_LEVEL named", err)
		}
	})

	t.Run("commands", func(t *testing.T) {
		for _, args := range [][]string{{"frobnicate"}, {}, {"credentials", "create", "admin"}, {"credentials", "delete", "admin", "x"}} {
			stdout, stderr, err := runCmd(t, e, args...)
			if err == nil {
				t.Fatalf("run %q succeeded", args)
			}
			if stdout != "" || !strings.Contains(stderr, "usage:") {
				t.Fatalf("run %q: stdout %q stderr %q, want usage on stderr only", args, stdout, stderr)
			}
		}
		if _, _, err := runCmd(t, e, "frobnicate"); !strings.Contains(err.Error(), "frobnicate") {
			t.Fatalf("error %q does not name the unknown command", err)
		}
		if out := mustRun(t, e, "help"); !strings.Contains(out, "usage:") {
			t.Fatalf("help printed %q", out)
		}
		for _, arg := range []string{"version", "--version"} {
			if out := mustRun(t, e, arg); !strings.HasPrefix(out, "loyaltygraph ") || !strings.Contains(out, "go1.") {
				t.Fatalf("%s printed %q", arg, out)
			}
		}
	})
}

func TestServeEndToEnd(t *testing.T) {
	e := testEnv(t)
	admin := newCredential(t, e, "admin", "e2e admin")
	adminAuth := basicAuth(admin["username"], admin["secret"])
	s := startServer(t, e)

	t.Run("health", func(t *testing.T) {
		wantStatus(t, "/healthz", s.do(t, "GET", "/healthz", nil), http.StatusOK)
		r := s.do(t, "GET", "/readyz", nil)
		wantStatus(t, "/readyz", r, http.StatusOK)
		var body map[string]any
		r.json(t, &body)
		if len(body) != 1 || body["status"] != "ok" {
			t.Fatalf("/readyz body %s, want {\"status\":\"ok\"}", r.body)
		}
		r = s.do(t, "GET", "/graphiql", nil)
		wantStatus(t, "/graphiql", r, http.StatusOK)
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Fatalf("/graphiql content type %q, want text/html", ct)
		}
	})

	merchantID := "e2e-" + ids.LowerAlnum(12)
	t.Run("rest", func(t *testing.T) {
		r := s.do(t, "POST", "/api/v1/merchants", map[string]any{"merchantId": merchantID, "merchantName": "E2E Merchant"},
			"Authorization", adminAuth)
		wantStatus(t, "create merchant", r, http.StatusCreated)
		r = s.do(t, "GET", "/api/v1/merchants/"+merchantID, nil, "Authorization", adminAuth)
		wantStatus(t, "get merchant", r, http.StatusOK)
		var m map[string]any
		r.json(t, &m)
		if m["merchantId"] != merchantID || m["merchantName"] != "E2E Merchant" {
			t.Fatalf("got merchant %s", r.body)
		}
		wantStatus(t, "anonymous get merchant", s.do(t, "GET", "/api/v1/merchants/"+merchantID, nil), http.StatusUnauthorized)
	})

	t.Run("graphql", func(t *testing.T) {
		const query = `{ merchants(first: 5) { totalCount nodes { merchantId } } }`
		r, res := s.graphql(t, adminAuth, query, nil)
		wantStatus(t, "graphql merchants", r, http.StatusOK)
		var data struct {
			Merchants struct {
				TotalCount int
				Nodes      []struct{ MerchantID string }
			}
		}
		if len(res.Errors) > 0 || json.Unmarshal(res.Data, &data) != nil {
			t.Fatalf("graphql merchants: %s", r.body)
		}
		if data.Merchants.TotalCount < 1 || len(data.Merchants.Nodes) < 1 || len(data.Merchants.Nodes) > 5 {
			t.Fatalf("graphql merchants: %s", r.body)
		}

		r, res = s.graphql(t, adminAuth, `query($id: ID!) { merchant(merchantId: $id) { merchantId merchantName } }`,
			map[string]any{"id": merchantID})
		if len(res.Errors) > 0 || !strings.Contains(string(res.Data), merchantID) {
			t.Fatalf("graphql merchant created over REST: %s", r.body)
		}

		r, res = s.graphql(t, "", query, nil)
		wantStatus(t, "anonymous graphql", r, http.StatusOK)
		if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
			t.Fatalf("anonymous merchants query: %s, want errors[0].extensions.code UNAUTHENTICATED", r.body)
		}
	})

	t.Run("graphql-http audit", func(t *testing.T) {
		runAudit(t, s.base+"/graphql", adminAuth)
	})

	logs := s.logs.String()
	if strings.Contains(logs, admin["secret"]) {
		t.Errorf("the logs contain the admin secret")
	}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line is not JSON: %s", line)
		}
	}
	if findLog(logs, "request") == nil {
		t.Errorf("no access log line; logs:\n%s", logs)
	}

	s.stop(t)
	if findLog(s.logs.String(), "shutting down") == nil {
		t.Errorf("no \"shutting down\" log line; logs:\n%s", s.logs.String())
	}
	if conn, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
		conn.Close()
		t.Fatalf("%s still accepts connections after shutdown", s.addr)
	}
}

// auditResult is the one JSON line audit.mjs prints.
type auditResult struct {
	OK, Warn, Error, Notice   int
	Warnings, Errors, Notices []auditFailure
}

type auditFailure struct {
	ID, Name, Reason string
	Response         json.RawMessage
}

// runAudit runs graphql-http's server audit against endpoint and requires no
// failed MUST and no failed SHOULD.
func runAudit(t *testing.T, endpoint, authorization string) {
	t.Helper()
	_, nodeErr := exec.LookPath("node")
	_, modErr := os.Stat("../../scripts/audit/node_modules/graphql-http")
	if nodeErr != nil || modErr != nil {
		if os.Getenv("LG_SKIP_AUDIT") == "1" {
			t.Skipf("graphql-http audit skipped (LG_SKIP_AUDIT=1): node: %v, node_modules: %v", nodeErr, modErr)
		}
		t.Fatalf("graphql-http audit needs node and scripts/audit/node_modules (node: %v, node_modules: %v): "+
			"run the tests with `make test`, which installs them, or set LG_SKIP_AUDIT=1", nodeErr, modErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", auditScript, endpoint, "Authorization="+authorization)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !(errors.As(err, &exitErr) && exitErr.ExitCode() == 1) {
		t.Fatalf("audit.mjs: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	var res auditResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("audit.mjs output is not JSON: %v: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	t.Logf("graphql-http audit: ok=%d warn=%d error=%d notice=%d", res.OK, res.Warn, res.Error, res.Notice)
	for _, n := range res.Notices {
		t.Logf("audit notice (MAY) %s %s: %s: %s", n.ID, n.Name, n.Reason, n.Response)
	}
	for _, f := range res.Errors {
		t.Errorf("audit error (MUST) %s %s: %s: %s", f.ID, f.Name, f.Reason, f.Response)
	}
	for _, f := range res.Warnings {
		t.Errorf("audit warning (SHOULD) %s %s: %s: %s", f.ID, f.Name, f.Reason, f.Response)
	}
	if res.Error != len(res.Errors) || res.Warn != len(res.Warnings) || res.OK == 0 {
		t.Errorf("inconsistent audit summary: %s", stdout.String())
	}
}

// startRedis runs a private redis-server on a free port until the test ends.
func startRedis(t *testing.T) (url string, proc *os.Process) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is not installed (scripts/services.sh installs it): %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no")
	cmd.Dir = t.TempDir()
	out := &testenv.LogBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			break
		}
		select {
		case <-exited:
			t.Fatalf("redis-server exited: %s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server does not accept connections on %s: %s", addr, out.String())
		}
	}
	return "redis://" + addr + "/0", cmd.Process
}

func TestReadyzReportsRedisDown(t *testing.T) {
	redisURL, redisProc := startRedis(t)
	s := startServer(t, testEnv(t).with("REDIS_URL", redisURL))

	r := s.do(t, "GET", "/readyz", nil)
	wantStatus(t, "/readyz with redis up", r, http.StatusOK)

	if err := redisProc.Kill(); err != nil {
		t.Fatalf("kill redis-server: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r = s.do(t, "GET", "/readyz", nil)
		if r.status == http.StatusServiceUnavailable || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	wantStatus(t, "/readyz with redis down", r, http.StatusServiceUnavailable)
	var body struct{ Down []string }
	r.json(t, &body)
	if !slices.Contains(body.Down, "redis") || slices.Contains(body.Down, "postgres") {
		t.Fatalf("/readyz body %s, want down [\"redis\"]", r.body)
	}
	wantStatus(t, "/healthz with redis down", s.do(t, "GET", "/healthz", nil), http.StatusOK)
	s.stop(t)
}

// demoCredential is one credential line of the demo's output.
type demoCredential struct{ kind, username, secret string }

// parseDemo reads the credential table the demo prints: "  KIND  USERNAME
// SECRET" lines, the partner followed by a "salt SALT" line.
func parseDemo(t *testing.T, out string) (creds map[string]demoCredential, salts int) {
	t.Helper()
	creds = map[string]demoCredential{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && strings.HasPrefix(f[1], "demo-"):
			creds[f[1]] = demoCredential{kind: f[0], username: f[1], secret: f[2]}
		case len(f) == 2 && f[0] == "salt" && f[1] != "":
			salts++
		}
	}
	return creds, salts
}

// withoutUserToken is out without the lines that carry a user token.
func withoutUserToken(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if !strings.Contains(l, "X-Storebox-user-token") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func TestDemoIsIdempotent(t *testing.T) {
	e := testEnv(t)
	db := testenv.DB(t)
	countDemo := func() (creds, merchants int) {
		t.Helper()
		err := db.Pool.QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM credentials WHERE username LIKE 'demo-%'),
			(SELECT count(*) FROM merchants WHERE merchant_id LIKE 'demo-%')`).Scan(&creds, &merchants)
		if err != nil {
			t.Fatal(err)
		}
		return creds, merchants
	}

	first := mustRun(t, e, "demo")
	c1, m1 := countDemo()
	second := mustRun(t, e, "demo")
	c2, m2 := countDemo()
	// The demo user's access token is issued anew each time.
	if withoutUserToken(first) != withoutUserToken(second) || !strings.Contains(first, "X-Storebox-user-token") {
		t.Fatalf("the second demo printed something else:\nfirst:\n%s\nsecond:\n%s", first, second)
	}
	if c1 != 5 || c2 != c1 || m1 == 0 || m2 != m1 {
		t.Fatalf("demo credentials %d then %d (want 5), demo merchants %d then %d (want equal, > 0)", c1, c2, m1, m2)
	}

	creds, salts := parseDemo(t, first)
	for _, kind := range []string{"admin", "settlement", "partner", "seller", "pos"} {
		c, ok := creds["demo-"+kind]
		if !ok || c.kind != kind || len(c.secret) < 20 {
			t.Fatalf("demo output has no usable demo-%s credential:\n%s", kind, first)
		}
	}
	if len(creds) != 5 || salts != 1 {
		t.Fatalf("demo output lists %d credentials and %d salts, want 5 and 1:\n%s", len(creds), salts, first)
	}

	s := startServer(t, e)
	settlement := creds["demo-settlement"]
	r := s.do(t, "GET", "/api/v1/merchants", nil, "Authorization", basicAuth(settlement.username, settlement.secret))
	wantStatus(t, "list merchants as demo-settlement", r, http.StatusOK)
	var list []struct{ MerchantID string }
	r.json(t, &list)
	demo := 0
	for _, m := range list {
		if strings.HasPrefix(m.MerchantID, "demo-") {
			demo++
		}
	}
	if demo != m1 {
		t.Fatalf("demo-settlement lists %d demo merchants, want %d: %s", demo, m1, r.body)
	}

	// The settlement demo: Netto's model, a week of settled transactions in
	// one batch, invoiced; loaded twice, still once.
	settle := basicAuth(settlement.username, settlement.secret)
	r = s.do(t, "GET", "/api/v1/merchants/demo-netto", nil, "Authorization", settle)
	wantStatus(t, "get demo-netto", r, http.StatusOK)
	var netto map[string]any
	r.json(t, &netto)
	for _, list := range []string{"companies", "stores", "campaigns", "derivedShares"} {
		if l, _ := netto[list].([]any); len(l) == 0 {
			t.Errorf("demo-netto has no %s: %s", list, r.body)
		}
	}
	r = s.do(t, "GET", "/api/v1/settlements/batches", nil, "Authorization", settle)
	wantStatus(t, "list settlement batches", r, http.StatusOK)
	if !strings.Contains(string(r.body), `"batchId"`) {
		t.Errorf("no demo settlement batch: %s", r.body)
	}
	r = s.do(t, "GET", "/api/v1/merchants/demo-netto/invoices", nil, "Authorization", settle)
	wantStatus(t, "list demo-netto's invoices", r, http.StatusOK)
	if !strings.Contains(string(r.body), "demo-netto") {
		t.Errorf("demo-netto has no invoice: %s", r.body)
	}
	var settled int
	if err := db.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM settlements WHERE merchant_id = 'demo-netto' AND transaction_id LIKE 'demo-%'`).Scan(&settled); err != nil || settled != 7 {
		t.Errorf("demo-netto has %d settled demo transactions (%v), want 7 after two loads", settled, err)
	}

	// The receipts demo as printed: the till posts, the demo user sees it
	// (with the demo receipts), and its PDF opens.
	userID := regexp.MustCompile(`demo user ([0-9a-z]{32})`).FindStringSubmatch(first)
	body := regexp.MustCompile(`-d '(\{.*\})'`).FindStringSubmatch(first)
	if userID == nil || body == nil {
		t.Fatalf("demo output names no demo user or till example:\n%s", first)
	}
	pos, partner := creds["demo-pos"], creds["demo-partner"]
	r = s.do(t, "POST", "/api/receipt-receiver/v2/receipts", json.RawMessage(body[1]),
		"Authorization", basicAuth(pos.username, pos.secret))
	wantStatus(t, "post the printed receipt as demo-pos", r, http.StatusCreated)
	r = s.do(t, "GET", "/receipt-data/v1/users/"+userID[1]+"/receipts?orderBy=date&direction=desc", nil,
		"Authorization", basicAuth(partner.username, partner.secret))
	wantStatus(t, "list the demo user's receipts", r, http.StatusOK)
	var receipts struct {
		TotalSize int
		Receipts  []struct {
			ReceiptID string
			Merchant  struct{ Logo *struct{ URL string } }
		}
	}
	r.json(t, &receipts)
	if receipts.TotalSize < 4 || receipts.Receipts[0].Merchant.Logo == nil {
		t.Fatalf("the demo user holds %d receipts (want the 3 demo receipts and the posted one), merchant logo: %s",
			receipts.TotalSize, r.body)
	}
	r = s.do(t, "GET", "/receipt-data/v1/users/"+userID[1]+"/receipts/"+receipts.Receipts[1].ReceiptID, nil,
		"Authorization", basicAuth(partner.username, partner.secret))
	wantStatus(t, "a demo receipt's details", r, http.StatusOK)
	var details struct {
		Merchant struct {
			Name, Address, ZipCode, City, Country string
			Logo                                  *struct{ URL, Version string }
		}
		ReceiptLines []struct{ Name string }
	}
	r.json(t, &details)
	if m := details.Merchant; m.Name != "Netto" || m.Country != "DK" || m.City == "" || m.Logo == nil || len(details.ReceiptLines) == 0 {
		t.Fatalf("details of a demo receipt: merchant profile or lines missing: %s", r.body)
	}
	logo, err := url.Parse(details.Merchant.Logo.URL)
	if err != nil {
		t.Fatal(err)
	}
	r = s.do(t, "GET", logo.RequestURI(), nil)
	wantStatus(t, "the demo merchant's logo, without credentials", r, http.StatusOK)
	r = s.do(t, "GET", "/receipt-data/v1/users/"+userID[1]+"/receipts/"+receipts.Receipts[0].ReceiptID+"/pdf?lang=da", nil,
		"Authorization", basicAuth(partner.username, partner.secret))
	wantStatus(t, "open the receipt's PDF", r, http.StatusOK)
	if !bytes.HasPrefix(r.body, []byte("%PDF-")) {
		t.Fatalf("the PDF is not a PDF: %.40q", r.body)
	}

	// The demo user's card frame opens.
	i := strings.Index(first, "/receipt-data/v1/cardframe/url?")
	if i < 0 {
		t.Fatalf("no card frame URL in the demo output:\n%s", first)
	}
	frame := strings.Fields(first[i:])[0]
	r = s.do(t, "GET", frame, nil)
	wantStatus(t, "demo card frame", r, http.StatusOK)
	s.stop(t)
}

// TestServeWritesTheReadyFileOnceBound: issue 12 point 5. `make run` prints
// its banner when LG_READY_FILE holds the address this server bound, and a
// port that is taken fails `serve` without writing the file.
func TestServeWritesTheReadyFileOnceBound(t *testing.T) {
	e := testEnv(t)
	ready := filepath.Join(t.TempDir(), "ready")
	s := startServer(t, e.with("LG_READY_FILE", ready))
	b, err := os.ReadFile(ready)
	if err != nil || strings.TrimSpace(string(b)) != s.addr {
		t.Fatalf("ready file %q (%v), want the bound address %s", b, err, s.addr)
	}

	taken := filepath.Join(t.TempDir(), "ready")
	err = run(context.Background(), []string{"serve"}, e.with("HTTP_ADDR", s.addr, "LG_READY_FILE", taken).getenv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("serve on a taken port: %v", err)
	}
	if _, err := os.Stat(taken); !os.IsNotExist(err) {
		t.Fatalf("ready file written for a port that was taken: %v", err)
	}
}
