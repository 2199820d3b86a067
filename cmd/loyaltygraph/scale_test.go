//go:build scale

// The scale tests (make test-scale) start three `serve` processes of the
// built binary on one PostgreSQL database and one Redis, and show that the
// service is stateless: whatever one replica starts, another finishes.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"

	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/user"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/secret"
	"loyaltygraph/store/postgres"
	"loyaltygraph/store/redis"
)

// buildBinary builds loyaltygraph once into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "loyaltygraph")
	start := time.Now()
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built the binary in %s", time.Since(start).Round(time.Millisecond))
	return bin
}

// startProcess runs `bin serve` with e until the test ends and waits for
// its "listening" log line.
func startProcess(t *testing.T, bin string, e env, name string) *server {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range e {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logs := &testenv.LogBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	s := &server{logs: logs, done: make(chan error, 1),
		client: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
	go func() { s.done <- cmd.Wait() }()
	s.cancel = func() { _ = cmd.Process.Signal(syscall.SIGTERM) }
	t.Cleanup(func() {
		s.cancel()
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("%s did not stop within 20s of SIGTERM", name)
		}
		if t.Failed() {
			t.Logf("%s logs:\n%s", name, logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for s.addr == "" {
		select {
		case err := <-s.done:
			t.Fatalf("%s exited before listening: %v\nlogs:\n%s", name, err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no \"listening\" log line within 30s; logs:\n%s", name, logs.String())
		}
		if line := findLog(logs.String(), "listening"); line != nil {
			s.addr, _ = line["addr"].(string)
		}
	}
	s.base = "http://" + s.addr
	return s
}

// hook records webhook deliveries by webhook-id.
type hook struct {
	mu  sync.Mutex
	ids map[string]int
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.ids[r.Header.Get("webhook-id")]++
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *hook) snapshot() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]int, len(h.ids))
	for k, v := range h.ids {
		out[k] = v
	}
	return out
}

func TestThreeReplicas(t *testing.T) {
	bin := buildBinary(t)
	e := testEnv(t).with("LG_ENV", "dev", "NOTIFY_ALLOW_PRIVATE", "true", "SMS_SENDER", "")
	ctx := context.Background()
	db, err := postgres.Open(ctx, e["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	partner := newCredential(t, e, "partner", "scale partner")
	settler := newCredential(t, e, "settlement", "scale settlement")
	partnerAuth := basicAuth(partner["username"], partner["secret"])
	settlerAuth := basicAuth(settler["username"], settler["secret"])

	replicas := []*server{startProcess(t, bin, e, "A"), startProcess(t, bin, e, "B"), startProcess(t, bin, e, "C")}
	a, b, c := replicas[0], replicas[1], replicas[2]

	// A user of the partner with a card of token tok-scale.
	var partnerID int64
	if err := db.Pool.QueryRow(ctx, `SELECT id FROM credentials WHERE username = $1`, partner["username"]).Scan(&partnerID); err != nil {
		t.Fatal(err)
	}
	keys, err := secret.NewKeys([]byte(e["SECRET_KEY"]))
	if err != nil {
		t.Fatal(err)
	}
	phone := "4521" + fmt.Sprintf("%06d", time.Now().UnixNano()%1000000)
	now := time.Now().UTC()
	u := &user.User{ID: ids.New(), Provider: user.Provider{ID: partnerID}, Phone: phone, MemberID: ids.LowerAlnum(8), CreatedAt: now, UpdatedAt: now}
	sealed, err := keys.Seal([]byte("tok-scale"))
	if err != nil {
		t.Fatal(err)
	}
	card := &user.Card{ID: ids.New(), TruncatedPAN: "457100XXXXXX0001", SealedToken: sealed, TokenHash: keys.LookupHash([]byte("tok-scale")), CreatedAt: now}
	if err := postgres.NewUserStore(db, nil, nil).CreateUser(ctx, u, card, nil); err != nil {
		t.Fatal(err)
	}

	var accessToken string
	t.Run("an OTP requested through one replica is validated through another", func(t *testing.T) {
		wantStatus(t, "request token on A", a.do(t, "POST", "/api/v1/authenticate", map[string]any{"phonenumber": phone}, "Authorization", partnerAuth), http.StatusAccepted)
		var body string
		deadline := time.Now().Add(10 * time.Second)
		for body == "" {
			err := db.Pool.QueryRow(ctx, `SELECT body FROM sent_messages WHERE recipient = $1 ORDER BY id DESC LIMIT 1`, phone).Scan(&body)
			if err != nil && err != pgx.ErrNoRows {
				t.Fatal(err)
			}
			if time.Now().After(deadline) {
				t.Fatal("no OTP message within 10s")
			}
			time.Sleep(20 * time.Millisecond)
		}
		code := ""
		for _, f := range strings.Fields(body) {
			if len(strings.Trim(f, ".:")) >= 4 && strings.Trim(strings.Trim(f, ".:"), "0123456789") == "" {
				code = strings.Trim(f, ".:")
			}
		}
		if code == "" {
			t.Fatalf("no code in %q", body)
		}
		r := b.do(t, "POST", "/api/v1/authenticate/verify", map[string]any{"phonenumber": phone, "otp": code}, "Authorization", partnerAuth)
		wantStatus(t, "verify on B", r, http.StatusOK)
		var tok map[string]string
		r.json(t, &tok)
		accessToken = tok["accessToken"]
		// The code was consumed: C refuses it.
		if r := c.do(t, "POST", "/api/v1/authenticate/verify", map[string]any{"phonenumber": phone, "otp": code}, "Authorization", partnerAuth); r.status == http.StatusOK {
			t.Fatal("a used code was accepted by another replica")
		}
	})
	if accessToken == "" {
		t.Fatal("no access token")
	}

	// The partner's RECEIPT endpoint, set through C.
	h := &hook{ids: map[string]int{}}
	receiver := httptest.NewServer(h)
	defer receiver.Close()
	_, res := c.graphql(t, partnerAuth, `mutation($url: String!) { setNotificationEndpoint(input: {type: RECEIPT, url: $url}) { userErrors { message } } }`,
		map[string]any{"url": receiver.URL})
	if len(res.Errors) > 0 || strings.Contains(string(res.Data), `"message"`) {
		t.Fatalf("set endpoint: %s %+v", res.Data, res.Errors)
	}
	// A merchant of the settlement client, and its till.
	merchantID := "m" + ids.LowerAlnum(10)
	wantStatus(t, "create merchant on A", a.do(t, "POST", "/api/v1/merchants", map[string]any{"merchantId": merchantID, "merchantName": "Scale"},
		"Authorization", settlerAuth), http.StatusCreated)
	var pos map[string]string
	if err := json.Unmarshal([]byte(mustRun(t, e, "credentials", "create", "pos", "till", "--merchant", merchantID)), &pos); err != nil {
		t.Fatal(err)
	}
	posAuth := basicAuth(pos["username"], pos["secret"])
	seq := 0
	postReceipt := func(s *server) string {
		t.Helper()
		seq++
		r := s.do(t, "POST", "/api/receipt-receiver/v2/receipts", map[string]any{
			"externalReceiptId": fmt.Sprintf("scale-%d-%s", seq, ids.LowerAlnum(4)), "externalReceiptIdType": "till",
			"purchaseDateTime": "2026-11-01T10:34:23+02:00", "storeId": "s1", "storeName": "Scale Store",
			"totalOrderPrice": map[string]any{"amount": 10, "currency": "DKK", "vatRates": []any{map[string]any{"rate": 25, "value": 2}}},
			"receiptLines":    []any{map[string]any{"lineNumber": 1, "name": "Bolle", "count": 1, "itemPrice": "10", "totalPrice": 10, "vatRate": 25}},
			"payments": []any{map[string]any{"type": "CARD", "amount": "10", "cardToken": "tok-scale",
				"truncatedCardNumber": "457100XXXXXX0001", "transactionId": "3" + ids.LowerAlnum(8)}},
		}, "Authorization", posAuth)
		wantStatus(t, "post receipt", r, http.StatusCreated)
		var out map[string]any
		r.json(t, &out)
		return out["receiptId"].(string)
	}

	t.Run("a subscriber on replica A receives a receipt posted to replica B", func(t *testing.T) {
		wsCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		conn, _, err := websocket.Dial(wsCtx, "ws://"+a.addr+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
		write := func(v any) {
			bts, _ := json.Marshal(v)
			if err := conn.Write(wsCtx, websocket.MessageText, bts); err != nil {
				t.Fatal(err)
			}
		}
		read := func() map[string]any {
			for {
				_, bts, err := conn.Read(wsCtx)
				if err != nil {
					t.Fatalf("read: %v", err)
				}
				var m map[string]any
				_ = json.Unmarshal(bts, &m)
				if m["type"] == "ping" {
					write(map[string]any{"type": "pong"})
					continue
				}
				return m
			}
		}
		write(map[string]any{"type": "connection_init", "payload": map[string]any{"X-Storebox-user-token": accessToken}})
		if m := read(); m["type"] != "connection_ack" {
			t.Fatalf("init: %v", m)
		}
		write(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": `subscription { receiptAdded { receiptId } }`}})
		// SSE on C too, as the partner.
		sse := sseOn(t, c, partnerAuth, u.ID)
		waitLeases(t, e, 2)

		// The POS authenticates with Basic (argon2id at production cost),
		// so the clock starts when the POST is answered: the receipt is
		// stored then.
		before := time.Now()
		id := postReceipt(b)
		start := time.Now()
		t.Logf("the POST to B took %s", start.Sub(before).Round(time.Millisecond))
		got := make(chan map[string]any, 1)
		go func() { got <- read() }()
		select {
		case m := <-got:
			if !strings.Contains(fmt.Sprint(m["payload"]), id) {
				t.Fatalf("got %v, want receipt %s", m, id)
			}
			t.Logf("graphql-transport-ws on A: receiptAdded %s after the POST to B", time.Since(start).Round(time.Millisecond))
		case <-time.After(time.Second):
			t.Fatal("no receiptAdded on A within 1s of the POST to B")
		}
		select {
		case ev := <-sse:
			if !strings.Contains(ev, id) {
				t.Fatalf("SSE got %s, want receipt %s", ev, id)
			}
			t.Logf("SSE on C: receiptAdded %s after the POST to B", time.Since(start).Round(time.Millisecond))
		case <-time.After(time.Second):
			t.Fatal("no receiptAdded over SSE on C within 1s of the POST to B")
		}
	})

	t.Run("each outbox event is delivered once per attempt, not once per replica", func(t *testing.T) {
		for i := range 12 {
			postReceipt(replicas[i%3])
		}
		var events int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM notification_deliveries WHERE owner_id = $1`, partnerID).Scan(&events); err != nil {
			t.Fatal(err)
		}
		if events != 13 {
			t.Fatalf("%d deliveries recorded, want 13 (one per receipt)", events)
		}
		deadline := time.Now().Add(15 * time.Second)
		for len(h.snapshot()) < events && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(1500 * time.Millisecond) // room for duplicates to show
		got := h.snapshot()
		if len(got) != events {
			t.Fatalf("%d distinct events delivered, want %d", len(got), events)
		}
		for id, n := range got {
			if n != 1 {
				t.Errorf("event %s delivered %d times", id, n)
			}
		}
		var undelivered, retried int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state <> 'delivered'), count(*) FILTER (WHERE attempt <> 1)
			FROM notification_deliveries WHERE owner_id = $1`, partnerID).Scan(&undelivered, &retried); err != nil {
			t.Fatal(err)
		}
		if undelivered != 0 || retried != 0 {
			t.Fatalf("%d undelivered, %d with more than one attempt", undelivered, retried)
		}
	})

	t.Run("a settlement batch takes each settlement once under concurrent calls to all three", func(t *testing.T) {
		const n = 300
		if _, err := db.Pool.Exec(ctx, `
			INSERT INTO settlements (settlement_id, merchant_id, source, transaction_id, transaction_at, processed_at,
				amount, currency, user_share, provider_share, user_share_type, provider_share_type, user_id)
			SELECT 'scale-' || g, $1, 'transaction', 'scale-tx-' || g, now(), now(), 10, 'DKK', 1, 1, 'PERCENTAGE', 'PERCENTAGE', $2
			FROM generate_series(1, $3) g`, merchantID, u.ID, n); err != nil {
			t.Fatal(err)
		}
		var total int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM settlements s JOIN merchants m USING (merchant_id)
			WHERE s.settlement_batch_id IS NULL AND m.merchant_id = $1`, merchantID).Scan(&total); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		taken, batches := 0, map[string]bool{}
		for i := range 12 {
			wg.Add(1)
			go func(s *server) {
				defer wg.Done()
				r := s.do(t, "POST", "/api/v1/settlements/batches", nil, "Authorization", settlerAuth)
				if r.status != http.StatusCreated && r.status != http.StatusOK {
					t.Errorf("create batch: %d %s", r.status, r.body)
					return
				}
				var out struct {
					BatchID     string `json:"batchId"`
					Settlements int    `json:"settlements"`
				}
				r.json(t, &out)
				mu.Lock()
				taken += out.Settlements
				batches[out.BatchID] = true
				mu.Unlock()
			}(replicas[i%3])
		}
		wg.Wait()
		if taken != total {
			t.Fatalf("the batches took %d settlements, want %d", taken, total)
		}
		var left, inBatches int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE settlement_batch_id IS NULL), count(*) FILTER (WHERE settlement_batch_id IS NOT NULL)
			FROM settlements WHERE merchant_id = $1`, merchantID).Scan(&left, &inBatches); err != nil {
			t.Fatal(err)
		}
		if left != 0 || inBatches != total || len(batches) != 12 {
			t.Fatalf("%d left unbatched, %d batched of %d, %d batches", left, inBatches, total, len(batches))
		}
		t.Logf("12 concurrent batches over 3 replicas took %d settlements, each once", total)
	})
}

// sseOn subscribes to a user's receipts over SSE on s and returns the data
// lines of the events.
func sseOn(t *testing.T, s *server, authz, userID string) <-chan string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": `subscription($u: ID) { receiptAdded(userId: $u) { receiptId } }`,
		"variables": map[string]any{"u": userID}})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "POST", s.base+"/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", authz)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = res.Body.Close() })
	out := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				out <- d
			}
		}
	}()
	return out
}

// waitLeases waits until n subscriptions hold leases in Redis (under the
// replicas' key prefix), whichever replica serves them.
func waitLeases(t *testing.T, e env, n int) {
	t.Helper()
	ctx := context.Background()
	rc, err := redis.Open(ctx, e["REDIS_URL"], e["REDIS_PREFIX"])
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		keys, err := rc.Redis().Keys(ctx, e["REDIS_PREFIX"]+"live:holder:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, k := range keys {
			c, _ := rc.Redis().ZCard(ctx, k).Result()
			total += int(c)
		}
		if total == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d subscription leases, want %d", total, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
