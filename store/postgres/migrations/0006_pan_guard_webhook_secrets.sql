-- 0006: no full card number at rest, and signed webhooks.
--
-- 1. Rows stored before the PAN guard may hold full card numbers (PANs):
--    card-bearing columns are reduced to the masked 6+4 form, and every card
--    number found in free text is masked the same way (first 6 digits, X for
--    the middle, last 4 digits). A card number is what package domain/pan
--    finds: a run of 13 to 19 digits, groups joined by single spaces or
--    dashes, not part of a longer run, first digit 2 to 6, passing Luhn.
-- 2. Delivery errors recorded with internal addresses are made generic.
-- 3. Each notification endpoint gets a signing secret, sealed with the
--    server key; endpoints set before this migration have none (NULL) and
--    their deliveries go out unsigned until the endpoint is set again.

CREATE OR REPLACE FUNCTION pg_temp.lg_luhn(digits text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    total int := 0;
    d int;
    n int := length(digits);
BEGIN
    FOR i IN 0 .. n - 1 LOOP
        d := ascii(substr(digits, n - i, 1)) - 48;
        IF i % 2 = 1 THEN
            d := d * 2;
            IF d > 9 THEN d := d - 9; END IF;
        END IF;
        total := total + d;
    END LOOP;
    RETURN n > 0 AND total % 10 = 0;
END $$;

CREATE OR REPLACE FUNCTION pg_temp.lg_mask_digits(digits text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT left(digits, 6) || repeat('X', length(digits) - 10) || right(digits, 4)
$$;

-- lg_mask_pans masks every card number in free text.
CREATE OR REPLACE FUNCTION pg_temp.lg_mask_pans(s text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    run text;
    digits text;
    pos int;
    result text := '';
    rest text := s;
BEGIN
    IF s IS NULL OR s !~ '[2-6]([ -]?[0-9]){12}' THEN
        RETURN s;
    END IF;
    -- Maximal runs of digits joined by single spaces or dashes, in order;
    -- no digit lies between two runs, so each run is found at the first
    -- place it occurs in what is left.
    FOR run IN SELECT m[1] FROM regexp_matches(s, '([0-9]+(?:[ -][0-9]+)*)', 'g') AS m LOOP
        pos := strpos(rest, run);
        digits := replace(replace(run, ' ', ''), '-', '');
        result := result || left(rest, pos - 1);
        IF length(digits) BETWEEN 13 AND 19 AND left(digits, 1) BETWEEN '2' AND '6' AND pg_temp.lg_luhn(digits) THEN
            result := result || pg_temp.lg_mask_digits(digits);
        ELSE
            result := result || run;
        END IF;
        rest := substr(rest, pos + length(run));
    END LOOP;
    RETURN result || rest;
END $$;

-- lg_mask_card reduces a card-bearing value to the masked form: a value of
-- 13 to 19 digits (with spaces or dashes) keeps its first 6 and last 4
-- digits, Luhn or not; anything else has its card numbers masked.
CREATE OR REPLACE FUNCTION pg_temp.lg_mask_card(s text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    digits text := replace(replace(s, ' ', ''), '-', '');
BEGIN
    IF s IS NULL OR s = '' OR s ~ '^[0-9]{6}[Xx*]{3,9}[0-9]{4}$' THEN
        RETURN s;
    END IF;
    IF digits ~ '^[0-9]{13,19}$' THEN
        RETURN pg_temp.lg_mask_digits(digits);
    END IF;
    RETURN pg_temp.lg_mask_pans(s);
END $$;

-- lg_mask_json masks card numbers in a JSON document's text; should the
-- result not parse (a card number written as a bare JSON number), the
-- masked number becomes a string.
CREATE OR REPLACE FUNCTION pg_temp.lg_mask_json(j jsonb) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    masked text := pg_temp.lg_mask_pans(j::text);
BEGIN
    IF masked = j::text THEN
        RETURN j;
    END IF;
    BEGIN
        RETURN masked::jsonb;
    EXCEPTION WHEN others THEN
        NULL;
    END;
    BEGIN
        RETURN regexp_replace(masked, '([:\[,]\s*)([0-9]{6}X{3,9}[0-9]{4})', '\1"\2"', 'g')::jsonb;
    EXCEPTION WHEN others THEN
        -- Never keep the card number: the document becomes its masked text.
        RETURN to_jsonb(masked);
    END;
END $$;

-- Card-bearing columns.
UPDATE transactions SET truncated_card_number = pg_temp.lg_mask_card(truncated_card_number)
WHERE truncated_card_number <> '' AND truncated_card_number !~ '^[0-9]{6}[Xx*]{3,9}[0-9]{4}$';
UPDATE settlements SET truncated_card_number = pg_temp.lg_mask_card(truncated_card_number)
WHERE truncated_card_number <> '' AND truncated_card_number !~ '^[0-9]{6}[Xx*]{3,9}[0-9]{4}$';
UPDATE cards SET truncated_pan = pg_temp.lg_mask_card(truncated_pan)
WHERE truncated_pan <> '' AND truncated_pan !~ '^[0-9]{6}[Xx*]{3,9}[0-9]{4}$';
UPDATE signups SET truncated_pan = pg_temp.lg_mask_card(truncated_pan)
WHERE truncated_pan <> '' AND truncated_pan !~ '^[0-9]{6}[Xx*]{3,9}[0-9]{4}$';

-- Keys that callers chose and that may carry a card number: masked in place
-- (the mask keeps their length).
UPDATE users SET member_id = pg_temp.lg_mask_pans(member_id) WHERE member_id ~ '[2-6]([ -]?[0-9]){12}';
UPDATE transactions SET transaction_id = pg_temp.lg_mask_pans(transaction_id) WHERE transaction_id ~ '[2-6]([ -]?[0-9]){12}';
UPDATE settlements SET transaction_id = pg_temp.lg_mask_pans(transaction_id) WHERE transaction_id ~ '[2-6]([ -]?[0-9]){12}';

-- Every other free-text column (text or jsonb) of every table, except the
-- columns under a key, foreign key or check constraint (ids and enums whose
-- format the service checks) and the migration records.
DO $$
DECLARE
    t record;
    sets text;
    conds text;
BEGIN
    FOR t IN
        SELECT c.table_name,
               array_agg(c.column_name::text ORDER BY c.ordinal_position) AS cols,
               array_agg(c.data_type::text ORDER BY c.ordinal_position) AS types
        FROM information_schema.columns c
        JOIN information_schema.tables tb
          ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name AND tb.table_type = 'BASE TABLE'
        WHERE c.table_schema = current_schema()
          AND c.data_type IN ('text', 'character varying', 'jsonb')
          AND c.table_name <> 'schema_migrations'
          AND NOT EXISTS (
              SELECT 1 FROM pg_constraint k
              JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
              WHERE k.conrelid = format('%I.%I', c.table_schema, c.table_name)::regclass
                AND a.attname = c.column_name)
        GROUP BY c.table_name
    LOOP
        sets := '';
        conds := '';
        FOR i IN 1 .. array_length(t.cols, 1) LOOP
            IF i > 1 THEN
                sets := sets || ', ';
                conds := conds || ' OR ';
            END IF;
            IF t.types[i] = 'jsonb' THEN
                sets := sets || format('%1$I = pg_temp.lg_mask_json(%1$I)', t.cols[i]);
                conds := conds || format('%I::text ~ ''[2-6]([ -]?[0-9]){12}''', t.cols[i]);
            ELSE
                sets := sets || format('%1$I = pg_temp.lg_mask_pans(%1$I)', t.cols[i]);
                conds := conds || format('%I ~ ''[2-6]([ -]?[0-9]){12}''', t.cols[i]);
            END IF;
        END LOOP;
        EXECUTE format('UPDATE %I SET %s WHERE %s', t.table_name, sets, conds);
    END LOOP;
END $$;

DROP FUNCTION pg_temp.lg_mask_json(jsonb);
DROP FUNCTION pg_temp.lg_mask_card(text);
DROP FUNCTION pg_temp.lg_mask_pans(text);
DROP FUNCTION pg_temp.lg_mask_digits(text);
DROP FUNCTION pg_temp.lg_luhn(text);

-- Failed deliveries recorded before lastError was made generic may name
-- the resolver, addresses and ports of a dial: keep only a fixed reason.
UPDATE notification_deliveries SET last_error = 'could not reach the receiver'
WHERE last_error ~ '(dial |lookup |[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+|\[[0-9a-fA-F:]+\]|:[0-9]+)';

-- The signing secret of each endpoint, sealed with the server key.
ALTER TABLE notification_endpoints ADD COLUMN IF NOT EXISTS sealed_secret bytea;
