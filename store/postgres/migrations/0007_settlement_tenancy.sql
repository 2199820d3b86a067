-- Merchants belong to the settlement client that created them; admins see
-- every merchant. A merchant without an owner (created by an admin) is
-- administered by admins only. Merchants created before this migration go
-- to the settlement client when there is exactly one (a single-tenant
-- installation); otherwise they stay with the admins, who can hand them on.
ALTER TABLE merchants ADD COLUMN owner_id bigint REFERENCES credentials (id) ON DELETE RESTRICT;
CREATE INDEX merchants_owner_idx ON merchants (owner_id, merchant_id);
UPDATE merchants SET owner_id = (SELECT id FROM credentials WHERE kind = 'settlement')
WHERE (SELECT count(*) FROM credentials WHERE kind = 'settlement') = 1;
