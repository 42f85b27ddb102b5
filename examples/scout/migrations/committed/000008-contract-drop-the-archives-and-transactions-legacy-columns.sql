--! Previous: sha1:307470cddcf4ea89fd190e31095481bfe0646142
--! Hash: sha1:a2ead9da79987f0e7cd02853b76cdad0a17a5a00
--! Message: Contract: drop the archives and transactions' legacy columns

-- Contract: the archives of geography and organization and transactions' legacy columns go. The
-- compatibility views stay for code not yet moved to the new tables. Verified once more first:
-- contract refuses unless a verification since cutover passed (on a fresh database, where cutover
-- verified the small data itself, this is that verification).
set local lock_timeout = '2s';
select count(*) as failed_checks from tandem.verify_migration('medallion') where status = 'fail';
select tandem.contract('medallion');
