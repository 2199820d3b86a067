package resolvers

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/shopspring/decimal"
	"github.com/vektah/gqlparser/v2/ast"

	"loyaltygraph/domain/merchant"
)

// Planned operations: a hot query whose shape is known is run as a whole
// instead of field by field. The merchant list with its stores
//
//	{ merchants(first: 100) { nodes { merchantId merchantName merchantStatus
//	    stores(first: 10) { nodes { storeId storeNumber name userShare providerShare } } } } }
//
// asks gqlgen's executor for thousands of field contexts, goroutines and
// marshalers, one per field of every element; planned, it is the same two
// reads of the application layer (MerchantOps.List and, when stores are
// selected, MerchantOps.StoresOf: the dataloader's batch reader, so authz
// and the SQL are the general path's) and one pass that writes the JSON.
//
// Plan accepts only operations it can answer byte for byte like the
// general path (TestPlannedMatchesGeneralPath compares them): one root
// field, Query.merchants, whose selections are plain fields of the
// connections, Merchant and Store listed below (Merchant.stores once, with
// its first and after), with aliases but without
// fragments, directives or a repeated response key. Anything else, and any
// error or odd value at run time, goes down the general path, which then
// presents the error as usual. The request limits, persisted queries,
// introspection gate and complexity limit all run before operations, so
// they apply to planned ones unchanged.

// errNotPlanned makes a planned run give way to the general path.
type plannedFallback struct{}

func (plannedFallback) Error() string { return "not planned" }

var errNotPlanned error = plannedFallback{}

// plannedKind is what a selected field writes.
type plannedKind uint8

const (
	pkTypename plannedKind = iota
	pkNodes
	pkTotalCount
	pkPageInfo
	pkHasNext
	pkHasPrevious
	pkStartCursor
	pkEndCursor
	// Merchant fields.
	pkMerchantGID
	pkMerchantID
	pkMerchantName
	pkMerchantStatus
	pkMerchantCreated
	pkMerchantUpdated
	pkStores
	// Store fields.
	pkStoreGID
	pkStoreID
	pkStoreMerchantID
	pkStoreNumber
	pkStoreName
	pkStoreUserShare
	pkStoreUserShareType
	pkStoreProviderShare
	pkStoreProviderShareType
	pkStoreSource
	pkStoreCreated
	pkStoreUpdated
)

var (
	connectionFields = map[string]plannedKind{"__typename": pkTypename, "nodes": pkNodes, "totalCount": pkTotalCount, "pageInfo": pkPageInfo}
	pageInfoFields   = map[string]plannedKind{"__typename": pkTypename, "hasNextPage": pkHasNext, "hasPreviousPage": pkHasPrevious,
		"startCursor": pkStartCursor, "endCursor": pkEndCursor}
	merchantFields = map[string]plannedKind{"__typename": pkTypename, "id": pkMerchantGID, "merchantId": pkMerchantID,
		"merchantName": pkMerchantName, "merchantStatus": pkMerchantStatus, "createdAt": pkMerchantCreated,
		"updatedAt": pkMerchantUpdated, "stores": pkStores}
	storeFields = map[string]plannedKind{"__typename": pkTypename, "id": pkStoreGID, "storeId": pkStoreID,
		"merchantId": pkStoreMerchantID, "storeNumber": pkStoreNumber, "name": pkStoreName,
		"userShare": pkStoreUserShare, "userShareType": pkStoreUserShareType, "providerShare": pkStoreProviderShare,
		"providerShareType": pkStoreProviderShareType, "source": pkStoreSource, "createdAt": pkStoreCreated,
		"updatedAt": pkStoreUpdated}
)

// plannedField is one selected field: its response key (with the quotes,
// colon and, but for the first, the leading comma), what it writes, and
// its own selection for objects and lists.
type plannedField struct {
	key      string
	kind     plannedKind
	typename string
	sub      []plannedField
}

// merchantsPlan is a compiled Query.merchants operation.
type merchantsPlan struct {
	rootKey     string
	first       *int
	after       *string
	conn        []plannedField
	withStores  bool
	needsTotals bool
	// storesFirst and storesAfter select the page of each merchant's
	// stores.
	storesFirst *int
	storesAfter *string
}

