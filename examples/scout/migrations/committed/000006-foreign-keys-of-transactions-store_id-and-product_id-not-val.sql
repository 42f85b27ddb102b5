--! Previous: sha1:b583318a4e5f0739650d542f60ac77f968af07ad
--! Hash: sha1:3e1edc4cfa59ec77550ee1cb452a45ec820e2b5b
--! Message: Foreign keys of transactions.store_id and product_id, not valid

-- After the backfill, stores and products hold every row transactions refer to: add the foreign keys
-- of store_id and product_id. NOT VALID: new rows are checked from now on, existing ones are not read.
set local lock_timeout = '2s';
alter table transactions add constraint transactions_store_id_fkey foreign key (store_id) references stores not valid;
alter table transactions add constraint transactions_product_id_fkey foreign key (product_id) references products not valid;
