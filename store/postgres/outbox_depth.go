package postgres

import (
	"context"
	"fmt"
)

// OutboxJobs is the number of outbox jobs of one kind in one state.
type OutboxJobs struct {
	Kind, State string
	Jobs        int64
}

// OutboxDepth counts the outbox's jobs (River's river_job) that are not
// completed, by kind and state, for the service's metrics. Kinds are the
// job kinds of the code, so the list stays short.
func (db *DB) OutboxDepth(ctx context.Context) ([]OutboxJobs, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT kind, state::text, count(*) FROM river_job
		WHERE state <> 'completed'
		GROUP BY kind, state ORDER BY kind, state`)
	if err != nil {
		return nil, fmt.Errorf("outbox depth: %w", err)
	}
	defer rows.Close()
	var out []OutboxJobs
	for rows.Next() {
		var j OutboxJobs
		if err := rows.Scan(&j.Kind, &j.State, &j.Jobs); err != nil {
			return nil, fmt.Errorf("outbox depth: %w", err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox depth: %w", err)
	}
	return out, nil
}
