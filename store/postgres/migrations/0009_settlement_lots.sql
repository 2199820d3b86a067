-- Settlement lots: the settlements that one transaction batch made for one
-- merchant in one currency, counted and summed when the batch stores them
-- (in the batch's database transaction). A settle run invoices lots, not
-- settlements one by one: it marks the open lots with its id and sums them,
-- so that it costs what the number of lots does, not a rewrite of every
-- settlement row and its seven index entries. A settlement's invoice is its
-- lot's: settlement → transaction (source 'transaction') → batch_id, with
-- the settlement's merchant_id and currency.
CREATE TABLE settlement_lots (
    batch_id       text    NOT NULL REFERENCES transaction_batches (batch_id),
    merchant_id    text    NOT NULL,
    currency       text    NOT NULL,
    settlements    integer NOT NULL CHECK (settlements > 0),
    user_share     numeric NOT NULL,
    provider_share numeric NOT NULL,
    settle_run_id  text    REFERENCES settle_runs (settlement_id),
    PRIMARY KEY (batch_id, merchant_id, currency)
);
CREATE INDEX settlement_lots_uninvoiced_idx ON settlement_lots (merchant_id) WHERE settle_run_id IS NULL;

-- The settlements stored so far become lots, invoiced or not as they were.
INSERT INTO settlement_lots (batch_id, merchant_id, currency, settlements, user_share, provider_share, settle_run_id)
SELECT t.batch_id, s.merchant_id, s.currency, count(*), sum(s.user_share), sum(s.provider_share), s.settle_run_id
FROM settlements s JOIN transactions t ON t.transaction_id = s.transaction_id
WHERE s.source = 'transaction'
GROUP BY t.batch_id, s.merchant_id, s.currency, s.settle_run_id;

-- The per-settlement invoice reference is the lot's now.
DROP INDEX settlements_uninvoiced_idx;
ALTER TABLE settlements DROP COLUMN settle_run_id;

-- Settlements are listed by batch only once they are in one: the index on
-- the batch holds batched settlements only, so that storing a new
-- (unbatched) settlement adds no entry to it.
DROP INDEX settlements_batch_idx;
CREATE INDEX settlements_batch_idx ON settlements (settlement_batch_id, settlement_id) WHERE settlement_batch_id IS NOT NULL;
