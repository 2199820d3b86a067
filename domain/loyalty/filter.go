package loyalty

import (
	"time"

	"github.com/shopspring/decimal"
)

// Sort columns of a customer list, as the seed names them.
var sortColumns = map[string]bool{
	"customerId": true, "firstName": true, "lastName": true, "email": true, "phone": true,
	"loyaltyCardNumber": true, "createdAt": true, "updatedAt": true, "active": true,
	"transactionsAmount": true, "transactionsCount": true, "averageTransactionAmount": true,
	"lastTransactionDate": true, "birthDate": true,
}

// ValidSort reports whether s names a column a customer list sorts by.
func ValidSort(s string) bool { return sortColumns[s] }

// Filter selects customers of a list. Text filters match a part of the
// value, case-insensitively, unless Strict asks for the exact value.
type Filter struct {
	FirstName         *string
	LastName          *string
	Phone             *string
	Email             *string
	LoyaltyCardNumber *string
	City              *string
	Postcode          *string
	Strict            bool
	Labels            []LabelFilter

	TransactionsAmountFrom       *decimal.Decimal
	TransactionsAmountTo         *decimal.Decimal
	AverageTransactionAmountFrom *decimal.Decimal
	AverageTransactionAmountTo   *decimal.Decimal
	TransactionsCountFrom        *int
	TransactionsCountTo          *int
	// DaysFromLastTransactionTo keeps customers whose last transaction is
	// at most that many days before Now.
	DaysFromLastTransactionTo *int
	// HoursFromLastUpdateTo keeps customers updated at most that many
	// hours before Now.
	HoursFromLastUpdateTo *int
	Now                   time.Time

	// Sort is a column of ValidSort (default createdAt), Desc its
	// direction.
	Sort   string
	Desc   bool
	Offset int
	Limit  int
}

// LabelFilter keeps customers with a label of Key (and Value, when set).
type LabelFilter struct {
	Key   string
	Value *string
}

// DefaultPerPage is the page size of a list unless asked otherwise.
const DefaultPerPage = 10

// MaxPerPage caps the page size of a list.
const MaxPerPage = 1000
