--! Previous: sha1:b95ba3f7fbe3a0600793d55c9274f62cf7985a8d
--! Hash: sha1:a46584c629653f5952c812247af31b0b94a276b1
--! Message: Contract: drop the archives and transactions' legacy columns

-- Contract: the archives of geography and organization and transactions' legacy columns go. The
-- compatibility views stay for code not yet moved to the new tables. Verified once more first:
-- contract refuses unless a verification since cutover passed (on a fresh database, where cutover
-- verified the small data itself, this is that verification).
set local lock_timeout = '2s';
select count(*) as failed_checks from tandem.verify_migration('medallion') where status = 'fail';
select tandem.contract('medallion');
