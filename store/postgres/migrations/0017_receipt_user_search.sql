-- A user's receipt list and search are answered from receipt_users alone:
-- it keeps a copy of its receipt's search text, and the list's index
-- covers every column the list filters, orders and counts by, so that a
-- search reads the user's index entries in date order (an index-only scan,
-- contiguous pages) instead of visiting receipts spread over the heap; the
-- list joins receipts for the page it returns only. For a user with very
-- many receipts and a rare term, a GIN index of the user id (btree_gin)
-- and the text's trigrams (pg_trgm) finds the few matches directly; the
-- planner chooses. Measured in bench/README.md (1,000,000 receipts).
CREATE EXTENSION IF NOT EXISTS btree_gin;

ALTER TABLE receipt_users ADD COLUMN search_text text NOT NULL DEFAULT '';
UPDATE receipt_users ru SET search_text = r.search_text FROM receipts r WHERE r.receipt_id = ru.receipt_id;

-- The copy is kept by the database, whatever path links a user to a
-- receipt (ingestion, late matching, a copy) or re-posts its content.
CREATE FUNCTION receipt_users_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT r.search_text INTO NEW.search_text FROM receipts r WHERE r.receipt_id = NEW.receipt_id;
    NEW.search_text := COALESCE(NEW.search_text, '');
    RETURN NEW;
END $$;
CREATE TRIGGER receipt_users_search_text BEFORE INSERT ON receipt_users
    FOR EACH ROW EXECUTE FUNCTION receipt_users_search_text();

CREATE FUNCTION receipts_search_text_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE receipt_users SET search_text = NEW.search_text WHERE receipt_id = NEW.receipt_id;
    RETURN NULL;
END $$;
CREATE TRIGGER receipts_search_text_changed AFTER UPDATE OF search_text ON receipts
    FOR EACH ROW WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text)
    EXECUTE FUNCTION receipts_search_text_changed();

CREATE INDEX receipt_users_list_idx ON receipt_users (user_id, purchased_at, receipt_id)
    INCLUDE (merchant_id, grand_total, store_name, search_text);
DROP INDEX receipt_users_date_idx;
CREATE INDEX receipt_users_search_idx ON receipt_users USING gin (user_id, search_text gin_trgm_ops);
-- Nothing searches all receipts at once any more.
DROP INDEX IF EXISTS receipts_search_idx;
