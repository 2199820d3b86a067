-- Transaction batches, settlement batches and settle runs belong to the
-- settlement client that made them (NULL: an admin, across every merchant).
-- Batches made before this migration go to the settlement client when there
-- is exactly one, as the merchants did in 0007.
ALTER TABLE transaction_batches ADD COLUMN owner_id bigint REFERENCES credentials (id) ON DELETE RESTRICT;
ALTER TABLE settlement_batches ADD COLUMN owner_id bigint REFERENCES credentials (id) ON DELETE RESTRICT;
ALTER TABLE settle_runs ADD COLUMN owner_id bigint REFERENCES credentials (id) ON DELETE RESTRICT;
CREATE INDEX transaction_batches_owner_idx ON transaction_batches (owner_id, created_at DESC);
CREATE INDEX settlement_batches_owner_idx ON settlement_batches (owner_id, created_at DESC);
UPDATE transaction_batches SET owner_id = (SELECT id FROM credentials WHERE kind = 'settlement')
WHERE (SELECT count(*) FROM credentials WHERE kind = 'settlement') = 1;
UPDATE settlement_batches SET owner_id = (SELECT id FROM credentials WHERE kind = 'settlement')
WHERE (SELECT count(*) FROM credentials WHERE kind = 'settlement') = 1;
UPDATE settle_runs SET owner_id = (SELECT id FROM credentials WHERE kind = 'settlement')
WHERE (SELECT count(*) FROM credentials WHERE kind = 'settlement') = 1;
