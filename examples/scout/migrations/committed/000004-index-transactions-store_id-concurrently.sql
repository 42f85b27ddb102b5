--! Previous: sha1:ae672cb982b6c9c2bd23384e1a2c284d51569daf
--! Hash: sha1:610973992b16340906a620008d1fb676d3141729
--! Message: Index transactions.store_id concurrently

--! no-transaction
-- After the backfill: an index built once is cheaper than one maintained through it, and CONCURRENTLY
-- lets sales go on while it builds.
create index concurrently if not exists transactions_store_id_idx on transactions (store_id);
