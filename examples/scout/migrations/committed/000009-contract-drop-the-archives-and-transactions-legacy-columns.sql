--! Previous: sha1:297e5a23fb49617c97b24f3cfb06264be6ca6083
--! Hash: sha1:2dcb6dd0870748f812f96d45c33fae070b1559ee
--! Message: Contract: drop the archives and transactions' legacy columns

-- Contract: the archives of geography and organization and transactions' legacy columns go. The
-- compatibility views stay for code not yet moved to the new tables. Verified once more first:
-- contract refuses unless a verification since cutover passed (on a fresh database, where cutover
-- verified the small data itself, this is that verification).
set local lock_timeout = '2s';
select count(*) as failed_checks from tandem.verify_migration('medallion') where status = 'fail';
select tandem.contract('medallion');
