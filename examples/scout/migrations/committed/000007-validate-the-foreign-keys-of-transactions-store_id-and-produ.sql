--! Previous: sha1:9c048c6968b20ff1c327b17b013a09fd6a3e027a
--! Hash: sha1:3465168d56eb1789773ef0360b3c5ab50bc4d74b
--! Message: Validate the foreign keys of transactions.store_id and product_id

-- The backfill has filled store_id and product_id: validate their foreign keys. VALIDATE CONSTRAINT
-- reads the table under a SHARE UPDATE EXCLUSIVE lock, so writes go on meanwhile.
set local lock_timeout = '2s';
alter table transactions validate constraint transactions_store_id_fkey;
alter table transactions validate constraint transactions_product_id_fkey;
