-- Where each owner (a partner, settlement client or admin credential) wants
-- each type of notification delivered. The static headers usually carry the
-- receiver's credentials, so they are kept sealed with the server key.
CREATE TABLE notification_endpoints (
    owner_id       bigint      NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    type           text        NOT NULL CHECK (type ~ '^[A-Z][A-Z0-9_]{0,63}$'),
    url            text        NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
    sealed_headers bytea       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notification_endpoints_pkey PRIMARY KEY (owner_id, type)
);

-- One row per event written to the outbox (the River job that delivers it
-- carries the same event_id), so that owners can see recent deliveries and
-- their outcome after River has cleaned its finished jobs away.
CREATE TABLE notification_deliveries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     text        NOT NULL,
    owner_id     bigint      NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    type         text        NOT NULL,
    url          text        NOT NULL,
    payload      text,        -- the JSON body exactly as sent; NULL for none
    state        text        NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'retrying', 'delivered', 'failed')),
    attempt      integer     NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    last_status  integer     NOT NULL DEFAULT 0,
    last_error   text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    CONSTRAINT notification_deliveries_event_id_key UNIQUE (event_id)
);
CREATE INDEX notification_deliveries_owner_idx ON notification_deliveries (owner_id, created_at DESC, id DESC);
CREATE INDEX notification_deliveries_created_idx ON notification_deliveries (created_at);

-- Messages to people (SMS, e-mail) kept by the development sender so that an
-- admin can read them through GraphQL (sentMessages).
CREATE TABLE sent_messages (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient text        NOT NULL CHECK (char_length(recipient) BETWEEN 1 AND 320),
    channel   text        NOT NULL CHECK (channel IN ('sms', 'email')),
    body      text        NOT NULL,
    sent_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sent_messages_recipient_idx ON sent_messages (recipient, sent_at DESC, id DESC);
CREATE INDEX sent_messages_sent_at_idx ON sent_messages (sent_at);
