--! Previous: sha1:b8ad16acc79619c3bfb83254f13389180f30726f
--! Hash: sha1:8d21824cdc2ff200a7e4b4828d1a5818e38fa9e4
--! Message: Contract: drop the archives and transactions' legacy columns

-- Contract: the archives of geography and organization and transactions' legacy columns go. The
-- compatibility views stay for code not yet moved to the new tables. Verified once more first:
-- contract refuses unless a verification since cutover passed (on a fresh database, where cutover
-- verified the small data itself, this is that verification).
set local lock_timeout = '2s';
select count(*) as failed_checks from tandem.verify_migration('medallion') where status = 'fail';
select tandem.contract('medallion');
