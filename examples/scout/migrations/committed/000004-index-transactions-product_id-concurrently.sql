--! Previous: sha1:c2f348f3cf6f4dd20692f59ed7ec766abcfa7fa1
--! Hash: sha1:edba30c0e6c6bf618191c6013aea26d43061691f
--! Message: Index transactions.product_id concurrently

--! no-transaction
create index concurrently if not exists transactions_product_id_idx on transactions (product_id);
