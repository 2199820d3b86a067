-- Raw transactions from the card acquirer, in the batches they came in.
CREATE TABLE transaction_batches (
    batch_id     text        PRIMARY KEY,
    transactions integer     NOT NULL DEFAULT 0,
    settled      integer     NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL
);

-- One row per transaction id: ingesting the same id again changes nothing.
-- The card token is kept only as its keyed hash, which is how cards are
-- matched to users.
CREATE TABLE transactions (
    transaction_id              text        PRIMARY KEY,
    batch_id                    text        NOT NULL REFERENCES transaction_batches (batch_id),
    amount                      numeric     NOT NULL,
    currency                    text        NOT NULL,
    transaction_at              timestamptz NOT NULL,
    card_acceptor_id            text        NOT NULL DEFAULT '',
    company_registration_number text        NOT NULL DEFAULT '',
    card_token_hash             bytea,
    truncated_card_number       text        NOT NULL DEFAULT '',
    card_type                   text        NOT NULL DEFAULT '',
    approval_code               text        NOT NULL DEFAULT '',
    card_acceptor_terminal_id   text        NOT NULL DEFAULT '',
    system_trace_audit_number   text        NOT NULL DEFAULT '',
    retrieval_reference_number  text        NOT NULL DEFAULT '',
    merchant_id                 text,
    state                       text        NOT NULL CHECK (state IN ('settled', 'unmatched')),
    reason                      text        NOT NULL DEFAULT '',
    received_at                 timestamptz NOT NULL
);
CREATE INDEX transactions_batch_idx ON transactions (batch_id, transaction_id);
CREATE INDEX transactions_merchant_state_idx ON transactions (merchant_id, state);

CREATE TABLE settlement_batches (
    batch_id    text        PRIMARY KEY,
    settlements integer     NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL
);

CREATE TABLE settle_runs (
    settlement_id text        PRIMARY KEY,
    merchant_id   text,
    created_at    timestamptz NOT NULL
);

-- Settlements: a transaction (or receipt line) with its computed shares.
CREATE TABLE settlements (
    settlement_id         text        PRIMARY KEY,
    settlement_batch_id   text        REFERENCES settlement_batches (batch_id),
    settle_run_id         text        REFERENCES settle_runs (settlement_id),
    merchant_id           text        NOT NULL REFERENCES merchants (merchant_id),
    company_id            text        NOT NULL DEFAULT '',
    store_id              text        NOT NULL DEFAULT '',
    campaign_id           text        NOT NULL DEFAULT '',
    source                text        NOT NULL CHECK (source IN ('transaction', 'receipt')),
    transaction_id        text        NOT NULL,
    line_number           integer     NOT NULL DEFAULT 0,
    transaction_at        timestamptz NOT NULL,
    processed_at          timestamptz NOT NULL,
    amount                numeric     NOT NULL,
    currency              text        NOT NULL,
    user_share            numeric     NOT NULL CHECK (user_share >= 0),
    provider_share        numeric     NOT NULL CHECK (provider_share >= 0),
    user_share_type       text        NOT NULL,
    provider_share_type   text        NOT NULL,
    card_type             text        NOT NULL DEFAULT '',
    truncated_card_number text        NOT NULL DEFAULT '',
    user_id               text        NOT NULL,
    CONSTRAINT settlements_source_key UNIQUE (source, transaction_id, line_number)
);
CREATE INDEX settlements_processed_idx ON settlements (processed_at, settlement_id);
CREATE INDEX settlements_merchant_processed_idx ON settlements (merchant_id, processed_at);
CREATE INDEX settlements_batch_idx ON settlements (settlement_batch_id, settlement_id);
CREATE INDEX settlements_unbatched_idx ON settlements (settlement_id) WHERE settlement_batch_id IS NULL;
CREATE INDEX settlements_uninvoiced_idx ON settlements (merchant_id) WHERE settle_run_id IS NULL;

-- Invoices: per settle run, merchant, share type and currency.
CREATE TABLE invoices (
    settlement_id    text        NOT NULL REFERENCES settle_runs (settlement_id),
    merchant_id      text        NOT NULL,
    type             text        NOT NULL CHECK (type IN ('userShare', 'providerShare')),
    amount           numeric     NOT NULL,
    currency         text        NOT NULL,
    settlement_count integer     NOT NULL,
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (settlement_id, merchant_id, type, currency)
);
CREATE INDEX invoices_merchant_idx ON invoices (merchant_id, created_at);
