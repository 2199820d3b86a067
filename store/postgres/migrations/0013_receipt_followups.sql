-- Receipt follow-ups (seed 001 terms, receipt notifications, late matching;
-- seed 002 settlement from receipts).

-- Terms of the Receipt Data API, per language and the day they take
-- effect. The terms valid on a day are the latest whose valid_from is not
-- after it. A (language, day) is published once: terms people agreed to
-- are never rewritten; publish a new day instead.
CREATE TABLE terms (
    lang        text        NOT NULL CHECK (lang ~ '^[a-z]{2}$'),
    valid_from  date        NOT NULL,
    title       text        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    body        text        NOT NULL CHECK (char_length(body) BETWEEN 1 AND 100000),
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (lang, valid_from)
);

-- Settlement lots of receipts: a receipt settled at a receipt-sourced
-- store makes one lot (per merchant and currency) of its line
-- settlements, which settle runs invoice as they do a transaction batch's.
-- A lot belongs either to a transaction batch or to a receipt.
ALTER TABLE settlement_lots DROP CONSTRAINT settlement_lots_pkey;
ALTER TABLE settlement_lots ALTER COLUMN batch_id DROP NOT NULL;
ALTER TABLE settlement_lots ADD COLUMN receipt_id text;
ALTER TABLE settlement_lots ADD CONSTRAINT settlement_lots_origin CHECK ((batch_id IS NULL) <> (receipt_id IS NULL));
CREATE UNIQUE INDEX settlement_lots_batch_key ON settlement_lots (batch_id, merchant_id, currency) WHERE batch_id IS NOT NULL;
CREATE UNIQUE INDEX settlement_lots_receipt_key ON settlement_lots (receipt_id, merchant_id, currency) WHERE receipt_id IS NOT NULL;

-- Late matching looks up a new card's receipts by token hash and purchase
-- time.
CREATE INDEX receipts_purchased_idx ON receipts (purchased_at) WHERE NOT is_copy;
