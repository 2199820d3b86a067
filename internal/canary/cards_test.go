package canary_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"loyaltygraph/domain/auth"
)

var frameTokenRe = regexp.MustCompile(`name="frameToken" value="([^"]+)"`)

// cards enters the canaries in the card frame (as a browser: GET the
// signed page, POST its form), through the SCA step (left pending in
// Redis) and as BankAxept card data, and puts them in every other card
// input.
func (s *sweep) cards(p *auth.NewCredential, userID string) {
	s.t.Helper()
	frame := func(accept, decline string) string {
		const css = "https://cdn.partner.example/card.css"
		m := hmac.New(sha256.New, []byte(p.Salt))
		m.Write([]byte(userID + accept + decline + css))
		q := url.Values{"provider": {p.Username}, "id": {userID}, "accepturl": {accept}, "cssurl": {css},
			"hash": {hex.EncodeToString(m.Sum(nil))}, "type": {"card"}}
		if decline != "" {
			q.Set("declineurl", decline)
		}
		rec := s.send("GET", "/receipt-data/v1/cardframe/url?"+q.Encode(), "", "")
		if rec.Code != http.StatusOK {
			s.t.Fatalf("card frame: %d %s", rec.Code, rec.Body)
		}
		m2 := frameTokenRe.FindStringSubmatch(rec.Body.String())
		if m2 == nil {
			s.t.Fatalf("no frame token: %s", rec.Body)
		}
		return m2[1]
	}
	submit := func(token, number string) *http.Response {
		form := url.Values{"frameToken": {token}, "CardNumber": {number}, "ExpMonth": {"12"}, "ExpYear": {"35"}, "add": {"Gem kort"}}
		rec := s.send("POST", "/receipt-data/v1/cardframe/submit", "application/x-www-form-urlencoded", form.Encode(), "Sec-Fetch-Site", "same-origin")
		if strings.Contains(rec.Body.String(), number) {
			s.t.Errorf("the frame echoes the card number %q", number)
		}
		return rec.Result()
	}
	tok := frame("https://partner.example/ok", "")
	// Stored (c16), then again as duplicates in every typed form, then the
	// other canaries, some refused (c19 is not in a card range we accept).
	if res := submit(tok, c16); res.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("frame card: %d", res.StatusCode)
	}
	for _, v := range append(variants, c15, c19, baxSeed, bax) {
		submit(tok, v)
		s.send("POST", "/receipt-data/v1/cardframe/submit", "application/x-www-form-urlencoded",
			url.Values{"frameToken": {v}, "CardNumber": {v}, "ExpMonth": {v}, "ExpYear": {v}}.Encode(), "Sec-Fetch-Site", "same-origin")
		s.send("GET", "/receipt-data/v1/cardframe/url?provider="+url.QueryEscape(v)+"&id="+url.QueryEscape(v)+"&hash="+url.QueryEscape(v), "", "")
		s.send("POST", "/receipt-data/v1/cardframe/sca", "application/x-www-form-urlencoded", url.Values{"id": {v}, "decision": {"approve"}}.Encode(),
			"Sec-Fetch-Site", "same-origin")
	}
	// SCA on: a card waits for verification, sealed in Redis, and is left
	// waiting for the sweep of Redis.
	s.must(s.admin, "POST", "/graphql", map[string]any{"query": `mutation($p: String!) { setCardFrameSettings(input: {partnerUsername: $p, scaEnabled: true}) { userErrors { field } } }`,
		"variables": map[string]any{"p": p.Username}}, http.StatusOK)
	tok = frame("https://partner.example/ok", "https://partner.example/no")
	if res := submit(tok, "5555555555554444"); res.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("SCA submit: %d", res.StatusCode)
	}
	if res := submit(tok, cSCA); res.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("SCA submit: %d", res.StatusCode)
	}

	// BankAxept.
	s.must(s.admin, "POST", "/graphql", map[string]any{"query": `mutation { createEncryptionProvider(input: {name: "canary"}) { userErrors { field } } }`}, http.StatusOK)
	rec := s.send("GET", "/receipt-data/v1/cards/bankaxept/publickey?encryptionProvider=canary", "", "", "Authorization", s.partner)
	blk, _ := pem.Decode(rec.Body.Bytes())
	if blk == nil {
		s.t.Fatalf("public key: %d %s", rec.Code, rec.Body)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		s.t.Fatal(err)
	}
	enc := func(plain string) string {
		ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, k.(*rsa.PublicKey), []byte(plain), nil)
		if err != nil {
			s.t.Fatal(err)
		}
		return base64.StdEncoding.EncodeToString(ct)
	}
	path := "/receipt-data/v1/users/" + userID + "/cards/bankaxept"
	s.must(s.partner, "POST", path, map[string]any{"cardData": enc(`{"pan": "` + bax + `"}`), "encryptionProvider": "canary", "cardProvider": "DNB"}, http.StatusCreated)
	for _, v := range append(variants, bax, baxSeed) {
		b, _ := json.Marshal(map[string]string{"pan": v})
		s.json(s.partner, "POST", path, map[string]any{"cardData": enc(string(b)), "encryptionProvider": "canary", "cardProvider": "DNB"})
		s.json(s.partner, "POST", path, map[string]any{"cardData": v, "encryptionProvider": v, "cardProvider": v})
		s.json(s.partner, "POST", path, map[string]any{"cardData": enc(v), "encryptionProvider": "canary", "cardProvider": "DNB"})
		s.send("GET", "/receipt-data/v1/cards/bankaxept/publickey?encryptionProvider="+url.QueryEscape(v), "", "", "Authorization", s.partner)
		s.json(s.partner, "DELETE", "/receipt-data/v1/users/"+userID+"/cards/"+url.PathEscape(v), nil)
		s.json(s.partner, "GET", "/receipt-data/v1/users/"+url.PathEscape(v)+"/cards", nil)
	}
	s.gql(s.partner, `mutation($u: ID!, $v: String!) { addBankAxeptCard(input: {userId: $u, cardData: $v, encryptionProvider: "canary", cardProvider: $v}) { userErrors { field } } }`,
		func(v string) map[string]any { return map[string]any{"u": userID, "v": v} })
	s.gql(s.partner, `mutation($u: ID!, $v: String!) { createCardFrameUrl(userId: $u, accepturl: $v, declineurl: $v, cssurl: $v, languageurl: $v) { url userErrors { field } } }`,
		func(v string) map[string]any {
			return map[string]any{"u": userID, "v": "https://p.example/?c=" + url.QueryEscape(v)}
		})
	s.gql(s.admin, `mutation($v: String!) { createEncryptionProvider(input: {name: $v}) { userErrors { field } } }`,
		func(v string) map[string]any { return map[string]any{"v": v} })
}
