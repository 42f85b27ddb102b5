--! Previous: sha1:d3ac3d9cd6a94ea53e6a8768f10a19f0c7be0437
--! Hash: sha1:c2f348f3cf6f4dd20692f59ed7ec766abcfa7fa1
--! Message: Index transactions.store_id concurrently

--! no-transaction
-- After the backfill: an index built once is cheaper than one maintained through it, and CONCURRENTLY
-- lets sales go on while it builds.
create index concurrently if not exists transactions_store_id_idx on transactions (store_id);