// plannedRuns counts the operations answered by a plan (tests check that
// the shapes they compare were planned).
var plannedRuns atomic.Int64

// PlannedRuns returns how many operations plans have answered.
func PlannedRuns() int64 { return plannedRuns.Load() }

type noPlansKey struct{}

// WithoutPlans returns ctx in which every operation takes the general path
// (tests compare the two; benchmarks measure both).
func WithoutPlans(ctx context.Context) context.Context {
	return context.WithValue(ctx, noPlansKey{}, true)
}

// PlannedOperations wraps next, the general path, with planned runs.
func (r *Resolver) PlannedOperations(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if ctx.Value(noPlansKey{}) != nil {
		return next(ctx)
	}
	p := compileMerchants(graphql.GetOperationContext(ctx))
	if p == nil {
		return next(ctx)
	}
	data, err := r.runMerchants(ctx, p)
	if err != nil {
		// Errors (authorization, bad cursors, faults) are presented by the
		// general path, which runs the same reads again.
		return next(ctx)
	}
	plannedRuns.Add(1)
	done := false
	return func(ctx context.Context) *graphql.Response {
		if done || ctx.Err() != nil {
			return nil
		}
		done = true
		return &graphql.Response{Data: data}
	}
}

// compileMerchants compiles oc's operation, or returns nil.
func compileMerchants(oc *graphql.OperationContext) *merchantsPlan {
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Query || len(oc.Operation.Directives) > 0 ||
		len(oc.Operation.SelectionSet) != 1 {
		return nil
	}
	root, ok := oc.Operation.SelectionSet[0].(*ast.Field)
	if !ok || root.Name != "merchants" || len(root.Directives) > 0 || root.ObjectDefinition == nil ||
		root.ObjectDefinition.Name != "Query" {
		return nil
	}
	p := &merchantsPlan{rootKey: root.Alias}
	if p.first, p.after, ok = pageArgs(root, oc.Variables); !ok {
		return nil
	}
	conn, ok := compileSelection(root.SelectionSet, "MerchantConnection", connectionFields, func(f *ast.Field, k plannedKind) ([]plannedField, string, bool) {
		switch k {
		case pkNodes:
			sub, ok := compileSelection(f.SelectionSet, "Merchant", merchantFields, func(f *ast.Field, k plannedKind) ([]plannedField, string, bool) {
				if k != pkStores {
					return nil, "", true
				}
				if p.withStores {
					return nil, "", false // one window of stores per plan
				}
				p.withStores = true
				var argsOK bool
				if p.storesFirst, p.storesAfter, argsOK = pageArgs(f, oc.Variables); !argsOK {
					return nil, "", false
				}
				sub, ok := compileSelection(f.SelectionSet, "StoreConnection", connectionFields, func(f *ast.Field, k plannedKind) ([]plannedField, string, bool) {
					switch k {
					case pkNodes:
						sub, ok := compileSelection(f.SelectionSet, "Store", storeFields, nil)
						return sub, "Store", ok
					case pkPageInfo:
						sub, ok := compileSelection(f.SelectionSet, "PageInfo", pageInfoFields, nil)
						return sub, "PageInfo", ok
					}
					return nil, "", true
				})
				return sub, "StoreConnection", ok
			})
			return sub, "Merchant", ok
		case pkPageInfo:
			p.needsTotals = true
			sub, ok := compileSelection(f.SelectionSet, "PageInfo", pageInfoFields, nil)
			return sub, "PageInfo", ok
		case pkTotalCount:
			p.needsTotals = true
		}
		return nil, "", true
	})
	if !ok {
		return nil
	}
	p.conn = conn
	return p
}

// pageArgs reads a connection field's first and after; ok is false when
// it has other arguments or values of another type.
func pageArgs(f *ast.Field, vars map[string]any) (first *int, after *string, ok bool) {
	for name, v := range f.ArgumentMap(vars) {
		switch name {
		case "first":
			if v != nil {
				n, err := graphql.UnmarshalInt(v)
				if err != nil {
					return nil, nil, false
				}
				first = &n
			}
		case "after":
			if v != nil {
				s, isString := v.(string)
				if !isString {
					return nil, nil, false
				}
				after = &s
			}
		default:
			return nil, nil, false
		}
	}
	return first, after, true
}

