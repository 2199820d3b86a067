package postgres

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	pgxdecimal "github.com/jackc/pgx-shopspring-decimal"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"loyaltygraph/domain/errs"
	"loyaltygraph/domain/merchant"
	"loyaltygraph/domain/notify"
	"loyaltygraph/domain/settlement"
)

// SettlementStore implements settlement.Store.
type SettlementStore struct {
	db     *DB
	outbox EventWriter
}

// NewSettlementStore returns the settlement store of db; notifications go
// to outbox.
func NewSettlementStore(db *DB, outbox EventWriter) *SettlementStore {
	return &SettlementStore{db: db, outbox: outbox}
}

var _ settlement.Store = (*SettlementStore)(nil)

// ingestChunkSize is how many transactions are stored at a time. Memory
// holds three chunks (being stored, encoded and read), whatever the size of
// the batch.
const ingestChunkSize = 4096

// ingestCacheSize bounds the card look-up cache of one batch.
const ingestCacheSize = 1 << 14

// settlementColumnsIn are the columns a settlement is copied into.
var settlementColumnsIn = []string{
	"settlement_id", "merchant_id", "company_id", "store_id", "campaign_id", "source", "transaction_id",
	"transaction_at", "processed_at", "amount", "currency", "user_share", "provider_share", "user_share_type",
	"provider_share_type", "card_type", "truncated_card_number", "user_id",
}

// ingestInsertSQL stores a chunk's transactions, given as one array per
// column ($1 to $16, as chunkRow appends them) and the batch's id and time,
// skipping ids stored before, and returns the ids it stored. The arrays,
// all of one length, are unnested side by side in the select list, which
// streams the rows (unnest in FROM would first copy them into a
// tuplestore).
const ingestInsertSQL = `
	INSERT INTO transactions (transaction_id, amount, currency, transaction_at, card_acceptor_id,
		company_registration_number, card_token_hash, truncated_card_number, card_type, approval_code,
		card_acceptor_terminal_id, system_trace_audit_number, retrieval_reference_number, merchant_id,
		state, reason, batch_id, received_at)
	SELECT unnest($1::text[]), unnest($2::numeric[]), unnest($3::text[]), unnest($4::timestamptz[]),
		unnest($5::text[]), unnest($6::text[]), unnest($7::bytea[]), unnest($8::text[]), unnest($9::text[]),
		unnest($10::text[]), unnest($11::text[]), unnest($12::text[]), unnest($13::text[]), unnest($14::text[]),
		unnest($15::text[]), unnest($16::text[]), $17, $18
	ON CONFLICT (transaction_id) DO NOTHING
	RETURNING transaction_id`

// The element types of ingestInsertSQL's arrays, and the parameter types.
var (
	chunkElemOIDs = [16]uint32{pgtype.TextOID, pgtype.NumericOID, pgtype.TextOID, pgtype.TimestamptzOID,
		pgtype.TextOID, pgtype.TextOID, pgtype.ByteaOID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID,
		pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID}
	ingestParamOIDs = func() []uint32 {
		arrays := map[uint32]uint32{pgtype.TextOID: pgtype.TextArrayOID, pgtype.NumericOID: pgtype.NumericArrayOID,
			pgtype.TimestamptzOID: pgtype.TimestamptzArrayOID, pgtype.ByteaOID: pgtype.ByteaArrayOID}
		var out []uint32
		for _, e := range chunkElemOIDs {
			out = append(out, arrays[e])
		}
		return append(out, pgtype.TextOID, pgtype.TimestamptzOID)
	}()
	ingestParamFormats = slices.Repeat([]int16{pgtype.BinaryFormatCode}, 18)
)

// IngestBatch stores a batch in one transaction, streaming: memory does not
// grow with the batch. It works in chunks, three at a time: while the
// batch's transaction stores one chunk, a goroutine encodes the next in
// PostgreSQL's binary format (copyBuf) and another reads the one after it,
// dropping repeated ids (the first wins). Between two chunks the
// transaction looks up the users of the cards the next chunk brings (a card
// belongs to the user that registered it first; each card is looked up
// once per batch). Storing a chunk is one INSERT from one array parameter
// per column with ON CONFLICT DO NOTHING, which skips ids stored before
// (also by a concurrent batch, once it commits) and returns the ids it
// stored, then one COPY of their settlements. The settlements it stores
// are counted and summed per merchant and currency as they go, and stored
// as the batch's settlement lots, which settle runs invoice. It does not
// check permissions.
func (s *SettlementStore) IngestBatch(ctx context.Context, batch *settlement.TransactionBatch, next func() (*settlement.Ingested, error)) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO transaction_batches (batch_id, created_at, owner_id) VALUES ($1, $2, NULLIF($3, 0))`,
			batch.BatchID, batch.Created, batch.OwnerID); err != nil {
			return err
		}
		settled, lots, err := ingest(ctx, tx, batch, next)
		if err != nil {
			return err
		}
		if err := insertLots(ctx, tx, batch.BatchID, lots); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE transaction_batches SET transactions = $2, settled = $3 WHERE batch_id = $1`,
			batch.BatchID, batch.Transactions, settled)
		return err
	})
	return mapError(err, "transaction batch")
}

