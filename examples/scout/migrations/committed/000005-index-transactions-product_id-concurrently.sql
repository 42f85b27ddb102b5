--! Previous: sha1:27b0029ea528b3e579e246c20e8e1c5ec80364bf
--! Hash: sha1:b75afc8cb56310007a05bea6bfe2dbf18f755bf3
--! Message: Index transactions.product_id concurrently

--! no-transaction
create index concurrently if not exists transactions_product_id_idx on transactions (product_id);
