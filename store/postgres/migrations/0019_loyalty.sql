-- Open Loyalty customers (seed 003): stores, levels, customers, the key
-- that signs their JWTs and the refresh tokens issued with them.

-- The RS256 key pair that signs Open Loyalty tokens when no key file is
-- configured: generated once by the first replica, sealed with the server
-- key, so that every replica signs and verifies with the same key. It is
-- found by a keyed hash of the server key: replicas with the same
-- SECRET_KEY share one; a new SECRET_KEY makes a new one.
CREATE TABLE ol_signing_keys (
    key_id         bytea       PRIMARY KEY,
    sealed_private bytea       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- Refresh tokens, kept only as a keyed hash; each names the principal it
-- renews.
CREATE TABLE ol_refresh_tokens (
    token_hash   bytea       PRIMARY KEY,
    kind         text        NOT NULL CHECK (kind IN ('admin', 'seller', 'customer')),
    subject      text        NOT NULL,
    username     text        NOT NULL,
    store_code   text        NOT NULL DEFAULT '',
    expires_at   timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ol_refresh_tokens_expires_idx ON ol_refresh_tokens (expires_at);

-- Store codes partition customers.
CREATE TABLE ol_stores (
    code       text        PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_-]{1,64}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO ol_stores (code) VALUES ('DEFAULT');

-- Levels: a customer is at the highest active level whose condition value
-- its transactions amount reaches, unless assigned one by hand.
CREATE TABLE ol_levels (
    level_id        uuid          PRIMARY KEY,
    store_code      text          NOT NULL REFERENCES ol_stores (code),
    name            text          NOT NULL CHECK (char_length(name) BETWEEN 1 AND 128),
    condition_value numeric(14,2) NOT NULL CHECK (condition_value >= 0),
    reward_percent  numeric(7,2)  NOT NULL CHECK (reward_percent BETWEEN 0 AND 100),
    active          boolean       NOT NULL DEFAULT true,
    CONSTRAINT ol_levels_store_name_key UNIQUE (store_code, name)
);
INSERT INTO ol_levels (level_id, store_code, name, condition_value, reward_percent) VALUES
    ('e82c96cf-32a3-43bd-9034-4df343e50000', 'DEFAULT', 'level0', 0, 0),
    ('000096cf-32a3-43bd-9034-4df343e5fd93', 'DEFAULT', 'level1', 20, 5),
    ('e82c96cf-32a3-43bd-9034-4df343e52222', 'DEFAULT', 'level2', 200, 10),
    ('e82c96cf-32a3-43bd-9034-4df343e53333', 'DEFAULT', 'level3', 1000, 15);

-- Customers, per store code. E-mail (case-insensitively), phone and
-- loyalty card number are unique within a store.
CREATE TABLE ol_customers (
    customer_id          uuid        PRIMARY KEY,
    store_code           text        NOT NULL REFERENCES ol_stores (code),
    active               boolean     NOT NULL DEFAULT false,
    first_name           text        NOT NULL DEFAULT '',
    last_name            text        NOT NULL DEFAULT '',
    gender               text        CHECK (gender IN ('male', 'female', 'not_disclosed')),
    email                text,
    phone                text,
    birth_date           date,
    address              jsonb,
    company              jsonb,
    loyalty_card_number  text,
    labels               jsonb       NOT NULL DEFAULT '[]',
    agreement1           boolean     NOT NULL DEFAULT false,
    agreement2           boolean     NOT NULL DEFAULT false,
    agreement3           boolean     NOT NULL DEFAULT false,
    level_id             uuid        REFERENCES ol_levels (level_id),
    manual_level_id      uuid        REFERENCES ol_levels (level_id),
    pos_id               uuid,
    seller_id            text,
    password_hash        text,
    anonymized           boolean     NOT NULL DEFAULT false,
    -- Purchase figures, kept up to date as purchases are recorded.
    transactions_count   integer       NOT NULL DEFAULT 0,
    transactions_amount  numeric(14,2) NOT NULL DEFAULT 0,
    last_transaction_at  timestamptz,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);
CREATE UNIQUE INDEX ol_customers_email_key ON ol_customers (store_code, lower(email)) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX ol_customers_phone_key ON ol_customers (store_code, phone) WHERE phone IS NOT NULL;
CREATE UNIQUE INDEX ol_customers_card_key ON ol_customers (store_code, loyalty_card_number) WHERE loyalty_card_number IS NOT NULL;
CREATE INDEX ol_customers_store_created_idx ON ol_customers (store_code, created_at);
