package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// serveHelperEnv carries, as JSON, the environment of the `serve` process
// that TestShutdownDrainsUnderLoad starts and signals.
const serveHelperEnv = "LG_SERVE_HELPER_ENV"

// TestServeHelperProcess is not a test: it is the `serve` process of
// TestShutdownDrainsUnderLoad, with main's signal handling.
func TestServeHelperProcess(t *testing.T) {
	raw := os.Getenv(serveHelperEnv)
	if raw == "" {
		t.Skip("helper process of TestShutdownDrainsUnderLoad")
	}
	var e env
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, []string{"serve"}, e.getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loyaltygraph:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// rawConn is a kept-alive HTTP/1.1 connection driven by hand, so that
// nothing retries a request behind the test's back.
type rawConn struct {
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(addr string) (*rawConn, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	return &rawConn{c: c, br: bufio.NewReader(c)}, nil
}

// get sends one request and reads its answer; closing reports whether the
// server asked to close the connection.
func (rc *rawConn) get(path, authorization string) (status int, closing bool, err error) {
	_ = rc.c.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET " + path + " HTTP/1.1\r\nHost: test\r\n"
	if authorization != "" {
		req += "Authorization: " + authorization + "\r\n"
	}
	if _, err := io.WriteString(rc.c, req+"\r\n"); err != nil {
		return 0, false, err
	}
	resp, err := http.ReadResponse(rc.br, nil)
	if err != nil {
		return 0, false, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Close, err
}

// TestShutdownDrainsUnderLoad sends SIGTERM to a real `serve` process under
// load: /readyz answers 503 during the drain delay while requests are still
// served; kept-alive connections, busy or idle, end after an answer, never
// with a reset; a request in flight when the listener closes finishes; one
// that outlives the shutdown limit is cut, and the process exits within
// the limit.
func TestShutdownDrainsUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and signals a serve process")
	}
	const (
		drainDelay = 1500 * time.Millisecond
		limit      = 4 * time.Second
	)
	e := testEnv(t).with("SHUTDOWN_DRAIN_DELAY", drainDelay.String(), "SHUTDOWN_TIMEOUT", limit.String())
	cred := newCredential(t, e, "settlement", "drain")
	authz := basicAuth(cred["username"], cred["secret"])
	raw, _ := json.Marshal(e)

	cmd := exec.Command(os.Args[0], "-test.run=^TestServeHelperProcess$")
	cmd.Env = append(os.Environ(), serveHelperEnv+"="+string(raw))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan time.Time, 1)
	var logs strings.Builder
	var logsMu sync.Mutex
	addrCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			logsMu.Lock()
			logs.WriteString(sc.Text() + "\n")
			logsMu.Unlock()
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "listening" {
				addrCh <- line["addr"].(string)
			}
		}
		_ = cmd.Wait()
		exited <- time.Now()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			logsMu.Lock()
			t.Logf("serve log:\n%s", logs.String())
			logsMu.Unlock()
		}
	})
	var addr string
	select {
	case addr = <-addrCh:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not listen within 30s")
	}

	// Load: 8 clients, each on a kept-alive connection, back to back; a
	// connection the server closes after an answer is replaced.
	var stopLoad atomic.Bool
	var served, refused, resets, cutFresh atomic.Int64
	var firstReset atomic.Value
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rc *rawConn
			reused := false // rc has answered before: it is a kept-alive connection
			for !stopLoad.Load() {
				if rc == nil {
					var err error
					if rc, err = dialRaw(addr); err != nil {
						refused.Add(1) // the listener is closed: a load balancer has stopped sending
						time.Sleep(20 * time.Millisecond)
						continue
					}
					reused = false
				}
				status, closing, err := rc.get("/api/v1/merchants?limit=10", authz)
				if err != nil {
					if reused {
						resets.Add(1)
						firstReset.CompareAndSwap(nil, err.Error())
					} else {
						// Dialled as the listener closed: accepted by the
						// kernel, never by the server, and reset with the
						// listener. Not a kept-alive connection.
						cutFresh.Add(1)
					}
					rc.c.Close()
					rc = nil
					continue
				}
				reused = true
				if status != http.StatusOK {
					resets.Add(1)
					firstReset.CompareAndSwap(nil, fmt.Sprintf("status %d", status))
				}
				served.Add(1)
				if closing {
					rc.c.Close()
					rc = nil
				}
			}
			if rc != nil {
				rc.c.Close()
			}
		}()
	}
	// Idle kept-alive connections: one answer each, then silence until
	// the drain has begun.
	var idle []*rawConn
	for range 10 {
		rc, err := dialRaw(addr)
		if err != nil {
			t.Fatal(err)
		}
		if status, closing, err := rc.get("/healthz", ""); err != nil || status != http.StatusOK || closing {
			t.Fatalf("idle connection's first request: %d, close %v, %v", status, closing, err)
		}
		idle = append(idle, rc)
	}
	// A request in flight across the listener's close: its body arrives
	// after the drain delay.
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"merchantId":"drain-1","merchantName":"Drain"}`
	fmt.Fprintf(slow, "POST /api/v1/merchants HTTP/1.1\r\nHost: test\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		authz, len(body), body[:5])
	// A request that never ends: the limit must cut it.
	stuck, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(stuck, "POST /api/v1/merchants HTTP/1.1\r\nHost: test\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", authz)
	for deadline := time.Now().Add(20 * time.Second); served.Load() < 50; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests served under load in 20s; first error: %v", served.Load(), firstReset.Load())
		}
	}

	sigAt := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// During the drain /readyz answers 503 while requests are served.
	time.Sleep(200 * time.Millisecond)
	rc, err := dialRaw(addr)
	if err != nil {
		t.Fatalf("the listener closed before the drain delay: %v", err)
	}
	if status, closing, err := rc.get("/readyz", ""); err != nil || status != http.StatusServiceUnavailable || !closing {
		t.Fatalf("/readyz during the drain: %d, close %v, %v; want 503 and Connection: close", status, closing, err)
	}
	rc.c.Close()
	// The idle connections are still open, and answer once more before
	// the server closes them cleanly.
	for i, rc := range idle {
		status, closing, err := rc.get("/healthz", "")
		if err != nil || status != http.StatusOK || !closing {
			t.Errorf("idle connection %d during the drain: %d, close %v, %v; want 200 and Connection: close", i, status, closing, err)
		}
		rc.c.Close()
	}
	// The slow request's body ends after the listener has closed.
	time.Sleep(time.Until(sigAt.Add(drainDelay + 500*time.Millisecond)))
	if _, err := dialRaw(addr); err == nil {
		t.Errorf("the listener still accepts after the drain delay")
	}
	if _, err := io.WriteString(slow, body[5:]); err != nil {
		t.Fatalf("the request in flight was cut: %v", err)
	}
	_ = slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(slow), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || !resp.Close {
		t.Errorf("the request in flight: %d, close %v; want 201 and Connection: close", resp.StatusCode, resp.Close)
	}

	var exitAt time.Time
	select {
	case exitAt = <-exited:
	case <-time.After(limit + 5*time.Second):
		t.Fatalf("serve still running %v after SIGTERM (limit %v)", time.Since(sigAt), limit)
	}
	stopLoad.Store(true)
	wg.Wait()
	took := exitAt.Sub(sigAt)
	t.Logf("exited %v after SIGTERM (limit %v); %d requests served under load, %d dials refused after the listener closed, "+
		"%d new connections cut with the listener, %d resets of kept-alive connections",
		took.Round(time.Millisecond), limit, served.Load(), refused.Load(), cutFresh.Load(), resets.Load())
	if took > limit+300*time.Millisecond {
		t.Errorf("serve exited %v after SIGTERM, over its limit of %v", took, limit)
	}
	if took < limit-time.Second {
		t.Errorf("serve exited %v after SIGTERM; the stuck request should have held it to the limit of %v", took, limit)
	}
	if n := resets.Load(); n > 0 {
		t.Errorf("%d requests on kept-alive connections failed (first: %v); want none", n, firstReset.Load())
	}
	// The stuck request was cut, not answered.
	_ = stuck.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := http.ReadResponse(bufio.NewReader(stuck), nil); err == nil {
		t.Errorf("the stuck request was answered")
	} else if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !strings.Contains(err.Error(), "reset") {
		t.Logf("stuck request: %v", err)
	}
}
