package postgres_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"

	"loyaltygraph/internal/testenv"
	"loyaltygraph/store/postgres"
)

// TestDecimalDestMatchesText checks that numerics scanned from the binary
// form equal those scanned through text (pgx's database/sql path, as
// before): the same value, the same String and the same JSON.
func TestDecimalDestMatchesText(t *testing.T) {
	values := []string{"0", "0.00", "7.5", "7.50", "12.25", "100.00", "0.05", "0.01", "99.99", "1", "-3.10",
		"123456789012345678901234567890.123456789", "1e-20", "1000000", "-0.5"}
	pool := testenv.DB(t).Pool
	for _, v := range values {
		var viaText, viaBinary decimal.Decimal
		if err := pool.QueryRow(context.Background(), `SELECT $1::numeric, $1::numeric`, v).
			Scan(&viaText, postgres.NumericDest(&viaBinary)); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if !viaText.Equal(viaBinary) || viaText.String() != viaBinary.String() {
			t.Errorf("%s: text %s, binary %s", v, viaText, viaBinary)
		}
		a, _ := viaText.MarshalJSON()
		b, _ := viaBinary.MarshalJSON()
		if string(a) != string(b) {
			t.Errorf("%s: JSON %s vs %s", v, a, b)
		}
	}
	var d decimal.Decimal
	if err := pool.QueryRow(context.Background(), `SELECT NULL::numeric`).Scan(postgres.NumericDest(&d)); err == nil {
		t.Error("NULL scanned without an error")
	}
	if err := pool.QueryRow(context.Background(), `SELECT 'NaN'::numeric`).Scan(postgres.NumericDest(&d)); err == nil {
		t.Error("NaN scanned without an error")
	}
}
