--! Previous: sha1:dc8ab73ca782b17588476ebcc6b100d85e2f3541
--! Hash: sha1:7cd0208c79188501bf81218b23b7a1d12b305bc9
--! Message: Index transactions.product_id concurrently

--! no-transaction
create index concurrently if not exists transactions_product_id_idx on transactions (product_id);
