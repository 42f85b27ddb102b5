--! Previous: sha1:395e87b98a19266b8c765a131280f4241e86c9c6
--! Hash: sha1:49f270115540b9abb174917beeb4d1ea1e79e2fe
--! Message: Index transactions.product_id concurrently

--! no-transaction
create index concurrently if not exists transactions_product_id_idx on transactions (product_id);
