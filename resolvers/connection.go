package resolvers

import (
	"context"
	"slices"

	"encoding/base64"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"loyaltygraph/domain/errs"
	"loyaltygraph/graph/model"
)

// MaxFirst is the largest page a GraphQL connection returns.
const MaxFirst = 100

const cursorPrefix = "offset:"

// OffsetCursor returns the opaque cursor that points at the item at offset
// n, so that `after` it starts at n+1.
func OffsetCursor(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(n)))
}

// pageWindow turns Relay arguments into an offset and a limit.
func pageWindow(first *int, after *string) (offset, limit int, err error) {
	limit = 20
	if first != nil {
		if *first < 0 || *first > MaxFirst {
			return 0, 0, errs.InvalidField("first", "first must be between 0 and %d", MaxFirst)
		}
		limit = *first
	}
	if after != nil && *after != "" {
		raw, decErr := base64.RawURLEncoding.DecodeString(*after)
		s, ok := strings.CutPrefix(string(raw), cursorPrefix)
		n, convErr := strconv.Atoi(s)
		if decErr != nil || !ok || convErr != nil || n < 0 || len(*after) > 64 {
			return 0, 0, errs.InvalidField("after", "after is not a valid cursor")
		}
		offset = n + 1
	}
	return offset, limit, nil
}

// pageInfo describes the page of count items that starts at offset, out of
// total.
func pageInfo(offset, count, total int) *model.PageInfo {
	pi := &model.PageInfo{
		HasPreviousPage: offset > 0,
		HasNextPage:     offset+count < total,
	}
	if count > 0 {
		start, end := OffsetCursor(offset), OffsetCursor(offset+count-1)
		pi.StartCursor, pi.EndCursor = &start, &end
	}
	return pi
}

// edges returns a connection's edges, a cursor each, when the selection
// asks for them (nodes alone need none), in one backing array.
func edges[T, E any](ctx context.Context, offset int, list []T, edge func(cursor string, node T) E) []*E {
	if !slices.Contains(graphql.CollectAllFields(ctx), "edges") {
		return []*E{}
	}
	backing := make([]E, len(list))
	out := make([]*E, len(list))
	for i, n := range list {
		backing[i] = edge(OffsetCursor(offset+i), n)
		out[i] = &backing[i]
	}
	return out
}

// connection is what every Relay connection holds.
type connection[T, E any] struct {
	Nodes    []T
	Edges    []*E
	PageInfo *model.PageInfo
	Total    int
}

// connect reads the page that first and after select through fetch (an
// offset page and the total it is part of) and builds a connection: the
// nodes, edges only when the selection asks for them, the page info and
// the total.
func connect[T, E any](ctx context.Context, first *int, after *string, fetch func(offset, limit int) ([]T, int, error), edge func(cursor string, node T) E) (*connection[T, E], error) {
	offset, limit, err := pageWindow(first, after)
	if err != nil {
		return nil, err
	}
	list, total, err := fetch(offset, limit)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []T{}
	}
	return &connection[T, E]{Nodes: list, Edges: edges(ctx, offset, list, edge),
		PageInfo: pageInfo(offset, len(list), total), Total: total}, nil
}

// withoutTotal adapts a list that has no total: it asks for one item more
// than the page, to learn whether another page follows, and counts the
// total as the items up to the page's end, plus one when more follow.
func withoutTotal[T any](fetch func(offset, limit int) ([]T, error)) func(offset, limit int) ([]T, int, error) {
	return func(offset, limit int) ([]T, int, error) {
		list, err := fetch(offset, limit+1)
		if err != nil {
			return nil, 0, err
		}
		total := offset + len(list)
		if len(list) > limit {
			list = list[:limit]
		}
		return list, total, nil
	}
}

// whole adapts a list that is read whole (a dataloader's, or a short list
// of one owner's) to connect: load runs only once the arguments are
// known to be good, and the page is cut from it; the total is its length.
func whole[T any](load func() ([]T, error)) func(offset, limit int) ([]T, int, error) {
	return func(offset, limit int) ([]T, int, error) {
		list, err := load()
		if err != nil {
			return nil, 0, err
		}
		total := len(list)
		start := min(offset, total)
		return list[start:min(start+limit, total)], total, nil
	}
}
