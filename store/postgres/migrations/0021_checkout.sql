-- Checkout accounts (seed 004, Centra): accounts with one address, their
-- saved selections, their orders (imported from the shop) and password
-- resets. Sessions live in Redis.

CREATE TABLE checkout_accounts (
    account_id    text        PRIMARY KEY CHECK (account_id ~ '^[0-9a-z]{32}$'),
    -- The e-mail address, trimmed and lower-cased: one account per address.
    email         text        NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
    password_hash text        NOT NULL,
    -- Bumped when the password changes, so that sessions logged in before
    -- the change are logged out.
    session_epoch integer     NOT NULL DEFAULT 0,
    first_name    text        NOT NULL DEFAULT '',
    last_name     text        NOT NULL DEFAULT '',
    address1      text        NOT NULL DEFAULT '',
    address2      text        NOT NULL DEFAULT '',
    zip_code      text        NOT NULL DEFAULT '',
    city          text        NOT NULL DEFAULT '',
    state         text        NOT NULL DEFAULT '',
    country       text        NOT NULL DEFAULT '',
    phone_number  text        NOT NULL DEFAULT '',
    newsletter    boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT checkout_accounts_email_key UNIQUE (email)
);

-- The saved selection of a logged-in account: what it put in its basket on
-- any device.
CREATE TABLE checkout_selection_items (
    account_id text        NOT NULL REFERENCES checkout_accounts (account_id) ON DELETE CASCADE,
    item       text        NOT NULL CHECK (char_length(item) BETWEEN 1 AND 64),
    quantity   integer     NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, item)
);

-- Orders placed in the shop, imported per account. The order itself (items,
-- discounts, totals, addresses, shipments, currency format) is kept as the
-- domain's JSON document, its amounts as decimal strings.
CREATE TABLE checkout_orders (
    order_id    text        PRIMARY KEY CHECK (char_length(order_id) BETWEEN 1 AND 64),
    account_id  text        NOT NULL REFERENCES checkout_accounts (account_id) ON DELETE CASCADE,
    ordered_at  timestamptz NOT NULL,
    doc         jsonb       NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX checkout_orders_account_idx ON checkout_orders (account_id, ordered_at DESC, order_id DESC);

-- Password resets: the token in the e-mailed link is kept only as its
-- SHA-256; a reset expires and works once.
CREATE TABLE checkout_password_resets (
    reset_id   text        PRIMARY KEY CHECK (reset_id ~ '^[0-9a-z]{32}$'),
    account_id text        NOT NULL REFERENCES checkout_accounts (account_id) ON DELETE CASCADE,
    token_hash bytea       NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX checkout_password_resets_account_idx ON checkout_password_resets (account_id);
CREATE INDEX checkout_password_resets_expires_idx ON checkout_password_resets (expires_at);
