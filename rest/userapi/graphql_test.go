package userapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"loyaltygraph/internal/testenv"
	"loyaltygraph/internal/wire"
	"loyaltygraph/store/redis"
)

func TestSignupThroughGraphQLReadsThroughREST(t *testing.T) {
	e := newEnv(t)
	_, res := testenv.GraphQL(t, e.app.Handler, e.partner, `mutation {
	  signupWithCardToken(input: {phonenumber: "+45 20 00 00 30", token: "tok-g", tokenType: "viking_nordic"}) {
	    result user { userId } userErrors { field code message }
	  }
	}`, nil)
	if !strings.Contains(string(res.Data), `"result":"VERIFICATION_SENT"`) {
		t.Fatalf("signup: %s %+v", res.Data, res.Errors)
	}
	code := e.lastMatch("4520000030", linkCodeRe)
	_, res = testenv.GraphQL(t, e.app.Handler, e.partner, `query($c: String!) { linkCode(linkCode: $c) { provider phoneNumber linkCode } userByPhone(phonenumber: "4520000030") { userId } }`, map[string]any{"c": code})
	if !strings.Contains(string(res.Data), `"userByPhone":null`) {
		t.Fatalf("user before verify: %s", res.Data)
	}
	if !strings.Contains(string(res.Data), `"phoneNumber":"4520000030"`) {
		t.Fatalf("linkCode: %s %+v", res.Data, res.Errors)
	}
	_, res = testenv.GraphQL(t, e.app.Handler, e.partner, `mutation($c: String!) { verifyLinkCode(linkCode: $c, memberId: "gql-member") { state user { userId memberId cards { nodes { tokenType truncatedPan } } } userErrors { field code } } }`, map[string]any{"c": code})
	var data struct {
		VerifyLinkCode struct {
			State int
			User  struct {
				UserID, MemberID string
				Cards            testenv.Nodes[struct{ TokenType string }]
			}
		}
	}
	if err := json.Unmarshal(res.Data, &data); err != nil || data.VerifyLinkCode.User.MemberID != "gql-member" || len(data.VerifyLinkCode.User.Cards) != 1 {
		t.Fatalf("verify: %s %+v", res.Data, res.Errors)
	}
	r := e.do(e.partner, "GET", "/api/v1/users/"+data.VerifyLinkCode.User.UserID, nil)
	if r.Status != 200 || r.Object(t)["memberId"] != "gql-member" {
		t.Fatalf("REST read: %d %s", r.Status, r.Body)
	}
	// userErrors name the field.
	_, res = testenv.GraphQL(t, e.app.Handler, e.partner, `mutation { signup(input: {phonenumber: "12"}) { result userErrors { field code } } }`, nil)
	if !strings.Contains(string(res.Data), `"field":"phonenumber","code":"INVALID"`) {
		t.Fatalf("userErrors: %s", res.Data)
	}
	_, res = testenv.GraphQL(t, e.app.Handler, "", `{ viewer { userId } }`, nil)
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Fatalf("anonymous viewer: %+v", res)
	}
	_, res = testenv.GraphQL(t, e.app.Handler, e.partner, `query { sentMessages(to: "4520000030") { nodes { body } } }`, nil)
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Fatalf("partner reads SMS: %+v", res)
	}
}

type hook struct {
	Type    string
	Body    map[string]any
	Auth    string
	EventID string
}

