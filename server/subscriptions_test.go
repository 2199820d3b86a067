package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"loyaltygraph/app/live"
	"loyaltygraph/domain/auth"
	"loyaltygraph/domain/ids"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/user"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
	"loyaltygraph/secret"
	"loyaltygraph/store/postgres"
)

// liveEnv is a served app with a merchant and its till, two partners, and
// users: alice (card token tok-a) and bob (tok-b) of the first partner.
type liveEnv struct {
	t                  *testing.T
	app                *wire.App
	srv                *httptest.Server
	pos, partner       string // Authorization header values
	other, settlement  string
	partnerID          int64
	alice, bob         string
	aliceToken         string // alice's access token
	merchant           string
	seq                int
	partnerCredentials *auth.NewCredential
}

func newLiveEnv(t *testing.T, opts wire.Options) *liveEnv {
	ctx := context.Background()
	a := testenv.AppWith(t, opts)
	e := &liveEnv{t: t, app: a, merchant: "m" + ids.LowerAlnum(10)}
	db := testenv.DB(t)
	if _, err := db.Pool.Exec(ctx, `INSERT INTO merchants (merchant_id, name) VALUES ($1, 'Ærø Bageri')`, e.merchant); err != nil {
		t.Fatal(err)
	}
	pos, err := a.Auth.CreatePOSCredential(ctx, "till 1", e.merchant)
	if err != nil {
		t.Fatal(err)
	}
	p := testenv.Credential(t, a, auth.KindPartner)
	o := testenv.Credential(t, a, auth.KindPartner)
	s := testenv.Credential(t, a, auth.KindSettlement)
	e.partnerCredentials = p
	e.pos, e.partner = testenv.BasicAuth(pos.Username, pos.Secret), testenv.BasicAuth(p.Username, p.Secret)
	e.other, e.settlement = testenv.BasicAuth(o.Username, o.Secret), testenv.BasicAuth(s.Username, s.Secret)
	pp, err := a.Auth.AuthenticateBasic(ctx, p.Username, p.Secret)
	if err != nil {
		t.Fatal(err)
	}
	e.partnerID = pp.CredentialID
	e.alice = e.newUser(db, "tok-a")
	e.bob = e.newUser(db, "tok-b")
	tokens, err := secret.NewUserTokens(testenv.SecretKey, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if e.aliceToken, err = tokens.Issue(e.alice, "4500000001", e.partnerID); err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(a.Handler)
	t.Cleanup(e.srv.Close)
	t.Cleanup(a.Streams.Close) // before the server waits for its connections
	return e
}

func (e *liveEnv) newUser(db *postgres.DB, tok string) string {
	e.t.Helper()
	e.seq++
	now := time.Now().UTC()
	u := &user.User{ID: ids.New(), Provider: user.Provider{ID: e.partnerID}, Phone: fmt.Sprintf("45%08d", e.seq*7919),
		MemberID: ids.LowerAlnum(8), CreatedAt: now, UpdatedAt: now}
	sealed, err := e.app.Keys.Seal([]byte(tok))
	if err != nil {
		e.t.Fatal(err)
	}
	card := &user.Card{ID: ids.New(), TruncatedPAN: "457100XXXXXX0001", SealedToken: sealed,
		TokenHash: e.app.Keys.LookupHash([]byte(tok)), CreatedAt: now}
	if err := postgres.NewUserStore(db, nil, nil).CreateUser(context.Background(), u, card, nil); err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

// postReceipt posts a receipt paid with the card of token tok through the
// till and returns its id.
func (e *liveEnv) postReceipt(tok string) string {
	e.t.Helper()
	e.seq++
	ext := fmt.Sprintf("ext-%d-%s", e.seq, ids.LowerAlnum(6))
	body := map[string]any{
		"externalReceiptId": ext, "externalReceiptIdType": "till", "purchaseDateTime": "2026-11-01T10:34:23+02:00",
		"storeId": "s1", "storeName": "Ærø Bageri Nørrebro", "orderNumber": "42",
		"totalOrderPrice": map[string]any{"amount": 34.5, "currency": "DKK", "vatRates": []any{map[string]any{"rate": 25, "value": 6.9}}},
		"receiptLines":    []any{map[string]any{"lineNumber": 1, "name": "Smørrebrød", "count": 2, "itemPrice": "17.25", "totalPrice": 34.5, "vatRate": 25}},
		"payments": []any{map[string]any{"type": "CARD", "amount": "34.50", "cardToken": tok,
			"truncatedCardNumber": "457100XXXXXX0001", "transactionId": "30000" + ids.LowerAlnum(4)}},
	}
	res := testenv.Do(e.t, e.app.Handler, "POST", "/api/receipt-receiver/v2/receipts", body, "Authorization", e.pos)
	if res.Status != http.StatusCreated {
		e.t.Fatalf("post receipt: %d %s", res.Status, res.Body)
	}
	return res.Object(e.t)["receiptId"].(string)
}

// waitSubscribed waits until p holds n open subscriptions.
func (e *liveEnv) waitSubscribed(p *auth.Principal, n int) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := e.app.Live.Active(context.Background(), live.Holder(p))
		if err != nil {
			e.t.Fatal(err)
		}
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%d subscriptions open, want %d", got, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (e *liveEnv) alicePrincipal() *auth.Principal {
	return &auth.Principal{Kind: auth.KindUser, UserID: e.alice, ProviderID: e.partnerID}
}

// wsClient speaks graphql-transport-ws.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
	msgs chan wsMessage
	// closed receives the close status once the server closes.
	closed chan websocket.StatusCode
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// dialWS opens a graphql-transport-ws connection and sends connection_init
// with payload; it does not wait for the acknowledgement.
func dialWS(t *testing.T, srv *httptest.Server, payload map[string]any) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c := &wsClient{t: t, conn: conn, msgs: make(chan wsMessage, 100), closed: make(chan websocket.StatusCode, 1)}
	t.Cleanup(func() { _ = conn.CloseNow() })
	go func() {
		for {
			_, b, err := conn.Read(context.Background())
			if err != nil {
				c.closed <- websocket.CloseStatus(err)
				close(c.msgs)
				return
			}
			var m wsMessage
			if json.Unmarshal(b, &m) != nil {
				continue
			}
			if m.Type == "ping" {
				_ = conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":"pong"}`))
				continue
			}
			c.msgs <- m
		}
	}()
	c.send(wsMessage{Type: "connection_init", Payload: mustJSON(payload)})
	return c
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

func (c *wsClient) send(m wsMessage) {
	c.t.Helper()
	b, _ := json.Marshal(m)
	if err := c.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// next returns the next message within d, or fails.
func (c *wsClient) next(d time.Duration) wsMessage {
	c.t.Helper()
	select {
	case m, ok := <-c.msgs:
		if !ok {
			c.t.Fatalf("connection closed (%v)", <-c.closed)
		}
		return m
	case <-time.After(d):
		c.t.Fatalf("no message within %s", d)
	}
	return wsMessage{}
}

// ack waits for connection_ack.
func (c *wsClient) ack() {
	c.t.Helper()
	if m := c.next(5 * time.Second); m.Type != "connection_ack" {
		c.t.Fatalf("got %s %s, want connection_ack", m.Type, m.Payload)
	}
}

func (c *wsClient) subscribe(id, query string, vars map[string]any) {
	c.t.Helper()
	c.send(wsMessage{ID: id, Type: "subscribe", Payload: mustJSON(map[string]any{"query": query, "variables": vars})})
}

// quiet fails when a message arrives within d.
func (c *wsClient) quiet(d time.Duration) {
	c.t.Helper()
	select {
	case m, ok := <-c.msgs:
		if ok {
			c.t.Fatalf("unexpected message %s %s", m.Type, m.Payload)
		}
	case <-time.After(d):
	}
}

const receiptAdded = `subscription($userId: ID) { receiptAdded(userId: $userId) { receiptId storeName } }`

type receiptAddedData struct {
	Data struct {
		ReceiptAdded struct {
			ReceiptID string `json:"receiptId"`
			StoreName string `json:"storeName"`
		} `json:"receiptAdded"`
	} `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func TestReceiptAddedOverWebSocketWithinOneSecondOfThePOSPost(t *testing.T) {
	e := newLiveEnv(t, wire.Options{})
	c := dialWS(t, e.srv, map[string]any{"X-Storebox-user-token": e.aliceToken})
	c.ack()
	c.subscribe("1", receiptAdded, nil)
	e.waitSubscribed(e.alicePrincipal(), 1)

	start := time.Now()
	id := e.postReceipt("tok-a")
	m := c.next(time.Second)
	if took := time.Since(start); took > time.Second {
		t.Fatalf("receiptAdded took %s", took)
	}
	var got receiptAddedData
	if m.Type != "next" || json.Unmarshal(m.Payload, &got) != nil || got.Data.ReceiptAdded.ReceiptID != id ||
		got.Data.ReceiptAdded.StoreName != "Ærø Bageri Nørrebro" {
		t.Fatalf("got %s %s, want receipt %s", m.Type, m.Payload, id)
	}
	t.Logf("receiptAdded over graphql-transport-ws %s after the POS post", time.Since(start))

	// Stopping the subscription releases its slot.
	c.send(wsMessage{ID: "1", Type: "complete"})
	e.waitSubscribed(e.alicePrincipal(), 0)
}

// sseStream posts a subscription with Accept: text/event-stream and
// returns its events' data lines.
func sseStream(t *testing.T, srv *httptest.Server, authz, query string, vars map[string]any, headers ...string) (<-chan string, *http.Response) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = res.Body.Close() })
	events := make(chan string, 100)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			line := sc.Text()
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				events <- data
			} else if line == "event: complete" {
				events <- "complete"
			}
		}
	}()
	return events, res
}

func nextEvent(t *testing.T, events <-chan string, d time.Duration) string {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("stream ended")
		}
		return ev
	case <-time.After(d):
		t.Fatalf("no event within %s", d)
	}
	return ""
}

func TestReceiptAddedOverSSEWithinOneSecondOfThePOSPost(t *testing.T) {
	e := newLiveEnv(t, wire.Options{})
	events, res := sseStream(t, e.srv, e.partner, receiptAdded, map[string]any{"userId": e.alice})
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("Content-Type %q", ct)
	}
	partner := &auth.Principal{Kind: auth.KindPartner, CredentialID: e.partnerID}
	e.waitSubscribed(partner, 1)

	start := time.Now()
	id := e.postReceipt("tok-a")
	ev := nextEvent(t, events, time.Second)
	var got receiptAddedData
	if json.Unmarshal([]byte(ev), &got) != nil || got.Data.ReceiptAdded.ReceiptID != id {
		t.Fatalf("event %s, want receipt %s", ev, id)
	}
	t.Logf("receiptAdded over SSE %s after the POS post", time.Since(start))
}

func TestAnotherUsersReceiptsAreNeverDelivered(t *testing.T) {
	e := newLiveEnv(t, wire.Options{})
	c := dialWS(t, e.srv, map[string]any{"X-Storebox-user-token": e.aliceToken})
	c.ack()
	c.subscribe("1", receiptAdded, nil)
	e.waitSubscribed(e.alicePrincipal(), 1)

	e.postReceipt("tok-b") // bob's
	c.quiet(700 * time.Millisecond)
	id := e.postReceipt("tok-a")
	var got receiptAddedData
	if m := c.next(time.Second); json.Unmarshal(m.Payload, &got) != nil || got.Data.ReceiptAdded.ReceiptID != id {
		t.Fatalf("got %s, want alice's receipt %s", m.Payload, id)
	}

	// An end user cannot name another user, nor can another partner.
	c.subscribe("2", receiptAdded, map[string]any{"userId": e.bob})
	if m := c.next(2 * time.Second); m.Type != "next" || !strings.Contains(string(m.Payload), "NOT_FOUND") {
		t.Fatalf("alice subscribing to bob: %s %s", m.Type, m.Payload)
	}
	o := dialWS(t, e.srv, map[string]any{"Authorization": e.other})
	o.ack()
	o.subscribe("1", receiptAdded, map[string]any{"userId": e.alice})
	if m := o.next(2 * time.Second); m.Type != "next" || !strings.Contains(string(m.Payload), "NOT_FOUND") {
		t.Fatalf("another partner subscribing to alice: %s %s", m.Type, m.Payload)
	}
}

func TestUnauthorisedSubscriptionsAreRefused(t *testing.T) {
	e := newLiveEnv(t, wire.Options{})

	// Bad credentials in connection_init close the connection (4403).
	bad := dialWS(t, e.srv, map[string]any{"X-Storebox-user-token": "not-a-token"})
	select {
	case m, ok := <-bad.msgs:
		if ok && m.Type == "connection_ack" {
			t.Fatal("a bad token was acknowledged")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no answer to a bad token")
	}
	if code := <-bad.closed; code != 4403 {
		t.Fatalf("close status %d, want 4403", code)
	}
	wrong := dialWS(t, e.srv, map[string]any{"Authorization": testenv.BasicAuth(e.partnerCredentials.Username, "wrong")})
	if code := <-wrong.closed; code != 4403 {
		t.Fatalf("close status %d for a wrong secret, want 4403", code)
	}

	cases := []struct {
		name, want, query string
		init              map[string]any
		vars              map[string]any
	}{
		{"anonymous", "UNAUTHENTICATED", receiptAdded, map[string]any{}, map[string]any{"userId": e.alice}},
		{"settlement client on receipts", "FORBIDDEN", receiptAdded, map[string]any{"Authorization": e.settlement}, map[string]any{"userId": e.alice}},
		{"partner without userId", "BAD_USER_INPUT", receiptAdded, map[string]any{"Authorization": e.partner}, nil},
		{"end user on settlement batches", "FORBIDDEN", `subscription { settlementBatchCreated { batchId } }`,
			map[string]any{"X-Storebox-user-token": e.aliceToken}, nil},
		{"partner on settle runs", "FORBIDDEN", `subscription { merchantsSettled { settlementId } }`,
			map[string]any{"Authorization": e.partner}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dialWS(t, e.srv, tc.init)
			c.ack()
			c.subscribe("1", tc.query, tc.vars)
			m := c.next(2 * time.Second)
			if !strings.Contains(string(m.Payload), `"`+tc.want+`"`) {
				t.Fatalf("got %s %s, want %s", m.Type, m.Payload, tc.want)
			}
		})
	}

	// Over SSE: anonymous and a forbidden kind alike.
	events, _ := sseStream(t, e.srv, "", receiptAdded, map[string]any{"userId": e.alice})
	if ev := nextEvent(t, events, 2*time.Second); !strings.Contains(ev, "UNAUTHENTICATED") {
		t.Fatalf("anonymous SSE: %s", ev)
	}
	events, _ = sseStream(t, e.srv, e.settlement, receiptAdded, map[string]any{"userId": e.alice})
	if ev := nextEvent(t, events, 2*time.Second); !strings.Contains(ev, "FORBIDDEN") {
		t.Fatalf("settlement client SSE: %s", ev)
	}
	// Bad credentials on the stream request itself: 401 before any stream.
	_, res := sseStream(t, e.srv, testenv.BasicAuth(e.partnerCredentials.Username, "wrong"), receiptAdded, nil)
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("SSE with a wrong secret: %d", res.StatusCode)
	}
}

func TestSubscriptionLimitsPerConnectionAndPerPrincipal(t *testing.T) {
	e := newLiveEnv(t, wire.Options{SubscriptionsPerConnection: 2, SubscriptionsPerPrincipal: 3})
	alice := e.alicePrincipal()
	init := map[string]any{"X-Storebox-user-token": e.aliceToken}

	c1 := dialWS(t, e.srv, init)
	c1.ack()
	c1.subscribe("1", receiptAdded, nil)
	c1.subscribe("2", receiptAdded, nil)
	e.waitSubscribed(alice, 2)
	c1.subscribe("3", receiptAdded, nil)
	if m := c1.next(2 * time.Second); m.ID != "3" || !strings.Contains(string(m.Payload), "too many subscriptions on this connection") {
		t.Fatalf("third on one connection: %s %s", m.Type, m.Payload)
	}

	c2 := dialWS(t, e.srv, init)
	c2.ack()
	c2.subscribe("1", receiptAdded, nil)
	e.waitSubscribed(alice, 3)
	c2.subscribe("2", receiptAdded, nil)
	if m := c2.next(2 * time.Second); m.ID != "2" || !strings.Contains(string(m.Payload), "RATE_LIMITED") {
		t.Fatalf("fourth of one principal: %s %s", m.Type, m.Payload)
	}
	// SSE counts against the same principal.
	events, _ := sseStream(t, e.srv, "", receiptAdded, nil, "X-Storebox-user-token", e.aliceToken)
	if ev := nextEvent(t, events, 2*time.Second); !strings.Contains(ev, "RATE_LIMITED") {
		t.Fatalf("SSE over the principal's limit: %s", ev)
	}

	// Closing a connection frees its subscriptions.
	_ = c1.conn.Close(websocket.StatusNormalClosure, "")
	e.waitSubscribed(alice, 1)
	c2.subscribe("3", receiptAdded, nil)
	e.waitSubscribed(alice, 2)
}

func TestSubscriptionsEndCleanlyOnShutdown(t *testing.T) {
	e := newLiveEnv(t, wire.Options{})
	c := dialWS(t, e.srv, map[string]any{"X-Storebox-user-token": e.aliceToken})
	c.ack()
	c.subscribe("1", receiptAdded, nil)
	events, _ := sseStream(t, e.srv, e.partner, receiptAdded, map[string]any{"userId": e.alice})
	partner := &auth.Principal{Kind: auth.KindPartner, CredentialID: e.partnerID}
	e.waitSubscribed(e.alicePrincipal(), 1)
	e.waitSubscribed(partner, 1)

	e.app.Streams.Close()
	select {
	case code := <-c.closed:
		if code != websocket.StatusNormalClosure {
			t.Fatalf("close status %d, want 1000", code)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the WebSocket stayed open")
	}
	deadline := time.After(3 * time.Second)
	for {
		select {
		case _, ok := <-events:
			if !ok {
				e.waitSubscribed(partner, 0)
				e.waitSubscribed(e.alicePrincipal(), 0)
				return
			}
		case <-deadline:
			t.Fatal("the SSE stream stayed open")
		}
	}
}

func TestWebSocketKeepAlivePings(t *testing.T) {
	e := newLiveEnv(t, wire.Options{SubscriptionKeepAlive: 200 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	_ = conn.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_init","payload":{}}`))
	pings := 0
	for pings < 2 {
		_, b, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v (after %d pings)", err, pings)
		}
		if strings.Contains(string(b), `"ping"`) {
			pings++
			_ = conn.Write(ctx, websocket.MessageText, []byte(`{"type":"pong"}`))
		}
	}
}

