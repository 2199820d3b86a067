-- Storebox users and whitelabel users of the Receipt Data API (seed 001).
--
-- A Storebox account is a person across partners: a name, an e-mail and a
-- mobile number (its usernames, unique when present), a green profile
-- setting. Each partner reaches an account through its own user (a users
-- row of kind 'storebox' with the account's id), so that everything keyed
-- by user (cards, receipts) works alike for the three kinds of users.
CREATE TABLE storebox_accounts (
    account_id      text        PRIMARY KEY CHECK (account_id ~ '^[0-9a-z]{32}$'),
    first_name      text        NOT NULL CHECK (char_length(first_name) BETWEEN 1 AND 32),
    last_name       text        NOT NULL CHECK (char_length(last_name) BETWEEN 1 AND 32),
    -- E-mail lower-cased by the service; mobile number as an MSISDN.
    email           text        CHECK (char_length(email) BETWEEN 3 AND 254),
    email_validated boolean     NOT NULL DEFAULT false,
    phone           text        CHECK (phone ~ '^[0-9]{7,15}$'),
    phone_validated boolean     NOT NULL DEFAULT false,
    green_profile   boolean     NOT NULL DEFAULT false,
    language        text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT storebox_accounts_contact CHECK (email IS NOT NULL OR phone IS NOT NULL),
    CONSTRAINT storebox_accounts_validated CHECK ((email_validated AND email IS NOT NULL) OR (phone_validated AND phone IS NOT NULL))
);
CREATE UNIQUE INDEX storebox_accounts_email_key ON storebox_accounts (email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX storebox_accounts_phone_key ON storebox_accounts (phone) WHERE phone IS NOT NULL;

-- Users are of three kinds: 'api' (User API, phone and memberId),
-- 'storebox' (a partner's mapping to a Storebox account) and 'whitelabel'
-- (a partner's user for an external id, cid, of a whitelabel solution).
ALTER TABLE users ADD COLUMN kind text NOT NULL DEFAULT 'api' CHECK (kind IN ('api', 'storebox', 'whitelabel'));
ALTER TABLE users ADD COLUMN account_id text
    CONSTRAINT users_account_fkey REFERENCES storebox_accounts (account_id) ON DELETE CASCADE;
ALTER TABLE users ADD COLUMN user_id_type text CHECK (user_id_type ~ '^[a-z0-9_-]{2,32}$');
ALTER TABLE users ADD COLUMN cid text CHECK (char_length(cid) BETWEEN 1 AND 128);
ALTER TABLE users ADD COLUMN language text NOT NULL DEFAULT '';
ALTER TABLE users ALTER COLUMN phone DROP NOT NULL;
ALTER TABLE users ALTER COLUMN member_id DROP NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_kind_shape CHECK (
    (kind = 'api' AND phone IS NOT NULL AND member_id IS NOT NULL AND account_id IS NULL AND cid IS NULL AND user_id_type IS NULL)
    OR (kind = 'storebox' AND account_id IS NOT NULL AND phone IS NULL AND member_id IS NULL AND cid IS NULL AND user_id_type IS NULL)
    OR (kind = 'whitelabel' AND user_id_type IS NOT NULL AND cid IS NOT NULL AND phone IS NULL AND member_id IS NULL AND account_id IS NULL));
-- One mapping per partner and account; one whitelabel user per partner,
-- type and cid.
CREATE UNIQUE INDEX users_provider_account_key ON users (provider_id, account_id) WHERE account_id IS NOT NULL;
CREATE INDEX users_account_idx ON users (account_id) WHERE account_id IS NOT NULL;
CREATE UNIQUE INDEX users_provider_cid_key ON users (provider_id, user_id_type, cid) WHERE kind = 'whitelabel';
CREATE INDEX users_cid_idx ON users (user_id_type, cid) WHERE kind = 'whitelabel';

-- A whitelabel solution id (userIdType) is issued to one partner: by an
-- admin (issueWhitelabelType), or to the first partner that uses it. Only
-- that partner has users of the type, so a receipt's customer block
-- reaches that partner's user only.
CREATE TABLE whitelabel_types (
    user_id_type text        PRIMARY KEY CHECK (user_id_type ~ '^[a-z0-9_-]{2,32}$'),
    provider_id  bigint      NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL
);

-- The customer block of a posted receipt (customer {userIdType, cid}), so
-- that a whitelabel user created later finds the receipts posted for it.
ALTER TABLE receipts ADD COLUMN customer_type text;
ALTER TABLE receipts ADD COLUMN customer_cid text;
CREATE INDEX receipts_customer_idx ON receipts (customer_type, customer_cid) WHERE customer_cid IS NOT NULL AND NOT is_copy;
