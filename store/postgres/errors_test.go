package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"loyaltygraph/domain/errs"
	"loyaltygraph/store/postgres"
)

// TestOutageErrorsAreUnavailable: connection failures, a closed
// connection and the SQLSTATEs of a server that shuts down, starts or is
// full are Unavailable with a Retry-After and none of the driver's text;
// timeouts and cancellations are Unavailable too; the errors of a request
// keep their own codes.
func TestOutageErrorsAreUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	connectErr, err := pgconn.Connect(context.Background(), "postgres://postgres@127.0.0.1:1/x?connect_timeout=1")
	if err == nil {
		connectErr.Close(context.Background())
		t.Fatal("connected to port 1")
	}
	outage := map[string]error{
		"connect refused":         err,
		"net error":               fmt.Errorf("query: %w", refused),
		"closed connection":       fmt.Errorf("begin: %w", pgconn.ErrConnClosed),
		"unexpected EOF":          fmt.Errorf("read: %w", io.ErrUnexpectedEOF),
		"admin shutdown":          &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"},
		"crash shutdown":          &pgconn.PgError{Code: "57P02"},
		"cannot connect now":      &pgconn.PgError{Code: "57P03", Message: "the database system is starting up"},
		"too many connections":    &pgconn.PgError{Code: "53300", Message: "sorry, too many clients already"},
		"connection exception 08": &pgconn.PgError{Code: "08006", Message: "connection failure"},
	}
	for name, cause := range outage {
		got := postgres.MapError(cause, "merchant")
		e := errs.As(got)
		if e.Code != errs.Unavailable || e.RetryAfterSeconds() < 1 {
			t.Errorf("%s: %v, want unavailable with a Retry-After", name, got)
		}
		for _, driver := range []string{"127.0.0.1", "refused", "terminating", "too many", "SQLSTATE", "EOF", "conn"} {
			if strings.Contains(e.Message, driver) {
				t.Errorf("%s: the message %q carries driver text %q", name, e.Message, driver)
			}
		}
	}
	for name, cause := range map[string]error{
		"deadline":  fmt.Errorf("acquire: %w", context.DeadlineExceeded),
		"cancelled": fmt.Errorf("query: %w", context.Canceled),
	} {
		if got := postgres.MapError(cause, "merchant"); !errs.Is(got, errs.Unavailable) {
			t.Errorf("%s: %v, want unavailable", name, got)
		}
	}
	for name, tc := range map[string]struct {
		err  error
		want errs.Code
	}{
		"no rows":    {pgx.ErrNoRows, errs.NotFound},
		"unique":     {&pgconn.PgError{Code: "23505", ConstraintName: "merchants_pkey"}, errs.Conflict},
		"check":      {&pgconn.PgError{Code: "23514"}, errs.Invalid},
		"syntax bug": {&pgconn.PgError{Code: "42601"}, errs.Internal},
		"other":      {errors.New("boom"), errs.Internal},
	} {
		if got := errs.CodeOf(postgres.MapError(tc.err, "merchant")); got != tc.want {
			t.Errorf("%s: %s, want %s", name, got, tc.want)
		}
	}
}
