-- Open Loyalty points (seed 003): the ledger of each customer. An add
-- transfer earns points that may expire (expires_at) and may be locked
-- until a time (locked_until: not spendable before); spend and expire
-- transfers take points from the earliest-expiring adds.
CREATE TABLE ol_point_transfers (
    transfer_id  uuid          PRIMARY KEY,
    customer_id  uuid          NOT NULL REFERENCES ol_customers (customer_id) ON DELETE CASCADE,
    kind         text          NOT NULL CHECK (kind IN ('add', 'spend', 'expire')),
    points       numeric(14,2) NOT NULL CHECK (points > 0),
    expires_at   timestamptz,
    locked_until timestamptz,
    comment      text          NOT NULL DEFAULT '' CHECK (char_length(comment) <= 255),
    created_at   timestamptz   NOT NULL,
    CHECK (kind = 'add' OR (expires_at IS NULL AND locked_until IS NULL))
);
CREATE INDEX ol_point_transfers_customer_idx ON ol_point_transfers (customer_id, created_at);

-- Pushy (push notification) device tokens of customers.
CREATE TABLE ol_pushy_tokens (
    customer_id uuid        NOT NULL REFERENCES ol_customers (customer_id) ON DELETE CASCADE,
    token       text        NOT NULL CHECK (char_length(token) BETWEEN 1 AND 256),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, token)
);

-- Customers' avatars, re-encoded on upload (no metadata kept).
CREATE TABLE ol_avatars (
    customer_id  uuid        PRIMARY KEY REFERENCES ol_customers (customer_id) ON DELETE CASCADE,
    content_type text        NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/gif')),
    data         bytea       NOT NULL,
    updated_at   timestamptz NOT NULL
);