// compileSelection compiles the plain fields of one selection set on
// typeName; object fields compile their own selection through nested.
func compileSelection(set ast.SelectionSet, typeName string, known map[string]plannedKind,
	nested func(*ast.Field, plannedKind) ([]plannedField, string, bool)) ([]plannedField, bool) {
	if len(set) == 0 {
		return nil, false
	}
	out := make([]plannedField, 0, len(set))
	seen := make(map[string]bool, len(set))
	for i, sel := range set {
		f, ok := sel.(*ast.Field)
		if !ok || len(f.Directives) > 0 || seen[f.Alias] ||
			f.ObjectDefinition == nil || f.ObjectDefinition.Name != typeName {
			return nil, false
		}
		seen[f.Alias] = true
		k, ok := known[f.Name]
		if !ok || (len(f.Arguments) > 0 && k != pkStores) {
			return nil, false
		}
		pf := plannedField{key: strconv.Quote(f.Alias) + ":", kind: k, typename: typeName}
		if i > 0 {
			pf.key = "," + pf.key
		}
		if strings.ContainsAny(f.Alias, `"\`) {
			return nil, false
		}
		if len(f.SelectionSet) > 0 {
			if nested == nil {
				return nil, false
			}
			sub, _, ok := nested(f, k)
			if !ok || sub == nil {
				return nil, false
			}
			pf.sub = sub
		} else if k == pkNodes || k == pkPageInfo || k == pkStores {
			return nil, false
		}
		out = append(out, pf)
	}
	return out, true
}

var plannedBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// runMerchants reads what p selects through the application layer and
// writes the operation's data.
func (r *Resolver) runMerchants(ctx context.Context, p *merchantsPlan) ([]byte, error) {
	offset, limit, err := pageWindow(p.first, p.after)
	if err != nil {
		return nil, err
	}
	list, total, err := r.MerchantOps.List(ctx, merchant.Filter{Offset: offset, Limit: limit})
	if err != nil {
		return nil, err
	}
	var stores map[string][]*merchant.Shop
	w := plannedWriter{}
	if p.withStores {
		if w.storesOffset, w.storesLimit, err = pageWindow(p.storesFirst, p.storesAfter); err != nil {
			return nil, err
		}
	}
	if p.withStores && len(list) > 0 {
		ids := make([]string, len(list))
		for i, m := range list {
			ids[i] = m.ID
		}
		all, err := r.MerchantOps.StoresOf(ctx, ids)
		if err != nil {
			return nil, err
		}
		// The reader returns each merchant's stores together (by merchant,
		// then storeId): slice runs instead of appending one by one.
		stores = make(map[string][]*merchant.Shop, len(list))
		for i := 0; i < len(all); {
			j := i + 1
			for j < len(all) && all[j].MerchantID == all[i].MerchantID {
				j++
			}
			if prev, ok := stores[all[i].MerchantID]; ok {
				stores[all[i].MerchantID] = append(prev, all[i:j]...)
			} else {
				stores[all[i].MerchantID] = all[i:j:j]
			}
			i = j
		}
	}
	buf := plannedBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 4<<20 {
			plannedBuffers.Put(buf)
		}
	}()
	w.buf = buf
	buf.WriteString(`{`)
	buf.WriteString(strconv.Quote(p.rootKey))
	buf.WriteString(`:{`)
	for _, f := range p.conn {
		buf.WriteString(f.key)
		switch f.kind {
		case pkTypename:
			w.str("MerchantConnection")
		case pkTotalCount:
			buf.WriteString(strconv.Itoa(total))
		case pkPageInfo:
			w.pageInfo(f.sub, offset, len(list), total)
		case pkNodes:
			buf.WriteByte('[')
			for i, m := range list {
				if i > 0 {
					buf.WriteByte(',')
				}
				if !w.merchant(f.sub, m, stores) {
					return nil, errNotPlanned
				}
			}
			buf.WriteByte(']')
		}
	}
	buf.WriteString(`}}`)
	return bytes.Clone(buf.Bytes()), nil
}

// plannedWriter writes values as gqlgen's marshalers do.
type plannedWriter struct {
	buf     *bytes.Buffer
	scratch [64]byte
	// storesOffset and storesLimit are the window of each merchant's
	// stores.
	storesOffset, storesLimit int
}

func (w *plannedWriter) pageInfo(sel []plannedField, offset, count, total int) {
	pi := pageInfo(offset, count, total)
	w.buf.WriteByte('{')
	for _, f := range sel {
		w.buf.WriteString(f.key)
		switch f.kind {
		case pkTypename:
			w.str("PageInfo")
		case pkHasNext:
			w.buf.WriteString(strconv.FormatBool(pi.HasNextPage))
		case pkHasPrevious:
			w.buf.WriteString(strconv.FormatBool(pi.HasPreviousPage))
		case pkStartCursor:
			w.optStr(pi.StartCursor)
		case pkEndCursor:
			w.optStr(pi.EndCursor)
		}
	}
	w.buf.WriteByte('}')
}

func (w *plannedWriter) merchant(sel []plannedField, m *merchant.Merchant, stores map[string][]*merchant.Shop) bool {
	w.buf.WriteByte('{')
	for _, f := range sel {
		w.buf.WriteString(f.key)
		switch f.kind {
		case pkTypename:
			w.str("Merchant")
		case pkMerchantGID:
			w.str(GlobalID(typeMerchant, m.ID))
		case pkMerchantID:
			w.str(m.ID)
		case pkMerchantName:
			w.str(m.Name)
		case pkMerchantStatus:
			if !w.enum(string(m.Status), m.Status.Valid()) {
				return false
			}
		case pkMerchantCreated:
			if !w.time(m.CreatedAt) {
				return false
			}
		case pkMerchantUpdated:
			if !w.time(m.UpdatedAt) {
				return false
			}
		case pkStores:
			if !w.stores(f.sub, stores[m.ID]) {
				return false
			}
		}
	}
	w.buf.WriteByte('}')
	return true
}

// stores writes the window of all, one merchant's stores, as a
// StoreConnection.
func (w *plannedWriter) stores(sel []plannedField, all []*merchant.Shop) bool {
	total := len(all)
	start := min(w.storesOffset, total)
	page := all[start:min(start+w.storesLimit, total)]
	w.buf.WriteByte('{')
	for _, f := range sel {
		w.buf.WriteString(f.key)
		switch f.kind {
		case pkTypename:
			w.str("StoreConnection")
		case pkTotalCount:
			w.buf.WriteString(strconv.Itoa(total))
		case pkPageInfo:
			w.pageInfo(f.sub, w.storesOffset, len(page), total)
		case pkNodes:
			w.buf.WriteByte('[')
			for i, s := range page {
				if i > 0 {
					w.buf.WriteByte(',')
				}
				if !w.store(f.sub, s) {
					return false
				}
			}
			w.buf.WriteByte(']')
		}
	}
	w.buf.WriteByte('}')
	return true
}

func (w *plannedWriter) store(sel []plannedField, s *merchant.Shop) bool {
	w.buf.WriteByte('{')
	for _, f := range sel {
		w.buf.WriteString(f.key)
		ok := true
		switch f.kind {
		case pkTypename:
			w.str("Store")
		case pkStoreGID:
			w.str(GlobalID(typeStore, s.ID))
		case pkStoreID:
			w.str(s.ID)
		case pkStoreMerchantID:
			w.str(s.MerchantID)
		case pkStoreNumber:
			w.str(s.StoreNumber)
		case pkStoreName:
			w.str(s.Name)
		case pkStoreUserShare:
			w.decimal(s.UserShare)
		case pkStoreUserShareType:
			ok = w.enum(string(s.UserShareType), s.UserShareType.Valid())
		case pkStoreProviderShare:
			w.decimal(s.ProviderShare)
		case pkStoreProviderShareType:
			ok = w.enum(string(s.ProviderShareType), s.ProviderShareType.Valid())
		case pkStoreSource:
			ok = w.enum(string(s.Source), s.Source.Valid())
		case pkStoreCreated:
			ok = w.time(s.CreatedAt)
		case pkStoreUpdated:
			ok = w.time(s.UpdatedAt)
		}
		if !ok {
			return false
		}
	}
	w.buf.WriteByte('}')
	return true
}

// enum writes a domain enum value as its GraphQL name (the value in upper
// case); an unknown value gives way to the general path.
func (w *plannedWriter) enum(v string, valid bool) bool {
	if !valid {
		return false
	}
	w.buf.WriteByte('"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		w.buf.WriteByte(c)
	}
	w.buf.WriteByte('"')
	return true
}

// time writes t like graphql.MarshalTime; a zero time (null) gives way.
func (w *plannedWriter) time(t time.Time) bool {
	if t.IsZero() {
		return false
	}
	w.buf.WriteByte('"')
	w.buf.Write(t.AppendFormat(w.scratch[:0], time.RFC3339Nano))
	w.buf.WriteByte('"')
	return true
}

// decimal writes d like gqltypes.MarshalDecimal: its String, quoted.
func (w *plannedWriter) decimal(d decimal.Decimal) {
	w.buf.WriteByte('"')
	w.buf.Write(appendDecimal(w.scratch[:0], d))
	w.buf.WriteByte('"')
}

func (w *plannedWriter) optStr(s *string) {
	if s == nil {
		w.buf.WriteString("null")
		return
	}
	w.str(*s)
}

// str writes s quoted like graphql.MarshalString.
func (w *plannedWriter) str(s string) {
	writeQuoted(w.buf, s)
}

const hexDigits = "0123456789ABCDEF"

// writeQuoted is graphql.MarshalString's quoting (writeQuotedString).
func writeQuoted(w *bytes.Buffer, s string) {
	start := 0
	w.WriteByte('"')
	for i, c := range s {
		if c < 0x20 || c == '\\' || c == '"' {
			w.WriteString(s[start:i])
			switch c {
			case '\t':
				w.WriteString(`\t`)
			case '\r':
				w.WriteString(`\r`)
			case '\n':
				w.WriteString(`\n`)
			case '\\':
				w.WriteString(`\\`)
			case '"':
				w.WriteString(`\"`)
			default:
				w.WriteString(`\u00`)
				w.WriteByte(hexDigits[c>>4])
				w.WriteByte(hexDigits[c&0xf])
			}
			start = i + 1
		}
	}
	w.WriteString(s[start:])
	w.WriteByte('"')
}

