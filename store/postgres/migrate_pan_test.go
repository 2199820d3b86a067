package postgres_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"loyaltygraph/domain/ids"
	"loyaltygraph/internal/testenv"
	"loyaltygraph/store/postgres"
)

// TestMigration0006MasksStoredCardNumbers stores rows as the service did
// before the PAN guard, runs migration 0006 again (it is idempotent) and
// finds no full card number left, with the first 6 and last 4 digits kept.
func TestMigration0006MasksStoredCardNumbers(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	var sql string
	ms, err := postgres.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version == 6 {
			sql = m.SQL
		}
	}
	if sql == "" {
		t.Fatal("no migration 0006")
	}
	owner := newOwner(t, db)
	batch, tx1, user := ids.New(), "tx-4111111111111111", ids.New()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO transaction_batches (batch_id, created_at) VALUES ($1, now())`, batch)
	exec(`INSERT INTO transactions (transaction_id, batch_id, amount, currency, transaction_at, truncated_card_number,
		approval_code, card_acceptor_id, state, received_at)
		VALUES ($1, $2, 1, 'DKK', now(), '4111111111111111', 'ok 4111 1111 1111 1111', 'S-4000000000000000006', 'unmatched', now()),
		       ($3, $2, 1, 'DKK', now(), '4571000000000002', '', '', 'unmatched', now()),
		       ($4, $2, 1, 'DKK', now(), '457100XXXXXX0001', '1234567', '4611721', 'unmatched', now())`,
		tx1, batch, "tx-"+ids.New(), "tx-"+ids.New())
	exec(`INSERT INTO users (user_id, provider_id, phone, member_id, parms, created_at, updated_at)
		VALUES ($1, $2, '4520000001', 'm4111111111111111', '[{"name":"card","value":"4111-1111-1111-1111"},{"name":"n","value":4111111111111111}]', now(), now())`,
		user, owner)
	exec(`INSERT INTO cards (card_id, user_id, provider_id, truncated_pan, sealed_token, token_hash, created_at)
		VALUES ($1, $2, $3, '4111111111111111', '\x00', '\x01', now())`, ids.New(), user, owner)
	exec(`INSERT INTO signups (link_code, provider_id, phone, store_id, member_id, created_at, expires_at)
		VALUES ($1, $2, '4520000002', 'store 4111111111111111', '', now(), now())`, ids.LowerAlnum(10), owner)
	exec(`INSERT INTO notification_deliveries (event_id, owner_id, type, url, payload)
		VALUES ($1, $2, 'USER_UPDATED', 'https://x.example/h', '{"memberId":"4111111111111111"}')`, ids.New(), owner)
	exec(`INSERT INTO notification_deliveries (event_id, owner_id, type, url, state, last_error)
		VALUES ($1, $2, 'USER_CREATED', 'https://x.example/h', 'failed', 'dial tcp 10.1.2.3:443: connect: connection refused'),
		       ($3, $2, 'USER_CREATED', 'https://x.example/h', 'failed', 'receiver answered 503')`, ids.New(), owner, ids.New())

	if err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, sql)
		return err
	}); err != nil {
		t.Fatalf("migration 0006: %v", err)
	}

	var dump strings.Builder
	for _, q := range []string{
		`SELECT transaction_id || '|' || truncated_card_number || '|' || approval_code || '|' || card_acceptor_id FROM transactions WHERE batch_id = '` + batch + `' ORDER BY transaction_id`,
		`SELECT member_id || '|' || parms::text FROM users WHERE user_id = '` + user + `'`,
		`SELECT truncated_pan FROM cards WHERE user_id = '` + user + `'`,
		`SELECT store_id FROM signups WHERE provider_id = ` + strconv.FormatInt(owner, 10),
		`SELECT coalesce(payload, '') || '|' || last_error FROM notification_deliveries WHERE owner_id = ` + strconv.FormatInt(owner, 10),
	} {
		rows, err := db.Pool.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		vals, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		dump.WriteString(strings.Join(vals, "\n") + "\n")
	}
	got := dump.String()
	for _, bad := range []string{"10.1.2.3", "dial tcp", "4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "4000000000000000006", "4571000000000002"} {
		if strings.Contains(got, bad) {
			t.Errorf("card number %s left after migration:\n%s", bad, got)
		}
	}
	for _, want := range []string{"tx-411111XXXXXX1111", "|411111XXXXXX1111|ok 411111XXXXXX1111|S-400000XXXXXXXXX0006",
		"|457100XXXXXX0002|", "|457100XXXXXX0001|1234567|4611721", "m411111XXXXXX1111", `"value": "411111XXXXXX1111"`,
		"store 411111XXXXXX1111", `{"memberId":"411111XXXXXX1111"}`, "|could not reach the receiver", "|receiver answered 503"} {
		if !strings.Contains(got, want) {
			t.Errorf("want %s in:\n%s", want, got)
		}
	}
}
