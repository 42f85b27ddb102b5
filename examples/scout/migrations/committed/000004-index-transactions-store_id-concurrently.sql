--! Previous: sha1:48350e164894f247970cc5c7138c44d43eec18cf
--! Hash: sha1:27b0029ea528b3e579e246c20e8e1c5ec80364bf
--! Message: Index transactions.store_id concurrently

--! no-transaction
-- After the backfill: an index built once is cheaper than one maintained through it, and CONCURRENTLY
-- lets sales go on while it builds.
create index concurrently if not exists transactions_store_id_idx on transactions (store_id);