func TestUserNotificationsArriveWithStaticHeaders(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var hooks []hook
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(b, &body)
		mu.Lock()
		hooks = append(hooks, hook{Type: r.URL.Query().Get("t"), Body: body, Auth: r.Header.Get("X-Auth"), EventID: r.Header.Get("webhook-id")})
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	for _, typ := range []string{"USER_CREATED", "USER_UPDATED", "USER_DELETED"} {
		_, res := testenv.GraphQL(t, e.app.Handler, e.partner, `mutation($in: SetNotificationEndpointInput!) { setNotificationEndpoint(input: $in) { endpoint { type url } userErrors { field message } } }`,
			map[string]any{"in": map[string]any{"type": typ, "url": srv.URL + "/hook?t=" + typ, "headers": []map[string]string{{"name": "X-Auth", "value": "s3cret"}}}})
		if !strings.Contains(string(res.Data), `"type":"`+typ+`"`) {
			t.Fatalf("set endpoint: %s %+v", res.Data, res.Errors)
		}
	}
	userID := e.linkedUser("4520000040", "tok-n")
	e.do(e.partner, "PUT", "/api/v1/users/"+userID, map[string]any{"parms": []map[string]string{{"name": "age", "value": "30"}}})
	e.do(e.partner, "DELETE", "/api/v1/users/"+userID, nil)

	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := len(hooks)
		mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	got := map[string]hook{}
	for _, h := range hooks {
		if h.Auth != "s3cret" || h.EventID == "" {
			t.Fatalf("hook without its static header or webhook-id: %+v", h)
		}
		got[h.Type] = h
	}
	c, u, d := got["USER_CREATED"], got["USER_UPDATED"], got["USER_DELETED"]
	if c.Body["phoneNumber"] != "4520000040" || c.Body["memberId"] == nil || c.Body["provider"] != "test partner" {
		t.Fatalf("created: %+v", c)
	}
	if parms, _ := u.Body["parms"].([]any); len(parms) != 1 {
		t.Fatalf("updated: %+v", u)
	}
	if d.Body["memberId"] != c.Body["memberId"] || d.Body["provider"] != "test partner" || d.Body["phoneNumber"] != nil {
		t.Fatalf("deleted: %+v", d)
	}
	// The owner sees the deliveries (recorded just after the receiver
	// answered, so give the last one a moment).
	var res *testenv.GraphQLResult
	for {
		_, res = testenv.GraphQL(t, e.app.Handler, e.partner, `{ notificationDeliveries(first: 10) { nodes { type state attempts } } notificationEndpoints { nodes { type headers { name } } } }`, nil)
		if strings.Count(string(res.Data), `"state":"DELIVERED"`) >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.Count(string(res.Data), `"state":"DELIVERED"`) < 3 {
		t.Fatalf("deliveries: %s %+v", res.Data, res.Errors)
	}
	// Private addresses are refused in production settings; this app allows
	// them, so check a malformed URL instead.
	_, res = testenv.GraphQL(t, e.app.Handler, e.partner, `mutation { setNotificationEndpoint(input: {type: USER_CREATED, url: "ftp://x"}) { userErrors { field code } } }`, nil)
	if !strings.Contains(string(res.Data), `"field":"url","code":"INVALID"`) {
		t.Fatalf("bad url: %s", res.Data)
	}
}

// TestRedisDownIsUnavailable: with Redis gone, OTP operations answer 503,
// never a pass.
func TestRedisDownIsUnavailable(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server not installed: run make test")
	}
	port := freePort(t)
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var rc *redis.Client
	for i := 0; ; i++ {
		rc, err = redis.Open(t.Context(), "redis://127.0.0.1:"+strconv.Itoa(port)+"/0", "lgtest-down:")
		if err == nil {
			break
		}
		if i > 50 {
			t.Fatalf("redis did not start: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	redis.UseLogger(testenv.Logger())
	a, err := wire.New(wire.Options{SecretKey: testenv.SecretKey, Log: testenv.Logger(), Argon2: &testenv.CheapArgon2, PublicBaseURL: "http://x"}, testenv.DB(t), rc)
	if err != nil {
		t.Fatal(err)
	}
	cred := testenv.Credential(t, a, "partner")
	authz := testenv.BasicAuth(cred.Username, cred.Secret)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	for _, req := range []struct{ path, body string }{
		{"/api/v1/signup", `{"phonenumber":"4520000050"}`},
		{"/api/v1/otp/validate", `{"phonenumber":"4520000050","otp":"123456"}`},
		{"/api/v1/authenticate/verify", `{"phonenumber":"4520000050","otp":"123456"}`},
	} {
		r := testenv.Do(t, a.Handler, "POST", req.path, req.body, "Authorization", authz, "Content-Type", "application/json")
		if r.Status != http.StatusServiceUnavailable {
			t.Fatalf("%s with Redis down: %d %s", req.path, r.Status, r.Body)
		}
	}
	_, res := testenv.GraphQL(t, a.Handler, authz, `mutation { validateOtp(phonenumber: "4520000050", otp: "123456") { userId } }`, nil)
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "UNAVAILABLE" {
		t.Fatalf("GraphQL with Redis down: %+v", res)
	}
}

func TestUserAndCardNodes(t *testing.T) {
	e := newEnv(t)
	userID := e.linkedUser("4520000060", "tok-node")
	q := `query($id: ID!) { user(userId: $id) { id cards { nodes { id cardId } } } }`
	_, res := testenv.GraphQL(t, e.app.Handler, e.partner, q, map[string]any{"id": userID})
	var data struct {
		User struct {
			ID    string
			Cards testenv.Nodes[struct{ ID, CardID string }]
		}
	}
	if err := json.Unmarshal(res.Data, &data); err != nil || len(data.User.Cards) != 1 {
		t.Fatalf("user: %s %+v", res.Data, res.Errors)
	}
	nq := `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on User { userId } ... on Card { cardId } } }`
	ids := map[string]any{"ids": []string{data.User.ID, data.User.Cards[0].ID}}
	_, res = testenv.GraphQL(t, e.app.Handler, e.partner, nq, ids)
	if !strings.Contains(string(res.Data), `"userId":"`+userID+`"`) || !strings.Contains(string(res.Data), `"cardId":"`+data.User.Cards[0].CardID+`"`) {
		t.Fatalf("nodes: %s %+v", res.Data, res.Errors)
	}
	// Another partner sees nulls.
	_, res = testenv.GraphQL(t, e.app.Handler, e.other, nq, ids)
	if string(res.Data) != `{"nodes":[null,null]}` {
		t.Fatalf("other partner's nodes: %s %+v", res.Data, res.Errors)
	}
}

// TestUserLifecycleThroughGraphQL drives the operations not covered above
// through the GraphQL door only.
func TestUserLifecycleThroughGraphQL(t *testing.T) {
	e := newEnv(t)
	gql := func(authz, q string, vars map[string]any) string {
		t.Helper()
		_, res := testenv.GraphQL(t, e.app.Handler, authz, q, vars)
		if len(res.Errors) > 0 {
			t.Fatalf("%s: %+v", q, res.Errors)
		}
		return string(res.Data)
	}
	// Customer-controlled term accept: the SMS links to the landing page.
	gql(e.partner, `mutation { setPartnerSettings(input: {flow: CUSTOMER, landingUrl: "https://shop.example/join"}) { userErrors { field } } }`, nil)
	if d := gql(e.partner, `{ partnerSettings { flow landingUrl } }`, nil); !strings.Contains(d, `"flow":"CUSTOMER"`) {
		t.Fatalf("settings: %s", d)
	}
	d := gql(e.partner, `mutation { signupWithCard(input: {phonenumber: "4520000070", truncatedPan: "457100XXXXXX0001", token: "tok-l"}) { result } }`, nil)
	if !strings.Contains(d, "VERIFICATION_SENT") {
		t.Fatalf("signup: %s", d)
	}
	if msgs := e.sms("4520000070"); len(msgs) == 0 || !strings.Contains(msgs[0], "https://shop.example/join?linkCode=") {
		t.Fatalf("customer-controlled SMS: %v", msgs)
	}
	code := e.lastMatch("4520000070", linkCodeRe)
	gql(e.partner, `mutation($c: String!) { verifyLinkCode(linkCode: $c) { state } }`, map[string]any{"c": code})
	if d := gql(e.partner, `{ cardTokenByPhone(phonenumber: "4520000070") }`, nil); d != `{"cardTokenByPhone":"tok-l"}` {
		t.Fatalf("cardTokenByPhone: %s", d)
	}
	if d := gql(e.partner, `{ cardTokenByPhone(phonenumber: "4520000079") }`, nil); d != `{"cardTokenByPhone":null}` {
		t.Fatalf("cardTokenByPhone unknown: %s", d)
	}
	// An admin sets a partner's settings by username; a partner may not set another's.
	_, res := testenv.GraphQL(t, e.app.Handler, e.admin, `mutation { setPartnerSettings(input: {partnerUsername: "nobody", flow: STOREBOX}) { userErrors { field } } }`, nil)
	if !strings.Contains(string(res.Data), `"field":"partnerUsername"`) {
		t.Fatalf("admin, unknown partner: %s %+v", res.Data, res.Errors)
	}

	// Login by OTP through GraphQL, then act as the user.
	if d := gql(e.partner, `mutation { requestUserToken(phonenumber: "4520000070") { accepted } }`, nil); !strings.Contains(d, "true") {
		t.Fatalf("requestUserToken: %s", d)
	}
	otpCode := e.lastMatch("4520000070", otpRe)
	d = gql(e.partner, `mutation($o: String!) { verifyUserToken(phonenumber: "4520000070", otp: $o) { accessToken userErrors { field } } }`, map[string]any{"o": otpCode})
	var tok struct{ VerifyUserToken struct{ AccessToken string } }
	_ = json.Unmarshal([]byte(d), &tok)
	if tok.VerifyUserToken.AccessToken == "" {
		t.Fatalf("verifyUserToken: %s", d)
	}
	bearer := "Bearer " + tok.VerifyUserToken.AccessToken
	d = gql(bearer, `{ viewer { userId parms { name } } }`, nil)
	var v struct{ Viewer struct{ UserID string } }
	_ = json.Unmarshal([]byte(d), &v)
	d = gql(bearer, `mutation($id: ID!) { updateUser(userId: $id, input: {parms: [{name: "a", value: "1"}, {name: "b", value: "2"}]}) { user { parms { name value } } userErrors { field } } }`, map[string]any{"id": v.Viewer.UserID})
	if !strings.Contains(d, `{"name":"b","value":"2"}`) {
		t.Fatalf("updateUser: %s", d)
	}
	d = gql(bearer, `mutation { updateUser(userId: "someoneelse", input: {parms: []}) { userErrors { code } } }`, nil)
	if !strings.Contains(d, "NOT_FOUND") {
		t.Fatalf("update another user: %s", d)
	}
	// Signup without card and validateOtp through GraphQL.
	gql(e.partner, `mutation { signup(input: {phonenumber: "4520000071", memberId: "gql-m-71"}) { result } }`, nil)
	otpCode = e.lastMatch("4520000071", otpRe)
	d = gql(e.partner, `mutation($o: String!) { validateOtp(phonenumber: "4520000071", otp: $o) { userId user { memberId phoneVerified } } }`, map[string]any{"o": otpCode})
	if !strings.Contains(d, `"memberId":"gql-m-71","phoneVerified":true`) {
		t.Fatalf("validateOtp: %s", d)
	}
	d = gql(bearer, `mutation($id: ID!) { deleteUser(userId: $id) { deletedUserId } }`, map[string]any{"id": v.Viewer.UserID})
	if !strings.Contains(d, v.Viewer.UserID) {
		t.Fatalf("deleteUser: %s", d)
	}
	// Endpoints can be removed.
	gql(e.partner, `mutation { setNotificationEndpoint(input: {type: USER_DELETED, url: "https://hooks.example/x"}) { userErrors { field } } }`, nil)
	d = gql(e.partner, `mutation { deleteNotificationEndpoint(type: USER_DELETED) { deletedType } }`, nil)
	if !strings.Contains(d, "USER_DELETED") || gql(e.partner, `{ notificationEndpoints { nodes { type } } }`, nil) != `{"notificationEndpoints":{"nodes":[]}}` {
		t.Fatalf("deleteNotificationEndpoint: %s", d)
	}
}
