/* The toolkit's own queries; `npm run codegen` turns each into a typed function in generated/. */

/* @name libraryVersion */
select tandem.version() as "version!";

/* @name eventLog */
select
  id as "id!",
  at as "at!",
  migration,
  event as "event!",
  (extract(epoch from duration) * 1000)::float8 as "durationMs",
  detail as "detail!",
  actor as "actor!"
from tandem.event_log
where :migration::text is null or migration = :migration::text
order by id desc
limit :limit!;

/* @name migrationStatus */
select
  s.migration as "migration!",
  s.phase as "phase!",
  s.bridge,
  s.legacy,
  s.modern,
  s.legacy_rows::float8 as "legacyRows",
  s.modern_rows::float8 as "modernRows",
  s.backfill_done::float8 as "backfillDone",
  s.backfill_total::float8 as "backfillTotal",
  s.backfill_rows_per_second::float8 as "backfillRowsPerSecond",
  s.last_verified_at as "lastVerifiedAt",
  s.last_verification_passed as "lastVerificationPassed",
  s.next_step as "nextStep!",
  s.generated_version as "generatedVersion"
from tandem.status(:migration::text) as s;

/* @name migrationPhase */
select phase as "phase!" from tandem.migration where name = :migration!;

/* @name lifecycleStep */
select m.phase as "phase!", l.outcome as "outcome!", l.next_phase as "nextPhase"
from tandem.migration m
join tandem.lifecycle() l on l.phase = m.phase and l.verb = :verb!
where m.name = :migration!;

/* @name backfillBatch */
select
  bridge as "bridge!",
  rows_done::float8 as "rowsDone!",
  rows_rejected::float8 as "rowsRejected!",
  total_estimate::float8 as "totalEstimate!",
  finished as "finished!"
from tandem.backfill_batch(:migration!, :batchSize!::int);

/* @name backfillDryRun */
select
  bridge as "bridge!",
  rows_scanned::float8 as "rowsScanned!",
  rows_to_write::float8 as "rowsToWrite!",
  rows_rejected::float8 as "rowsRejected!"
from tandem.backfill_dry_run(:migration!, :batchSize!::int);

/* @name verifyMigration */
select
  bridge,
  check_name as "checkName!",
  status as "status!",
  expected::float8 as "expected!",
  actual::float8 as "actual!",
  mismatches::float8 as "mismatches!",
  coalesce(sample_keys, '{}') as "sampleKeys!",
  (extract(epoch from duration) * 1000)::float8 as "durationMs!"
from tandem.verify_migration(:migration!);

/* @name cutover */
select tandem.cutover(:migration!) as "result!";

/* @name rollback */
select tandem.rollback(:migration!) as "result!";

/* @name validateForeignKeys */
select tandem.validate_foreign_keys(:migration!) as "result!";

/* @name contract */
select tandem.contract(:migration!, :keepRestoreCopy!::boolean) as "result!";

/* @name rejects */
select
  r.id as "id!",
  b.name as "bridge!",
  r.direction as "direction!",
  r.key as "key!",
  r.sqlstate as "sqlstate!",
  r.error as "error!",
  r.at as "at!"
from tandem.reject r
join tandem.bridge b on b.id = r.bridge_id
where b.migration = :migration! and r.resolved_at is null
order by r.id
limit :limit!;

/* @name expand */
select tandem.expand(:migration!) as "result!";

/* @name bridgedColumns */
select b.migration as "migration!", m.phase as "phase!", b.name as "bridge!", c.relname as "table!", n.nspname as "schema!",
       array(select k from jsonb_object_keys(b.backward) as k union select unnest(b.legacy_key)) as "columns!"
from tandem.bridge b join tandem.migration m on m.name = b.migration
join pg_class c on c.oid = b.legacy join pg_namespace n on n.oid = c.relnamespace
union all
select b.migration, m.phase, b.name, c.relname, n.nspname,
       array(select k from jsonb_object_keys(b.forward) as k union select jsonb_object_keys(b.key))
from tandem.bridge b join tandem.migration m on m.name = b.migration
join pg_class c on c.oid = b.modern join pg_namespace n on n.oid = c.relnamespace;

/* @name triggerWrittenLegacyTables */
select b.migration as "migration!", b.name as "bridge!", c.relname as "table!"
from tandem.bridge b join tandem.migration m on m.name = b.migration
join pg_class c on c.oid = b.legacy
where m.phase <> 'contracted' and not exists (select from tandem.cutover x where x.bridge_id = b.id)
  and tandem._shape_text('plan', b) = 'rename' and not tandem._plain_rename(b)
union all
select coalesce(b.migration, ''), coalesce(b.name, ''), v.relname
from pg_trigger t join pg_class v on v.oid = t.tgrelid
left join tandem.cutover x on to_regclass(x.legacy_name) = v.oid
left join tandem.bridge b on b.id = x.bridge_id
where t.tgname = 'tandem_compat' and v.relkind = 'v';

/* @name contractable */
select m.name as "migration!", tandem.verified_since_cutover(m.name) as "verifiedAfterCutover!"
from tandem.migration m;

/* @name libraryInstalled */
select to_regclass('tandem.bridge') is not null as "installed!";

/* @name libraryVersionDefined */
select to_regprocedure('tandem.version()') is not null as "defined!";

/* @name serverMajorVersion */
select current_setting('server_version_num')::int / 10000 as "major!";

/* @name migrationPlan */
select
  p.bridge as "bridge!",
  p.kind as "kind!",
  p.object as "object!",
  p.cutover as "cutover!",
  p.rollback as "rollback!",
  p.contract as "contract!",
  p.reason as "reason!",
  p.best_effort as "bestEffort!"
from tandem.plan(:migration!) as p;