// ingestChunk is a chunk of a batch on its way to storage, or the error
// that ended reading or encoding it.
type ingestChunk struct {
	rows []*settlement.Ingested // as read
	// keep are the rows to insert: the first of each id. users holds the
	// user of each one's card, "" for none.
	keep  []*settlement.Ingested
	users []string
	// cols are the arrays of ingestInsertSQL, one per column; params the
	// parameters made of them.
	cols   [16]copyBuf
	params [18][]byte
	// settlements are the COPY rows of the settled rows of keep, of which
	// there are settled.
	settlements copyBuf
	settled     int
	// lots sums the settlements of keep per merchant and currency.
	lots lotSums
	err  error
}

// lotKey names a settlement lot of a batch.
type lotKey struct{ merchantID, currency string }

// lotSum counts and sums a lot's settlements.
type lotSum struct {
	count          int
	user, provider decimalSum
}

// lotSums are a batch's (or a chunk's) lots.
type lotSums map[lotKey]*lotSum

func (l lotSums) add(merchantID, currency string, user, provider decimal.Decimal) {
	k := lotKey{merchantID, currency}
	s := l[k]
	if s == nil {
		s = &lotSum{}
		l[k] = s
	}
	s.count++
	s.user.add(user)
	s.provider.add(provider)
}

func (l lotSums) merge(o lotSums) {
	for k, v := range o {
		s := l[k]
		if s == nil {
			s = &lotSum{}
			l[k] = s
		}
		s.count += v.count
		s.user.merge(&v.user)
		s.provider.merge(&v.provider)
	}
}

// decimalSum adds decimals exactly, as PostgreSQL's sum(numeric) does: the
// result has the largest scale of the values added. Values with at most 6
// decimals, below 10^12, are added as integers of millionths (the engine's
// shares have 2 decimals), others as decimals.
type decimalSum struct {
	micros   int64 // the fast path's sum, in millionths
	minExp   int32 // the smallest exponent added (largest scale), 0 at first
	slow     decimal.Decimal
	hasSlow  bool
	hasValue bool
}

// microsLimit keeps micros far from overflowing: it is moved to slow
// beyond it.
const microsLimit = 1 << 60

func (s *decimalSum) add(d decimal.Decimal) {
	e := d.Exponent()
	if scale := min(e, 0); !s.hasValue || scale < s.minExp { // PostgreSQL's scale is never negative
		s.minExp = scale
	}
	s.hasValue = true
	if e >= -6 && int(e)+6+d.NumDigits() <= 18 { // below 10^18 millionths
		s.micros += d.CoefficientInt64() * int64(pow10[e+6])
		if s.micros > microsLimit || s.micros < -microsLimit {
			s.addSlow(decimal.New(s.micros, -6))
			s.micros = 0
		}
		return
	}
	s.addSlow(d)
}

func (s *decimalSum) addSlow(d decimal.Decimal) {
	if s.hasSlow {
		s.slow = s.slow.Add(d)
	} else {
		s.slow, s.hasSlow = d, true
	}
}

func (s *decimalSum) merge(o *decimalSum) {
	if !o.hasValue {
		return
	}
	if !s.hasValue || o.minExp < s.minExp {
		s.minExp = o.minExp
	}
	s.hasValue = true
	s.micros += o.micros
	if s.micros > microsLimit || s.micros < -microsLimit {
		s.addSlow(decimal.New(s.micros, -6))
		s.micros = 0
	}
	if o.hasSlow {
		s.addSlow(o.slow)
	}
}

// value is the sum, with the largest scale of the values added.
func (s *decimalSum) value() decimal.Decimal {
	v := decimal.New(s.micros, -6)
	if s.hasSlow {
		v = v.Add(s.slow)
	}
	// Every value added has an exponent of at least minExp, so the sum is
	// a whole number of 10^minExp when minExp is at least -6.
	if s.minExp >= -6 && v.Exponent() <= s.minExp {
		shift := int(s.minExp - v.Exponent())
		coef := v.Coefficient()
		if shift > 0 {
			coef.Quo(coef, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(shift)), nil))
		}
		return decimal.NewFromBigInt(coef, s.minExp)
	}
	return v
}

