package bench

// The door the benchmark ingests through: the service's whole HTTP handler
// on a real loopback listener, fed a CSV body that a generator writes while
// the client sends it.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"loyaltygraph/internal/testenv"
)

// httpDoor is the app served on 127.0.0.1 with the production server's
// timeouts (cmd/loyaltygraph) and the credential of the settlement client
// that owns the benchmark's merchants, which ingests and settles them.
type httpDoor struct {
	srv           *httptest.Server
	authorization string
	client        *http.Client
}

func newHTTPDoor(tb testing.TB, e *settleEnv) *httpDoor {
	tb.Helper()
	srv := httptest.NewUnstartedServer(e.app.Handler)
	srv.Config.ReadHeaderTimeout = 5 * time.Second
	srv.Config.ReadTimeout = 30 * time.Second // the ingest route extends its own deadlines
	srv.Config.WriteTimeout = 60 * time.Second
	srv.Config.IdleTimeout = 120 * time.Second
	srv.Start()
	tb.Cleanup(srv.Close)
	return &httpDoor{srv: srv, authorization: testenv.BasicAuth(e.ownerCred.Username, e.ownerCred.Secret),
		client: srv.Client()}
}

// do sends one request with authorization and decodes a JSON answer of
// status want into out.
func (d *httpDoor) do(ctx context.Context, authorization, method, path, contentType string, body io.Reader, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, d.srv.URL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", authorization)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %.500s", method, path, resp.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}

// ingestCSV posts the generator's rows as one CSV batch, streamed: the body
// is written row by row as the client sends it (chunked, no length).
func (d *httpDoor) ingestCSV(ctx context.Context, g *txGen) (batchID string, transactions int, err error) {
	var out struct {
		BatchID      string `json:"batchId"`
		Transactions int    `json:"transactions"`
	}
	err = d.do(ctx, d.authorization, "POST", "/api/v1/transactions/batches", "text/csv", &csvBody{g: g}, http.StatusCreated, &out)
	return out.BatchID, out.Transactions, err
}

// settle starts a settle run of every merchant and returns its id.
func (d *httpDoor) settle(ctx context.Context) (string, error) {
	var out struct {
		SettlementID string `json:"settlementId"`
	}
	err := d.do(ctx, d.authorization, "POST", "/api/v1/merchants/settle", "", nil, http.StatusOK, &out)
	return out.SettlementID, err
}

// csvHeader names every field the generator fills, in the order csvBody
// writes them.
const csvHeader = "transactionId,amount,currency,transactionDateTime,cardAcceptorId,companyRegistrationNumber,cardToken," +
	"truncatedCardNumber,cardType,approvalCode,cardAcceptorTerminalId,systemTraceAuditNumber,retrievalReferenceNumber\n"

// csvBody is an io.Reader of a generator's rows as CSV: it holds one row at
// a time, whatever the size of the batch.
type csvBody struct {
	g      *txGen
	buf    []byte
	off    int
	header bool
	eof    bool
}

func (c *csvBody) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if c.off == len(c.buf) {
			if c.eof {
				break
			}
			if err := c.fill(); err != nil {
				return n, err
			}
			continue
		}
		k := copy(p[n:], c.buf[c.off:])
		n += k
		c.off += k
	}
	if n == 0 && c.eof {
		return 0, io.EOF
	}
	return n, nil
}

// fill makes the next rows (about 4 KiB of them) into buf.
func (c *csvBody) fill() error {
	c.buf, c.off = c.buf[:0], 0
	if !c.header {
		c.header = true
		c.buf = append(c.buf, csvHeader...)
	}
	for len(c.buf) < 4096 {
		t, err := c.g.Next()
		if errors.Is(err, io.EOF) {
			c.eof = true
			return nil
		}
		if err != nil {
			return err
		}
		for i, v := range [...]string{t.TransactionID, amountText(t.Amount), t.Currency,
			t.TransactionDateTime.Format(time.RFC3339Nano), t.CardAcceptorID, t.CompanyRegistrationNumber, t.CardToken,
			t.TruncatedCardNumber, t.CardType, t.ApprovalCode, t.CardAcceptorTerminalID, t.SystemTraceAuditNumber,
			t.RetrievalReferenceNumber} {
			if i > 0 {
				c.buf = append(c.buf, ',')
			}
			if strings.ContainsAny(v, ",\"\n\r") {
				return fmt.Errorf("generated value %q needs CSV quoting", v)
			}
			c.buf = append(c.buf, v...)
		}
		c.buf = append(c.buf, '\n')
	}
	return nil
}

// amountText writes an amount with its scale (5.10 stays 5.10), so that it
// is stored as the plain COPY stores the decimal.
func amountText(d decimal.Decimal) string {
	if e := d.Exponent(); e < 0 {
		return d.StringFixed(-e)
	}
	return d.String()
}
