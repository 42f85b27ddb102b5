--! Previous: sha1:49f270115540b9abb174917beeb4d1ea1e79e2fe
--! Hash: sha1:0d5dcb936465bea565c783d2f7aee1b6bb03b1df
--! Message: Foreign keys of transactions.store_id and product_id, not valid

-- After the backfill, stores and products hold every row transactions refer to: add the foreign keys
-- of store_id and product_id. NOT VALID: new rows are checked from now on, existing ones are not read.
set local lock_timeout = '2s';
alter table transactions add constraint transactions_store_id_fkey foreign key (store_id) references stores not valid;
alter table transactions add constraint transactions_product_id_fkey foreign key (product_id) references products not valid;
