-- Credentials that operators create with `loyaltygraph credentials create`.
-- Only a hash of the secret is kept; partners, who sign with their secret
-- and salt, also keep both sealed with the server key.
CREATE TABLE credentials (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text        NOT NULL CHECK (kind IN ('partner', 'settlement', 'admin', 'seller')),
    name          text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 128),
    username      text        NOT NULL,
    secret_hash   text        NOT NULL,
    sealed_secret bytea,
    sealed_salt   bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT credentials_username_key UNIQUE (username),
    CONSTRAINT credentials_partner_sealed CHECK (kind <> 'partner' OR (sealed_secret IS NOT NULL AND sealed_salt IS NOT NULL))
);

-- Merchants of the Loyalty Settlement and Receipt Data APIs.
CREATE TABLE merchants (
    merchant_id text        NOT NULL CHECK (char_length(merchant_id) BETWEEN 1 AND 32),
    name        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 128),
    status      text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT merchants_pkey PRIMARY KEY (merchant_id)
);
