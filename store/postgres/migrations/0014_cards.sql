-- Cards entered as card numbers (seed 001: card frame, BankAxept): how a
-- card came, its type and expiry, and a display name. The card number is
-- never stored: only its token (a keyed hash, sealed) and masked form.
ALTER TABLE cards
    ADD COLUMN origin           text     NOT NULL DEFAULT 'USER_API'
        CHECK (origin IN ('USER_API', 'CARD_FRAME', 'BANKAXEPT')),
    ADD COLUMN card_type_id     integer  NOT NULL DEFAULT 0 CHECK (card_type_id >= 0),
    ADD COLUMN exp_month        smallint NOT NULL DEFAULT 0 CHECK (exp_month BETWEEN 0 AND 12),
    ADD COLUMN exp_year         smallint NOT NULL DEFAULT 0 CHECK (exp_year >= 0),
    ADD COLUMN name             text     NOT NULL DEFAULT '' CHECK (char_length(name) <= 64),
    ADD COLUMN external_card_id text     NOT NULL DEFAULT '' CHECK (char_length(external_card_id) <= 64);

-- Strong Customer Authentication of a partner's card frame (turned on by
-- an admin: "contact Storebox").
ALTER TABLE partner_settings ADD COLUMN sca_enabled boolean NOT NULL DEFAULT false;

-- BankAxept encryption providers: an RSA key pair each, the private key
-- sealed with the server key.
CREATE TABLE encryption_providers (
    name               text        PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9._-]{1,64}$'),
    public_key_pem     text        NOT NULL,
    sealed_private_key bytea       NOT NULL,
    created_at         timestamptz NOT NULL
);
