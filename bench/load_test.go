package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
	"loyaltygraph/server"
)

// The load test of issue 13, over TCP between processes. scripts/bench.sh
// runs this package's test binary twice:
//
//   - TestLoadServe (LG_LOAD_SERVE=file) on CPU 0 with GOMAXPROCS=1, next
//     to PostgreSQL: it seeds the stores fixture, serves the whole service
//     (the real handler: middleware, auth, GraphQL, REST) and the
//     hand-written handlers on two loopback listeners, writes their
//     addresses to file and serves until SIGTERM;
//   - TestLoadGenerate (LG_LOAD_TARGETS=file) on CPU 1: LG_LOAD_CONNS
//     connections (32) send requests back to back for LG_LOAD_SECONDS (15)
//     per target, LG_LOAD_ROUNDS rounds (3); each round runs the GraphQL
//     stores query and its hand-written twin, the REST merchant list and
//     its hand-written twin, and prints req/s, p50, p99 and the server's CPU
//     time per request (from /proc/<pid>/stat) of each, and their ratios.
//     The verdict takes the median of the rounds' ratios. LG_LOAD_GENERAL=1
//     adds the GraphQL query on the general (per-field) path.
//
// Both skip unless their variable is set, so `go test` and `make test`
// never run them.

type loadTargets struct {
	PID int    `json:"pid"`
	App string `json:"app"`
	// General serves the app with every GraphQL operation on the general
	// (per-field) path, for LG_LOAD_GENERAL=1.
	General string `json:"general"`
	Hand    string `json:"hand"`
	Authz   string `json:"authz"`
	Stores  int    `json:"stores"`
	// Limited serves the app with the overload limiter as shipped (its
	// defaults, for this process's GOMAXPROCS); App has it off.
	Limited     string `json:"limited"`
	MaxInFlight int    `json:"maxInFlight"`
}

func TestLoadServe(t *testing.T) {
	file := os.Getenv("LG_LOAD_SERVE")
	if file == "" {
		t.Skip("LG_LOAD_SERVE is not set (scripts/bench.sh sets it)")
	}
	f := getStoresFixture(t)
	serve := func(h http.Handler) (string, *http.Server) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
		go func() { _ = srv.Serve(ln) }()
		return "http://" + ln.Addr().String(), srv
	}
	appURL, appSrv := serve(f.app)
	handURL, handSrv := serve(handHandler(f.pool))
	generalURL, generalSrv := serve(withoutPlans(f.app))
	// The limiter as shipped: the default for this GOMAXPROCS.
	limitedURL, limitedSrv := serve(testenv.AppWith(t, wire.Options{
		Overload: server.Overload{MaxInFlight: server.DefaultMaxInFlight(runtime.GOMAXPROCS(0))}}).Handler)
	// Warm the verified-credential cache and the query cache.
	for _, tg := range storesTargets(f) {
		status, body := tg.serveInProcess(t)
		tg.verify(t, f, status, body)
	}
	b, _ := json.Marshal(loadTargets{PID: os.Getpid(), App: appURL, General: generalURL, Hand: handURL, Authz: f.authz,
		Stores: listSize * storesPerMerchant, Limited: limitedURL, MaxInFlight: server.DefaultMaxInFlight(runtime.GOMAXPROCS(0))})
	if err := os.WriteFile(file+".tmp", b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(file+".tmp", file); err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	<-ctx.Done()
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = appSrv.Shutdown(shut)
	_ = handSrv.Shutdown(shut)
	_ = generalSrv.Shutdown(shut)
	_ = limitedSrv.Shutdown(shut)
}

// loadResult is one target's run.
type loadResult struct {
	name      string
	n, errs   int
	elapsed   time.Duration
	p50, p99  time.Duration
	cpu       time.Duration // server process CPU during the run
	firstFail string
}

func (r loadResult) rps() float64 { return float64(r.n) / r.elapsed.Seconds() }
func (r loadResult) cpuPerReq() time.Duration {
	if r.n == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.n)
}

type loadRequest struct {
	name    string
	method  string
	url     string
	body    []byte
	headers []string
	check   func([]byte) error
}

