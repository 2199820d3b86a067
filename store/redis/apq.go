package redis

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// persistedQueryTTL is how long an automatic persisted query is remembered
// after its last registration.
const persistedQueryTTL = 24 * time.Hour

// maxPersistedQuery bounds the size of one stored query.
const maxPersistedQuery = 64 << 10

// PersistedQueries is the automatic-persisted-query cache of the GraphQL
// server (gqlgen's graphql.Cache[string]), shared by every replica.
type PersistedQueries struct {
	c   *Client
	log *slog.Logger
}

// NewPersistedQueries returns the APQ cache on c.
func NewPersistedQueries(c *Client, log *slog.Logger) *PersistedQueries {
	return &PersistedQueries{c: c, log: log}
}

// Get returns the query registered under the hash key.
func (p *PersistedQueries) Get(ctx context.Context, key string) (string, bool) {
	v, err := p.c.rdb.Get(ctx, p.c.Key("apq", key)).Result()
	if err != nil {
		return "", false
	}
	return v, true
}

// Add registers query under the hash key. A failure only costs the client a
// retry with the full query, so it is logged, not returned.
func (p *PersistedQueries) Add(ctx context.Context, key, query string) {
	if len(query) > maxPersistedQuery {
		return
	}
	if err := p.c.rdb.Set(ctx, p.c.Key("apq", key), query, persistedQueryTTL).Err(); err != nil && !errors.Is(err, errDown) {
		// (An outage is logged once, by the health monitor.)
		p.log.WarnContext(ctx, "store persisted query", "err", err)
	}
}
