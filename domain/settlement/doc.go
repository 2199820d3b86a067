// Package settlement is the settlement bounded context. Its engine turns one
// merchant's rules and a payment transaction (or a receipt) into a user share
// and a provider share, as a pure function: no database, no clock, no
// goroutines.
//
// Build an Index from a Rules snapshot once (Rules.Index), then settle any
// number of transactions with Index.SettleTransaction; the Index is immutable
// and safe for concurrent use. SettleTransaction and SettleReceipt are
// shorthands that build an Index for a single call.
//
// # Matching a transaction
//
//  1. A store whose StoreNumber equals the transaction's store number
//     (cardAcceptorId) wins. If that store settles receipts (SourceReceipt),
//     the transaction is not matched (ReasonReceiptStore) and does not fall
//     through to the company, so a purchase is never paid twice, once by its
//     card transaction and once by its receipt.
//  2. Else a company whose RegistrationNumber matches, unless both its
//     configured share values are zero (whatever their types): such a company
//     matches only through a store (ReasonZeroShareCompany).
//  3. Else not matched (ReasonNoMatch). Empty store and registration numbers
//     never match.
//
// # Campaigns
//
// A campaign is active at t when Start ≤ t < End. An active campaign that
// applies replaces both shares of the matched rule; it never turns an
// unmatched transaction into a matched one. A campaign applies when every
// field it sets matches: StoreNumber (the transaction's or receipt's store
// number, also when the transaction matched through its company), CategoryID
// (the line's category) and ProductNumber (the line's product). Campaigns with
// a CategoryID or ProductNumber concern receipt lines only, never
// transactions.
//
// The most specific applicable campaign wins. Specificity is lexicographic
// over (product set, category set, store set): any product campaign beats any
// campaign without a product, then a category campaign beats one without a
// category, then a store campaign beats a merchant-wide one. Among equally
// specific campaigns the latest Start wins, then the smallest CampaignID (then
// the remaining fields), so the result never depends on the order of the
// rules. If the winning campaign's shares cannot be resolved (see derived
// shares), the result is not matched with that reason and names the
// campaign; the engine does not fall back to the rule underneath.
//
// # Shares and money
//
// A percentage share is amount × value / 100, rounded half up (away from zero)
// to 2 decimals; a fixed_amount share is its value, taken as is (also for an
// amount of zero). Amounts are decimal.Decimal throughout, never binary floating point; the
// currency passes through to the result.
//
// A derived share is looked up in the merchant's derived shares by the value
// (not the computed amount) of the other share: a derived user share takes the
// DerivedShare whose Match equals the provider share's value, and vice versa.
// Entries for the exact side (SideUser, SideProvider) beat entries for either
// side (SideEither, the zero value, which is how the Loyalty Settlement API
// stores them); among those the smallest DerivedShareID wins. The derived
// share's own type (percentage or fixed_amount) is the effective type in the
// result. No entry: not matched (ReasonNoDerivedUserShare or
// ReasonNoDerivedProviderShare). Both shares derived: not matched
// (ReasonBothDerived).
//
// The API's defaults apply: an empty share type is percentage and an empty
// store source is SourceTransaction. Shares with another unknown type or a
// negative value, a derived share whose own type is derived, and stores with
// another unknown source are not settled (ReasonInvalidRule).
//
// Negative amounts (refunds, discount lines) are not settled
// (ReasonNegativeAmount), so a share is never negative. A percentage of at
// most 100 of an amount with at most 2 decimals is never more than the amount.
//
// # Receipts
//
// Receipts are settled only at stores whose Source is SourceReceipt (else
// ReasonNoStore or ReasonTransactionStore); the store's own shares are not
// used. Each line is settled on its own: a blocked product never
// (ReasonBlockedProduct, checked first), an unknown product not
// (ReasonUnknownProduct). A product's category is the one among its
// categories that is specific to the receipt's store, else a merchant-wide
// one (smallest CategoryID on ties); categories specific to other stores do
// not apply (ReasonNoCategory). The category's shares apply unless a campaign
// overrides them.
//
// # Performance
//
// Index lookups are maps keyed by store number, registration number and
// product number, and campaign lists bucketed by their most specific field;
// derived shares are resolved when the Index is built. Percentages are
// computed in 128-bit integer arithmetic when amount and percentage fit, with
// an exact decimal fallback otherwise, and shares below 100.00 come from a
// shared table of immutable decimals, so settling a transaction does not
// allocate in the common case.
package settlement
