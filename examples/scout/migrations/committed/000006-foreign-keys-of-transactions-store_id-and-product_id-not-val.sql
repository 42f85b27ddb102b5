--! Previous: sha1:d72bd3004dca476a86d6e5a04116c7b251373609
--! Hash: sha1:3719cd3d833b584aae5b2b1827bd8f9b3c40001d
--! Message: Foreign keys of transactions.store_id and product_id, not valid

-- After the backfill, stores and products hold every row transactions refer to: add the foreign keys
-- of store_id and product_id. NOT VALID: new rows are checked from now on, existing ones are not read.
set local lock_timeout = '2s';
alter table transactions add constraint transactions_store_id_fkey foreign key (store_id) references stores not valid;
alter table transactions add constraint transactions_product_id_fkey foreign key (product_id) references products not valid;
