--! Previous: sha1:5ae7ce4eb69fb323542d2a6fd55ef69b1628b4f2
--! Hash: sha1:b218d8495453c0fa8f9c01c4b4363afaf78418a0
--! Message: Validate the foreign keys of transactions.store_id and product_id

-- The backfill has filled store_id and product_id: validate their foreign keys. VALIDATE CONSTRAINT
-- reads the table under a SHARE UPDATE EXCLUSIVE lock, so writes go on meanwhile.
set local lock_timeout = '2s';
alter table transactions validate constraint transactions_store_id_fkey;
alter table transactions validate constraint transactions_product_id_fkey;
