--! Previous: sha1:5d445274ce2d9f7e603a2e2c730e052780d9d538
--! Hash: sha1:395e87b98a19266b8c765a131280f4241e86c9c6
--! Message: Index transactions.store_id concurrently

--! no-transaction
-- After the backfill: an index built once is cheaper than one maintained through it, and CONCURRENTLY
-- lets sales go on while it builds.
create index concurrently if not exists transactions_store_id_idx on transactions (store_id);