// insertLots stores a batch's settlement lots.
func insertLots(ctx context.Context, tx pgx.Tx, batchID string, lots lotSums) error {
	if len(lots) == 0 {
		return nil
	}
	var merchants, currencies []string
	var counts []int32
	var users, providers []decimal.Decimal
	for k, v := range lots {
		merchants, currencies = append(merchants, k.merchantID), append(currencies, k.currency)
		counts = append(counts, int32(v.count))
		users, providers = append(users, v.user.value()), append(providers, v.provider.value())
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO settlement_lots (batch_id, merchant_id, currency, settlements, user_share, provider_share)
		SELECT $1, unnest($2::text[]), unnest($3::text[]), unnest($4::int[]), unnest($5::numeric[]), unnest($6::numeric[])`,
		batchID, merchants, currencies, counts, users, providers)
	return err
}

// ingest stores a batch's chunks in tx and returns the number of
// settlements and their lots. Its goroutines have stopped when it returns,
// so next is never called after.
func ingest(ctx context.Context, tx pgx.Tx, batch *settlement.TransactionBatch, next func() (*settlement.Ingested, error)) (int, lotSums, error) {
	ctx, cancel := context.WithCancel(ctx)
	read := make(chan *ingestChunk)     // reader → transaction: rows, repeated ids dropped
	toEncode := make(chan *ingestChunk) // transaction → encoder: with the users of the cards
	encoded := make(chan *ingestChunk)  // encoder → transaction
	free := make(chan *ingestChunk, 3)
	tm := pgtype.NewMap() // the encoder's own: a Map is not safe for concurrent use
	pgxdecimal.Register(tm)
	for range cap(free) {
		c := &ingestChunk{rows: make([]*settlement.Ingested, 0, ingestChunkSize), lots: lotSums{}}
		for i := range c.cols {
			c.cols[i].tm = tm
		}
		c.settlements.tm = tm
		free <- c
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(read)
		readChunks(ctx, next, free, read)
	}()
	go func() {
		defer wg.Done()
		for c := range toEncode {
			c.err = encodeChunk(batch, c)
			select {
			case encoded <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer func() {
		cancel()
		close(toEncode)
		wg.Wait()
	}()

	w := &chunkWriter{tx: tx, batch: batch, users: map[string]string{}, inserted: map[string]struct{}{}, lots: lotSums{}}
	w.subset.tm = tx.Conn().TypeMap()
	var ready *ingestChunk // encoded, to store next
	for {
		c, more := <-read
		if more {
			if c.err != nil {
				return 0, nil, c.err
			}
			if err := w.lookUpUsers(ctx, c); err != nil {
				return 0, nil, err
			}
			toEncode <- c // encoded while ready is stored
		}
		if ready != nil {
			if err := w.store(ctx, ready); err != nil {
				return 0, nil, err
			}
			free <- ready
			ready = nil
		}
		if !more {
			return w.settled, w.lots, ctx.Err()
		}
		if ready = <-encoded; ready.err != nil {
			return 0, nil, ready.err
		}
	}
}

// readChunks reads the batch into chunks taken from free and sends them on
// read, with repeated ids dropped, until the batch or ctx ends or next
// fails (the error goes in the last chunk).
func readChunks(ctx context.Context, next func() (*settlement.Ingested, error), free <-chan *ingestChunk, read chan<- *ingestChunk) {
	first := map[string]struct{}{}
	for {
		var c *ingestChunk
		select {
		case c = <-free:
		case <-ctx.Done():
			return
		}
		clear(c.rows) // drop the rows stored before
		clear(c.keep)
		c.rows, c.keep, c.err = c.rows[:0], c.keep[:0], nil
		clear(first)
		eof := false
		for len(c.rows) < ingestChunkSize && c.err == nil && !eof && ctx.Err() == nil {
			row, err := next()
			switch {
			case errors.Is(err, io.EOF):
				eof = true
			case err != nil:
				c.err = err
			default:
				c.rows = append(c.rows, row)
				if _, dup := first[row.Raw.TransactionID]; !dup {
					first[row.Raw.TransactionID] = struct{}{}
					c.keep = append(c.keep, row)
				}
			}
		}
		if len(c.rows) > 0 || c.err != nil {
			select {
			case read <- c:
			case <-ctx.Done():
				return
			}
		}
		if eof || c.err != nil || ctx.Err() != nil {
			return
		}
	}
}

// encodeChunk encodes a chunk's parameters and settlement rows.
func encodeChunk(batch *settlement.TransactionBatch, c *ingestChunk) error {
	for i := range c.cols {
		c.cols[i].startArray()
	}
	c.settlements.start()
	c.settled = 0
	clear(c.lots)
	for i, r := range c.keep {
		chunkRow(&c.cols, r, c.users[i])
		if settles(r, c.users[i]) {
			c.settlements.settlementRow(batch, r, c.users[i])
			c.lots.add(r.Result.MerchantID, r.Raw.Currency, r.Result.UserShare, r.Result.ProviderShare)
			c.settled++
		}
	}
	for i := range c.cols {
		if c.cols[i].err != nil {
			return c.cols[i].err
		}
		c.params[i] = c.cols[i].endArray(chunkElemOIDs[i], len(c.keep))
	}
	c.params[16] = []byte(batch.BatchID)
	c.params[17] = binary.BigEndian.AppendUint64(c.params[17][:0], uint64(pgMicroseconds(batch.Created)))
	return nil
}

// chunkWriter is what the batch's transaction keeps between chunks.
type chunkWriter struct {
	tx    pgx.Tx
	batch *settlement.TransactionBatch
	// users caches the user of each card token hash looked up, "" for none.
	users    map[string]string
	hashes   [][]byte
	inserted map[string]struct{}
	subset   copyBuf
	settled  int
	lots     lotSums // of the settlements stored
}

// lookUpUsers finds the users of the cards of a chunk's rows.
func (w *chunkWriter) lookUpUsers(ctx context.Context, c *ingestChunk) error {
	if len(w.users) > ingestCacheSize {
		clear(w.users)
	}
	w.hashes = w.hashes[:0]
	for _, r := range c.keep {
		if r.TokenHash == nil {
			continue
		}
		if _, ok := w.users[string(r.TokenHash)]; !ok {
			w.users[string(r.TokenHash)] = "" // until found
			w.hashes = append(w.hashes, r.TokenHash)
		}
	}
	if len(w.hashes) > 0 {
		found, _ := w.tx.Query(ctx, `
			SELECT h.hash, c.user_id FROM unnest($1::bytea[]) AS h (hash),
			LATERAL (SELECT user_id FROM cards WHERE token_hash = h.hash ORDER BY created_at, card_id LIMIT 1) AS c`, w.hashes)
		var hash []byte
		var userID string
		if _, err := pgx.ForEachRow(found, []any{&hash, &userID}, func() error {
			w.users[string(hash)] = userID
			return nil
		}); err != nil {
			return err
		}
	}
	c.users = c.users[:0]
	for _, r := range c.keep {
		user := ""
		if r.TokenHash != nil {
			user = w.users[string(r.TokenHash)]
		}
		c.users = append(c.users, user)
	}
	return nil
}

// store inserts an encoded chunk's transactions and copies the settlements
// of those it stored.
func (w *chunkWriter) store(ctx context.Context, c *ingestChunk) error {
	// The ids stored before are skipped. Those stored normally come back
	// in order, a prefix of keep.
	n, deviated := 0, false
	rr := w.tx.Conn().PgConn().ExecParams(ctx, ingestInsertSQL, c.params[:], ingestParamOIDs, ingestParamFormats, nil)
	for rr.NextRow() {
		id := rr.Values()[0]
		if !deviated && n < len(c.keep) && string(id) == c.keep[n].Raw.TransactionID {
			n++
			continue
		}
		if !deviated {
			deviated = true
			clear(w.inserted)
			for _, r := range c.keep[:n] {
				w.inserted[r.Raw.TransactionID] = struct{}{}
			}
		}
		w.inserted[string(id)] = struct{}{}
	}
	if _, err := rr.Close(); err != nil {
		return err
	}
	if deviated {
		n = len(w.inserted)
	}
	w.batch.Transactions += n
	// Their settlements: those encoded, unless some were skipped.
	rows, count := &c.settlements, c.settled
	if n < len(c.keep) {
		rows, count = &w.subset, 0
		w.subset.start()
		for i, r := range c.keep {
			stored := i < n
			if deviated {
				_, stored = w.inserted[r.Raw.TransactionID]
			}
			if stored && settles(r, c.users[i]) {
				w.subset.settlementRow(w.batch, r, c.users[i])
				w.lots.add(r.Result.MerchantID, r.Raw.Currency, r.Result.UserShare, r.Result.ProviderShare)
				count++
			}
		}
	} else {
		w.lots.merge(c.lots)
	}
	if count == 0 {
		return nil
	}
	if rows.err != nil {
		return rows.err
	}
	rows.end()
	if _, err := w.tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(rows.b), copySettlementsSQL); err != nil {
		return err
	}
	w.settled += count
	return nil
}

// settles reports whether a transaction becomes a settlement: the engine
// matched it and its card belongs to a user.
func settles(x *settlement.Ingested, user string) bool { return x.Result.Matched && user != "" }

// copySQL is the COPY statement of binary rows into table's columns.
func copySQL(table string, columns []string) string {
	cols := make([]string, len(columns))
	for i, c := range columns {
		cols[i] = pgx.Identifier{c}.Sanitize()
	}
	return "COPY " + pgx.Identifier{table}.Sanitize() + " (" + strings.Join(cols, ", ") + ") FROM STDIN WITH (FORMAT binary)"
}

var copySettlementsSQL = copySQL("settlements", settlementColumnsIn)

// chunkRow appends a transaction with its outcome to the column arrays.
func chunkRow(c *[16]copyBuf, x *settlement.Ingested, user string) {
	r, res := x.Raw, &x.Result
	state, reason := "unmatched", string(res.Reason)
	switch {
	case !res.Matched:
	case user == "":
		reason = "unknown_card"
	default:
		state, reason = "settled", ""
	}
	c[0].text(r.TransactionID)
	c[1].numeric(r.Amount)
	c[2].text(r.Currency)
	c[3].time(r.TransactionDateTime)
	c[4].text(r.CardAcceptorID)
	c[5].text(r.CompanyRegistrationNumber)
	c[6].bytea(x.TokenHash)
	c[7].text(r.TruncatedCardNumber)
	c[8].text(r.CardType)
	c[9].text(r.ApprovalCode)
	c[10].text(r.CardAcceptorTerminalID)
	c[11].text(r.SystemTraceAuditNumber)
	c[12].text(r.RetrievalReferenceNumber)
	if res.MerchantID == "" {
		c[13].null()
	} else {
		c[13].text(res.MerchantID)
	}
	c[14].text(state)
	c[15].text(reason)
}

// settlementRow appends a settlement COPY row, in settlementColumnsIn
// order.
func (b *copyBuf) settlementRow(batch *settlement.TransactionBatch, x *settlement.Ingested, user string) {
	r, res := x.Raw, &x.Result
	b.row(len(settlementColumnsIn))
	b.text(x.SettlementID)
	b.text(res.MerchantID)
	b.text(res.CompanyID)
	b.text(res.StoreID)
	b.text(res.CampaignID)
	b.text(string(settlement.SourceTransaction))
	b.text(r.TransactionID)
	b.time(r.TransactionDateTime)
	b.time(batch.Created)
	b.numeric(r.Amount)
	b.text(r.Currency)
	b.numeric(res.UserShare)
	b.numeric(res.ProviderShare)
	b.text(string(res.UserShareType))
	b.text(string(res.ProviderShareType))
	b.text(r.CardType)
	b.text(r.TruncatedCardNumber)
	b.text(user)
}

// copyBuf builds rows in PostgreSQL's binary COPY format, or a
// one-dimensional array in its binary format (whose elements are encoded
// as COPY fields are): what pgx sends for the same values, without its
// per-value encode plans and interface values.
type copyBuf struct {
	b     []byte
	tm    *pgtype.Map // encodes the numerics outside the fast path
	err   error
	nulls bool // an array holds a NULL
}

// arrayHeader is the size of a one-dimensional array's header: dimensions,
// flags, element type, length and lower bound.
const arrayHeader = 20

func (c *copyBuf) startArray() {
	c.b = append(c.b[:0], make([]byte, arrayHeader)...)
	c.nulls, c.err = false, nil
}

// endArray fills in the header of an array of n elements of type elem.
func (c *copyBuf) endArray(elem uint32, n int) []byte {
	h := c.b[:0]
	h = binary.BigEndian.AppendUint32(h, 1)
	if c.nulls {
		h = binary.BigEndian.AppendUint32(h, 1)
	} else {
		h = binary.BigEndian.AppendUint32(h, 0)
	}
	h = binary.BigEndian.AppendUint32(h, elem)
	h = binary.BigEndian.AppendUint32(h, uint32(n))
	binary.BigEndian.AppendUint32(h, 1)
	return c.b
}

func (c *copyBuf) start() {
	c.b = append(c.b[:0], "PGCOPY\n\377\r\n\000"...)
	c.b = binary.BigEndian.AppendUint32(c.b, 0) // flags
	c.b = binary.BigEndian.AppendUint32(c.b, 0) // header extension length
}

func (c *copyBuf) end()      { c.b = binary.BigEndian.AppendUint16(c.b, 0xffff) }
func (c *copyBuf) row(n int) { c.b = binary.BigEndian.AppendUint16(c.b, uint16(n)) }
func (c *copyBuf) null()     { c.b, c.nulls = binary.BigEndian.AppendUint32(c.b, 0xffffffff), true }
func (c *copyBuf) text(s string) {
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(len(s)))
	c.b = append(c.b, s...)
}

func (c *copyBuf) bytea(v []byte) {
	if v == nil {
		c.null()
		return
	}
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(len(v)))
	c.b = append(c.b, v...)
}

// microsecondsToY2K is the Unix time of 2000-01-01, PostgreSQL's epoch, in
// microseconds.
const microsecondsToY2K = 946684800 * 1000000

// pgMicroseconds is a timestamptz's binary value: microseconds since
// 2000-01-01 UTC, finer digits dropped (as pgx does).
func pgMicroseconds(t time.Time) int64 {
	return t.Unix()*1000000 + int64(t.Nanosecond())/1000 - microsecondsToY2K
}

func (c *copyBuf) time(t time.Time) {
	c.b = binary.BigEndian.AppendUint32(c.b, 8)
	c.b = binary.BigEndian.AppendUint64(c.b, uint64(pgMicroseconds(t)))
}

var pow10 = [...]uint64{1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// numeric appends a numeric with the decimal's scale (dscale = −exponent),
// as pgx encodes it. Coefficients of up to 15 digits with exponents from
// −15 to 3 take a fast path in integers; the rest go through pgx.
func (c *copyBuf) numeric(d decimal.Decimal) {
	exp := d.Exponent()
	if exp < -15 || exp > 3 || d.NumDigits() > 15 {
		c.numericSlow(d)
		return
	}
	coef := d.CoefficientInt64()
	var sign uint16
	if coef < 0 {
		sign, coef = 0x4000, -coef
	}
	var dscale, frac int // decimal digits after the point: shown, and padded to whole base-10000 digits
	m := uint64(coef)
	if exp > 0 {
		m *= pow10[exp]
	} else {
		dscale = int(-exp)
		frac = (dscale + 3) / 4 * 4
		m *= pow10[frac-dscale] // below 10^18
	}
	var digits [10]uint16 // base 10000, least significant first
	n := 0
	for v := m; v != 0; v /= 10000 {
		digits[n] = uint16(v % 10000)
		n++
	}
	fracDigits := frac / 4
	if n < fracDigits { // leading zero digits of a fraction below 1
		n = fracDigits
	}
	weight := n - fracDigits - 1
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(8+2*n))
	c.b = binary.BigEndian.AppendUint16(c.b, uint16(n))
	c.b = binary.BigEndian.AppendUint16(c.b, uint16(int16(weight)))
	c.b = binary.BigEndian.AppendUint16(c.b, sign)
	c.b = binary.BigEndian.AppendUint16(c.b, uint16(dscale))
	for i := n - 1; i >= 0; i-- {
		c.b = binary.BigEndian.AppendUint16(c.b, digits[i])
	}
}

func (c *copyBuf) numericSlow(d decimal.Decimal) {
	at := len(c.b)
	c.b = binary.BigEndian.AppendUint32(c.b, 0)
	out, err := c.tm.Encode(pgtype.NumericOID, pgtype.BinaryFormatCode, d, c.b)
	if err != nil {
		if c.err == nil {
			c.err = err
		}
		return
	}
	c.b = out
	binary.BigEndian.PutUint32(c.b[at:], uint32(len(c.b)-at-4))
}

// TransactionBatches returns a page of the batches f selects, newest
// first, and their number, counted in the same query.
func (s *SettlementStore) TransactionBatches(ctx context.Context, f settlement.BatchFilter) ([]*settlement.TransactionBatch, int, error) {
	return pageBatches(ctx, s.db, "transaction_batches", "transactions", f,
		func(b *settlement.TransactionBatch) []any {
			return []any{&b.BatchID, &b.Transactions, &b.Created, &b.OwnerID}
		})
}

// pageBatches reads a page of a batch table (batch_id, a count column,
// created_at), newest first, with the number of rows f selects.
func pageBatches[T any](ctx context.Context, db *DB, table, count string, f settlement.BatchFilter, dest func(*T) []any) ([]*T, int, error) {
	var ids []string // NULL: every batch
	if f.IDs != nil {
		ids = f.IDs
	}
	from := ` FROM ` + pgx.Identifier{table}.Sanitize() +
		` WHERE ($1::text[] IS NULL OR batch_id = ANY($1)) AND ($2::bigint = 0 OR owner_id = $2)`
	rows, err := db.Pool.Query(ctx, `SELECT batch_id, `+pgx.Identifier{count}.Sanitize()+`, created_at, COALESCE(owner_id, 0), count(*) OVER ()`+from+
		` ORDER BY created_at DESC, batch_id OFFSET $3 LIMIT $4`, ids, f.OwnerID, f.Offset, f.Limit)
	if err != nil {
		return nil, 0, mapError(err, table)
	}
	defer rows.Close()
	out := []*T{}
	total := 0
	for rows.Next() {
		v := new(T)
		if err := rows.Scan(append(dest(v), &total)...); err != nil {
			return nil, 0, mapError(err, table)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, mapError(err, table)
	}
	if len(out) == 0 { // a page past the end, or of none, still tells the total
		if err := db.Pool.QueryRow(ctx, `SELECT count(*)`+from, ids, f.OwnerID).Scan(&total); err != nil {
			return nil, 0, mapError(err, table)
		}
	}
	return out, total, nil
}

// Transactions returns a page of a batch's transactions.
func (s *SettlementStore) Transactions(ctx context.Context, batchID string, offset, limit int) ([]*settlement.StoredTransaction, int, error) {
	var exists bool
	if err := s.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM transaction_batches WHERE batch_id = $1)`, batchID).Scan(&exists); err != nil {
		return nil, 0, mapError(err, "transactions")
	}
	if !exists {
		return nil, 0, errs.NotFoundf("transaction batch not found")
	}
	rows, err := s.db.Pool.Query(ctx, `
		SELECT transaction_id, amount, currency, transaction_at, card_acceptor_id, company_registration_number,
			truncated_card_number, card_type, approval_code, card_acceptor_terminal_id, system_trace_audit_number,
			retrieval_reference_number, batch_id, COALESCE(merchant_id, ''), state, reason, received_at,
			count(*) OVER ()
		FROM transactions WHERE batch_id = $1 ORDER BY transaction_id OFFSET $2 LIMIT $3`, batchID, offset, limit)
	if err != nil {
		return nil, 0, mapError(err, "transactions")
	}
	defer rows.Close()
	var out []*settlement.StoredTransaction
	total := 0
	for rows.Next() {
		var t settlement.StoredTransaction
		if err := rows.Scan(&t.TransactionID, &t.Amount, &t.Currency, &t.TransactionDateTime, &t.CardAcceptorID,
			&t.CompanyRegistrationNumber, &t.TruncatedCardNumber, &t.CardType, &t.ApprovalCode, &t.CardAcceptorTerminalID,
			&t.SystemTraceAuditNumber, &t.RetrievalReferenceNumber, &t.BatchID, &t.MerchantID, &t.State, &t.Reason,
			&t.ReceivedAt, &total); err != nil {
			return nil, 0, mapError(err, "transactions")
		}
		out = append(out, &t)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, mapError(err, "transactions")
	}
	if len(out) == 0 {
		if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM transactions WHERE batch_id = $1`, batchID).Scan(&total); err != nil {
			return nil, 0, mapError(err, "transactions")
		}
	}
	return out, total, nil
}

const settlementColumns = `settlement_id, COALESCE(settlement_batch_id, ''), merchant_id, company_id, store_id, campaign_id,
	source, transaction_id, transaction_at, processed_at, amount, currency, user_share, provider_share, user_share_type,
	provider_share_type, card_type, truncated_card_number, user_id`

func scanSettlement(r pgx.Row, extra ...any) (*settlement.Settlement, error) {
	var st settlement.Settlement
	var source, ut, pt string
	dest := []any{&st.SettlementID, &st.BatchID, &st.MerchantID, &st.CompanyID, &st.StoreID, &st.CampaignID, &source,
		&st.TransactionID, &st.TransactionDateTime, &st.ProcessedDateTime, &st.Amount, &st.Currency, &st.UserShare,
		&st.ProviderShare, &ut, &pt, &st.CardType, &st.TruncatedCardNumber, &st.UserID}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	st.Source, st.UserShareType, st.ProviderShareType = settlement.Source(source), merchant.ShareType(ut), merchant.ShareType(pt)
	return &st, nil
}

// Settlements returns a page of settlements matching f, and the total.
func (s *SettlementStore) Settlements(ctx context.Context, f settlement.SettlementFilter) ([]*settlement.Settlement, int, error) {
	where := "true"
	args := []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.From != nil {
		add("processed_at >= $%d", *f.From)
	}
	if f.To != nil {
		add("processed_at <= $%d", *f.To)
	}
	if f.BatchID != "" {
		add("settlement_batch_id = $%d", f.BatchID)
	}
	if len(f.MerchantIDs) > 0 {
		add("merchant_id = ANY($%d)", f.MerchantIDs)
	}
	if len(f.IDs) > 0 {
		add("settlement_id = ANY($%d)", f.IDs)
	}
	if f.OwnerID != 0 {
		add("merchant_id IN (SELECT merchant_id FROM merchants WHERE owner_id = $%d)", f.OwnerID)
	}
	args = append(args, f.Offset, f.Limit)
	rows, err := s.db.Pool.Query(ctx, `SELECT `+settlementColumns+`, count(*) OVER () FROM settlements WHERE `+where+
		fmt.Sprintf(` ORDER BY processed_at, settlement_id OFFSET $%d LIMIT $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, mapError(err, "settlements")
	}
	defer rows.Close()
	var out []*settlement.Settlement
	total := 0
	for rows.Next() {
		st, err := scanSettlement(rows, &total)
		if err != nil {
			return nil, 0, mapError(err, "settlements")
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, mapError(err, "settlements")
	}
	if len(out) == 0 {
		if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM settlements WHERE `+where, args[:len(args)-2]...).Scan(&total); err != nil {
			return nil, 0, mapError(err, "settlements")
		}
	}
	return out, total, nil
}

// broadcast writes one event of type typ to every credential with an
// endpoint for it that may see what happened: the settlement client
// ownerID (every client when 0) and the admins.
func (s *SettlementStore) broadcast(ctx context.Context, tx pgx.Tx, ownerID int64, typ notify.EventType, query map[string]string) error {
	if s.outbox == nil {
		return nil
	}
	// Subscriptions hear of it whatever endpoints exist.
	if live, ok := s.outbox.(LiveWriter); ok {
		if err := live.Live(ctx, tx, notify.Event{Type: typ, OwnerID: ownerID, Query: query}); err != nil {
			return err
		}
	}
	rows, err := tx.Query(ctx, `SELECT e.owner_id FROM notification_endpoints e JOIN credentials c ON c.id = e.owner_id
		WHERE e.type = $1 AND ($2::bigint = 0 OR e.owner_id = $2 OR c.kind = 'admin')`, string(typ), ownerID)
	if err != nil {
		return err
	}
	owners, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	events := make([]notify.Event, len(owners))
	for i, o := range owners {
		events[i] = notify.Event{Type: typ, OwnerID: o, Query: query}
	}
	return s.outbox.Enqueue(ctx, tx, events...)
}

// CreateSettlementBatch moves every unbatched settlement into a new batch.
// Row locks make a concurrent batch skip the settlements this one took.
func (s *SettlementStore) CreateSettlementBatch(ctx context.Context, batchID string, ownerID int64, now time.Time) (*settlement.SettlementBatch, error) {
	b := &settlement.SettlementBatch{BatchID: batchID, Created: now, OwnerID: ownerID}
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO settlement_batches (batch_id, created_at, owner_id) VALUES ($1, $2, NULLIF($3, 0))`,
			batchID, now, ownerID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE settlements SET settlement_batch_id = $1 WHERE settlement_batch_id IS NULL
			AND ($2::bigint = 0 OR merchant_id IN (SELECT merchant_id FROM merchants WHERE owner_id = $2))`, batchID, ownerID)
		if err != nil {
			return err
		}
		b.Settlements = int(tag.RowsAffected())
		if _, err := tx.Exec(ctx, `UPDATE settlement_batches SET settlements = $2 WHERE batch_id = $1`, batchID, b.Settlements); err != nil {
			return err
		}
		return s.broadcast(ctx, tx, ownerID, notify.EventNewSettlementBatch, map[string]string{"batchId": batchID})
	})
	if err != nil {
		return nil, mapError(err, "settlement batch")
	}
	return b, nil
}

// SettlementBatches returns a page of the settlement batches f selects,
// newest first, and their number, counted in the same query.
func (s *SettlementStore) SettlementBatches(ctx context.Context, f settlement.BatchFilter) ([]*settlement.SettlementBatch, int, error) {
	return pageBatches(ctx, s.db, "settlement_batches", "settlements", f,
		func(b *settlement.SettlementBatch) []any {
			return []any{&b.BatchID, &b.Settlements, &b.Created, &b.OwnerID}
		})
}

// Settle invoices every settlement not yet invoiced into a new settle run,
// in one set-based statement over the settlement lots: it marks every open
// lot (of the merchant, or all) with the run and inserts, per merchant and
// currency, the sums of both shares as two invoices. It costs what the
// number of lots does (one per batch, merchant and currency), not the
// number of settlements. The UPDATE takes each lot's row lock, so a
// concurrent run skips what this one took.
func (s *SettlementStore) Settle(ctx context.Context, runID, merchantID string, ownerID int64, now time.Time) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var m any
		if merchantID != "" {
			m = merchantID
		}
		if _, err := tx.Exec(ctx, `INSERT INTO settle_runs (settlement_id, merchant_id, created_at, owner_id) VALUES ($1, $2, $3, NULLIF($4, 0))`,
			runID, m, now, ownerID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			WITH picked AS (
				UPDATE settlement_lots SET settle_run_id = $1
				WHERE settle_run_id IS NULL AND ($2::text IS NULL OR merchant_id = $2)
					AND ($4::bigint = 0 OR merchant_id IN (SELECT merchant_id FROM merchants WHERE owner_id = $4))
				RETURNING merchant_id, currency, settlements, user_share, provider_share
			)
			INSERT INTO invoices (settlement_id, merchant_id, type, amount, currency, settlement_count, created_at)
			SELECT $1, merchant_id, 'userShare', sum(user_share), currency, sum(settlements), $3::timestamptz FROM picked GROUP BY merchant_id, currency
			UNION ALL
			SELECT $1, merchant_id, 'providerShare', sum(provider_share), currency, sum(settlements), $3::timestamptz FROM picked GROUP BY merchant_id, currency`,
			runID, m, now, ownerID); err != nil {
			return err
		}
		return s.broadcast(ctx, tx, ownerID, notify.EventMerchantsSettled, map[string]string{"settlementId": runID})
	})
	return mapError(err, "settle run")
}

