--! Previous: sha1:6fbc54e1ea3927fe733b72c68478fd0d238ac019
--! Hash: sha1:d72bd3004dca476a86d6e5a04116c7b251373609
--! Message: Index transactions.product_id concurrently

--! no-transaction
create index concurrently if not exists transactions_product_id_idx on transactions (product_id);