func TestLoadGenerate(t *testing.T) {
	file := os.Getenv("LG_LOAD_TARGETS")
	if file == "" {
		t.Skip("LG_LOAD_TARGETS is not set (scripts/bench.sh sets it)")
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var tg loadTargets
	if err := json.Unmarshal(raw, &tg); err != nil {
		t.Fatal(err)
	}
	conns := envInt("LG_LOAD_CONNS", 32)
	secs := envInt("LG_LOAD_SECONDS", 15)
	rounds := envInt("LG_LOAD_ROUNDS", 3)
	warm := 2 * time.Second

	gqlCheck := func(b []byte) error {
		if !bytes.HasPrefix(b, []byte(`{"data":{"merchants":{"nodes":[`)) || bytes.Count(b, []byte(`"storeId"`)) != tg.Stores {
			return fmt.Errorf("unexpected answer: %.200s", b)
		}
		return nil
	}
	restCheck := func(b []byte) error {
		if !bytes.HasPrefix(b, []byte(`[{"merchantId"`)) || bytes.Count(b, []byte(`"merchantId"`)) != listSize {
			return fmt.Errorf("unexpected answer: %.200s", b)
		}
		return nil
	}
	pairs := [][2]loadRequest{
		{
			{name: "graphql", method: http.MethodPost, url: tg.App + "/graphql", body: storesBody, check: gqlCheck,
				headers: []string{"Content-Type", "application/json", "Accept", "application/graphql-response+json", "Authorization", tg.Authz}},
			{name: "hand-written", method: http.MethodGet, url: tg.Hand + handStoresPath, check: gqlCheck},
		},
		{
			{name: "rest list", method: http.MethodGet, url: tg.App + restPath, check: restCheck,
				headers: []string{"Accept", "application/json", "Authorization", tg.Authz}},
			{name: "rest hand-written", method: http.MethodGet, url: tg.Hand + handRESTPath, check: restCheck},
		},
	}
	goals := []struct{ rps, p99 float64 }{{0.77, 1.5}, {0.85, 0}}
	if os.Getenv("LG_LOAD_GENERAL") == "1" {
		// The per-field executor, for the record (no goal).
		gen := pairs[0]
		gen[0].name, gen[0].url = "graphql general", tg.General+"/graphql"
		pairs = append(pairs, gen)
		goals = append(goals, struct{ rps, p99 float64 }{0, 0})
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("\nload test: %d connections, %d s per target, %d rounds; server pid %d; loadavg %s\n",
		conns, secs, rounds, tg.PID, strings.TrimSpace(string(load)))
	ratios := make([][]float64, len(pairs))
	p99ratios := make([][]float64, len(pairs))
	failed := false
	for round := 1; round <= rounds; round++ {
		fmt.Printf("\nround %d\n%-18s %9s %10s %10s %14s %8s\n", round, "target", "req/s", "p50", "p99", "server CPU/req", "errors")
		for i, pair := range pairs {
			var res [2]loadResult
			order := []int{0, 1}
			if round%2 == 0 {
				order = []int{1, 0} // alternate who goes first
			}
			for _, j := range order {
				runLoad(pair[j], conns, warm, tg.PID) // warm-up, not counted
				res[j] = runLoad(pair[j], conns, time.Duration(secs)*time.Second, tg.PID)
			}
			for _, r := range res {
				fmt.Printf("%-18s %9.1f %10s %10s %14s %8d\n", r.name, r.rps(), r.p50.Round(10*time.Microsecond),
					r.p99.Round(10*time.Microsecond), r.cpuPerReq().Round(time.Microsecond), r.errs)
				if r.errs > 0 {
					failed = true
					fmt.Printf("  first error: %s\n", r.firstFail)
				}
			}
			ratio := res[0].rps() / res[1].rps()
			p99 := float64(res[0].p99) / float64(res[1].p99)
			ratios[i] = append(ratios[i], ratio)
			p99ratios[i] = append(p99ratios[i], p99)
			fmt.Printf("  %s / %s: %.2fx req/s, p99 %.2fx, CPU/req %.2fx\n", res[0].name, res[1].name, ratio, p99,
				float64(res[0].cpuPerReq())/float64(res[1].cpuPerReq()))
		}
	}
	fmt.Printf("\nmedian of %d rounds (ratio taken within each round):\n", rounds)
	for i, pair := range pairs {
		r, p := median(ratios[i]), median(p99ratios[i])
		verdict := "ok"
		if goals[i].rps == 0 {
			verdict = "(no goal)"
		} else if r < goals[i].rps || (goals[i].p99 > 0 && p > goals[i].p99) {
			verdict = "BELOW GOAL"
		}
		fmt.Printf("  %-12s vs %-18s req/s %.2fx (goal >= %.2fx), p99 %.2fx  %s\n", pair[0].name, pair[1].name, r, goals[i].rps, p, verdict)
	}
	if failed {
		t.Error("some requests failed")
	}
}

// runLoad sends req on conns connections back to back for d.
func runLoad(req loadRequest, conns int, d time.Duration, pid int) loadResult {
	cpu0 := procCPU(pid)
	start := time.Now()
	deadline := start.Add(d)
	var mu sync.Mutex
	res := loadResult{name: req.name}
	var lat []time.Duration
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
				MaxIdleConnsPerHost: 1, DisableCompression: true}}
			defer client.CloseIdleConnections()
			var mine []time.Duration
			var errs int
			var firstFail string
			for time.Now().Before(deadline) {
				t0 := time.Now()
				err := doLoad(client, req)
				if err != nil {
					errs++
					if firstFail == "" {
						firstFail = err.Error()
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			res.errs += errs
			if res.firstFail == "" {
				res.firstFail = firstFail
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.cpu = procCPU(pid) - cpu0
	res.n = len(lat)
	slices.Sort(lat)
	if len(lat) > 0 {
		res.p50 = lat[len(lat)*50/100]
		res.p99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	return res
}

func doLoad(client *http.Client, req loadRequest) error {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	r, err := http.NewRequest(req.method, req.url, body)
	if err != nil {
		return err
	}
	for i := 0; i+1 < len(req.headers); i += 2 {
		r.Header.Set(req.headers[i], req.headers[i+1])
	}
	resp, err := client.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, b)
	}
	return req.check(b)
}

// procCPU is the user+system CPU time of process pid (Linux /proc).
func procCPU(pid int) time.Duration {
	f, err := os.Open(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return 0
	}
	// Fields after the command name (which may hold spaces) in parentheses.
	rest := line[strings.LastIndexByte(line, ')')+2:]
	fields := strings.Fields(rest)
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
