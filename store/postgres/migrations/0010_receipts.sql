-- Receipts (Receipt Data API, seed 001) and the POS credentials that post
-- them.

-- A POS credential posts receipts for exactly one merchant; no other kind
-- is bound to a merchant. Deleting the merchant revokes its tills.
ALTER TABLE credentials DROP CONSTRAINT credentials_kind_check;
ALTER TABLE credentials ADD CONSTRAINT credentials_kind_check
    CHECK (kind IN ('partner', 'settlement', 'admin', 'seller', 'pos'));
ALTER TABLE credentials ADD COLUMN merchant_id text
    CONSTRAINT credentials_merchant_fkey REFERENCES merchants (merchant_id) ON DELETE CASCADE;
ALTER TABLE credentials ADD CONSTRAINT credentials_pos_merchant CHECK ((kind = 'pos') = (merchant_id IS NOT NULL));

-- Free-text search over line and merchant names uses trigrams, so that
-- any language's letters match inside words ("smørrebrød").
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- One row per receipt. Lines, payments, VAT rates, barcode, optionals and
-- customer are one JSONB document (body): a receipt is written whole
-- (a re-post replaces it) and read whole, and nothing queries inside
-- it. What lists filter, order and search by has its own column.
-- No column holds a card number or token: payments keep the masked 6+4
-- form only, tokens live as keyed hashes in receipt_card_tokens.
CREATE TABLE receipts (
    receipt_id       text          PRIMARY KEY CHECK (receipt_id ~ '^[0-9a-z]{32}$'),
    merchant_id      text          NOT NULL CONSTRAINT receipts_merchant_fkey REFERENCES merchants (merchant_id) ON DELETE RESTRICT,
    external_id_type text          NOT NULL CHECK (char_length(external_id_type) BETWEEN 1 AND 64),
    external_id      text          NOT NULL CHECK (char_length(external_id) BETWEEN 1 AND 128),
    purchased_at     timestamptz   NOT NULL,
    -- The till's UTC offset, so that purchaseDateTime reads as posted.
    purchase_offset  integer       NOT NULL DEFAULT 0,
    store_id         text          NOT NULL DEFAULT '',
    store_name       text          NOT NULL DEFAULT '',
    grand_total      numeric(21,4) NOT NULL,
    currency         text          NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    vat_total        numeric(21,4) NOT NULL DEFAULT 0,
    body             jsonb         NOT NULL,
    -- Lower-cased merchant, store and line names (lower-cased by the
    -- service with Unicode rules, whatever the database's locale).
    search_text      text          NOT NULL DEFAULT '',
    -- A copy made by a user (POST …/copy) names its original; copies are
    -- not the till's receipt and do not take part in the external id key.
    copy_of          text          REFERENCES receipts (receipt_id) ON DELETE SET NULL,
    is_copy          boolean       NOT NULL DEFAULT false,
    created_at       timestamptz   NOT NULL,
    updated_at       timestamptz   NOT NULL
);
-- The till's key: the same external id and type again updates the receipt.
CREATE UNIQUE INDEX receipts_external_key ON receipts (merchant_id, external_id_type, external_id) WHERE NOT is_copy;
CREATE INDEX receipts_search_idx ON receipts USING gin (search_text gin_trgm_ops);

-- Which users see which receipt: one row per user and receipt, made by
-- card matching or by a copy. Deleting a receipt for a user removes the
-- row only. purchased_at, grand_total, store_name and merchant_id are
-- copied here so that one index serves a user's list in its orders and
-- ranges without visiting receipts.
CREATE TABLE receipt_users (
    user_id       text          NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    receipt_id    text          NOT NULL REFERENCES receipts (receipt_id) ON DELETE CASCADE,
    merchant_id   text          NOT NULL,
    purchased_at  timestamptz   NOT NULL,
    grand_total   numeric(21,4) NOT NULL,
    -- store_name orders the list by store: the store's name, else the
    -- merchant's.
    store_name    text          NOT NULL DEFAULT '',
    created_at    timestamptz   NOT NULL,
    PRIMARY KEY (user_id, receipt_id)
);
CREATE INDEX receipt_users_date_idx ON receipt_users (user_id, purchased_at, receipt_id);
CREATE INDEX receipt_users_total_idx ON receipt_users (user_id, grand_total, receipt_id);
CREATE INDEX receipt_users_store_idx ON receipt_users (user_id, store_name, receipt_id);
CREATE INDEX receipt_users_receipt_idx ON receipt_users (receipt_id);

-- The keyed hashes (HMAC with the server key, as cards.token_hash) of the
-- payments' card tokens, so that a card registered later can find its
-- receipts, and a user's matched cards are found per payment. Never the
-- token itself.
CREATE TABLE receipt_card_tokens (
    receipt_id    text    NOT NULL REFERENCES receipts (receipt_id) ON DELETE CASCADE,
    payment_index integer NOT NULL,
    token_hash    bytea   NOT NULL,
    PRIMARY KEY (receipt_id, payment_index)
);
CREATE INDEX receipt_card_tokens_hash_idx ON receipt_card_tokens (token_hash);

-- Copies of receipts between users, shown on both receipts.
CREATE TABLE receipt_copies (
    from_receipt text        NOT NULL,
    to_receipt   text        NOT NULL,
    from_user_id text        NOT NULL,
    to_user_id   text        NOT NULL,
    copied_at    timestamptz NOT NULL,
    PRIMARY KEY (from_receipt, to_receipt)
);
CREATE INDEX receipt_copies_to_idx ON receipt_copies (to_receipt);
