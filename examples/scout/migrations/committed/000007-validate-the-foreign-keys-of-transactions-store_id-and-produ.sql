--! Previous: sha1:d9a3277b5130e478ea2bad15018367c8c1f40d5b
--! Hash: sha1:b5fdbe65c05b2db17f28dfe99cba65bf7fc6f889
--! Message: Validate the foreign keys of transactions.store_id and product_id

-- The backfill has filled store_id and product_id: validate their foreign keys. VALIDATE CONSTRAINT
-- reads the table under a SHARE UPDATE EXCLUSIVE lock, so writes go on meanwhile.
set local lock_timeout = '2s';
alter table transactions validate constraint transactions_store_id_fkey;
alter table transactions validate constraint transactions_product_id_fkey;
