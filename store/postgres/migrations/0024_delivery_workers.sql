-- Processes that deliver notifications (River clients), with the time each
-- was last seen alive. A process beats every second; the running jobs of a
-- process that stopped beating (killed, crashed, cut off) are given back
-- within seconds by the others instead of after River's rescue horizon.
CREATE TABLE delivery_workers (
    client_id text        PRIMARY KEY CHECK (char_length(client_id) BETWEEN 1 AND 200),
    seen_at   timestamptz NOT NULL DEFAULT now()
);
