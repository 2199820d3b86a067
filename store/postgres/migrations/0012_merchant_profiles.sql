-- Merchant profiles, logos and marketing messages (Receipt Data API, seed
-- 001).

-- The profile receipts print about a merchant. Country is ISO 3166-1
-- alpha-2, upper case; empty when unknown.
ALTER TABLE merchants
    ADD COLUMN country             text NOT NULL DEFAULT '' CHECK (country ~ '^([A-Z]{2})?$'),
    ADD COLUMN address             text NOT NULL DEFAULT '' CHECK (char_length(address) <= 256),
    ADD COLUMN zip_code            text NOT NULL DEFAULT '' CHECK (char_length(zip_code) <= 16),
    ADD COLUMN city                text NOT NULL DEFAULT '' CHECK (char_length(city) <= 128),
    ADD COLUMN phone_number        text NOT NULL DEFAULT '' CHECK (char_length(phone_number) <= 32),
    ADD COLUMN registration_number text NOT NULL DEFAULT '' CHECK (char_length(registration_number) <= 32),
    -- The current logo's version and type (its bytes are in merchant_logos),
    -- so that reading a merchant reads no image.
    ADD COLUMN logo_version        text,
    ADD COLUMN logo_content_type   text;
-- Supported merchants of a country: active merchants by country.
CREATE INDEX merchants_country_idx ON merchants (country, merchant_id) WHERE status = 'active';

-- A merchant's current logo. The version is a prefix of the content's
-- SHA-256, so that it changes with every new logo and a URL with a version
-- names one content for ever (long-cached). Redis keeps a copy of the
-- bytes; this is the record.
CREATE TABLE merchant_logos (
    merchant_id  text        PRIMARY KEY REFERENCES merchants (merchant_id) ON DELETE CASCADE,
    version      text        NOT NULL CHECK (version ~ '^[0-9a-f]{16}$'),
    content_type text        NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    data         bytea       NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 1048576),
    updated_at   timestamptz NOT NULL
);

-- Marketing messages: a merchant's message shown with its receipts whose
-- purchase time falls in [valid_from, valid_to). The id is a number, as
-- documented.
CREATE TABLE marketing_messages (
    message_id  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_id text        NOT NULL REFERENCES merchants (merchant_id) ON DELETE CASCADE,
    subject     text        NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 128),
    body        text        NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
    image_id    text        UNIQUE CHECK (image_id ~ '^[0-9a-z]{32}$'),
    valid_from  timestamptz NOT NULL,
    valid_to    timestamptz NOT NULL,
    created_at  timestamptz NOT NULL,
    CHECK (valid_to > valid_from)
);
CREATE INDEX marketing_messages_merchant_idx ON marketing_messages (merchant_id, valid_from DESC);

-- The image of a marketing message, apart so that lists never read it.
CREATE TABLE marketing_message_images (
    image_id     text   PRIMARY KEY CHECK (image_id ~ '^[0-9a-z]{32}$'),
    message_id   bigint NOT NULL UNIQUE REFERENCES marketing_messages (message_id) ON DELETE CASCADE,
    content_type text   NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    data         bytea  NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 1048576)
);
