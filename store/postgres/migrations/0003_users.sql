-- Users of the Storebox User API, owned by the partner credential that
-- created them.
CREATE TABLE users (
    user_id        text        PRIMARY KEY,
    provider_id    bigint      NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    phone          text        NOT NULL,
    phone_verified boolean     NOT NULL DEFAULT true,
    member_id      text        NOT NULL CHECK (char_length(member_id) BETWEEN 4 AND 32),
    parms          jsonb       NOT NULL DEFAULT '[]',
    pending_phone  text,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CONSTRAINT users_provider_phone_key UNIQUE (provider_id, phone),
    CONSTRAINT users_provider_member_key UNIQUE (provider_id, member_id)
);
CREATE INDEX users_pending_phone_idx ON users (provider_id, pending_phone) WHERE pending_phone IS NOT NULL;

-- Payment cards. The token is sealed with the server key and found by its
-- keyed hash; the full card number is never stored.
CREATE TABLE cards (
    card_id       text        PRIMARY KEY,
    user_id       text        NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    provider_id   bigint      NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    token_type    text        NOT NULL DEFAULT '',
    truncated_pan text        NOT NULL DEFAULT '',
    payment       boolean     NOT NULL DEFAULT false,
    sealed_token  bytea       NOT NULL,
    token_hash    bytea       NOT NULL,
    created_at    timestamptz NOT NULL,
    CONSTRAINT cards_provider_token_key UNIQUE (provider_id, token_hash)
);
CREATE INDEX cards_user_idx ON cards (user_id, created_at DESC);
CREATE INDEX cards_token_hash_idx ON cards (token_hash);

-- Pending signups from the till: a single-use link code with the phone,
-- the card and where it came from.
CREATE TABLE signups (
    link_code     text        PRIMARY KEY,
    provider_id   bigint      NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    phone         text        NOT NULL,
    store_id      text        NOT NULL DEFAULT '',
    member_id     text        NOT NULL DEFAULT '',
    card_id       text,
    token_type    text,
    truncated_pan text,
    payment       boolean,
    sealed_token  bytea,
    token_hash    bytea,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz
);

-- The memberId given at a signup without card, until its OTP is validated.
CREATE TABLE signup_members (
    provider_id bigint      NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    phone       text        NOT NULL,
    member_id   text        NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (provider_id, phone)
);

-- How each partner's signups accept terms.
CREATE TABLE partner_settings (
    provider_id bigint      PRIMARY KEY REFERENCES credentials (id) ON DELETE CASCADE,
    terms_url   text        NOT NULL DEFAULT '',
    landing_url text        NOT NULL DEFAULT '',
    flow        text        NOT NULL DEFAULT 'storebox' CHECK (flow IN ('storebox', 'customer')),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
