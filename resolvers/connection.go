package resolvers

import (
	"encoding/base64"
	"strconv"
	"strings"

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
