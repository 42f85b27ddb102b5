--! Previous: sha1:edba30c0e6c6bf618191c6013aea26d43061691f
--! Hash: sha1:5ae7ce4eb69fb323542d2a6fd55ef69b1628b4f2
--! Message: Foreign keys of transactions.store_id and product_id, not valid

-- After the backfill, stores and products hold every row transactions refer to: add the foreign keys
-- of store_id and product_id. NOT VALID: new rows are checked from now on, existing ones are not read.
set local lock_timeout = '2s';
alter table transactions add constraint transactions_store_id_fkey foreign key (store_id) references stores not valid;
alter table transactions add constraint transactions_product_id_fkey foreign key (product_id) references products not valid;