func TestCardAddedReachesTheUserAndItsPartnerOnly(t *testing.T) {
	e := newLiveEnv(t, wire.Options{})
	c := dialWS(t, e.srv, map[string]any{"X-Storebox-user-token": e.aliceToken})
	c.ack()
	c.subscribe("1", `subscription { cardAdded { cardId truncatedCardNumber } }`, nil)
	p := dialWS(t, e.srv, map[string]any{"Authorization": e.partner})
	p.ack()
	p.subscribe("1", `subscription($u: ID) { cardAdded(userId: $u) { cardId } }`, map[string]any{"u": e.bob})
	e.waitSubscribed(e.alicePrincipal(), 1)
	e.waitSubscribed(&auth.Principal{Kind: auth.KindPartner, CredentialID: e.partnerID}, 1)

	// A card added to alice, with its CARD_CREATED event in the outbox, as
	// the card frame and BankAxept paths store them.
	db := testenv.DB(t)
	store := postgres.NewUserStore(db, postgres.NewOutbox(e.app.Jobs), nil)
	now := time.Now().UTC()
	sealed, _ := e.app.Keys.Seal([]byte("tok-new"))
	card := &user.Card{ID: ids.New(), UserID: e.alice, TruncatedPAN: "457100XXXXXX0002", SealedToken: sealed,
		TokenHash: e.app.Keys.LookupHash([]byte("tok-new")), CreatedAt: now, Name: "Visa"}
	ev := notify.Event{Type: notify.EventCardCreated, OwnerID: e.partnerID, UserID: e.alice, ObjectID: card.ID,
		Payload: map[string]any{"id": e.alice, "cardid": card.ID}}
	if _, err := store.AddCard(context.Background(), e.partnerID, card, ev); err != nil {
		t.Fatal(err)
	}
	if m := c.next(time.Second); m.Type != "next" || !strings.Contains(string(m.Payload), card.ID) ||
		!strings.Contains(string(m.Payload), "457100XXXXXX0002") {
		t.Fatalf("cardAdded: %s %s", m.Type, m.Payload)
	}
	p.quiet(500 * time.Millisecond) // bob's subscription hears nothing of alice's card
}

