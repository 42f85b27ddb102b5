--! Previous: sha1:610973992b16340906a620008d1fb676d3141729
--! Hash: sha1:b583318a4e5f0739650d542f60ac77f968af07ad
--! Message: Index transactions.product_id concurrently

--! no-transaction
create index concurrently if not exists transactions_product_id_idx on transactions (product_id);
