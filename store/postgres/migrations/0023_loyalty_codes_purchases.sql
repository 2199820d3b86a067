-- Open Loyalty customers (seed 003), continued: whether a customer's phone
-- was proven by an SMS code, and the purchases of linked app users that
-- earned a customer points.

-- A phone is verified once the customer entered a code sent to it (SMS
-- activation, or the confirmation of a change of its login phone); a phone
-- set by anyone else is not.
ALTER TABLE ol_customers ADD COLUMN phone_verified boolean NOT NULL DEFAULT false;
CREATE INDEX ol_customers_verified_phone_idx ON ol_customers (store_code, phone) WHERE phone_verified;

-- The purchases (a receipt, a settled transaction) that earned a customer
-- points: one row per customer and source, so that a replayed receipt or
-- transaction never earns twice.
CREATE TABLE ol_purchases (
    customer_id uuid          NOT NULL REFERENCES ol_customers (customer_id) ON DELETE CASCADE,
    source      text          NOT NULL CHECK (source IN ('receipt', 'transaction')),
    source_id   text          NOT NULL CHECK (char_length(source_id) BETWEEN 1 AND 128),
    amount      numeric(14,2) NOT NULL,
    purchased_at timestamptz  NOT NULL,
    created_at  timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, source, source_id)
);

-- Avatars may live in a configured folder (LOYALTY_AVATAR_DIR): then the
-- row keeps the file's name (made only of the customer id and random
-- characters) instead of the bytes. size serves lists without the bytes.
ALTER TABLE ol_avatars ALTER COLUMN data DROP NOT NULL;
ALTER TABLE ol_avatars ADD COLUMN file_name text
    CHECK (file_name ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-[0-9a-z]{16}\.(jpg|png|gif)$');
ALTER TABLE ol_avatars ADD COLUMN size integer;
UPDATE ol_avatars SET size = octet_length(data);
ALTER TABLE ol_avatars ALTER COLUMN size SET NOT NULL;
ALTER TABLE ol_avatars ADD CONSTRAINT ol_avatars_data_or_file CHECK ((data IS NULL) <> (file_name IS NULL));