func TestSettlementSubscriptionsReachTheirClientAndAdmins(t *testing.T) {
	e := newLiveEnv(t, wire.Options{})
	otherClient := testenv.Credential(t, e.app, auth.KindSettlement)
	admin := testenv.Credential(t, e.app, auth.KindAdmin)
	const subs = `subscription { settlementBatchCreated { batchId } }`
	const runs = `subscription { merchantsSettled { settlementId } }`
	own := dialWS(t, e.srv, map[string]any{"Authorization": e.settlement})
	own.ack()
	own.subscribe("b", subs, nil)
	own.subscribe("r", runs, nil)
	other := dialWS(t, e.srv, map[string]any{"Authorization": testenv.BasicAuth(otherClient.Username, otherClient.Secret)})
	other.ack()
	other.subscribe("b", subs, nil)
	ad := dialWS(t, e.srv, map[string]any{"Authorization": testenv.BasicAuth(admin.Username, admin.Secret)})
	ad.ack()
	ad.subscribe("b", subs, nil)
	for _, cred := range []struct{ auth string }{{e.settlement}, {testenv.BasicAuth(otherClient.Username, otherClient.Secret)},
		{testenv.BasicAuth(admin.Username, admin.Secret)}} {
		req, _ := http.NewRequest("GET", "/", nil)
		req.Header.Set("Authorization", cred.auth)
		user, secret, _ := req.BasicAuth()
		p, err := e.app.Auth.AuthenticateBasic(context.Background(), user, secret)
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if p.Kind == auth.KindSettlement && cred.auth == e.settlement {
			want = 2
		}
		e.waitSubscribed(p, want)
	}

	res := testenv.Do(t, e.app.Handler, "POST", "/graphql", map[string]any{"query": `mutation { createSettlementBatch { batch { batchId } userErrors { message } } }`},
		"Authorization", e.settlement)
	var out struct {
		Data struct {
			CreateSettlementBatch struct {
				Batch struct {
					BatchID string `json:"batchId"`
				} `json:"batch"`
			} `json:"createSettlementBatch"`
		} `json:"data"`
	}
	res.JSON(t, &out)
	batchID := out.Data.CreateSettlementBatch.Batch.BatchID
	if batchID == "" {
		t.Fatalf("create batch: %s", res.Body)
	}
	for who, c := range map[string]*wsClient{"its client": own, "an admin": ad} {
		if m := c.next(time.Second); m.ID != "b" || !strings.Contains(string(m.Payload), batchID) {
			t.Fatalf("%s: %s %s", who, m.Type, m.Payload)
		}
	}
	other.quiet(500 * time.Millisecond)

	res = testenv.Do(t, e.app.Handler, "POST", "/graphql", map[string]any{"query": `mutation { settleMerchants { run { settlementId } userErrors { message } } }`},
		"Authorization", e.settlement)
	if !strings.Contains(string(res.Body), "settlementId") {
		t.Fatalf("settle: %s", res.Body)
	}
	if m := own.next(time.Second); m.ID != "r" || !strings.Contains(string(m.Payload), "settlementId") {
		t.Fatalf("merchantsSettled: %s %s", m.Type, m.Payload)
	}
}
