--! Previous: sha1:3e1edc4cfa59ec77550ee1cb452a45ec820e2b5b
--! Hash: sha1:dcff43d2fb43abe78d6845e8b1fc6e26d4b9819d
--! Message: Validate the foreign keys of transactions.store_id and product_id

-- The backfill has filled store_id and product_id: validate their foreign keys. VALIDATE CONSTRAINT
-- reads the table under a SHARE UPDATE EXCLUSIVE lock, so writes go on meanwhile.
set local lock_timeout = '2s';
alter table transactions validate constraint transactions_store_id_fkey;
alter table transactions validate constraint transactions_product_id_fkey;
