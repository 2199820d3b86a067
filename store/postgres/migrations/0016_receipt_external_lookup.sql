-- The view of a receipt by external id (GET /receipt-data/v1/receipts/
-- external/{id}?type=) names no merchant: find the till's receipts, and
-- their copies, by external id and type alone.
CREATE INDEX receipts_external_lookup_idx ON receipts (external_id, external_id_type);
