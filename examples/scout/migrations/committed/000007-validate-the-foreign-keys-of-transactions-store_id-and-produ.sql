--! Previous: sha1:3719cd3d833b584aae5b2b1827bd8f9b3c40001d
--! Hash: sha1:11baa1b77f1f4c9760d8bfc2f5f288c15c74eb3e
--! Message: Validate the foreign keys of transactions.store_id and product_id

-- The backfill has filled store_id and product_id: validate their foreign keys. VALIDATE CONSTRAINT
-- reads the table under a SHARE UPDATE EXCLUSIVE lock, so writes go on meanwhile.
set local lock_timeout = '2s';
alter table transactions validate constraint transactions_store_id_fkey;
alter table transactions validate constraint transactions_product_id_fkey;
