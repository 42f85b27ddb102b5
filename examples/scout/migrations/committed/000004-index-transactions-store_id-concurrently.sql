--! Previous: sha1:a8cb2e9b08a5565c433d2516240a75929f66932e
--! Hash: sha1:dc8ab73ca782b17588476ebcc6b100d85e2f3541
--! Message: Index transactions.store_id concurrently

--! no-transaction
-- After the backfill: an index built once is cheaper than one maintained through it, and CONCURRENTLY
-- lets sales go on while it builds.
create index concurrently if not exists transactions_store_id_idx on transactions (store_id);
