--! Previous: sha1:7cd0208c79188501bf81218b23b7a1d12b305bc9
--! Hash: sha1:d9a3277b5130e478ea2bad15018367c8c1f40d5b
--! Message: Foreign keys of transactions.store_id and product_id, not valid

-- After the backfill, stores and products hold every row transactions refer to: add the foreign keys
-- of store_id and product_id. NOT VALID: new rows are checked from now on, existing ones are not read.
set local lock_timeout = '2s';
alter table transactions add constraint transactions_store_id_fkey foreign key (store_id) references stores not valid;
alter table transactions add constraint transactions_product_id_fkey foreign key (product_id) references products not valid;