// Invoices returns the invoices of a settle run and/or a merchant.
func (s *SettlementStore) Invoices(ctx context.Context, ownerID int64, runID, merchantID string) ([]*settlement.Invoice, error) {
	if runID != "" {
		var exists bool
		if err := s.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM settle_runs WHERE settlement_id = $1)`, runID).Scan(&exists); err != nil {
			return nil, mapError(err, "invoices")
		}
		if !exists {
			return nil, errs.NotFoundf("settlement not found")
		}
	}
	rows, err := s.db.Pool.Query(ctx, `
		SELECT settlement_id, merchant_id, type, amount, currency, settlement_count, created_at FROM invoices
		WHERE ($1 = '' OR settlement_id = $1) AND ($2 = '' OR merchant_id = $2)
			AND ($3::bigint = 0 OR merchant_id IN (SELECT merchant_id FROM merchants WHERE owner_id = $3))
		ORDER BY created_at, settlement_id, merchant_id, type DESC, currency`, runID, merchantID, ownerID)
	if err != nil {
		return nil, mapError(err, "invoices")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*settlement.Invoice, error) {
		var inv settlement.Invoice
		var typ string
		err := r.Scan(&inv.SettlementID, &inv.MerchantID, &typ, &inv.Amount, &inv.Currency, &inv.SettlementCount, &inv.Created)
		inv.Type = settlement.InvoiceType(typ)
		return &inv, err
	})
	return out, mapError(err, "invoices")
}

// SourceStates returns, per settlement source, how many of a merchant's
// transactions were settled and left unmatched, and when the last came.
func (s *SettlementStore) SourceStates(ctx context.Context, merchantID string) ([]*settlement.SourceState, error) {
	st := &settlement.SourceState{MerchantID: merchantID, Source: settlement.SourceTransaction}
	err := s.db.Pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE state = 'settled'), count(*) FILTER (WHERE state = 'unmatched'), max(received_at)
		FROM transactions WHERE merchant_id = $1`, merchantID).Scan(&st.Settled, &st.Unmatched, &st.LastReceived)
	if err != nil {
		return nil, mapError(err, "source states")
	}
	if err := s.db.Pool.QueryRow(ctx, `
		SELECT max(processed_at), count(*) FILTER (WHERE settlement_batch_id IS NULL)
		FROM settlements WHERE merchant_id = $1 AND source = 'transaction'`, merchantID).Scan(&st.LastSettled, &st.UnbatchedCount); err != nil {
		return nil, mapError(err, "source states")
	}
	rc := &settlement.SourceState{MerchantID: merchantID, Source: settlement.SourceReceipt}
	if err := s.db.Pool.QueryRow(ctx, `
		SELECT count(*), max(processed_at), count(*) FILTER (WHERE settlement_batch_id IS NULL)
		FROM settlements WHERE merchant_id = $1 AND source = 'receipt'`, merchantID).Scan(&rc.Settled, &rc.LastSettled, &rc.UnbatchedCount); err != nil {
		return nil, mapError(err, "source states")
	}
	return []*settlement.SourceState{st, rc}, nil
}

// MerchantExists reports whether a merchant exists.
func (s *SettlementStore) MerchantExists(ctx context.Context, merchantID string) (bool, error) {
	var ok bool
	err := s.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM merchants WHERE merchant_id = $1)`, merchantID).Scan(&ok)
	return ok, mapError(err, "merchant")
}
