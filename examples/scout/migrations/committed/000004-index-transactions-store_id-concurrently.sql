--! Previous: sha1:6e2e7d225948897ef9e8c90da82ed5c4a279b56a
--! Hash: sha1:6fbc54e1ea3927fe733b72c68478fd0d238ac019
--! Message: Index transactions.store_id concurrently

--! no-transaction
-- After the backfill: an index built once is cheaper than one maintained through it, and CONCURRENTLY
-- lets sales go on while it builds.
create index concurrently if not exists transactions_store_id_idx on transactions (store_id);