// appendDecimal appends d.String() without math/big when its coefficient
// fits an int64 (every share and amount does); TestAppendDecimal compares
// the two.
func appendDecimal(dst []byte, d decimal.Decimal) []byte {
	if !decimal.TrimTrailingZeros || decimal.UseScientificNotation || d.NumDigits() > 18 {
		return append(dst, d.String()...)
	}
	return appendSmallDecimal(dst, d.CoefficientInt64(), d.Exponent(), d)
}

func appendSmallDecimal(dst []byte, c int64, exp int32, d decimal.Decimal) []byte {
	if exp >= 0 || c == 0 {
		return append(dst, d.String()...)
	}
	neg := c < 0
	if neg {
		if c == -c { // math.MinInt64
			return append(dst, d.String()...)
		}
		c = -c
	}
	var digits [24]byte
	s := strconv.AppendInt(digits[:0], c, 10)
	scale := int(-exp)
	var intPart, frac []byte
	if len(s) > scale {
		intPart, frac = s[:len(s)-scale], s[len(s)-scale:]
	} else {
		intPart = []byte{'0'}
		var pad [64]byte
		if scale > len(pad) {
			return append(dst, d.String()...)
		}
		n := scale - len(s)
		for i := range n {
			pad[i] = '0'
		}
		frac = append(pad[:n], s...)
	}
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if neg {
		dst = append(dst, '-')
	}
	dst = append(dst, intPart...)
	if len(frac) > 0 {
		dst = append(dst, '.')
		dst = append(dst, frac...)
	}
	return dst
}
