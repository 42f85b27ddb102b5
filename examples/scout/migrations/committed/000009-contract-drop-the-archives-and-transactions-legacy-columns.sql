--! Previous: sha1:33f2d70c9a67c2c1a48f72547c2adbdd795a6979
--! Hash: sha1:68762201a6ce77537f2ad5a3c4ee2672de233830
--! Message: Contract: drop the archives and transactions' legacy columns

-- Contract: the archives of geography and organization and transactions' legacy columns go. The
-- compatibility views stay for code not yet moved to the new tables. Verified once more first:
-- contract refuses unless a verification since cutover passed (on a fresh database, where cutover
-- verified the small data itself, this is that verification).
set local lock_timeout = '2s';
select count(*) as failed_checks from tandem.verify_migration('medallion') where status = 'fail';
select tandem.contract('medallion');
