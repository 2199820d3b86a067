package postgres

import (
	"errors"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
)

// decimalDest scans a NOT NULL numeric into a decimal.Decimal from
// PostgreSQL's binary form. Scanning into *decimal.Decimal directly takes
// pgx's database/sql path (decimal.Decimal is an sql.Scanner): the numeric
// is printed as text and parsed again through math/big, which was a fifth
// of the CPU of a page of 1,000 stores. The value is the same (as Cmp and
// String see it); TestDecimalDestMatchesText checks it.
type decimalDest struct{ d *decimal.Decimal }

// ScanNumeric implements pgtype.NumericScanner.
func (t decimalDest) ScanNumeric(v pgtype.Numeric) error {
	if !v.Valid {
		return errors.New("numeric is NULL")
	}
	if v.NaN || v.InfinityModifier != pgtype.Finite || v.Int == nil {
		return errors.New("numeric is not a finite number")
	}
	*t.d = decimal.NewFromBigInt(v.Int, v.Exp)
	return nil
}

// numeric returns the scan target of a NOT NULL numeric column.
func numeric(d *decimal.Decimal) decimalDest { return decimalDest{d} }
