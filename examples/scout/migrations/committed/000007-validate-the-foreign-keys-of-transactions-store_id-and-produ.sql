--! Previous: sha1:0d5dcb936465bea565c783d2f7aee1b6bb03b1df
--! Hash: sha1:8e6d2368fbca05a5e8f6d63d86e9bab728b702de
--! Message: Validate the foreign keys of transactions.store_id and product_id

-- The backfill has filled store_id and product_id: validate their foreign keys. VALIDATE CONSTRAINT
-- reads the table under a SHARE UPDATE EXCLUSIVE lock, so writes go on meanwhile.
set local lock_timeout = '2s';
alter table transactions validate constraint transactions_store_id_fkey;
alter table transactions validate constraint transactions_product_id_fkey;
