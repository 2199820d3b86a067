package postgres

import (
	"context"
	"time"
)

// BeatWorker records that the delivering process clientID is alive now
// (by the database's clock, which every process shares).
func (s *NotifyStore) BeatWorker(ctx context.Context, clientID string) error {
	_, err := s.db.Pool.Exec(ctx, `
		INSERT INTO delivery_workers (client_id, seen_at) VALUES ($1, now())
		ON CONFLICT (client_id) DO UPDATE SET seen_at = now()`, clientID)
	return mapError(err, "delivery worker")
}

// RetireWorker marks the delivering process clientID stopped: whatever it
// still runs is given back at the next rescue.
func (s *NotifyStore) RetireWorker(ctx context.Context, clientID string) error {
	_, err := s.db.Pool.Exec(ctx, `UPDATE delivery_workers SET seen_at = '-infinity' WHERE client_id = $1`, clientID)
	return mapError(err, "delivery worker")
}

// RescueDeadWorkers makes the running jobs of queue whose process has not
// beaten for deadAfter (or has stopped) available again at once, or
// discards those that have used their last attempt, as River's own rescuer
// does after its much longer horizon, and resigns River's leadership for a
// dead leader. Only processes that beat are judged:
// jobs of a process that never registered are left to River. It returns
// how many jobs were given back, and forgets processes dead for a day.
func (s *NotifyStore) RescueDeadWorkers(ctx context.Context, queue string, deadAfter time.Duration) (int64, error) {
	tag, err := s.db.Pool.Exec(ctx, `
		WITH alive AS (
		    SELECT client_id FROM delivery_workers WHERE seen_at > now() - make_interval(secs => $2)
		), stuck AS (
		    SELECT j.id FROM river_job j
		    WHERE j.state = 'running' AND j.queue = $1
		      AND cardinality(j.attempted_by) > 0
		      AND j.attempted_by[cardinality(j.attempted_by)] NOT IN (SELECT client_id FROM alive)
		      AND EXISTS (SELECT 1 FROM delivery_workers w WHERE w.client_id = j.attempted_by[cardinality(j.attempted_by)])
		    FOR UPDATE SKIP LOCKED
		)
		UPDATE river_job j SET
		    state = CASE WHEN j.attempt >= j.max_attempts THEN 'discarded'::river_job_state ELSE 'available'::river_job_state END,
		    scheduled_at = now(),
		    finalized_at = CASE WHEN j.attempt >= j.max_attempts THEN now() END,
		    errors = array_append(j.errors, jsonb_build_object('at', now(), 'attempt', j.attempt,
		        'error', 'the delivering process stopped during the attempt', 'trace', '')),
		    metadata = j.metadata || jsonb_build_object('lg:rescued_from', j.attempted_by[cardinality(j.attempted_by)])
		FROM stuck WHERE j.id = stuck.id AND j.state = 'running'`, queue, deadAfter.Seconds())
	if err != nil {
		return 0, mapError(err, "delivery rescue")
	}
	// A dead leader keeps River's leadership until its term expires (up to
	// 15 s), and only the leader makes retries due and rescues: resign it
	// as River itself does (delete the row, notify the electors).
	if _, err := s.db.Pool.Exec(ctx, `
		WITH dead AS (
		    DELETE FROM river_leader l
		    WHERE l.leader_id IN (SELECT client_id FROM delivery_workers
		                          WHERE seen_at <= now() - make_interval(secs => $1))
		    RETURNING l.leader_id
		)
		SELECT pg_notify(current_schema() || '.river_leadership',
		                 json_build_object('leader_id', leader_id, 'action', 'resigned')::text)
		FROM dead`, deadAfter.Seconds()); err != nil {
		return tag.RowsAffected(), mapError(err, "delivery rescue")
	}
	if _, err := s.db.Pool.Exec(ctx, `DELETE FROM delivery_workers WHERE seen_at < now() - interval '1 day'`); err != nil {
		return tag.RowsAffected(), mapError(err, "delivery worker")
	}
	return tag.RowsAffected(), nil
}

// Delivered reports whether the notification eventID is recorded as
// delivered. It does not check permissions.
func (s *NotifyStore) Delivered(ctx context.Context, eventID string) (bool, error) {
	var delivered bool
	err := s.db.Pool.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM notification_deliveries WHERE event_id = $1 AND state = 'delivered')`,
		eventID).Scan(&delivered)
	return delivered, mapError(err, "notification delivery")
}
