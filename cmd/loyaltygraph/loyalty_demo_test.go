package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// shellWords splits a command line as a POSIX shell would for the demo's
// commands: words separated by blanks, '…' literal, "…" with \" escapes.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				t.Fatalf("unclosed ' in %q", line)
			}
			cur.WriteString(line[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) {
					i++
				}
				cur.WriteByte(line[i])
			}
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// curl runs a printed curl command (the options the demo prints: -s, -H,
// -d, --data-urlencode, -X) and returns the status and body.
func curl(t *testing.T, line string) (int, []byte) {
	t.Helper()
	words := shellWords(t, line)
	if len(words) == 0 || words[0] != "curl" {
		t.Fatalf("not a curl command: %q", line)
	}
	method, target := "", ""
	var body []string
	header := http.Header{}
	for i := 1; i < len(words); i++ {
		switch w := words[i]; w {
		case "-s":
		case "-X":
			i++
			method = words[i]
		case "-H":
			i++
			k, v, _ := strings.Cut(words[i], ":")
			header.Set(k, strings.TrimSpace(v))
		case "-d":
			i++
			body = append(body, words[i])
		case "--data-urlencode":
			i++
			k, v, _ := strings.Cut(words[i], "=")
			body = append(body, k+"="+url.QueryEscape(v))
		default:
			if strings.HasPrefix(w, "-") {
				t.Fatalf("curl option %s is not known to this test: %q", w, line)
			}
			target = w
		}
	}
	if method == "" {
		method = "GET"
		if body != nil {
			method = "POST"
		}
	}
	req, err := http.NewRequest(method, target, strings.NewReader(strings.Join(body, "&")))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded") // as curl -d sends
	}
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestDemoOpenLoyaltyFlowAsPrinted: after `demo`, the Open Loyalty
// commands it prints run as printed against `serve`: the demo seller logs
// in, registers a customer and finds it by POS search.
func TestDemoOpenLoyaltyFlowAsPrinted(t *testing.T) {
	e := testEnv(t)
	s := startServer(t, e)
	e["PUBLIC_BASE_URL"] = s.base // what the demo prints its URLs with
	out := mustRun(t, e, "demo")
	var lines []string
	seen := false
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Open Loyalty (store DEFAULT)") {
			seen = true
			continue
		}
		if seen && strings.HasPrefix(strings.TrimSpace(l), "(") {
			break
		}
		if seen {
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "TOKEN=$(") {
		t.Fatalf("demo output has no Open Loyalty commands:\n%s", out)
	}
	// TOKEN=$(curl … | sed …): the curl, then the token of its answer.
	login := strings.TrimPrefix(lines[0], "TOKEN=$(")
	login = login[:strings.Index(login, " | sed ")]
	status, body := curl(t, login)
	var tok struct{ Token string }
	if status != http.StatusOK || json.Unmarshal(body, &tok) != nil || tok.Token == "" {
		t.Fatalf("seller login as printed: %d %s", status, body)
	}
	if !strings.Contains(lines[0], `sed -n 's/.*"token":"\([^"]*\)".*/\1/p'`) {
		t.Fatalf("the printed login does not extract the token: %s", lines[0])
	}
	register := strings.ReplaceAll(lines[1], "$TOKEN", tok.Token)
	status, body = curl(t, register)
	var reg struct{ CustomerID string }
	if status != http.StatusOK || json.Unmarshal(body, &reg) != nil || reg.CustomerID == "" {
		t.Fatalf("register as printed: %d %s", status, body)
	}
	status, body = curl(t, strings.ReplaceAll(lines[2], "$TOKEN", tok.Token))
	var found struct {
		Customers []struct{ CustomerID, Phone string }
	}
	if status != http.StatusOK || json.Unmarshal(body, &found) != nil || len(found.Customers) != 1 ||
		found.Customers[0].CustomerID != reg.CustomerID || found.Customers[0].Phone != "+4520304060" {
		t.Fatalf("POS search as printed: %d %s", status, body)
	}
}
