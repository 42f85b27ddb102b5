--! Previous: sha1:eeb326e54dd3d0e2af2e1549d0aa0866eba90687
--! Hash: sha1:3b6cfd53258b7a6d6cb01e1e83033de661b79e38
--! Message: tandem library 0.6.0: one-sided bridges of columns and the side written deciding the direction, tombstones for rows that leave while planned, dependents handled or refused up front (tandem.plan), owner's-rights views kept on the archive until contract, foreign keys of partitioned tables on 15 to 17, lock cycles seen at once

--! Included tandem/install.sql
/*
 * The tandem SQL library: everything in schema `tandem`.
 *
 * A release is a version number (tandem.version() below) and one committed migration that includes
 * this file (`--! include tandem/install.sql`); a commit freezes the text it had then, and a committed
 * migration is never edited, so a fix is a new release: a new version here and a new migration that
 * includes this file again. The same text, built into one file, installs it with `psql -f`.
 *
 * It must therefore be safe to run over every earlier release: `create … if not exists`,
 * `create or replace`, and upgrades of existing tables written as `alter … add … if not exists`; a
 * function whose arguments or result change must be dropped first (`drop function if exists`), since
 * `create or replace` cannot change them. At the end it regenerates the sync code of every migration in
 * flight that another release generated, in the same transaction. It runs under an advisory lock so
 * that two installs cannot interleave.
 */

/*
 * PostgreSQL 15 or later, checked before anything is created. Cutover puts a compatibility view in
 * place of a legacy table, created `with (security_invoker = true)` so that the legacy app's reads and
 * writes through it are checked against the caller's own privileges and the modern table's row
 * security, not the view owner's; views have that option from PostgreSQL 15. On an older server the
 * library would install and take a migration through expand, backfill and verify, and cutover would then
 * fail half-way into its work; refusing the install says so at once.
 */
do $$
begin
  if pg_catalog.current_setting('server_version_num')::integer < 150000 then
    raise exception 'the tandem SQL library needs PostgreSQL 15 or later; this server is PostgreSQL %',
      pg_catalog.current_setting('server_version')
      using errcode = 'TD009',
            detail = 'Cutover replaces a legacy table by a compatibility view created with (security_invoker = true), '
                     'so that the legacy app reads and writes through it with its own privileges; views have that '
                     'option from PostgreSQL 15 on. Nothing was installed.',
            hint = 'Upgrade this server to PostgreSQL 15 or later (pg_upgrade, or a dump restored into a new '
                   'server), then install the library again.';
  end if;
end
$$;

select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('tandem.install', 0));

create schema if not exists tandem;
comment on schema tandem is
  'tandem: keeps legacy and modern tables in sync while a schema migration is under way. Library objects; change them only through a new library version.';

create or replace function tandem.version() returns text
  language sql
  stable
  parallel safe
as $$ select '0.6.0' $$;
comment on function tandem.version() is
  'The version of the tandem SQL library installed in this database.';

/*
 * Every transition (expand, backfill batch, verify, cutover, …) records what it did and how long it
 * took, so an operator can read the history of a migration and a later transition can rely on the
 * record (contract checks the last verification). Append-only by convention.
 */
create table if not exists tandem.event_log (
  id        bigint generated always as identity primary key,
  at        timestamptz not null default pg_catalog.clock_timestamp(),
  migration text,
  event     text not null constraint event_log_event_format check (event ~ '^[a-z][a-z_]*$'),
  duration  interval,
  detail    jsonb not null default '{}'::jsonb,
  actor     text not null default current_user
);
comment on table tandem.event_log is
  'What each tandem call did, to which migration, when, by whom, and how long it took.';
comment on column tandem.event_log.migration is 'The migration acted on; null for library-wide events such as install.';
comment on column tandem.event_log.event is 'What happened: install, expand, backfill_batch, verify, cutover, rollback, contract, …';
comment on column tandem.event_log.duration is 'How long the call took, when it timed itself.';
comment on column tandem.event_log.detail is 'Event-specific figures (rows copied, checks failed, versions, …).';

create index if not exists event_log_migration_id_idx on tandem.event_log (migration, id);

create or replace function tandem.log_event(
  event text,
  migration text default null,
  started_at timestamptz default null,
  detail jsonb default '{}'::jsonb
) returns bigint
  language sql
  volatile
as $$
  insert into tandem.event_log (migration, event, duration, detail)
  values (
    log_event.migration,
    log_event.event,
    pg_catalog.clock_timestamp() - log_event.started_at,
    coalesce(log_event.detail, '{}'::jsonb)
  )
  returning id
$$;
comment on function tandem.log_event(text, text, timestamptz, jsonb) is
  'Appends an event to tandem.event_log; pass the call''s start time as started_at to record its duration. Returns the event id.';

/*
 * The library's internal functions (named tandem._…) are recreated below; dropping them first removes
 * those an earlier release had and this one does not, and lets their arguments and results change.
 */
do $$
declare
  fn regprocedure;
begin
  for fn in select p.oid::regprocedure from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'tandem' and p.proname like '\_%'
              -- an event trigger's function stays (it is replaced in place below)
              and not exists (select from pg_catalog.pg_depend d
                              where d.refobjid = p.oid and d.classid = 'pg_catalog.pg_event_trigger'::regclass) loop
    execute pg_catalog.format('drop %s %s', case when (select prokind from pg_catalog.pg_proc where oid = fn) = 'p' then 'procedure' else 'function' end, fn);
  end loop;
end
$$;

--! Included tandem/10-catalog.sql
/*
 * The catalog: migrations, their bridges and checks, and what the transitions recorded.
 *
 * Phases:  planned → expanded → backfilled → verified → cut_over → contracted;
 * rollback moves one phase back from any phase before contracted.
 */
do $$
begin
  create type tandem.phase as enum ('planned', 'expanded', 'backfilled', 'verified', 'cut_over', 'contracted');
exception when duplicate_object then
  null;
end
$$;
comment on type tandem.phase is 'Where a migration is in its lifecycle.';

do $$
begin
  create type tandem.check_status as enum ('pass', 'fail');
exception when duplicate_object then
  null;
end
$$;
comment on type tandem.check_status is 'The outcome of one verification check.';

create table if not exists tandem.migration (
  name        text primary key
              constraint migration_name_format check (name ~ '^[a-z][a-z0-9_]{0,39}$'),
  description text not null default '',
  phase       tandem.phase not null default 'planned',
  created_at  timestamptz not null default pg_catalog.now(),
  changed_at  timestamptz not null default pg_catalog.now()
);
comment on table tandem.migration is 'A named group of bridges that move together, and the phase it is in.';

create table if not exists tandem.bridge (
  id              int generated always as identity primary key,
  migration       text not null references tandem.migration on delete cascade,
  name            text not null constraint bridge_name_format check (name ~ '^[a-z][a-z0-9_]{0,39}$'),
  legacy          regclass not null,
  modern          regclass not null,
  key             jsonb not null,
  forward         jsonb not null default '{}'::jsonb,
  backward        jsonb not null default '{}'::jsonb,
  filter          text,
  options         jsonb not null default '{}'::jsonb,
  -- Resolved by tandem.bridge() from the definition and the catalogs:
  legacy_key      text[] not null,
  modern_key      text[] not null,
  definition_hash text not null,
  -- The definition the sync objects were generated from (null: none generated).
  generated_hash  text,
  -- Position in the order writes propagate in (a modern table after those it references by foreign key).
  sync_order      int not null default 0,
  unique (migration, name)
);
comment on table tandem.bridge is
  'A declared correspondence between one legacy table and one modern table: key, forward and backward expressions, filter, policies.';
comment on column tandem.bridge.key is 'Modern key column → expression over the legacy row.';
comment on column tandem.bridge.forward is 'Modern column → expression over the legacy row.';
comment on column tandem.bridge.backward is 'Legacy column → expression over the modern row (and the current legacy row, as "legacy").';
comment on column tandem.bridge.filter is 'Boolean expression over the legacy row: which legacy rows have a modern twin (null: all).';

-- Library 0.3.0: bridges of other shapes than one row to one row.
alter table tandem.bridge add column if not exists kind text not null default 'table'
  constraint bridge_kind check (kind in ('table', 'distinct', 'columns'));
comment on column tandem.bridge.kind is
  'table: each legacy row has one modern twin. distinct: many legacy rows share one modern row, the distinct values of the key (a lookup table such as brands). columns: legacy and modern are the same table, the modern columns computed from the legacy ones in the same row.';

-- Library 0.4.0: which release generated a migration's sync code, so that installing another
-- release regenerates it (see tandem._upgrade_in_flight).
alter table tandem.migration add column if not exists generated_version text;
comment on column tandem.migration.generated_version is
  'The library version that generated the migration''s sync code (null: none generated, or generated by a release before 0.4.0). Installing another release regenerates the code of every migration in flight.';

create table if not exists tandem."check" (
  migration text not null references tandem.migration on delete cascade,
  name      text not null constraint check_name_format check (name ~ '^[a-z][a-z0-9_]{0,39}$'),
  sql       text not null,
  primary key (migration, name)
);
comment on table tandem."check" is 'Custom verifications: a query returning the offending rows (none: the check passes).';

create table if not exists tandem.reject (
  id          bigint generated always as identity primary key,
  bridge_id   int not null references tandem.bridge on delete cascade,
  direction   text not null constraint reject_direction check (direction in ('forward', 'backward', 'backfill')),
  key         jsonb not null,
  sqlstate    text not null,
  error       text not null,
  row_data    jsonb,
  at          timestamptz not null default pg_catalog.clock_timestamp(),
  resolved_at timestamptz
);
comment on table tandem.reject is
  'Rows whose mapping failed, kept with the error: by a bridge with on_error = reject, and by backfill. Verification counts the unresolved ones.';
create index if not exists reject_bridge_idx on tandem.reject (bridge_id) where resolved_at is null;

create table if not exists tandem.backfill_state (
  bridge_id      int primary key references tandem.bridge on delete cascade,
  cursor         jsonb,
  rows_done      bigint not null default 0,
  rows_rejected  bigint not null default 0,
  total_estimate bigint not null default 0,
  batches        int not null default 0,
  started_at     timestamptz,
  updated_at     timestamptz,
  finished_at    timestamptz
);
comment on table tandem.backfill_state is
  'Where each bridge''s backfill is: its keyset cursor (the last legacy key copied), rows done, the estimate of the total, timing.';

create table if not exists tandem.verification (
  id          bigint generated always as identity primary key,
  migration   text not null references tandem.migration on delete cascade,
  phase       tandem.phase not null,
  at          timestamptz not null default pg_catalog.clock_timestamp(),
  passed      boolean not null,
  consistency numeric not null,
  duration    interval not null,
  results     jsonb not null
);
comment on table tandem.verification is 'Every run of verify_migration: whether it passed, in which phase, and its results.';
create index if not exists verification_migration_idx on tandem.verification (migration, id);

create table if not exists tandem.cutover (
  bridge_id    int primary key references tandem.bridge on delete cascade,
  legacy_name  text not null,
  views        jsonb not null default '[]'::jsonb,
  foreign_keys jsonb not null default '[]'::jsonb,
  grants       jsonb not null default '[]'::jsonb
);
comment on table tandem.cutover is
  'What cutover changed for each renamed bridge (dependent views, moved foreign keys, added grants), so rollback can put it back.';

create schema if not exists tandem_sync;
comment on schema tandem_sync is
  'Objects tandem generates for bridges (sync trigger functions, backfill functions). Regenerated by tandem.expand; do not edit.';

-- Library 0.5.0: how cutover would take each bridge when its sync code was generated, so that a later
-- change of the legacy table (a column added with no backward mapping) cannot turn a rename into a
-- split unnoticed.
alter table tandem.bridge add column if not exists expanded_as text;
comment on column tandem.bridge.expanded_as is
  'How cutover would take the bridge (rename, split, none) when its sync code was generated; cutover refuses if that changed since.';

-- Library 0.5.0: foreign keys that cutover or rollback moved (added NOT VALID) and that were validated
-- before, when their table is too large to validate under the transition's locks: validated later, in
-- a transaction of their own, by tandem.validate_foreign_keys.
create table if not exists tandem.unvalidated_foreign_key (
  migration       text not null references tandem.migration on delete cascade,
  relation        regclass not null,
  constraint_name text not null,
  since           timestamptz not null default pg_catalog.clock_timestamp(),
  primary key (relation, constraint_name)
);
comment on table tandem.unvalidated_foreign_key is
  'Foreign keys a transition moved NOT VALID that were validated before: tandem.validate_foreign_keys validates them, in a transaction of its own.';

-- Library 0.6.0: the defaults of the columns a bridge of columns maps, while its sync code is live.
-- Such a default is wrapped in tandem.unwritten(…), which tells the sync trigger that the writer left
-- the column out; the original is kept here and put back when the sync code goes.
create table if not exists tandem.wrapped_default (
  migration   text not null references tandem.migration on delete cascade,
  relation    regclass not null,
  column_name text not null,
  original    text,
  primary key (relation, column_name)
);
comment on table tandem.wrapped_default is
  'Defaults of mapped columns of bridges of columns, as they were before sync wrapped them in tandem.unwritten (null: none); put back when the sync code is dropped.';

-- Library 0.6.0: legacy rows that left (deleted, or out of the filter, or the table truncated) while a
-- migration rolled back to planned had no sync: their modern twins are deleted by the next expand.
create table if not exists tandem.tombstone (
  bridge_id  int not null references tandem.bridge on delete cascade,
  modern_key jsonb,
  at         timestamptz not null default pg_catalog.clock_timestamp()
);
create index if not exists tombstone_bridge_idx on tandem.tombstone (bridge_id);
comment on table tandem.tombstone is
  'Modern keys of legacy rows that left while their migration was rolled back to planned (null: the legacy table was truncated); the next expand deletes those twins.';

-- Library 0.6.0: what a rename's cutover carried to the modern table (the legacy table's triggers,
-- policies, row-level security), so that rollback takes it back; and whether its compatibility view is
-- written through INSTEAD OF triggers (false: a plain view PostgreSQL updates by itself).
alter table tandem.cutover add column if not exists carried jsonb not null default '[]'::jsonb;
comment on column tandem.cutover.carried is
  'What cutover carried from the legacy table to the modern one (triggers, policies, row security), for rollback to take back.';
alter table tandem.cutover add column if not exists compat_triggers boolean not null default true;
comment on column tandem.cutover.compat_triggers is
  'Whether the compatibility view is written through INSTEAD OF triggers (false: a plain view PostgreSQL updates by itself, where INSERT … ON CONFLICT works).';

-- Releases of 0.2.0 before the phase types kept phases as text: convert them (the tables are small).
do $$
begin
  if (select a.atttypid from pg_catalog.pg_attribute a where a.attrelid = 'tandem.migration'::regclass and a.attname = 'phase') = 'text'::regtype then
    alter table tandem.migration drop constraint if exists migration_phase, alter column phase drop default;
    alter table tandem.migration alter column phase type tandem.phase using phase::tandem.phase, alter column phase set default 'planned';
  end if;
  if (select a.atttypid from pg_catalog.pg_attribute a where a.attrelid = 'tandem.verification'::regclass and a.attname = 'phase') = 'text'::regtype then
    alter table tandem.verification alter column phase type tandem.phase using phase::tandem.phase;
  end if;
end
$$;
--! EndIncluded tandem/10-catalog.sql
--! Included tandem/15-lifecycle.sql
/*
 * The lifecycle, defined once: for every verb and every phase, what the verb does there. The
 * transitions ask it before they act (tandem._enter), tandem.status reads the next step from it, and
 * the command line and lint read it through tandem.lifecycle() instead of keeping copies.
 *
 *   planned ─expand→ expanded ─backfill→ backfilled ─verify→ verified ─cutover→ cut_over ─contract→ contracted
 *   rollback moves one phase back from any phase before contracted.
 */

create or replace function tandem.lifecycle()
returns table (
  verb text, phase tandem.phase, outcome text, next_phase tandem.phase, recommended boolean, action text, call text, message text
)
  language sql
  immutable
  parallel safe
as $$
  select l.verb, l.phase::tandem.phase, l.outcome, l.next_phase::tandem.phase, l.recommended,
         case l.verb when 'cutover' then 'cut over' when 'rollback' then 'roll back' else l.verb end,
         case l.verb
           when 'expand' then 'select tandem.expand(%L)'
           when 'backfill' then 'call tandem.backfill(%L)'
           when 'verify' then 'select * from tandem.verify_migration(%L)'
           when 'cutover' then 'select tandem.cutover(%L)'
           when 'contract' then 'select tandem.contract(%L)'
           when 'rollback' then 'select tandem.rollback(%L)'
         end,
         l.message
  from (values
    -- verb, phase, outcome, next phase (on success), the next step in this phase, message (done: the
    -- answer; refused: the hint, %L the migration)
    ('expand', 'planned', 'moves', 'expanded', true, null),
    ('expand', 'expanded', 'stays', null, false, 'already expanded'),
    ('expand', 'backfilled', 'stays', null, false, 'already expanded'),
    ('expand', 'verified', 'stays', null, false, 'already expanded'),
    ('expand', 'cut_over', 'stays', null, false, 'already expanded'),
    ('expand', 'contracted', 'refused', null, false, 'A contracted migration is finished; create a new one.'),
    ('backfill', 'planned', 'refused', null, false, 'Expand it first: select tandem.expand(%L);'),
    ('backfill', 'expanded', 'moves', 'backfilled', true, null),
    ('backfill', 'backfilled', 'stays', null, false, null),
    ('backfill', 'verified', 'stays', null, false, null),
    ('backfill', 'cut_over', 'refused', null, false, 'Nothing to copy: the modern side is already the source of truth.'),
    ('backfill', 'contracted', 'refused', null, false, 'Nothing to copy: the modern side is already the source of truth.'),
    ('verify', 'planned', 'refused', null, false, 'Expand and backfill it first: select tandem.expand(%L);'),
    ('verify', 'expanded', 'stays', null, false, null),
    ('verify', 'backfilled', 'moves', 'verified', true, null),
    ('verify', 'verified', 'stays', null, false, null),
    ('verify', 'cut_over', 'stays', null, true, null),
    ('verify', 'contracted', 'stays', null, false, null),
    ('cutover', 'planned', 'refused', null, false, 'Expand it first: select tandem.expand(%L);'),
    -- Not verified yet: a small database is backfilled and verified inline first.
    ('cutover', 'expanded', 'moves', 'cut_over', false, null),
    ('cutover', 'backfilled', 'moves', 'cut_over', false, null),
    ('cutover', 'verified', 'moves', 'cut_over', true, null),
    ('cutover', 'cut_over', 'done', null, false, 'already cut over'),
    ('cutover', 'contracted', 'done', null, false, 'already contracted'),
    ('contract', 'planned', 'refused', null, false, 'Cut it over first: select tandem.cutover(%L);'),
    ('contract', 'expanded', 'refused', null, false, 'Cut it over first: select tandem.cutover(%L);'),
    ('contract', 'backfilled', 'refused', null, false, 'Cut it over first: select tandem.cutover(%L);'),
    ('contract', 'verified', 'refused', null, false, 'Cut it over first: select tandem.cutover(%L);'),
    ('contract', 'cut_over', 'moves', 'contracted', true, null),
    ('contract', 'contracted', 'done', null, false, 'already contracted'),
    ('rollback', 'planned', 'done', null, false, 'nothing to roll back'),
    ('rollback', 'expanded', 'moves', 'planned', false, null),
    ('rollback', 'backfilled', 'moves', 'expanded', false, null),
    ('rollback', 'verified', 'moves', 'backfilled', false, null),
    ('rollback', 'cut_over', 'moves', 'verified', false, null),
    ('rollback', 'contracted', 'refused', null, false, 'A contracted migration cannot be rolled back: its archive and sync machinery are gone.')
  ) as l(verb, phase, outcome, next_phase, recommended, message)
$$;
comment on function tandem.lifecycle() is
  'The lifecycle: for each verb and phase, its outcome (moves to next_phase, stays, done, refused), whether it is the next step there, the call, and the answer or hint.';

/*
 * What a transition does in the migration's current phase: refused (TD002 with the lifecycle's hint),
 * or the lifecycle's row for the caller to act on.
 */
create or replace function tandem._enter(
  target tandem.migration, verb text, out outcome text, out next_phase tandem.phase, out message text
) language plpgsql
  stable
as $$
declare
  step record;
begin
  select * into step from tandem.lifecycle() l where l.verb = _enter.verb and l.phase = target.phase;
  if not found then
    raise exception 'tandem.lifecycle() has no step % in phase %', verb, target.phase using errcode = 'TD007';
  end if;
  if step.outcome = 'refused' then
    perform tandem._wrong_phase(target, step.action, pg_catalog.format(step.message, target.name));
  end if;
  outcome := step.outcome;
  next_phase := step.next_phase;
  message := step.message;
end
$$;
comment on function tandem._enter(tandem.migration, text) is
  'The lifecycle''s row for a verb in a migration''s phase; raises TD002 with its hint when the verb is refused there.';

/*
 * The next step of a migration, as the calls to make: first, foreign keys a transition left to be
 * validated in a transaction of their own (tandem.validate_foreign_keys, 80-cutover.sql).
 */
create or replace function tandem.next_step(migration text) returns text
  language sql
  stable
as $$
  select pg_catalog.concat_ws(', then ',
    case when exists (select from tandem.unvalidated_foreign_key u where u.migration = m.name)
         then pg_catalog.format('select tandem.validate_foreign_keys(%L) in a transaction of its own', m.name) end,
    nullif(case
      when m.phase = 'planned' and not exists (select from tandem.bridge b where b.migration = m.name)
        then 'declare a bridge: select tandem.bridge(…)'
      else coalesce((select pg_catalog.string_agg(pg_catalog.format(l.call, m.name), ', then '
                                                   order by pg_catalog.array_position(array['expand', 'backfill', 'verify', 'cutover', 'contract'], l.verb))
                     from tandem.lifecycle() l where l.phase = m.phase and l.recommended), 'done')
    end, case when exists (select from tandem.unvalidated_foreign_key u where u.migration = m.name) then 'done' end))
  from tandem.migration m
  where m.name = next_step.migration
$$;
comment on function tandem.next_step(text) is 'What to call next for a migration, from tandem.lifecycle().';
--! EndIncluded tandem/15-lifecycle.sql
--! Included tandem/20-helpers.sql
/*
 * Helpers shared by the transitions. Errors raised by the library carry SQLSTATEs of class TD:
 *   TD001 no such migration          TD002 call made in the wrong phase
 *   TD003 invalid bridge definition  TD004 could not take a lock in time
 *   TD005 verification did not pass  TD006 too large to do inline
 *   TD007 invalid argument           TD008 a write a live bridge cannot sync (TRUNCATE, some partition moves)
 *   TD009 server too old for the library (install.sql: PostgreSQL 15 or later)
 */

create or replace function tandem._qualified(rel regclass) returns text
  language sql
  stable
  set search_path = pg_catalog, pg_temp
as $$
  select pg_catalog.format('%I.%I', n.nspname, c.relname)
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where c.oid = rel
$$;
comment on function tandem._qualified(regclass) is 'A relation''s schema-qualified, quoted name, whatever the search_path.';

create or replace function tandem._column_type(rel regclass, col text) returns text
  language sql
  stable
  set search_path = pg_catalog, pg_temp
as $$
  select pg_catalog.format_type(a.atttypid, a.atttypmod)
  from pg_catalog.pg_attribute a
  where a.attrelid = rel and a.attname = col and a.attnum > 0 and not a.attisdropped
$$;
comment on function tandem._column_type(regclass, text) is 'The SQL type of a column, or null when the table has no such column.';

/*
 * A table's generated columns are computed by PostgreSQL from its other columns: the expression (with
 * names qualified as the pinned search_path needs them) to compute one elsewhere, as a compatibility
 * view does.
 */
create or replace function tandem._generation_expression(rel regclass, col text) returns text
  language sql
  stable
  set search_path = pg_catalog, pg_temp
as $$
  select pg_catalog.pg_get_expr(d.adbin, d.adrelid)
  from pg_catalog.pg_attribute a join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
  where a.attrelid = rel and a.attname = col and a.attgenerated <> ''
$$;
comment on function tandem._generation_expression(regclass, text) is
  'The expression a generated column is computed by (null for any other column), its names qualified for search_path pg_catalog.';

/*
 * Rows of a table computed elsewhere (a compatibility view's, a row verification puts together), as
 * a query: `values_query` returns the columns that are not generated, by name and in the table's
 * order; the generated ones are computed from them as the table computes them, in their places.
 */
create or replace function tandem._with_generated(rel regclass, values_query text) returns text
  language sql
  stable
as $$
  select case when not exists (select from pg_catalog.pg_attribute a
                               where a.attrelid = rel and a.attnum > 0 and not a.attisdropped and a.attgenerated <> '')
    then values_query
    else pg_catalog.format('select %s from (%s) as l',
           (select pg_catalog.string_agg(case when a.attgenerated = '' then pg_catalog.format('l.%I', a.attname)
                                              else pg_catalog.format('(%s)::%s as %I', tandem._generation_expression(rel, a.attname),
                                                                     tandem._column_type(rel, a.attname), a.attname) end,
                                         ', ' order by a.attnum)
            from pg_catalog.pg_attribute a where a.attrelid = rel and a.attnum > 0 and not a.attisdropped),
           values_query) end
$$;
comment on function tandem._with_generated(regclass, text) is
  'A query of whole rows of a table from one of its columns that are not generated: the generated ones computed as the table computes them.';

/*
 * The columns that decide which partition of a partitioned table a row is in, at every level of
 * partitioning (a key's columns, and those its expressions read); none for any other table.
 */
create or replace function tandem._partition_key_columns(rel regclass) returns text[]
  language sql
  stable
  set search_path = pg_catalog, pg_temp
as $$
  select coalesce(pg_catalog.array_agg(distinct a.attname::text), '{}')
  from pg_catalog.pg_partition_tree(rel) as t
  join pg_catalog.pg_partitioned_table p on p.partrelid = t.relid
  join pg_catalog.pg_attribute a on a.attrelid = t.relid and a.attnum > 0 and not a.attisdropped
  where a.attnum = any(p.partattrs::int2[])
     -- the columns a key expression reads depend on the table, internally
     or exists (select from pg_catalog.pg_depend d
                where d.classid = 'pg_catalog.pg_class'::regclass and d.objid = t.relid and d.objsubid = a.attnum
                  and d.refclassid = 'pg_catalog.pg_class'::regclass and d.refobjid = t.relid and d.refobjsubid = 0
                  and d.deptype = 'i')
$$;
comment on function tandem._partition_key_columns(regclass) is
  'The columns that decide which partition a row of a partitioned table is in, at every level; empty for another table.';

/* Whether a relation is a partitioned table (its rows live in partitions, its row triggers are cloned to them). */
create or replace function tandem._partitioned(rel regclass) returns boolean
  language sql
  stable
as $$ select (select relkind from pg_catalog.pg_class where oid = rel) = 'p' $$;
comment on function tandem._partitioned(regclass) is 'Whether a relation is a partitioned table.';

/*
 * Whether PostgreSQL can tell two values of a type equal: the type cache's rule, which `=` between
 * arrays and between rows goes by, read from the catalogs. A type has an equality when it has a
 * default btree or hash operator class: its own, one for the polymorphic type it belongs to (anyenum;
 * anyarray and record only when every element or field type has an equality; ranges and
 * multiranges always), or one for a type it is binary-coercible to implicitly (varchar to text; a tie
 * goes to the preferred type of its category, and an unresolved tie counts as none); a domain has its
 * base type's. json, xml and the geometric types have none (box's and circle's `=` compare areas and
 * path's counts points: no operator class uses them), and so neither do arrays, domains and
 * composite types of them.
 */
create or replace function tandem._has_equality(typ oid) returns boolean
  language plpgsql
  stable
  set search_path = pg_catalog, pg_temp
as $$
declare
  t pg_catalog.pg_type;
begin
  select * into t from pg_catalog.pg_type where oid = typ;
  return case
    when not found or t.typtype = 'p' then false
    when t.typtype = 'd' then tandem._has_equality(t.typbasetype)
    when t.typtype in ('r', 'm', 'e') then true
    when t.typtype = 'c' then not exists (select from pg_catalog.pg_attribute a
                                          where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped
                                            and not tandem._has_equality(a.atttypid))
    when t.typelem <> 0 and t.typsubscript = 'pg_catalog.array_subscript_handler'::regproc then tandem._has_equality(t.typelem)
    else tandem._equality_class_type(typ) is not null
  end;
end
$$;
comment on function tandem._has_equality(oid) is
  'Whether PostgreSQL can tell two values of a type equal (the type cache''s rule: a default btree or hash operator class), read from the catalogs.';

/*
 * The input type of the default btree (else hash) operator class a base type's values are compared
 * by, as PostgreSQL's GetDefaultOpClass finds it: the type's own, else the one type it is implicitly
 * binary-coercible to (the preferred type of its category breaking a tie). Null: none. Only a class
 * whose equality is the operator `=` counts, since that is the name a query compares by.
 */
create or replace function tandem._equality_class_type(typ oid) returns oid
  language plpgsql
  stable
  set search_path = pg_catalog, pg_temp
as $$
declare
  method text;
  category "char" := (select typcategory from pg_catalog.pg_type where oid = typ);
  class_type oid;
begin
  foreach method in array array['btree', 'hash'] loop
    select c.opcintype into class_type
    from pg_catalog.pg_opclass c join pg_catalog.pg_am am on am.oid = c.opcmethod
    where am.amname = method and c.opcdefault and c.opcintype = typ;
    if class_type is null then
      select case when count(*) filter (where ct.typispreferred and ct.typcategory = category) = 1
                    then min(c.opcintype) filter (where ct.typispreferred and ct.typcategory = category)
                  when count(*) filter (where ct.typispreferred and ct.typcategory = category) = 0 and count(*) = 1
                    then min(c.opcintype) end
        into class_type
      from pg_catalog.pg_opclass c
      join pg_catalog.pg_am am on am.oid = c.opcmethod
      join pg_catalog.pg_cast k on k.castsource = typ and k.casttarget = c.opcintype and k.castmethod = 'b' and k.castcontext = 'i'
      join pg_catalog.pg_type ct on ct.oid = c.opcintype
      where am.amname = method and c.opcdefault;
    end if;
    if class_type is not null then
      return case when exists (
        select from pg_catalog.pg_opclass c
        join pg_catalog.pg_am am on am.oid = c.opcmethod
        join pg_catalog.pg_amop o on o.amopfamily = c.opcfamily and o.amoplefttype = c.opcintype and o.amoprighttype = c.opcintype
                                 and o.amopstrategy = case method when 'btree' then 3 else 1 end
        join pg_catalog.pg_operator op on op.oid = o.amopopr and op.oprname = '='
        where am.amname = method and c.opcdefault and c.opcintype = class_type) then class_type end;
    end if;
  end loop;
  return null;
end
$$;

comment on function tandem._equality_class_type(oid) is
  'The input type of the default btree (else hash) operator class PostgreSQL compares a base type''s values by: its own, or the one it is implicitly binary-coercible to; null when none.';

/*
 * How generated code compares two values of a type: as which type (cast to it first), or null when
 * they cannot be compared.
 *   - a type with an equality is compared as itself, or as the type it is binary-coercible to whose
 *     operator class it uses (varchar as text, cidr as inet: what `=` resolves to);
 *   - any other through its text form (text): built-in types, enums, and arrays, ranges, domains and
 *     composite types of them print each value one way, so two values are equal when their texts are;
 *   - null for the rest: the text of a user-defined base type is whatever its output function prints
 *     (which may round, or omit), so without an equality of its own it cannot be compared, and
 *     tandem.bridge refuses a column of it.
 */
create or replace function tandem._compared_as(typ oid) returns oid
  language plpgsql
  stable
  set search_path = pg_catalog, pg_temp
as $$
declare
  t pg_catalog.pg_type;
  base oid;
begin
  select * into t from pg_catalog.pg_type where oid = typ;
  if not found or t.typtype = 'p' then
    return null;
  elsif t.typtype = 'd' then
    base := tandem._compared_as(t.typbasetype);
    return case when base = t.typbasetype then typ else base end;
  elsif tandem._has_equality(typ) then
    return case when t.typtype = 'b' and not (t.typelem <> 0 and t.typsubscript = 'pg_catalog.array_subscript_handler'::regproc)
                then tandem._equality_class_type(typ) else typ end;
  elsif tandem._prints_faithfully(typ) then
    return 'pg_catalog.text'::regtype;
  end if;
  return null;
end
$$;
comment on function tandem._compared_as(oid) is
  'The type generated code compares values of a type as: itself, the type whose equality it uses (varchar: text), text (its text form, for a type without equality: json, xml, point, …), or null (it cannot be compared).';

/* Whether each value of a type prints one way: built-in types, enums, and what is made of them. */
create or replace function tandem._prints_faithfully(typ oid) returns boolean
  language plpgsql
  stable
  set search_path = pg_catalog, pg_temp
as $$
declare
  t pg_catalog.pg_type;
begin
  select * into t from pg_catalog.pg_type where oid = typ;
  return case
    when not found or t.typtype = 'p' then false
    when t.typtype = 'd' then tandem._prints_faithfully(t.typbasetype)
    when t.typtype = 'e' then true
    when t.typtype = 'r' then tandem._prints_faithfully((select rngsubtype from pg_catalog.pg_range where rngtypid = typ))
    when t.typtype = 'm' then tandem._prints_faithfully((select rngsubtype from pg_catalog.pg_range where rngmultitypid = typ))
    when t.typtype = 'c' then not exists (select from pg_catalog.pg_attribute a
                                          where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped
                                            and not tandem._prints_faithfully(a.atttypid))
    when t.typelem <> 0 and t.typsubscript = 'pg_catalog.array_subscript_handler'::regproc then tandem._prints_faithfully(t.typelem)
    else typ < 16384 -- FirstNormalObjectId: built in
  end;
end
$$;
comment on function tandem._prints_faithfully(oid) is
  'Whether each value of a type prints one way (built-in types, enums, and arrays, ranges, domains and composite types of them), so that equal texts mean equal values.';

create or replace function tandem._lock(migration text) returns void
  language sql
  volatile
as $$
  select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('tandem.migration:' || migration, 0))
$$;
comment on function tandem._lock(text) is 'Serialises the transitions of one migration: held until the transaction ends.';

create or replace function tandem._migration(name text) returns tandem.migration
  language plpgsql
  stable
as $$
declare
  found_migration tandem.migration;
begin
  select * into found_migration from tandem.migration m where m.name = _migration.name;
  if not found then
    raise exception 'migration "%" does not exist', name
      using errcode = 'TD001',
            hint = pg_catalog.format('Create it first: select tandem.create_migration(%L, ''what it does'');', name);
  end if;
  return found_migration;
end
$$;
comment on function tandem._migration(text) is 'The migration named, or error TD001 saying how to create it.';

create or replace function tandem._wrong_phase(migration tandem.migration, verb text, hint text) returns void
  language plpgsql
  stable
as $$
begin
  raise exception 'cannot % migration "%": it is %', verb, migration.name, replace(migration.phase::text, '_', ' ')
    using errcode = 'TD002', hint = hint;
end
$$;
comment on function tandem._wrong_phase(tandem.migration, text, text) is 'Raises TD002 for a transition called in a phase that does not allow it.';

create or replace function tandem._set_phase(migration text, phase text) returns void
  language sql
  volatile
as $$
  update tandem.migration m set phase = _set_phase.phase::tandem.phase, changed_at = pg_catalog.now() where m.name = _set_phase.migration
$$;

/*
 * Waiting for a lock. A lock request that waits makes every later request for a conflicting lock on
 * the same table queue behind it: an ACCESS EXCLUSIVE request behind a long transaction stalls every
 * query on the table for as long as it waits. So no try waits longer than tandem.lock_timeout (default
 * 100ms, a pause no application notices); the library tries again once the transactions holding the lock
 * have let go, or after a pause that doubles from 50 ms up to 1 s, with jitter (see _lock_pause),
 * until tandem.lock_patience (default 30s) has passed since the transition began; then it fails with TD004
 * and, its transaction failing, has changed nothing. Both are settings, for a session or a transaction:
 * `set tandem.lock_patience = '2min'`.
 */
create or replace function tandem._lock_setting(name text) returns interval
  language plpgsql
  stable
as $$
declare
  fallback text := case name when 'lock_timeout' then '100ms' when 'lock_patience' then '30s' end;
  raw text := pg_catalog.btrim(pg_catalog.current_setting('tandem.' || name, true));
  parsed interval;
begin
  if coalesce(raw, '') = '' then
    return fallback::interval;
  end if;
  begin
    -- A bare number is milliseconds, as PostgreSQL's own lock_timeout reads it.
    parsed := case when raw ~ '^[0-9]+$' then raw::bigint * interval '1ms' else raw::interval end;
  exception when others then
    parsed := null;
  end;
  if parsed is null or parsed < interval '0' or (name = 'lock_timeout' and parsed < interval '1ms') then
    raise exception 'setting tandem.% is %, which is not a duration the library can wait', name, pg_catalog.quote_literal(raw)
      using errcode = 'TD007',
            hint = pg_catalog.format('Set it to a duration%s, such as %L, or reset it: reset tandem.%s;',
                                     case when name = 'lock_timeout' then ' of at least 1ms' else '' end, fallback, name);
  end if;
  return parsed;
end
$$;
comment on function tandem._lock_setting(text) is
  'The library''s lock_timeout or lock_patience (settings tandem.lock_timeout, default 100ms, and tandem.lock_patience, default 30s); TD007 when set to something that is not a duration.';

/*
 * A transition's patience runs from its start: tandem._patience_begins() sets the deadline (in a
 * transaction-local setting), every lock helper it calls gives up there, and tandem._patience_ends()
 * clears it so that a later call in the same transaction has patience of its own. Helpers called
 * outside a transition (expand) get a deadline of their own.
 */
create or replace function tandem._patience_begins() returns void
  language sql
  volatile
as $$
  select pg_catalog.set_config('tandem.lock_deadline', (pg_catalog.clock_timestamp() + tandem._lock_setting('lock_patience'))::text, true)
$$;
comment on function tandem._patience_begins() is 'Starts a transition''s patience for locks: its helpers give up tandem.lock_patience from now.';

create or replace function tandem._patience_ends() returns void
  language sql
  volatile
as $$ select pg_catalog.set_config('tandem.lock_deadline', '', true) $$;
comment on function tandem._patience_ends() is 'Ends a transition''s patience for locks (see _patience_begins).';

create or replace function tandem._lock_deadline() returns timestamptz
  language sql
  volatile
as $$
  select coalesce(nullif(pg_catalog.current_setting('tandem.lock_deadline', true), '')::timestamptz,
                  pg_catalog.clock_timestamp() + tandem._lock_setting('lock_patience'))
$$;
comment on function tandem._lock_deadline() is 'When the current transition stops trying to take locks.';

/*
 * After a failed try: pause, and say whether another try fits before the deadline. When the
 * transactions holding a lock on the relation that was busy are known (pg_locks), trying again before
 * they let go would only queue every other query on it behind us once more: the pause watches them
 * instead (every 10 ms at first, every 200 ms at most, which takes no lock on the table), and the next
 * try comes as soon as they are gone, after a jitter of up to 20 ms. Otherwise the pause doubles from
 * 50 ms up to 1 s, each drawn between half and all of it. The last try comes at the deadline.
 */
create or replace function tandem._lock_pause(attempt int, deadline timestamptz, busy regclass default null) returns boolean
  language plpgsql
  volatile
as $$
declare
  pause double precision := least(1.0, 0.05 * 2 ^ least(attempt - 1, 10)) * (0.5 + pg_catalog.random() / 2);
  poll double precision := 0.01;
  blockers text[];
  here oid := (select d.oid from pg_catalog.pg_database d where d.datname = pg_catalog.current_database());
begin
  if busy is not null then
    blockers := array(select distinct l.virtualtransaction from pg_catalog.pg_locks l
                      where l.locktype = 'relation' and l.database = here and l.relation = busy and l.granted
                        and l.pid is distinct from pg_catalog.pg_backend_pid());
  end if;
  if cardinality(blockers) > 0 then
    loop
      if pg_catalog.clock_timestamp() >= deadline then
        return false;
      end if;
      exit when not exists (select from pg_catalog.pg_locks l
                            where l.locktype = 'relation' and l.database = here and l.relation = busy and l.granted
                              and l.virtualtransaction = any(blockers));
      perform tandem._lock_cycle(busy);
      perform pg_catalog.pg_sleep(least(poll, extract(epoch from deadline - pg_catalog.clock_timestamp())));
      poll := least(poll * 2, 0.2);
    end loop;
    pause := pg_catalog.random() * 0.02;
  end if;
  if pg_catalog.clock_timestamp() >= deadline then
    return false;
  end if;
  perform pg_catalog.pg_sleep(least(pause, extract(epoch from deadline - pg_catalog.clock_timestamp())));
  return true;
end
$$;
comment on function tandem._lock_pause(int, timestamptz, regclass) is
  'Pauses before the next try for a lock: until the transactions holding the busy relation let go, or by backoff with jitter (50 ms doubling to 1 s); false once the deadline has passed.';

/*
 * A session that holds the busy relation and waits for a lock this transaction took before the
 * transition (an ALTER TABLE earlier in the same migration, say) never lets go: a deadlock, which
 * PostgreSQL cannot see while the transition watches instead of queueing. It would end only at the
 * deadline, every query on both tables stalled meanwhile; the transition gives up at once instead.
 */
create or replace function tandem._lock_cycle(busy regclass) returns void
  language plpgsql
  volatile
as $$
declare
  cycle record;
begin
  select l.pid, pg_catalog.string_agg(distinct tandem._qualified(w.relation::regclass), ', ') as waits_for
    into cycle
  from pg_catalog.pg_locks l
  join pg_catalog.pg_locks w on w.pid = l.pid and not w.granted and w.locktype = 'relation'
  where l.locktype = 'relation' and l.relation = busy and l.granted and l.pid <> pg_catalog.pg_backend_pid()
    and pg_catalog.pg_backend_pid() = any(pg_catalog.pg_blocking_pids(l.pid))
  group by l.pid
  limit 1;
  if cycle.pid is not null then
    raise exception 'could not lock % : a session that holds it waits for this transaction', tandem._qualified(busy)
      using errcode = 'TD004',
            detail = pg_catalog.format('pid %s holds a lock on %s and waits for %s, which this transaction locked before the transition (an earlier statement of the same transaction): neither can go on. Nothing was changed.',
                                       cycle.pid, tandem._qualified(busy), cycle.waits_for),
            hint = 'Run the transition before any other change to these tables in its transaction (or in a transaction of its own), or run it again: the other session may not be there then.';
  end if;
end
$$;
comment on function tandem._lock_cycle(regclass) is
  'Raises TD004 at once when a session holding the busy relation waits for a lock this transaction already holds (a deadlock PostgreSQL cannot see).';

/* Who holds locks on the relations (for the TD004 detail): pids and modes. */
create or replace function tandem._lock_holders(relations regclass[]) returns text
  language sql
  stable
as $$
  select pg_catalog.string_agg(pg_catalog.format('pid %s (%s)', h.pid, h.modes), ', ' order by h.pid)
  from (select l.pid, pg_catalog.string_agg(distinct pg_catalog.format('%s on %s', l.mode, tandem._qualified(l.relation::regclass)), ', ') as modes
        from pg_catalog.pg_locks l
        where l.granted and l.locktype = 'relation' and l.relation = any(relations) and l.pid <> pg_catalog.pg_backend_pid()
        group by l.pid) as h
$$;
comment on function tandem._lock_holders(regclass[]) is 'The other sessions holding locks on the relations, with their modes: who a transition waited for.';

create or replace function tandem._lock_failed(message text, relations regclass[], tries int, started timestamptz) returns void
  language plpgsql
  volatile
as $$
begin
  raise exception '%', message
    using errcode = 'TD004',
          detail = pg_catalog.format('%s %s in %s s, none waiting longer than tandem.lock_timeout (%s s), until tandem.lock_patience (%s s) ran out.%s',
                                     tries, case when tries = 1 then 'try' else 'tries' end,
                                     pg_catalog.round(extract(epoch from pg_catalog.clock_timestamp() - started), 1),
                                     pg_catalog.trim_scale(extract(epoch from tandem._lock_setting('lock_timeout'))),
                                     pg_catalog.trim_scale(extract(epoch from tandem._lock_setting('lock_patience'))),
                                     coalesce(' Held by ' || tandem._lock_holders(relations) || '.', '')),
          hint = 'A long transaction holds a lock on it (see pg_stat_activity for those pids); let it finish, then call again, or allow more time: set tandem.lock_patience = ''2min''. Nothing was changed.';
end
$$;
comment on function tandem._lock_failed(text, regclass[], int, timestamptz) is 'Raises TD004 for a lock never taken, naming who holds it.';

/*
 * DDL statements, each under tandem.lock_timeout, retried until the transition's deadline. A
 * transition takes the locks of the relations it changes first (_lock_relations); these only wait for
 * what that did not lock.
 */
create or replace function tandem._ddl(statements text[]) returns void
  language plpgsql
  volatile
as $$
declare
  previous text := pg_catalog.current_setting('lock_timeout');
  previous_messages text := pg_catalog.current_setting('client_min_messages');
  timeout interval := tandem._lock_setting('lock_timeout');
  deadline timestamptz := tandem._lock_deadline();
  started timestamptz := pg_catalog.clock_timestamp();
  statement text;
  attempt int;
begin
  perform pg_catalog.set_config('lock_timeout', pg_catalog.ceil(extract(epoch from timeout) * 1000)::text || 'ms', true);
  -- "trigger … does not exist, skipping" and the like are noise in a migration's output.
  perform pg_catalog.set_config('client_min_messages', 'warning', true);
  -- The library's own DDL on bridged tables (cutover, rollback, contract): tandem._check_ddl lets it pass.
  perform pg_catalog.set_config('tandem.library_ddl', 'on', true);
  foreach statement in array statements loop
    attempt := 1;
    loop
      begin
        execute statement;
        exit;
      exception when lock_not_available then
        if not tandem._lock_pause(attempt, deadline) then
          perform pg_catalog.set_config('lock_timeout', previous, true);
          perform tandem._lock_failed(pg_catalog.format('could not take the lock for: %s', statement), '{}', attempt, started);
        end if;
        attempt := attempt + 1;
      end;
    end loop;
  end loop;
  perform pg_catalog.set_config('lock_timeout', previous, true);
  perform pg_catalog.set_config('client_min_messages', previous_messages, true);
  perform pg_catalog.set_config('tandem.library_ddl', '', true);
end
$$;
comment on function tandem._ddl(text[]) is
  'Runs DDL statements, each try under tandem.lock_timeout, retrying with backoff until tandem.lock_patience; TD004 when the lock never comes.';

/*
 * A transition that changes several relations takes all their locks first, each try bounded by
 * tandem.lock_timeout, so that a writer that holds one of them (and, through sync, wants another) is
 * never caught between two of our statements. A try waits for one relation only (the one that was
 * busy last time) and takes the others with NOWAIT: applications on a table queue behind us for at most
 * one lock_timeout, never for the sum of several waits. A try that fails releases what it took, pauses,
 * and tries again, until the transition's deadline.
 */
create or replace function tandem._lock_relations(relations regclass[]) returns void
  language plpgsql
  volatile
as $$
declare
  previous text := pg_catalog.current_setting('lock_timeout');
  timeout text := pg_catalog.ceil(extract(epoch from tandem._lock_setting('lock_timeout')) * 1000)::text || 'ms';
  deadline timestamptz := tandem._lock_deadline();
  started timestamptz := pg_catalog.clock_timestamp();
  wanted regclass[];
  busy regclass;
  trying regclass;
  attempt int := 1;
begin
  wanted := array(select distinct r from pg_catalog.unnest(relations) as r
                  -- LOCK TABLE cannot lock a materialized view; none is changed by a transition (cutover refuses
                  -- those that read a legacy table).
                  where r is not null and (select relkind from pg_catalog.pg_class where oid = r) <> 'm'
                  order by r);
  if cardinality(wanted) = 0 then
    return;
  end if;
  busy := wanted[1];
  loop
    begin
      perform pg_catalog.set_config('lock_timeout', timeout, true);
      trying := busy;
      execute pg_catalog.format('lock table %s in access exclusive mode', tandem._qualified(busy));
      foreach trying in array pg_catalog.array_remove(wanted, busy) loop
        execute pg_catalog.format('lock table %s in access exclusive mode nowait', tandem._qualified(trying));
      end loop;
      perform pg_catalog.set_config('lock_timeout', previous, true);
      return;
    exception when lock_not_available or deadlock_detected then
      busy := trying;
      if not tandem._lock_pause(attempt, deadline, busy) then
        perform pg_catalog.set_config('lock_timeout', previous, true);
        perform tandem._lock_failed(pg_catalog.format('could not lock %s in time',
                                      (select pg_catalog.string_agg(tandem._qualified(r), ', ' order by r) from pg_catalog.unnest(wanted) as r)),
                                    wanted, attempt, started);
      end if;
      attempt := attempt + 1;
    end;
  end loop;
end
$$;
comment on function tandem._lock_relations(regclass[]) is
  'Locks every relation a transition changes, waiting on one at a time for at most tandem.lock_timeout, retrying with backoff until tandem.lock_patience; TD004 when they never come free.';

/* The relations a migration's transitions touch: its tables, the views that read its legacy tables, the tables whose foreign keys reference them. */
create or replace function tandem._relations(migration text) returns regclass[]
  language sql
  stable
as $$
  select coalesce(pg_catalog.array_agg(distinct r), '{}')
  from (
    select b.legacy as r from tandem.bridge b where b.migration = _relations.migration
    union all select b.modern from tandem.bridge b where b.migration = _relations.migration
    union all select pg_catalog.to_regclass(c.legacy_name) from tandem.cutover c join tandem.bridge b on b.id = c.bridge_id
              where b.migration = _relations.migration
    union all select rw.ev_class::regclass from tandem.bridge b
              join pg_catalog.pg_depend d on d.refobjid in (b.legacy, b.modern) and d.classid = 'pg_catalog.pg_rewrite'::regclass
              join pg_catalog.pg_rewrite rw on rw.oid = d.objid
              where b.migration = _relations.migration and rw.ev_class not in (b.legacy, b.modern)
    union all select c.conrelid::regclass from tandem.bridge b join pg_catalog.pg_constraint c on c.confrelid in (b.legacy, b.modern) and c.contype = 'f'
              where b.migration = _relations.migration
  ) as rels
  where r is not null
$$;
--! EndIncluded tandem/20-helpers.sql
--! Included tandem/25-shapes.sql
/*
 * Bridge shapes. A shape is how the rows of a legacy table correspond to the rows of a modern one:
 *
 *   table     – each legacy row has one modern twin (a renamed or reshaped table, or part of a split);
 *   distinct  – many legacy rows share one modern row: the distinct values of the key (a lookup table
 *               such as brands taken from products.brand);
 *   columns   – legacy and modern are the same table: new columns computed from old ones in the row.
 *
 * Each shape is one module, shapes/<shape>.sql, implementing the same stages as functions
 * tandem._<shape>_<stage>(b tandem.bridge, arg jsonb):
 *
 *   validate      → jsonb {problems, legacy_key, modern_key}: what only this shape requires of a definition
 *   sync          → jsonb {statements, triggers}: the trigger functions and triggers that keep both sides equal
 *   backfill      → text: the statement that copies one keyset batch (arg.single_row: one row)
 *   verify        → text: the statement that compares both sides
 *   compat_write  → text: what a compatibility view of the same legacy table writes first for this bridge, or null
 *   plan          → text: what cutover would do now (rename, split, none), changing nothing
 *   cutover       → text: what cutover did (rename, split, none)
 *   contract      → text[]: the statements that drop what contract drops (arg.keep_restore_copy)
 *   rollback      → text: what undoing the cutover did
 *   tombstones    → jsonb {statements, triggers, bury}: after a rollback to planned, what records the
 *                   legacy rows that leave (deleted, out of the filter, truncated) while nothing syncs,
 *                   and the statement the next expand runs to delete their modern twins (null: none)
 *
 * and they are called only through tandem._shape(stage, bridge, arg), here: adding a shape is one file,
 * its name in _shapes(), and its rule in _bridge_kind().
 */

create or replace function tandem._shapes() returns text[]
  language sql
  immutable
  parallel safe
as $$ select array['table', 'distinct', 'columns'] $$;
comment on function tandem._shapes() is 'The bridge shapes this release implements, each in shapes/<shape>.sql.';

create or replace function tandem._shape_stages() returns text[]
  language sql
  immutable
  parallel safe
as $$ select array['validate', 'sync', 'backfill', 'verify', 'compat_write', 'plan', 'cutover', 'contract', 'rollback', 'tombstones'] $$;
comment on function tandem._shape_stages() is 'The stages every bridge shape implements.';

/* A bridge's shape, from its tables and options. */
create or replace function tandem._bridge_kind(legacy regclass, modern regclass, options jsonb) returns text
  language sql
  immutable
as $$
  select case when legacy = modern then 'columns'
              when options->>'distinct' = 'true' then 'distinct'
              else 'table' end
$$;
comment on function tandem._bridge_kind(regclass, regclass, jsonb) is
  'The shape of a bridge: columns when legacy and modern are one table, distinct when asked for, else table.';

/* Runs a stage of a bridge's shape; the result as jsonb. */
create or replace function tandem._shape(stage text, b tandem.bridge, arg jsonb default '{}'::jsonb) returns jsonb
  language plpgsql
  volatile
as $$
declare
  result jsonb;
begin
  if not b.kind = any(tandem._shapes()) or not stage = any(tandem._shape_stages()) then
    raise exception 'bridge %.% is of shape % and has no stage %', b.migration, b.name, b.kind, stage
      using errcode = 'TD007',
            hint = pg_catalog.format('This release implements the shapes %s, each with the stages %s.',
                                     pg_catalog.array_to_string(tandem._shapes(), ', '), pg_catalog.array_to_string(tandem._shape_stages(), ', '));
  end if;
  execute pg_catalog.format('select pg_catalog.to_jsonb(tandem.%I($1, $2))', '_' || b.kind || '_' || stage)
    into result using b, coalesce(arg, '{}'::jsonb);
  return result;
end
$$;
comment on function tandem._shape(text, tandem.bridge, jsonb) is
  'Calls tandem._<shape>_<stage>(bridge, arg) for a bridge''s shape: the one place shapes are dispatched.';

/* _shape for the stages that return a statement. */
create or replace function tandem._shape_text(stage text, b tandem.bridge, arg jsonb default '{}'::jsonb) returns text
  language sql
  volatile
as $$ select tandem._shape(stage, b, arg) #>> '{}' $$;

/* _shape for the stages that return statements. */
create or replace function tandem._shape_statements(stage text, b tandem.bridge, arg jsonb default '{}'::jsonb) returns text[]
  language sql
  volatile
as $$ select array(select pg_catalog.jsonb_array_elements_text(coalesce(tandem._shape(stage, b, arg), '[]'::jsonb))) $$;
--! EndIncluded tandem/25-shapes.sql
--! Included tandem/30-define.sql
/*
 * Declaring a migration: create_migration, bridge (validated completely before anything changes),
 * add_check. All are idempotent: graphile-migrate re-runs current.sql on every save.
 */

create or replace function tandem.create_migration(name text, description text default '') returns void
  language plpgsql
  volatile
as $$
#variable_conflict use_column
begin
  if create_migration.name is null or create_migration.name !~ '^[a-z][a-z0-9_]{0,39}$' then
    raise exception 'invalid migration name %', pg_catalog.quote_nullable(create_migration.name)
      using errcode = 'TD007',
            hint = 'A migration name is lowercase letters, digits and underscores, starting with a letter, at most 40 characters.';
  end if;
  perform tandem._lock(create_migration.name);
  insert into tandem.migration (name, description)
  values (create_migration.name, coalesce(create_migration.description, ''))
  on conflict (name) do update set description = excluded.description
    where migration.description is distinct from excluded.description;
  if found then
    perform tandem.log_event('create_migration', create_migration.name,
                             detail => pg_catalog.jsonb_build_object('description', create_migration.description));
  end if;
end
$$;
comment on function tandem.create_migration(text, text) is
  'Declares a migration (a group of bridges that move together), or updates its description. Idempotent.';

/* The columns of a table's primary key (else of its first unique index on NOT NULL columns), in order. */
create or replace function tandem._primary_key(rel regclass) returns text[]
  language sql
  stable
as $$
  select array(select a.attname::text
               from pg_catalog.unnest(i.indkey::int2[]) with ordinality as u(attnum, n)
               join pg_catalog.pg_attribute a on a.attrelid = rel and a.attnum = u.attnum
               order by u.n)
  from pg_catalog.pg_index i
  where i.indrelid = rel and i.indisunique and i.indisvalid and i.indpred is null and i.indexprs is null
    and not exists (select from pg_catalog.pg_attribute a
                    where a.attrelid = rel and a.attnum = any(i.indkey) and not a.attnotnull)
  order by i.indisprimary desc, i.indexrelid
  limit 1
$$;

/*
 * Whether `expr` is exactly one SQL expression over the rows of `source` (a FROM item; `outer_from`,
 * when given, is visible to it as an outer row), and which volatile functions it calls. Expressions are
 * later written into generated code, so text that closes the parenthesis around it, ends the
 * statement or comments out what follows must never get that far.
 *
 * The probe is a SELECT of the expression followed by a column whose name is random, so the text cannot
 * reproduce it. It is opened as a cursor, which PostgreSQL's parser accepts for exactly one statement
 * and which runs nothing until fetched (and it never is); then, known to be one statement, it becomes a
 * temporary view, whose columns must be the expression and the random one, and whose stored query
 * names the functions called (functions of pg_catalog included, which pg_depend does not record).
 */
create or replace function tandem._probe_expression(
  expr text, source text, outer_from text default null, source_rel regclass default null,
  out problem text, out volatile_functions text[], out columns_read text[]
) language plpgsql
  volatile
as $$
declare
  tag text := pg_catalog.substr(pg_catalog.md5(pg_catalog.random()::text || pg_catalog.clock_timestamp()::text), 1, 12);
  statement text;
  probe regclass;
  probe_cursor refcursor;
begin
  volatile_functions := '{}';
  if expr is null or pg_catalog.btrim(expr) = '' then
    problem := 'it is empty';
    return;
  end if;
  statement := case when outer_from is null
    then pg_catalog.format('select (%s) as tandem_x_%s, 1 as tandem_end_%s from %s limit 0', expr, tag, tag, source)
    else pg_catalog.format('select tandem_v.* from %s cross join lateral (select (%s) as tandem_x_%s, 1 as tandem_end_%s from %s) as tandem_v limit 0',
                           outer_from, expr, tag, tag, source) end;
  begin
    open probe_cursor no scroll for execute statement;
    close probe_cursor;
    execute 'create temporary view tandem_probe_' || tag || ' as ' || statement;
  exception when others then
    problem := pg_catalog.format('%s (SQLSTATE %s)', sqlerrm, sqlstate);
    return;
  end;
  probe := pg_catalog.to_regclass('pg_temp.tandem_probe_' || tag);
  if array(select a.attname::text from pg_catalog.pg_attribute a where a.attrelid = probe and a.attnum > 0 order by a.attnum)
     is distinct from array['tandem_x_' || tag, 'tandem_end_' || tag] then
    problem := 'it is not one expression (it closes the parenthesis around it, or ends or comments out the statement it is put in)';
  else
    volatile_functions := array(
      select distinct p.oid::regprocedure::text
      from pg_catalog.pg_rewrite w
      cross join lateral pg_catalog.regexp_matches(w.ev_action::text, ':(?:funcid|opfuncid) (\d+)', 'g') as f
      join pg_catalog.pg_proc p on p.oid = f[1]::oid
      where w.ev_class = probe and p.provolatile = 'v'
      order by 1);
    -- The columns of source_rel it reads, as the view's dependencies record them; a whole-row
    -- reference (of any table: the stored query does not say which) counts as reading them all.
    columns_read := array(
      select a.attname::text from pg_catalog.pg_attribute a
      where a.attrelid = source_rel and a.attnum > 0 and not a.attisdropped
        and (exists (select from pg_catalog.pg_rewrite w
                     join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::regclass and d.objid = w.oid
                     where w.ev_class = probe and d.refclassid = 'pg_catalog.pg_class'::regclass
                       and d.refobjid = source_rel and d.refobjsubid = a.attnum)
             or exists (select from pg_catalog.pg_rewrite w where w.ev_class = probe and w.ev_action::text ~ ':varattno 0 '))
      order by a.attnum);
  end if;
  execute 'drop view pg_temp.tandem_probe_' || tag;
end
$$;
/* 'function f()' or 'functions f(), g()'. */
create or replace function tandem._functions_phrase(functions text[]) returns text
  language sql
  immutable
as $$
  select case when cardinality(functions) = 1 then 'function ' else 'functions ' end || pg_catalog.array_to_string(functions, ', ')
$$;

comment on function tandem._probe_expression(text, text, text, regclass) is
  'Whether a text is exactly one SQL expression over a row (checked by PostgreSQL''s parser, running nothing), the volatile functions it calls, and the columns of source_rel it reads.';

/*
 * What the shapes with a key (table, distinct) require: a key, unique on the modern table, and every
 * NOT NULL modern column computable, so that a legacy insert can create its twin.
 */
create or replace function tandem._check_keyed(b tandem.bridge) returns text[]
  language plpgsql
  stable
as $$
declare
  problems text[] := '{}';
  mq text := tandem._qualified(b.modern);
  modern_key text[] := array(select pg_catalog.jsonb_object_keys(b.key));
  attr record;
begin
  if b.key = '{}'::jsonb then
    return array['key must be a JSON object {"<modern key column>": "<expression over the legacy row>"}.'];
  end if;
  if not exists (
    select from pg_catalog.pg_index i
    where i.indrelid = b.modern and i.indisunique and i.indisvalid and i.indpred is null and i.indexprs is null
      and (select pg_catalog.array_agg(a.attname::text order by a.attname)
           from pg_catalog.pg_attribute a where a.attrelid = b.modern and a.attnum = any(i.indkey))
          = (select pg_catalog.array_agg(k order by k) from pg_catalog.unnest(modern_key) as k)
  ) then
    problems := problems || pg_catalog.format(
      'the key (%s) is not unique on %s: no primary key or unique index on exactly these columns. Fix: add one (create unique index concurrently … on %s (%s)) or key on the primary key.',
      pg_catalog.array_to_string(modern_key, ', '), mq, mq, pg_catalog.array_to_string(modern_key, ', '));
  end if;
  for attr in
    select a.attname from pg_catalog.pg_attribute a
    where a.attrelid = b.modern and a.attnum > 0 and not a.attisdropped and a.attnotnull
      and not a.atthasdef and a.attidentity = '' and a.attgenerated = ''
      and not b.key ? a.attname and not b.forward ? a.attname
  loop
    problems := problems || pg_catalog.format(
      'modern column %s.%I is NOT NULL with no default and no forward expression, so a legacy insert could not create its twin. Fix: add a forward expression for it, or give it a default.',
      mq, attr.attname);
  end loop;
  return problems;
end
$$;
comment on function tandem._check_keyed(tandem.bridge) is
  'The problems of a keyed bridge (table, distinct): no key, a key that is not unique, a twin that could not be created.';

/*
 * PostgreSQL does not compute virtual generated columns (PostgreSQL 18) for triggers: the rows a sync
 * function reads hold null there. An expression that reads one is a problem: `what` names it.
 */
create or replace function tandem._reads_virtual(what text, rel regclass, columns_read text[]) returns text
  language sql
  stable
as $$
  select pg_catalog.format(
    '%s reads %s of %s, which PostgreSQL does not compute for triggers: sync would read null there. Fix: compute %s from the columns %s generated from (%s), or make %s stored.',
    what,
    case when count(*) = 1 then 'the virtual generated column ' else 'the virtual generated columns ' end
      || pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' order by a.attnum),
    tandem._qualified(rel),
    case when count(*) = 1 then 'it' else 'them' end, case when count(*) = 1 then 'it is' else 'they are' end,
    pg_catalog.string_agg(tandem._generation_expression(rel, a.attname), '; ' order by a.attnum),
    case when count(*) = 1 then 'it' else 'them' end)
  from pg_catalog.pg_attribute a
  where a.attrelid = rel and a.attname = any(columns_read) and a.attgenerated = 'v'
  having count(*) > 0
$$;
comment on function tandem._reads_virtual(text, regclass, text[]) is
  'The problem of an expression that reads virtual generated columns, which triggers see as null; null when it reads none.';

/*
 * Every problem with a bridge definition, each naming the object and the fix: first what every shape
 * requires (tables, JSON, options, expressions), then what its shape requires (stage validate), which
 * also resolves the keys. Expressions are checked by asking PostgreSQL to plan the very statement
 * shapes the sync functions use (EXPLAIN, which does not run them), under the search_path those
 * functions run with, so that what passes here cannot fail to compile there, and assignment casts are
 * checked as an INSERT checks them.
 */
create or replace function tandem._check_bridge(
  legacy text, modern text, key jsonb, forward jsonb, backward jsonb, filter text, options jsonb,
  out problems text[], out legacy_rel regclass, out modern_rel regclass,
  out legacy_key text[], out modern_key text[], out full_backward jsonb
) language plpgsql
  volatile
as $$
#variable_conflict use_variable
declare
  saved_path text := pg_catalog.current_setting('search_path');
  lq text;
  mq text;
  col text;
  expr text;
  option_name text;
  candidate tandem.bridge;
  shaped jsonb;
  probed record;
  declared_volatile text[];
  -- The columns each expression reads, for the shape's validate stage.
  reads jsonb := '{"key": {}, "forward": {}, "backward": {}, "filter": []}';
  virtual text;
begin
  problems := '{}';
  full_backward := coalesce(backward, '{}'::jsonb);
  -- Table names resolve with the caller's search_path; everything after runs with the pinned one.
  legacy_rel := pg_catalog.to_regclass(legacy);
  modern_rel := pg_catalog.to_regclass(modern);
  if legacy_rel is null then
    problems := problems || pg_catalog.format('legacy table %s does not exist. Fix: create it first, or schema-qualify the name.', pg_catalog.quote_nullable(legacy));
  elsif (select relkind from pg_catalog.pg_class where oid = legacy_rel) not in ('r', 'p') then
    problems := problems || pg_catalog.format('legacy %s is not a table. Fix: name the table the view reads.', legacy_rel);
  end if;
  if modern_rel is null then
    problems := problems || pg_catalog.format('modern table %s does not exist. Fix: create it first (in the same migration, before the bridge), or schema-qualify the name.', pg_catalog.quote_nullable(modern));
  elsif (select relkind from pg_catalog.pg_class where oid = modern_rel) not in ('r', 'p') then
    problems := problems || pg_catalog.format('modern %s is not a table. Fix: bridge to a table.', modern_rel);
  end if;
  -- A statement that names the partitioned table fires none of a partition's statement-level
  -- triggers, and a row can move out of the partition: the bridge must see the whole table.
  problems := problems || array(
    select pg_catalog.format('%s table %s is a partition of %s: writes through %s would not all reach its sync, and rows move in and out of it. Fix: bridge %s.',
                             side, tandem._qualified(rel), tandem._qualified(pg_catalog.pg_partition_root(rel)),
                             tandem._qualified(pg_catalog.pg_partition_root(rel)), tandem._qualified(pg_catalog.pg_partition_root(rel)))
    from (values ('legacy', legacy_rel), ('modern', modern_rel)) as t(side, rel)
    where (select relispartition from pg_catalog.pg_class where oid = t.rel));
  if pg_catalog.jsonb_typeof(coalesce(key, '{}')) <> 'object' then
    problems := problems || 'key must be a JSON object {"<modern key column>": "<expression over the legacy row>"}.'::text;
  end if;
  if pg_catalog.jsonb_typeof(coalesce(forward, '{}')) <> 'object' then
    problems := problems || 'forward must be a JSON object {"<modern column>": "<expression over the legacy row>"}.'::text;
  end if;
  if pg_catalog.jsonb_typeof(full_backward) <> 'object' then
    problems := problems || 'backward must be a JSON object {"<legacy column>": "<expression over the modern row>"}.'::text;
  end if;
  if pg_catalog.jsonb_typeof(coalesce(options, '{}')) <> 'object' then
    problems := problems || 'options must be a JSON object, e.g. {"on_modern_delete": "nullify", "on_error": "reject"}.'::text;
  else
    for option_name in select pg_catalog.jsonb_object_keys(coalesce(options, '{}')) loop
      if option_name not in ('on_modern_delete', 'on_error', 'distinct', 'volatile', 'drops', 'triggers', 'policies') then
        problems := problems || pg_catalog.format('unknown option %I. Fix: use on_modern_delete (delete | nullify), on_error (fail | reject), distinct (true | false), volatile (forward columns), drops (backward columns), triggers or policies (name: carry | leave).', option_name);
      end if;
    end loop;
    -- What cutover does with a trigger or policy of the legacy table (see tandem._dependents): carry it
    -- to the modern table, or leave it on the archive.
    for option_name in select o from pg_catalog.unnest(array['triggers', 'policies']) as o loop
      if coalesce(pg_catalog.jsonb_typeof(options->option_name), 'object') <> 'object'
         or exists (select from pg_catalog.jsonb_each(coalesce(options->option_name, '{}')) as e
                    where coalesce(e.value #>> '{}', '') not in ('carry', 'leave')) then
        problems := problems || pg_catalog.format('option %s is %s. Fix: name each %s of the legacy table that cutover cannot carry to the modern table by itself, with "carry" (create it there as it is) or "leave" (keep it on the archive only), e.g. {"%s": {"set_updated_at": "carry"}}.',
                                                  option_name, options->option_name, case option_name when 'triggers' then 'trigger' else 'policy' end, option_name);
      elsif legacy_rel is not null then
        problems := problems || array(
          select pg_catalog.format('option %s names %s, which %s does not have. Fix: name a %s of %s.', option_name, pg_catalog.quote_ident(e.key),
                                   tandem._qualified(legacy_rel), case option_name when 'triggers' then 'trigger' else 'policy' end, tandem._qualified(legacy_rel))
          from pg_catalog.jsonb_object_keys(coalesce(options->option_name, '{}')) as e(key)
          where not exists (select from pg_catalog.pg_trigger t where option_name = 'triggers' and t.tgrelid = legacy_rel and t.tgname = e.key and not t.tgisinternal)
            and not exists (select from pg_catalog.pg_policy p where option_name = 'policies' and p.polrelid = legacy_rel and p.polname = e.key));
      end if;
    end loop;
    if coalesce(pg_catalog.jsonb_typeof(options->'volatile'), 'array') <> 'array'
       or exists (select from pg_catalog.jsonb_array_elements(coalesce(options->'volatile', '[]')) as v
                  where pg_catalog.jsonb_typeof(v) <> 'string' or not coalesce(forward, '{}') ? (v #>> '{}')) then
      problems := problems || pg_catalog.format('option volatile is %s. Fix: list the forward columns whose mapping is volatile by design, e.g. ["token"]; verification does not compare them.', options->'volatile');
    end if;
    if coalesce(pg_catalog.jsonb_typeof(options->'drops'), 'array') <> 'array'
       or exists (select from pg_catalog.jsonb_array_elements(coalesce(options->'drops', '[]')) as v
                  where pg_catalog.jsonb_typeof(v) <> 'string' or not coalesce(backward, '{}') ? (v #>> '{}')) then
      problems := problems || pg_catalog.format('option drops is %s. Fix: list the legacy columns (in backward) whose values may be lost on purpose when they are mapped forward and back, e.g. ["full_name"]; verification then counts those rows without failing, and contract goes ahead.', options->'drops');
    end if;
    if coalesce(pg_catalog.jsonb_typeof(options->'distinct'), 'boolean') <> 'boolean' then
      problems := problems || pg_catalog.format('option distinct is %s. Fix: use true (many legacy rows share one modern row: the modern table holds the distinct values of the key) or false.', options->'distinct');
    end if;
    if coalesce(options->>'on_modern_delete', 'delete') not in ('delete', 'nullify') then
      problems := problems || pg_catalog.format('option on_modern_delete is %s. Fix: use delete (delete the legacy row) or nullify (null its moved columns).', options->'on_modern_delete');
    end if;
    if coalesce(options->>'on_error', 'fail') not in ('fail', 'reject') then
      problems := problems || pg_catalog.format('option on_error is %s. Fix: use fail (the write fails) or reject (the write is kept and the row recorded in tandem.reject).', options->'on_error');
    end if;
  end if;
  if cardinality(problems) > 0 or legacy_rel is null or modern_rel is null then
    return;
  end if;
  key := coalesce(key, '{}');
  forward := coalesce(forward, '{}');
  declared_volatile := array(select pg_catalog.jsonb_array_elements_text(coalesce(options->'volatile', '[]')));

  lq := tandem._qualified(legacy_rel);
  mq := tandem._qualified(modern_rel);
  perform pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

  -- Key and forward expressions: modern columns computed from a legacy row.
  for col, expr in select k, v from pg_catalog.jsonb_each_text(key) as e(k, v)
                   union all select k, v from pg_catalog.jsonb_each_text(forward) as e(k, v) loop
    if tandem._column_type(modern_rel, col) is null then
      problems := problems || pg_catalog.format('modern table %s has no column %I (named in %s). Fix: name a column of %s.',
                                                 mq, col, case when key ? col then 'key' else 'forward' end, mq);
      continue;
    end if;
    if forward ? col and key ? col then
      problems := problems || pg_catalog.format('modern column %I is in both key and forward. Fix: keep it in key only.', col);
    end if;
    if (select attgenerated from pg_catalog.pg_attribute where attrelid = modern_rel and attname = col) <> '' then
      problems := problems || pg_catalog.format('modern column %s.%I is a generated column and cannot be written. Fix: leave it out of the bridge.', mq, col);
      continue;
    end if;
    select * into probed from tandem._probe_expression(expr, pg_catalog.format('only %s as l', lq), null, legacy_rel);
    if probed.problem is not null then
      problems := problems || pg_catalog.format(
        '%s expression for %s.%I, %L: %s. Fix: correct it; it is evaluated over a row of %s (its columns unqualified) with search_path pg_catalog, so schema-qualify your own functions and tables.',
        case when key ? col then 'key' else 'forward' end, mq, col, expr, probed.problem, lq);
      continue;
    end if;
    reads := pg_catalog.jsonb_set(reads, array[case when key ? col then 'key' else 'forward' end, col], pg_catalog.to_jsonb(probed.columns_read));
    virtual := tandem._reads_virtual(pg_catalog.format('%s expression for %s.%I, %L,', case when key ? col then 'key' else 'forward' end, mq, col, expr),
                                     legacy_rel, probed.columns_read);
    if virtual is not null then
      problems := problems || virtual;
      continue;
    end if;
    if cardinality(probed.volatile_functions) > 0 and not (forward ? col and col = any(declared_volatile) and not key ? col) then
      problems := problems || pg_catalog.format(
        '%s expression for %s.%I, %L, calls volatile %s: its value differs at each call, so both sides never compare equal. Fix: %s',
        case when key ? col then 'key' else 'forward' end, mq, col, expr, tandem._functions_phrase(probed.volatile_functions),
        case when key ? col then 'a key must be computed the same way every time; use a stable expression.'
             else pg_catalog.format('use a stable expression, or declare it with options => ''{"volatile": ["%s"]}'' (verification then does not compare it).', col) end);
      continue;
    end if;
    begin
      execute pg_catalog.format('explain (costs off) insert into %s (%I) select (%s) from only %s as l', mq, col, expr, lq);
    exception when others then
      problems := problems || pg_catalog.format(
        '%s expression for %s.%I, %L: %s (SQLSTATE %s). Fix: correct it; it is evaluated over a row of %s (its columns unqualified) with search_path pg_catalog, so schema-qualify your own functions and tables.',
        case when key ? col then 'key' else 'forward' end, mq, col, expr, sqlerrm, sqlstate, lq);
    end;
  end loop;

  -- A key expression that is a bare legacy column needs no backward twin spelled out.
  for col, expr in select k, v from pg_catalog.jsonb_each_text(key) as e(k, v) loop
    if tandem._column_type(legacy_rel, expr) is not null and not full_backward ? expr then
      full_backward := full_backward || pg_catalog.jsonb_build_object(expr, pg_catalog.quote_ident(col));
    end if;
  end loop;

  -- Backward expressions: legacy columns computed from a modern row (and the current legacy row).
  for col, expr in select k, v from pg_catalog.jsonb_each_text(full_backward) as e(k, v) loop
    if tandem._column_type(legacy_rel, col) is null then
      problems := problems || pg_catalog.format('legacy table %s has no column %I (named in backward). Fix: name a column of %s.', lq, col, lq);
      continue;
    end if;
    if (select attgenerated from pg_catalog.pg_attribute where attrelid = legacy_rel and attname = col) <> '' then
      problems := problems || pg_catalog.format(
        'legacy column %s.%I is a generated column and cannot be written. Fix: leave it out of backward: %s computes it (as %s), and so does its compatibility view after cutover.',
        lq, col, lq, tandem._generation_expression(legacy_rel, col));
      continue;
    end if;
    -- The current legacy row as typed nulls by name ((null::legacy table).* would count as reading
    -- every column of that table, the same as the modern one in a bridge of columns).
    select * into probed from tandem._probe_expression(expr, pg_catalog.format('only %s as m', mq),
      (select pg_catalog.format('(select %s) as legacy', pg_catalog.string_agg(pg_catalog.format('null::%s as %I', pg_catalog.format_type(a.atttypid, a.atttypmod), a.attname), ', ' order by a.attnum))
       from pg_catalog.pg_attribute a where a.attrelid = legacy_rel and a.attnum > 0 and not a.attisdropped),
      modern_rel);
    if probed.problem is null and cardinality(probed.volatile_functions) > 0 then
      probed.problem := pg_catalog.format('it calls volatile %s, so both sides never compare equal; use a stable expression',
                                          tandem._functions_phrase(probed.volatile_functions));
    end if;
    if probed.problem is not null then
      problems := problems || pg_catalog.format(
        'backward expression for %s.%I, %L: %s. Fix: correct it; it is evaluated over a row of %s (its columns unqualified; the current legacy row is "legacy") with search_path pg_catalog.',
        lq, col, expr, probed.problem, mq);
      continue;
    end if;
    reads := pg_catalog.jsonb_set(reads, array['backward', col], pg_catalog.to_jsonb(probed.columns_read));
    virtual := tandem._reads_virtual(pg_catalog.format('backward expression for %s.%I, %L,', lq, col, expr), modern_rel, probed.columns_read);
    if virtual is not null then
      problems := problems || virtual;
      continue;
    end if;
    begin
      execute pg_catalog.format(
        'explain (costs off) insert into %s (%I) select v.x from (select (null::%s).*) as legacy cross join lateral (select (%s) as x from only %s as m) as v',
        lq, col, lq, expr, mq);
    exception when others then
      problems := problems || pg_catalog.format(
        'backward expression for %s.%I, %L: %s (SQLSTATE %s). Fix: correct it; it is evaluated over a row of %s (its columns unqualified; the current legacy row is "legacy") with search_path pg_catalog.',
        lq, col, expr, sqlerrm, sqlstate, mq);
    end;
  end loop;

  -- Sync writes a column only when its value changed, and verification compares it: both need to
  -- tell whether two of its values are equal (tandem._compared_as).
  for probed in
    select s.side, s.rel, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) as type_name
    from (values ('modern', modern_rel, forward), ('legacy', legacy_rel, full_backward)) as s(side, rel, mapping)
    join pg_catalog.pg_attribute a on a.attrelid = s.rel and s.mapping ? a.attname
    where a.attnum > 0 and not a.attisdropped and tandem._compared_as(a.atttypid) is null
    order by s.side desc, a.attnum
  loop
    problems := problems || pg_catalog.format(
      '%s column %s.%I is of type %s, which has no equality operator and is not built in, so tandem cannot tell whether two of its values are equal. Fix: give the type a default btree or hash operator class (create operator class … default for type %s using btree …), or leave the column out of the bridge.',
      probed.side, tandem._qualified(probed.rel), probed.attname, probed.type_name, probed.type_name);
  end loop;

  if filter is not null then
    select * into probed from tandem._probe_expression(filter, pg_catalog.format('only %s as l', lq), null, legacy_rel);
    if probed.problem is null and cardinality(probed.volatile_functions) > 0 then
      probed.problem := pg_catalog.format('it calls volatile %s, so which rows have a twin would change at each look; use a stable expression',
                                          tandem._functions_phrase(probed.volatile_functions));
    end if;
    virtual := case when probed.problem is null then tandem._reads_virtual(pg_catalog.format('filter %L', filter), legacy_rel, probed.columns_read) end;
    if probed.problem is not null then
      problems := problems || pg_catalog.format('filter %L: %s. Fix: write a boolean expression over a row of %s (its columns unqualified).', filter, probed.problem, lq);
    elsif virtual is not null then
      problems := problems || virtual;
    else
      reads := pg_catalog.jsonb_set(reads, '{filter}', pg_catalog.to_jsonb(probed.columns_read));
      begin
        execute pg_catalog.format('explain (costs off) select from only %s as l where (%s)', lq, filter);
      exception when others then
        problems := problems || pg_catalog.format(
          'filter %L: %s (SQLSTATE %s). Fix: write a boolean expression over a row of %s (its columns unqualified).', filter, sqlerrm, sqlstate, lq);
      end;
    end if;
  end if;

  -- What the shape requires, and the keys it resolves.
  candidate.kind := tandem._bridge_kind(legacy_rel, modern_rel, options);
  candidate.legacy := legacy_rel;
  candidate.modern := modern_rel;
  candidate.key := key;
  candidate.forward := forward;
  candidate.backward := full_backward;
  candidate.filter := filter;
  candidate.options := coalesce(options, '{}');
  shaped := tandem._shape('validate', candidate, pg_catalog.jsonb_build_object('reads', reads));
  problems := problems || array(select pg_catalog.jsonb_array_elements_text(coalesce(shaped->'problems', '[]')));
  legacy_key := array(select pg_catalog.jsonb_array_elements_text(coalesce(nullif(shaped->'legacy_key', 'null'), '[]')));
  modern_key := array(select pg_catalog.jsonb_array_elements_text(coalesce(nullif(shaped->'modern_key', 'null'), '[]')));
  if shaped->'legacy_key' = 'null' then
    legacy_key := null;
  end if;
  perform pg_catalog.set_config('search_path', saved_path, true);
end
$$;
comment on function tandem._check_bridge(text, text, jsonb, jsonb, jsonb, text, jsonb) is
  'Every problem with a bridge definition (each naming the object and the fix), and the keys it resolves to.';

/*
 * Bridges of two live migrations must not write the same column: the legacy columns a bridge moves
 * (backward, but its legacy key) or the modern columns it computes (forward). Each would overwrite the
 * other, and contracting one would drop a column the other still writes. (The bridges of one migration
 * are designed together, as a lookup table's and its rows' bridges both write the lookup value, and
 * are contracted together.)
 */
create or replace function tandem._overlaps(migration text, name text, legacy regclass, modern regclass, moved text[], computed text[]) returns text[]
  language sql
  stable
as $$
  select coalesce(pg_catalog.array_agg(pg_catalog.format(
           '%s.%I is written by bridge %s.%s too (%s). Fix: map each column in one bridge only, or contract %s first.',
           tandem._qualified(o.rel), o.col, o.migration, o.name, o.why, o.migration) order by o.migration, o.name, o.col), '{}')
  from (
    select b.migration, b.name, b.legacy as rel, c as col, 'its backward mapping' as why
    from tandem.bridge b join tandem.migration m on m.name = b.migration
    cross join lateral pg_catalog.jsonb_object_keys(b.backward) as c
    where m.phase <> 'contracted' and b.migration <> _overlaps.migration
      and c <> all(b.legacy_key) and ((b.legacy = _overlaps.legacy and c = any(moved)) or (b.legacy = _overlaps.modern and c = any(computed)))
    union all
    select b.migration, b.name, b.modern, c, 'its forward mapping'
    from tandem.bridge b join tandem.migration m on m.name = b.migration
    cross join lateral pg_catalog.jsonb_object_keys(b.forward) as c
    where m.phase <> 'contracted' and b.migration <> _overlaps.migration
      and ((b.modern = _overlaps.modern and c = any(computed)) or (b.modern = _overlaps.legacy and c = any(moved)))
  ) as o
$$;
comment on function tandem._overlaps(text, text, regclass, regclass, text[], text[]) is
  'The columns another live bridge writes too: each a problem naming it and the fix.';

create or replace function tandem.bridge(
  migration text,
  name text,
  legacy text,
  modern text,
  key jsonb default '{}'::jsonb,
  forward jsonb default '{}'::jsonb,
  backward jsonb default '{}'::jsonb,
  filter text default null,
  options jsonb default '{}'::jsonb
) returns void
  language plpgsql
  volatile
as $$
#variable_conflict use_column
declare
  started timestamptz := pg_catalog.clock_timestamp();
  target tandem.migration;
  checked record;
  existing tandem.bridge;
  hash text;
  saved_id int;
begin
  if bridge.name is null or bridge.name !~ '^[a-z][a-z0-9_]{0,39}$' then
    raise exception 'invalid bridge name %', pg_catalog.quote_nullable(bridge.name)
      using errcode = 'TD007',
            hint = 'A bridge name is lowercase letters, digits and underscores, starting with a letter, at most 40 characters.';
  end if;
  perform tandem._lock(bridge.migration);
  target := tandem._migration(bridge.migration);
  select * into checked
  from tandem._check_bridge(bridge.legacy, bridge.modern, bridge.key, bridge.forward, bridge.backward, bridge.filter, bridge.options);
  if cardinality(checked.problems) = 0 then
    checked.problems := tandem._overlaps(bridge.migration, bridge.name, checked.legacy_rel, checked.modern_rel,
                                         array(select k from pg_catalog.jsonb_object_keys(checked.full_backward) as k
                                               where k <> all(coalesce(checked.legacy_key, '{}'))),
                                         array(select pg_catalog.jsonb_object_keys(coalesce(bridge.forward, '{}'))));
  end if;
  if cardinality(checked.problems) > 0 then
    raise exception 'bridge %.% is not valid: % problem%', bridge.migration, bridge.name,
        cardinality(checked.problems), case when cardinality(checked.problems) = 1 then '' else 's' end
      using errcode = 'TD003',
            detail = pg_catalog.array_to_string(checked.problems, E'\n'),
            hint = 'Correct the definition and call tandem.bridge again; nothing was changed.';
  end if;
  hash := pg_catalog.md5(pg_catalog.jsonb_build_object(
    'legacy', checked.legacy_rel::oid, 'modern', checked.modern_rel::oid, 'key', coalesce(bridge.key, '{}'),
    'forward', coalesce(bridge.forward, '{}'), 'backward', checked.full_backward, 'filter', bridge.filter,
    'options', coalesce(bridge.options, '{}'))::text);
  select * into existing from tandem.bridge b where b.migration = bridge.migration and b.name = bridge.name;
  if found and existing.definition_hash = hash then
    return; -- unchanged: nothing to do
  end if;
  if target.phase in ('cut_over', 'contracted') then
    perform tandem._wrong_phase(target, 'redefine a bridge of',
      'A bridge cannot change after cutover. Roll back first: select tandem.rollback(''' || target.name || ''');');
  end if;
  insert into tandem.bridge as b (migration, name, kind, legacy, modern, key, forward, backward, filter, options,
                                  legacy_key, modern_key, definition_hash)
  values (bridge.migration, bridge.name, tandem._bridge_kind(checked.legacy_rel, checked.modern_rel, bridge.options),
          checked.legacy_rel, checked.modern_rel, coalesce(bridge.key, '{}'),
          coalesce(bridge.forward, '{}'), checked.full_backward, bridge.filter, coalesce(bridge.options, '{}'),
          checked.legacy_key, checked.modern_key, hash)
  on conflict (migration, name) do update
    set kind = excluded.kind, legacy = excluded.legacy, modern = excluded.modern, key = excluded.key, forward = excluded.forward,
        backward = excluded.backward, filter = excluded.filter, options = excluded.options,
        legacy_key = excluded.legacy_key, modern_key = excluded.modern_key, definition_hash = excluded.definition_hash
  returning b.id into saved_id;
  if target.phase <> 'planned' then
    -- A changed mapping changes what sync writes and invalidates what was copied and verified.
    perform tandem._generate(target.name);
    delete from tandem.backfill_state where bridge_id = saved_id;
    if target.phase in ('backfilled', 'verified') then
      perform tandem._set_phase(target.name, 'expanded');
    end if;
  end if;
  -- What its cutover will refuse or carry to the modern table, said now.
  perform tandem._announce_dependents((select x from tandem.bridge x where x.id = saved_id));
  perform tandem.log_event(case when existing.id is null then 'bridge' else 'bridge_changed' end, bridge.migration, started,
                           pg_catalog.jsonb_build_object('bridge', bridge.name, 'legacy', checked.legacy_rel::text, 'modern', checked.modern_rel::text));
end
$$;
comment on function tandem.bridge(text, text, text, text, jsonb, jsonb, jsonb, text, jsonb) is
  'Declares or redefines a bridge between a legacy and a modern table; validated completely (TD003 lists every problem) before anything changes. Idempotent.';

create or replace function tandem.add_check(migration text, name text, sql text) returns void
  language plpgsql
  volatile
as $$
#variable_conflict use_column
declare
  probe_cursor refcursor;
begin
  if add_check.name is null or add_check.name !~ '^[a-z][a-z0-9_]{0,39}$' then
    raise exception 'invalid check name %', pg_catalog.quote_nullable(add_check.name)
      using errcode = 'TD007', hint = 'A check name is lowercase letters, digits and underscores, starting with a letter.';
  end if;
  perform tandem._lock(add_check.migration);
  perform tandem._migration(add_check.migration);
  begin
    -- A cursor opens on exactly one statement (and runs nothing until fetched): the check cannot end
    -- the statement verification puts it in and run another.
    open probe_cursor no scroll for execute pg_catalog.format('select count(*) from (%s) as offending', add_check.sql);
    close probe_cursor;
    execute pg_catalog.format('explain (costs off) select * from (%s) as offending', add_check.sql);
  exception when others then
    raise exception 'check %.% is not a valid query: %', add_check.migration, add_check.name, sqlerrm
      using errcode = 'TD003', detail = add_check.sql,
            hint = 'Write a query that returns the offending rows (none when the check passes).';
  end;
  insert into tandem."check" (migration, name, sql) values (add_check.migration, add_check.name, add_check.sql)
  on conflict (migration, name) do update set sql = excluded.sql where "check".sql is distinct from excluded.sql;
  if found then
    perform tandem.log_event('add_check', add_check.migration, detail => pg_catalog.jsonb_build_object('check', add_check.name));
  end if;
end
$$;
comment on function tandem.add_check(text, text, text) is
  'Adds or replaces a custom verification: a query returning the offending rows (e.g. orphans). verify_migration runs it.';
--! EndIncluded tandem/30-define.sql
--! Included tandem/40-sync.sql
/*
 * The sync machinery a bridge generates (by tandem.expand, again whenever its definition changes, and
 * by the install of another release): trigger functions in schema tandem_sync, static SQL with plans
 * cached, and the triggers that call them. What each shape generates is in its module
 * (shapes/<shape>.sql, stage `sync`); this file holds what they share:
 *
 *   - the frame of every generated function (_sync_function): the recursion guard, security definer
 *     with a pinned search_path, a comment naming the bridge and the release that generated it;
 *   - the error policy (_on_error, _reject_insert): with on_error = reject a failed change keeps the
 *     write and records the row in tandem.reject;
 *   - the one statement that writes modern twins (_modern_upsert), and the statement-level function
 *     for legacy inserts and deletes (_forward_set_function);
 *   - triggers (_trigger) and their names, which sort in the order writes must propagate in.
 *
 * Each change is propagated in the same transaction as the write that caused it, so both sides
 * change or neither does. Expressions see the row being written as a one-row relation,
 * `(select new.*) as l` (legacy) or `as m` (modern), so users write bare column names. A transaction-
 * local setting per bridge (tandem.guard_<id>) is on while a bridge writes, so the write it causes on
 * the other side does not come back; other bridges and unrelated triggers still fire. Any role can set
 * such a setting, so a trigger honours it only for a role that may administer migrations (a member of
 * the owner of schema tandem, as the sync functions and the backfill run): an application role that
 * sets it does not switch sync off. The triggers' WHEN conditions decide, evaluated as the writer.
 *
 * The functions are security definer (owned by whoever ran expand) with a pinned search_path: an
 * application role that may write the legacy table needs no grant on the modern one.
 */

create or replace function tandem._sync_name(migration text, bridge text, source regclass, target regclass) returns text
  language sql
  stable
  set search_path = pg_catalog, pg_temp
as $$
  select case
    when length(long) <= 63 then long
    when length(short) <= 63 then short
    else left(short, 54) || '_' || left(md5(long), 8)
  end
  from (select format('%s__%s__%s_to_%s', migration, bridge, s.relname, t.relname) as long,
               format('%s__%s__to_%s', migration, bridge, t.relname) as short
        from pg_class s, pg_class t where s.oid = source and t.oid = target) as names
$$;
comment on function tandem._sync_name(text, text, regclass, regclass) is
  'The name of a generated sync function: migration, bridge, and the direction it syncs in.';

create or replace function tandem._trigger_name(ordinal int, b tandem.bridge, suffix text) returns text
  language sql
  immutable
as $$
  select left(pg_catalog.format('tandem_%s_%s_%s', pg_catalog.lpad(ordinal::text, 3, '0'), b.migration, b.name), 63 - length(suffix) - 1)
         || '_' || suffix
$$;
comment on function tandem._trigger_name(int, tandem.bridge, text) is
  'Trigger names sort in the order writes must propagate in: PostgreSQL fires a table''s triggers in name order.';

/* Comma-separated pieces, one per element: format(template, element, ordinality). */
create or replace function tandem._each(elements text[], template text, separator text default ', ') returns text
  language sql
  immutable
as $$
  select coalesce(pg_catalog.string_agg(pg_catalog.format(template, e, i), separator order by i), '')
  from pg_catalog.unnest(elements) with ordinality as u(e, i)
$$;
comment on function tandem._each(text[], text, text) is 'One formatted piece per element, joined: format(template, element, ordinality).';

/* A bridge's forward columns, in order, and their expressions; the modern key's expressions. */
create or replace function tandem._forward_columns(b tandem.bridge) returns text[]
  language sql
  immutable
as $$
  select array(select k from pg_catalog.jsonb_object_keys(b.forward) as k order by k)
$$;

create or replace function tandem._exprs(mapping jsonb, columns text[]) returns text[]
  language sql
  immutable
as $$
  select array(select mapping->>c from pg_catalog.unnest(columns) with ordinality as u(c, i) order by i)
$$;
comment on function tandem._exprs(jsonb, text[]) is 'The expressions a mapping (key, forward or backward) gives the columns named, in their order.';

/*
 * Every comparison generated code makes of column values (IS DISTINCT FROM, to skip a write that
 * changes nothing, to tell which side of a row changed, to verify) goes through _as_compared: a value
 * of a column whose type has an equality is compared as itself (or as the type whose equality it
 * uses: varchar as text); any other (json, xml, point and the other geometric types, arrays, domains
 * and composite types of them) through its text form. Either way the value is cast to the column's
 * type first, so that both sides are compared alike (tandem._compared_as decides). Keys are compared
 * through it too, though they always have an equality (they are a unique index's columns).
 *
 * Text forms of float-based values (point, box, …) depend on extra_float_digits: below 1 they are
 * rounded, and two different values could print alike. The functions that compare text forms pin it
 * (the generated functions of a bridge that has such columns, backfill and verification).
 */
create or replace function tandem._as_compared(rel regclass, col text, piece text) returns text
  language sql
  stable
  set search_path = pg_catalog, pg_temp
as $$
  select case when tandem._compared_as(a.atttypid) = a.atttypid then piece
              -- the type whose equality it uses: what `=` would resolve to
              when tandem._has_equality(a.atttypid) then pg_catalog.format('(%s)::%s', piece, pg_catalog.format_type(tandem._compared_as(a.atttypid), null))
              -- its text form, as a value of the column (a mapping may compute another type); also the
              -- fallback for a type tandem.bridge refused, should a column's type have changed since
              else pg_catalog.format('((%s)::%s)::text', piece, pg_catalog.format_type(a.atttypid, a.atttypmod)) end
  from pg_catalog.pg_attribute a
  where a.attrelid = rel and a.attname = col and a.attnum > 0 and not a.attisdropped
$$;
comment on function tandem._as_compared(regclass, text, text) is
  'A value of a column (an SQL expression) as generated code compares it: itself (or cast to the type whose equality it uses), or its text form when the column''s type has no equality.';

/* _each for comparisons: one piece per column, format(template, column, ordinality), each as _as_compared makes it. */
create or replace function tandem._compared(rel regclass, columns text[], template text) returns text
  language sql
  stable
as $$
  select coalesce(pg_catalog.string_agg(tandem._as_compared(rel, c, pg_catalog.format(template, c, i)), ', ' order by i), '')
  from pg_catalog.unnest(columns) with ordinality as u(c, i)
$$;
comment on function tandem._compared(regclass, text[], text) is
  'One piece per column, format(template, column, ordinality), each as comparisons see a value of the column (_as_compared), joined.';

/* Expressions computing values of the columns named (a mapping's), each as _as_compared makes it. */
create or replace function tandem._compared_exprs(rel regclass, columns text[], exprs text[]) returns text
  language sql
  stable
as $$
  select coalesce(pg_catalog.string_agg(tandem._as_compared(rel, c, '(' || exprs[i] || ')'), ', ' order by i), '')
  from pg_catalog.unnest(columns) with ordinality as u(c, i)
$$;
comment on function tandem._compared_exprs(regclass, text[], text[]) is
  'The expressions of a mapping, each as comparisons see a value of the column it computes (_as_compared), joined.';

/* Whether a bridge compares text forms (some column it writes has no equality): its functions then pin extra_float_digits. */
create or replace function tandem._compares_text(b tandem.bridge) returns boolean
  language sql
  stable
as $$
  select exists (
    select from pg_catalog.pg_attribute a
    where ((a.attrelid = b.modern and b.forward ? a.attname)
           or (a.attrelid = b.legacy and b.backward ? a.attname and a.attname <> all(coalesce(b.legacy_key, '{}'))))
      and a.attnum > 0 and not a.attisdropped and not tandem._has_equality(a.atttypid))
$$;
comment on function tandem._compares_text(tandem.bridge) is
  'Whether a bridge compares some column by its text form (a type without equality): its generated functions then pin extra_float_digits.';

/*
 * The ON CONFLICT clause every write of modern twins uses: only the mapped columns, and only where
 * they differ (an equal row gets no new version).
 */
create or replace function tandem._upsert_conflict(rel regclass, columns text[]) returns text
  language sql
  stable
as $$
  select case when cardinality(columns) = 0 then 'do nothing'
    else pg_catalog.format('do update set (%s) = row(%s) where (%s) is distinct from (%s)',
           tandem._each(columns, '%I'), tandem._each(columns, 'excluded.%I'),
           tandem._compared(rel, columns, 'modern.%I'), tandem._compared(rel, columns, 'excluded.%I')) end
$$;

/*
 * The statement that writes the modern twins of the legacy rows in `source` (a relation or a one-row
 * subquery, read as `l`): key and forward expressions, the filter, and the upsert. A source that may
 * hold one value many times (a distinct bridge's legacy rows) is reduced to one row per key first, since
 * an upsert may not touch a row twice. `source` is put in after format(), as expressions may hold a %.
 */
create or replace function tandem._modern_upsert(b tandem.bridge, source text, one_per_key boolean default false, on_conflict text default null) returns text
  language sql
  stable
as $$
  select pg_catalog.replace(pg_catalog.format(
    'insert into %s as modern (%s) select %s %s from tandem_source_placeholder as l where (%s) on conflict (%s) %s',
    tandem._qualified(b.modern), tandem._each(b.modern_key || tandem._forward_columns(b), '%I'),
    case when one_per_key then 'distinct on (' || tandem._each(tandem._exprs(b.key, b.modern_key), '(%s)') || ')' else '' end,
    tandem._each(tandem._exprs(b.key, b.modern_key) || tandem._exprs(b.forward, tandem._forward_columns(b)), '(%s)'),
    coalesce(b.filter, 'true'), tandem._each(b.modern_key, '%I'), coalesce(on_conflict, tandem._upsert_conflict(b.modern, tandem._forward_columns(b)))),
    'tandem_source_placeholder', source)
$$;
comment on function tandem._modern_upsert(tandem.bridge, text, boolean, text) is
  'The INSERT … ON CONFLICT that writes the modern twins of the legacy rows of a source: by sync, backfill and compatibility views.';

/* The row a failed change is recorded with, in tandem.reject: the bridge, direction, key, error and row. */
create or replace function tandem._reject_insert(b tandem.bridge, direction text, row_var text, key_columns text[]) returns text
  language sql
  stable
as $$
  select pg_catalog.format(
    'insert into tandem.reject (bridge_id, direction, key, sqlstate, error, row_data) values (%s, %s, pg_catalog.jsonb_build_object(%s), sqlstate, sqlerrm, pg_catalog.to_jsonb(%s));',
    b.id, direction, tandem._each(key_columns, '%1$L, ' || row_var || '.%1$I'), row_var)
$$;
comment on function tandem._reject_insert(tandem.bridge, text, text, text[]) is
  'The INSERT into tandem.reject that records a row whose mapping failed; direction is an SQL expression.';

/*
 * The error policy around a change: with on_error = reject the change runs in a subtransaction; if it
 * fails, the write on this side is kept and the row recorded (verification reports it). `before` runs
 * in the handler first (to pick the row to record).
 */
create or replace function tandem._on_error(b tandem.bridge, body text, direction text, row_var text, key_columns text[], before text default '') returns text
  language sql
  stable
as $$
  select case when coalesce(b.options->>'on_error', 'fail') = 'reject'
    then pg_catalog.format(E'begin%s\n  exception when others then\n    %s\n    %s\n  end;', body, before,
                           tandem._reject_insert(b, direction, row_var, key_columns))
    else body end
$$;

/*
 * The frame every generated trigger function shares. `timing`:
 *   after   – the guard is on while the body writes the other side, so that write does not come back
 *             (its triggers' WHEN conditions, _unguarded, skip it). Security definer.
 *   before  – one table's two sides set in the row being written. Security definer.
 *   instead – a compatibility view's writes, as the caller (the view is security_invoker).
 * Whether a write was made by the bridge itself is decided by the WHEN condition of the trigger that
 * calls the function, evaluated as the writer (inside the function every caller is its owner).
 */
create or replace function tandem._sync_function(
  b tandem.bridge, fname text, timing text, declarations text, body text, description text
) returns text
  language sql
  stable
as $$
  select pg_catalog.format($fn$
create or replace function tandem_sync.%1$I() returns trigger
  language plpgsql
  volatile
  %2$s
  set search_path = pg_catalog, pg_temp%8$s
as $sync$
declare
  %3$s
begin
  %4$s
  %5$s
  %6$s
end
$sync$;
comment on function tandem_sync.%1$I() is %7$L;
$fn$,
    fname,
    case when timing = 'instead' then '' else 'security definer' end,
    declarations,
    case timing
      when 'after' then pg_catalog.format('perform pg_catalog.set_config(%L, ''on'', true);', 'tandem.guard_' || b.id)
      else '' end,
    body,
    case timing
      when 'after' then pg_catalog.format($g$perform pg_catalog.set_config(%L, '', true);
  return null;$g$, 'tandem.guard_' || b.id)
      when 'before' then 'return new;'
      else '' end,
    pg_catalog.format('%s Bridge %s.%s. Generated by tandem %s; do not edit.', description, b.migration, b.name, tandem.version()),
    -- Text forms it compares print floats exactly (see _as_compared).
    case when timing <> 'instead' and tandem._compares_text(b) then E'\n  set extra_float_digits = 3' else '' end)
$$;
comment on function tandem._sync_function(tandem.bridge, text, text, text, text, text) is
  'The CREATE FUNCTION of a generated trigger function: guard, security, search_path, and a comment naming the bridge and the release.';

/* DROP TRIGGER IF EXISTS and CREATE TRIGGER: `spec` is what follows the name (timing, events, table, level, condition). */
create or replace function tandem._trigger(name text, rel regclass, spec text, fname text) returns text[]
  language sql
  stable
as $$
  select array[pg_catalog.format('drop trigger if exists %I on %s', name, tandem._qualified(rel)),
               pg_catalog.format('create trigger %I %s execute function tandem_sync.%I()',
                                 name, pg_catalog.replace(spec, 'tandem_table_placeholder', tandem._qualified(rel)), fname)]
$$;

/* The WHEN condition that keeps rows written by a bridge from even calling its functions. */
create or replace function tandem._unguarded(b tandem.bridge) returns text
  language sql
  stable
as $$
  select pg_catalog.format('pg_catalog.current_setting(%L, true) is distinct from %L or not pg_catalog.pg_has_role(%s::oid, %L)',
                           'tandem.guard_' || b.id, 'on',
                           (select n.nspowner from pg_catalog.pg_namespace n where n.nspname = 'tandem'), 'MEMBER')
$$;

/*
 * Which columns an INSERT left out. A trigger sees only the row, so it cannot tell a value a writer
 * gave (NULL included) from a column's default. A bridge of columns therefore wraps the default of
 * each column it maps, for as long as its sync code is live: the default becomes
 * tandem.unwritten(flag, original default), which PostgreSQL evaluates only for a column the writer
 * left out (or set to DEFAULT), just before the row's BEFORE triggers fire, and which raises a
 * transaction-local flag for the column. The sync trigger reads and lowers the flags of the row it is
 * given: rows are built and triggered one at a time, also in multi-row VALUES, INSERT … SELECT and COPY.
 * The original default is kept in tandem.wrapped_default and put back when the sync code is dropped.
 * (Not named tandem._…: column defaults depend on it, so installs must replace it, never drop it.)
 */
create or replace function tandem.unwritten(flag text, value anyelement) returns anyelement
  language plpgsql
  volatile
  parallel restricted
as $$
begin
  perform pg_catalog.set_config(flag, 'on', true);
  return value;
end
$$;
comment on function tandem.unwritten(text, anyelement) is
  'The default of a column a bridge of columns maps: the original default, and a flag telling the sync trigger that the writer left the column out.';

/* The flag of a column: a transaction-local setting named after the column. */
create or replace function tandem._unwritten_flag(rel regclass, col text) returns text
  language sql
  stable
as $$
  select pg_catalog.format('tandem.unwritten_%s_%s', rel::oid, a.attnum)
  from pg_catalog.pg_attribute a where a.attrelid = rel and a.attname = col and a.attnum > 0 and not a.attisdropped
$$;

/* Wraps a column's default in tandem.unwritten (once), keeping the original. Run through _ddl. */
create or replace function tandem._wrap_default(migration text, rel regclass, col text) returns void
  language plpgsql
  volatile
as $$
declare
  att record;
begin
  select a.atttypid, a.atttypmod, pg_catalog.pg_get_expr(d.adbin, d.adrelid) as expr,
         exists (select from pg_catalog.pg_depend dep
                 where dep.classid = 'pg_catalog.pg_attrdef'::regclass and dep.objid = d.oid
                   and dep.refclassid = 'pg_catalog.pg_proc'::regclass
                   and dep.refobjid = 'tandem.unwritten(text, anyelement)'::regprocedure) as wrapped
    into att
  from pg_catalog.pg_attribute a
  left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
  where a.attrelid = rel and a.attname = col and a.attnum > 0 and not a.attisdropped;
  if att.wrapped then
    update tandem.wrapped_default w set migration = _wrap_default.migration where w.relation = rel and w.column_name = col;
    if found then
      return;
    end if;
    raise exception 'the default of %.% is wrapped by tandem, and the original is not recorded', tandem._qualified(rel), col
      using errcode = 'TD003', hint = 'Set the column''s default again (alter table … alter column … set default …), then expand again.';
  end if;
  insert into tandem.wrapped_default (migration, relation, column_name, original)
  values (_wrap_default.migration, rel, col, att.expr)
  on conflict (relation, column_name) do update set migration = excluded.migration, original = excluded.original;
  execute pg_catalog.format('alter table %s alter column %I set default tandem.unwritten(%L, cast(%s as %s))',
                            tandem._qualified(rel), col, tandem._unwritten_flag(rel, col), coalesce(att.expr, 'null'),
                            pg_catalog.format_type(att.atttypid, att.atttypmod));
end
$$;
comment on function tandem._wrap_default(text, regclass, text) is
  'Wraps the default of a column a bridge of columns maps in tandem.unwritten, recording the original.';

/* Puts back the original defaults of a migration's columns that `keep` (pairs [relation oid, column]) does not name. */
create or replace function tandem._unwrap_defaults(migration text, keep jsonb default '[]'::jsonb) returns void
  language plpgsql
  volatile
as $$
declare
  w record;
begin
  for w in select * from tandem.wrapped_default d
           where d.migration = _unwrap_defaults.migration
             and not keep @> pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_array(d.relation::oid, d.column_name))
           order by d.relation, d.column_name loop
    if exists (select from pg_catalog.pg_attribute a where a.attrelid = w.relation and a.attname = w.column_name and a.attnum > 0 and not a.attisdropped) then
      perform tandem._ddl(array[pg_catalog.format('alter table %s alter column %I %s', tandem._qualified(w.relation), w.column_name,
                                                  case when w.original is null then 'drop default' else 'set default ' || w.original end)]);
    end if;
    delete from tandem.wrapped_default d where d.relation = w.relation and d.column_name = w.column_name;
  end loop;
end
$$;
comment on function tandem._unwrap_defaults(text, jsonb) is
  'Puts back the defaults tandem._wrap_default wrapped for a migration, except those of the columns named.';

/*
 * A writer in a REPEATABLE READ or SERIALIZABLE transaction sees the modern table as it was when its
 * snapshot was taken: twins the backfill copied since are invisible to it, so deleting (or moving) them
 * would silently do nothing and leave them behind. Before such a change, the twins of the rows in
 * `source` are written in a subtransaction that is always undone: PostgreSQL raises a serialization
 * failure (40001) when one conflicts with a row the snapshot cannot see, and the writer retries in a
 * fresh snapshot. Any other outcome (no conflict, a visible twin, another error) changes nothing.
 * Under READ COMMITTED every statement sees the latest rows, and this costs nothing.
 */
create or replace function tandem._snapshot_probe(b tandem.bridge, source text) returns text
  language sql
  stable
as $$
  select pg_catalog.format($p$if pg_catalog.current_setting('transaction_isolation') <> 'read committed' then
      begin
        %s;
        raise exception using errcode = 'TDPRB';
      exception
        when serialization_failure then
          raise;
        when others then
          null; -- undone: only the check mattered
      end;
    end if;$p$, tandem._modern_upsert(b, source, true, 'do nothing'))
$$;
comment on function tandem._snapshot_probe(tandem.bridge, text) is
  'Raises 40001 when a twin of the rows in source was written after the snapshot of a REPEATABLE READ or SERIALIZABLE writer.';

/*
 * What a statement-level sync function does with one transition table (`inserted` or `deleted`):
 * `statement` reads its rows from tandem_rows_placeholder. With on_error = reject, a failing
 * statement is redone row by row, and the rows that still fail are kept in tandem.reject.
 */
create or replace function tandem._set_block(b tandem.bridge, statement text, transition text) returns text
  language sql
  stable
as $$
  select case when coalesce(b.options->>'on_error', 'fail') = 'reject'
    then pg_catalog.format($r$begin
      %1$s
    exception when others then
      -- Some row's mapping failed: row by row, keeping the failures and the write.
      for r in select * from %4$I loop
        begin
          %2$s
        exception when others then
          %3$s
        end;
      end loop;
    end;$r$,
      pg_catalog.replace(statement, 'tandem_rows_placeholder', transition),
      pg_catalog.replace(statement, 'tandem_rows_placeholder', '(select r.*)'),
      tandem._reject_insert(b, '''forward''', 'r', b.legacy_key), transition)
    else pg_catalog.replace(statement, 'tandem_rows_placeholder', transition) end
$$;

/*
 * Inserts and deletes on the legacy table sync once per statement, from the statement's transition
 * table: a multi-row INSERT … SELECT costs one more INSERT … SELECT, not one trigger call per row.
 * A delete looks its twins up by key in the modern key's index, never by a join with the modern
 * table: a join would be planned once, for the size of the first statement, and kept for all the
 * others (a plan made for a large delete would scan the whole modern table for each small one). With
 * a one-column key that is one `= any(array)` index scan, whatever the size; with a longer key, one
 * lookup per row.
 * Updates stay row by row: a transition table does not pair an old row with its new version, a key
 * change needs that pairing, and pairing two transition tables has the same planning trap.
 * `one_per_key`: legacy rows may share a modern row (see _modern_upsert); `deletes`: whether a legacy
 * delete deletes its twin.
 */
create or replace function tandem._forward_set_function(b tandem.bridge, one_per_key boolean, deletes boolean) returns text
  language plpgsql
  stable
as $$
declare
  mq text := tandem._qualified(b.modern);
  key_exprs text[] := tandem._exprs(b.key, b.modern_key);
  delete_rows text;
begin
  if not deletes then
    delete_rows := 'null; -- the modern row stays when legacy rows go';
  elsif cardinality(b.modern_key) = 1 then
    delete_rows := tandem._snapshot_probe(b, 'tandem_rows_placeholder') || E'\n    '
      || pg_catalog.format('delete from %s as modern where modern.%I = any (array(select (%s)::%s from tandem_rows_placeholder as l where (%s)));',
      mq, b.modern_key[1], key_exprs[1], tandem._column_type(b.modern, b.modern_key[1]), coalesce(b.filter, 'true'));
  else
    delete_rows := tandem._snapshot_probe(b, 'tandem_rows_placeholder') || E'\n    '
      || pg_catalog.format('for gone in select %s from tandem_rows_placeholder as l where (%s) loop
      delete from %s as modern where (%s) = (%s);
    end loop;',
      tandem._each(key_exprs, '(%s) as k%2$s'), coalesce(b.filter, 'true'),
      mq, tandem._each(b.modern_key, 'modern.%I'), tandem._each(b.modern_key, 'gone.k%2$s'));
  end if;
  return tandem._sync_function(b, tandem._sync_name(b.migration, b.name || '_set', b.legacy, b.modern), 'after',
    pg_catalog.format('r %s; gone record;', tandem._qualified(b.legacy)),
    pg_catalog.format(E'if tg_op = \'INSERT\' then\n    %s\n  else\n    %s\n  end if;',
      tandem._set_block(b, tandem._modern_upsert(b, 'tandem_rows_placeholder', one_per_key) || ';', 'inserted'),
      tandem._set_block(b, delete_rows, 'deleted')),
    pg_catalog.format('Syncs inserts and deletes on %s to %s, a statement at a time.', tandem._qualified(b.legacy), mq));
end
$$;
comment on function tandem._forward_set_function(tandem.bridge, boolean, boolean) is
  'The statement-level function that syncs a legacy table''s inserts and deletes from their transition tables.';

/*
 * What the keyed shapes (table, distinct) put on the legacy table for its writes: the shape's row
 * function is tandem_sync.<m>__<b>__<legacy>_to_<modern>.
 *
 * A table: inserts (and deletes, when a legacy delete deletes the twin) a statement at a time
 * (_forward_set_function), updates a row at a time.
 *
 * A partitioned table: every write a row at a time. Its statement-level triggers fire only for
 * statements that name it, never for those that name one of its partitions, while its row-level
 * triggers are cloned to every partition, present and future. An update that moves a row to another
 * partition fires no update trigger at all: PostgreSQL deletes the row from its partition and inserts
 * it into the other (AFTER DELETE, then AFTER INSERT row triggers; the statement's only statement-
 * level triggers are UPDATE's). The shape's row function takes such a move as a delete and an insert:
 * the delete leaves the twin alone when a row of the table (the one moved, in place by then) still
 * has it, and the insert updates it, so what only the modern side holds stays. A move that changes the
 * twin's key cannot be followed that way (nothing pairs the two halves): _move_guard refuses it.
 */
create or replace function tandem._legacy_write_triggers(b tandem.bridge, one_per_key boolean, deletes boolean) returns text[]
  language sql
  stable
as $$
  select case when not tandem._partitioned(b.legacy) then
      array[tandem._forward_set_function(b, one_per_key, deletes)]
      || tandem._trigger(tandem._trigger_name(b.sync_order, b, 'insert'), b.legacy,
                         'after insert on tandem_table_placeholder referencing new table as inserted for each statement when (' || tandem._unguarded(b) || ')',
                         tandem._sync_name(b.migration, b.name || '_set', b.legacy, b.modern))
      || tandem._trigger(tandem._trigger_name(b.sync_order, b, 'update'), b.legacy,
                         'after update on tandem_table_placeholder for each row when (' || tandem._unguarded(b) || ')',
                         tandem._sync_name(b.migration, b.name, b.legacy, b.modern))
      || case when deletes then tandem._trigger(tandem._trigger_name(999 - b.sync_order, b, 'delete'), b.legacy,
                                                'after delete on tandem_table_placeholder referencing old table as deleted for each statement when (' || tandem._unguarded(b) || ')',
                                                tandem._sync_name(b.migration, b.name || '_set', b.legacy, b.modern))
              else '{}' end
    else
      tandem._trigger(tandem._trigger_name(b.sync_order, b, 'insert'), b.legacy,
                      'after insert on tandem_table_placeholder for each row when (' || tandem._unguarded(b) || ')',
                      tandem._sync_name(b.migration, b.name, b.legacy, b.modern))
      || tandem._trigger(tandem._trigger_name(b.sync_order, b, 'update'), b.legacy,
                         'after update on tandem_table_placeholder for each row when (' || tandem._unguarded(b) || ')',
                         tandem._sync_name(b.migration, b.name, b.legacy, b.modern))
      || case when deletes then tandem._trigger(tandem._trigger_name(999 - b.sync_order, b, 'delete'), b.legacy,
                                                'after delete on tandem_table_placeholder for each row when (' || tandem._unguarded(b) || ')',
                                                tandem._sync_name(b.migration, b.name, b.legacy, b.modern))
              else '{}' end
    end
$$;
comment on function tandem._legacy_write_triggers(tandem.bridge, boolean, boolean) is
  'The statements that sync a keyed bridge''s legacy writes: a statement at a time for inserts and deletes of a table, a row at a time for a partitioned table''s.';

/*
 * On a partitioned table, a row moved to another partition reaches the other side as a delete and an
 * insert (see _legacy_write_triggers), which cannot be paired: when the move also changes the key its
 * twin is found by (`key_exprs` over the row, as `alias`; values of `key_rel`'s `key_cols`), the twin
 * would be deleted and made again, losing what only the other side holds. Such an update is refused
 * (TD008) while the bridge is live. A BEFORE UPDATE trigger, called only when a partitioning column
 * changes; the row moves when it no longer satisfies its partition's constraint. Empty for a table
 * that is not partitioned.
 */
create or replace function tandem._move_guard(b tandem.bridge, rel regclass, alias text, key_rel regclass, key_cols text[], key_exprs text[]) returns text[]
  language sql
  stable
as $$
  select case when not tandem._partitioned(rel) then '{}'::text[] else
    array[tandem._sync_function(b, tandem._sync_name(b.migration, b.name || '_moves', rel, case when rel = b.legacy then b.modern else b.legacy end), 'before',
      (select pg_catalog.string_agg(pg_catalog.format('old_k%s %s; new_k%s %s;', i, tandem._column_type(key_rel, c), i, tandem._column_type(key_rel, c)), ' ' order by i)
       from pg_catalog.unnest(key_cols) with ordinality as u(c, i)) || ' stays boolean;',
      pg_catalog.format($body$select %1$s into %2$s from (select old.*) as %4$s;
  select %1$s into %3$s from (select new.*) as %4$s;
  if (%5$s) is distinct from (%6$s) then
    execute pg_catalog.format('select coalesce((%%s), true) from (select $1.*) as p', pg_catalog.pg_get_partition_constraintdef(tg_relid))
      into stays using new;
    if not stays then
      raise exception using errcode = 'TD008', message = %7$L || pg_catalog.quote_ident(tg_table_schema) || '.' || pg_catalog.quote_ident(tg_table_name) || %8$L,
            detail = %9$L, hint = %10$L;
    end if;
  end if;$body$,
        tandem._each(key_exprs, '(%s)'), tandem._each(key_cols, 'old_k%2$s'), tandem._each(key_cols, 'new_k%2$s'), alias,
        tandem._compared(key_rel, key_cols, 'old_k%2$s'), tandem._compared(key_rel, key_cols, 'new_k%2$s'),
        'an update that moves a row of ' || tandem._qualified(rel) || ' out of partition ',
        pg_catalog.format(' and changes the key of its twin is refused: bridge %s.%s cannot follow it', b.migration, b.name),
        pg_catalog.format('PostgreSQL moves the row as a delete and an insert, which cannot be paired: the twin in %s would be deleted and made again, losing what only it holds.',
                          tandem._qualified(case when rel = b.legacy then b.modern else b.legacy end)),
        pg_catalog.format('Change the key (%s) and the partition (%s) in two statements, or roll the migration back first: select tandem.rollback(%L);',
                          pg_catalog.array_to_string(key_exprs, ', '), pg_catalog.array_to_string(tandem._partition_key_columns(rel), ', '), b.migration)),
      pg_catalog.format('Refuses an update of %s that moves a row to another partition and changes the key of its twin.', tandem._qualified(rel)))]
    || tandem._trigger(tandem._trigger_name(b.sync_order, b, 'moves'), rel,
                       pg_catalog.format('before update on tandem_table_placeholder for each row when ((%s) and (%s) is distinct from (%s))',
                                         tandem._unguarded(b), tandem._compared(rel, tandem._partition_key_columns(rel), 'old.%I'),
                                         tandem._compared(rel, tandem._partition_key_columns(rel), 'new.%I')),
                       tandem._sync_name(b.migration, b.name || '_moves', rel, case when rel = b.legacy then b.modern else b.legacy end))
  end
$$;
comment on function tandem._move_guard(tandem.bridge, regclass, text, regclass, text[], text[]) is
  'On a partitioned table: the BEFORE UPDATE trigger that refuses (TD008) moving a row to another partition while changing the key of its twin.';

/*
 * TRUNCATE fires no row triggers, so a bridge cannot sync it: it is refused on both tables of a keyed
 * shape (table, distinct), and on each of their partitions, naming the bridge and what to do instead.
 * (A bridge of columns keeps both sides in one row: truncating its table loses nothing on either side.)
 */
create or replace function tandem._truncate_triggers(b tandem.bridge) returns text[]
  language sql
  stable
as $$
  select array[tandem._sync_function(b, tandem._sync_name(b.migration, b.name || '_truncate', b.legacy, b.modern), 'instead', '',
    pg_catalog.format($body$raise exception using errcode = 'TD008',
    message = 'TRUNCATE of ' || pg_catalog.quote_ident(tg_table_schema) || '.' || pg_catalog.quote_ident(tg_table_name) || %L,
    hint = %L;$body$,
      pg_catalog.format(' is refused: bridge %s.%s keeps %s and %s in sync, and a truncate would reach only one of them',
                        b.migration, b.name, tandem._qualified(b.legacy), tandem._qualified(b.modern)),
      pg_catalog.format('Delete the rows instead (the bridge syncs deletes), or roll the migration back first: select tandem.rollback(%L);', b.migration)),
    'Refuses TRUNCATE of a bridged table.')]
    -- Statement-level triggers are not cloned to partitions, and TRUNCATE may name one: each gets its own.
    || array(select st
             -- (pg_partition_tree lists nothing for a table that is not partitioned)
             from (select b.legacy::regclass as relid, 0 as level union select b.modern, 0
                   union select t.relid, t.level from pg_catalog.pg_partition_tree(b.legacy) as t
                   union select t.relid, t.level from pg_catalog.pg_partition_tree(b.modern) as t) as r
             cross join lateral pg_catalog.unnest(tandem._trigger(tandem._trigger_name(b.sync_order, b, 'truncate'), r.relid,
                                                                  'before truncate on tandem_table_placeholder for each statement',
                                                                  tandem._sync_name(b.migration, b.name || '_truncate', b.legacy, b.modern))) with ordinality as u(st, i)
             order by r.relid <> b.legacy, r.relid <> b.modern, r.level, r.relid, u.i)
$$;

/*
 * Parents before children: a bridge's position is one more than those whose modern tables its modern
 * table references by foreign key. Computed again whenever it matters (generating, backfilling), since
 * a migration may add foreign keys after expand (typically once the backfill filled their columns).
 */
create or replace function tandem._order_bridges(migration text) returns void
  language plpgsql
  volatile
as $$
declare
  n int;
begin
  select count(*) into n from tandem.bridge b where b.migration = _order_bridges.migration;
  for i in 1 .. n loop
    update tandem.bridge as b set sync_order = o.position
    from (select b2.id, coalesce((
            select max(r.sync_order) + 1
            from pg_catalog.pg_constraint c
            join tandem.bridge r on r.modern = c.confrelid and r.migration = b2.migration and r.id <> b2.id
            where c.conrelid = b2.modern and c.contype = 'f' and c.confrelid <> b2.modern), 0) as position
          from tandem.bridge b2 where b2.migration = _order_bridges.migration) as o
    where b.id = o.id and b.sync_order is distinct from o.position;
    exit when not found;
  end loop;
end
$$;
comment on function tandem._order_bridges(text) is
  'Sets each bridge''s sync order from the foreign keys between their modern tables: referenced tables first.';

/*
 * Generates (or regenerates) the sync machinery of every bridge of a migration, each by its shape's
 * `sync` stage, and drops what no bridge wants any more.
 */
create or replace function tandem._generate(migration text) returns void
  language plpgsql
  volatile
as $$
#variable_conflict use_column
declare
  b tandem.bridge;
  generated jsonb;
  statements text[] := '{}';
  wanted text[] := '{}';
  wrapped jsonb := '[]'::jsonb;
  existing record;
begin
  perform tandem._lock_relations(array(select legacy from tandem.bridge where migration = _generate.migration
                                       union select modern from tandem.bridge where migration = _generate.migration));
  perform tandem._order_bridges(_generate.migration);

  for b in select * from tandem.bridge where migration = _generate.migration order by sync_order, id loop
    generated := tandem._shape('sync', b);
    statements := statements || array(select pg_catalog.jsonb_array_elements_text(generated->'statements'));
    wanted := wanted || array(select pg_catalog.jsonb_array_elements_text(generated->'triggers'));
    wrapped := wrapped || coalesce(generated->'wrapped', '[]'::jsonb);
  end loop;
  -- A cut-over bridge's compatibility view writes through generated code too (unless it is a plain view).
  for b in select bb.* from tandem.bridge bb join tandem.cutover c on c.bridge_id = bb.id
           where bb.migration = _generate.migration and c.compat_triggers order by bb.sync_order, bb.id loop
    statements := statements || tandem._compat_function(b);
  end loop;
  -- Triggers of this migration that no bridge wants any more (a bridge renamed or reordered, or named
  -- by an earlier release of the library).
  for existing in
    select t.tgname, t.tgrelid::regclass as rel
    from pg_catalog.pg_trigger t
    join pg_catalog.pg_proc p on p.oid = t.tgfoid
    join pg_catalog.pg_namespace n on n.oid = p.pronamespace and n.nspname = 'tandem_sync'
    -- a partition's clone of a partitioned table's trigger goes with it
    where not t.tgisinternal and t.tgparentid = 0 and p.proname like _generate.migration || '\_\_%'
  loop
    if not existing.tgname = any(wanted) then
      statements := pg_catalog.format('drop trigger if exists %I on %s', existing.tgname, tandem._qualified(existing.rel)) || statements;
    end if;
  end loop;
  perform tandem._ddl(statements);
  -- Defaults no bridge of columns wraps any more.
  perform tandem._unwrap_defaults(_generate.migration, wrapped);
  -- Functions no trigger calls any more: what an earlier release or an earlier definition generated.
  perform tandem._ddl(array(
    select pg_catalog.format('drop function if exists tandem_sync.%I()', p.proname)
    from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace and n.nspname = 'tandem_sync'
    where p.proname like _generate.migration || '\_\_%'
      and not exists (select from pg_catalog.pg_trigger t where t.tgfoid = p.oid)));
  update tandem.bridge set generated_hash = definition_hash where migration = _generate.migration;
  -- How cutover would take each bridge, unless it is cut over already (its legacy table is the archive).
  update tandem.bridge b set expanded_as = tandem._shape_text('plan', b)
  where b.migration = _generate.migration and not exists (select from tandem.cutover c where c.bridge_id = b.id);
  update tandem.migration set generated_version = tandem.version() where name = _generate.migration;
end
$$;
comment on function tandem._generate(text) is 'Generates the sync functions and triggers of every bridge of a migration; drops obsolete ones.';

/* Drops every trigger and function generated for a migration. */
create or replace function tandem._drop_sync(migration text) returns void
  language plpgsql
  volatile
as $$
declare
  statements text[] := '{}';
  item record;
begin
  for item in
    select t.tgname, t.tgrelid
    from pg_catalog.pg_trigger t
    join pg_catalog.pg_proc p on p.oid = t.tgfoid
    join pg_catalog.pg_namespace n on n.oid = p.pronamespace and n.nspname = 'tandem_sync'
    -- a partition's clone of a partitioned table's trigger goes with it
    where not t.tgisinternal and t.tgparentid = 0 and p.proname like migration || '\_\_%'
  loop
    statements := statements || pg_catalog.format('drop trigger if exists %I on %s', item.tgname, tandem._qualified(item.tgrelid));
  end loop;
  for item in
    select p.proname from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'tandem_sync' and p.proname like migration || '\_\_%'
  loop
    statements := statements || pg_catalog.format('drop function if exists tandem_sync.%I()', item.proname);
  end loop;
  perform tandem._ddl(statements);
  perform tandem._unwrap_defaults(migration);
  update tandem.bridge set generated_hash = null where bridge.migration = _drop_sync.migration;
  update tandem.migration m set generated_version = null where m.name = _drop_sync.migration;
end
$$;
comment on function tandem._drop_sync(text) is 'Drops the sync triggers and functions generated for a migration.';

/*
 * The twins of the legacy rows that left while the migration was rolled back to planned (see the
 * shapes' stage tombstones), deleted once the sync code is live again, referencing tables first (the
 * reverse of the sync order), each bridge's guard on so that the deletes do not come back.
 */
create or replace function tandem._bury(migration text) returns void
  language plpgsql
  volatile
as $$
declare
  b tandem.bridge;
  bury text;
begin
  for b in select * from tandem.bridge where bridge.migration = _bury.migration
           and exists (select from tandem.tombstone t where t.bridge_id = bridge.id)
           order by sync_order desc, id desc loop
    bury := tandem._shape('tombstones', b)->>'bury';
    if bury is not null then
      perform pg_catalog.set_config('tandem.guard_' || b.id, 'on', true);
      execute bury;
      perform pg_catalog.set_config('tandem.guard_' || b.id, '', true);
    end if;
    delete from tandem.tombstone t where t.bridge_id = b.id;
  end loop;
end
$$;
comment on function tandem._bury(text) is
  'Deletes the modern twins of legacy rows that left while the migration was planned (tandem.tombstone), at expand.';

create or replace function tandem.expand(migration text) returns text
  language plpgsql
  volatile
as $$
#variable_conflict use_column
declare
  started timestamptz := pg_catalog.clock_timestamp();
  target tandem.migration;
  step record;
  bridges int;
begin
  perform tandem._lock(expand.migration);
  target := tandem._migration(expand.migration);
  select * into step from tandem._enter(target, 'expand');
  select count(*) into bridges from tandem.bridge where migration = expand.migration;
  if bridges = 0 then
    raise exception 'migration "%" has no bridges to expand', target.name
      using errcode = 'TD002',
            hint = pg_catalog.format('Declare one first: select tandem.bridge(migration => %L, name => …, legacy => …, modern => …, key => …);', target.name);
  end if;
  if step.outcome = 'stays' then
    if target.generated_version is distinct from tandem.version()
       or exists (select from tandem.bridge where migration = expand.migration and generated_hash is distinct from definition_hash) then
      perform tandem._generate(target.name);
      perform tandem._bury(target.name);
      return 'regenerated';
    end if;
    return step.message;
  end if;
  perform tandem._generate(target.name);
  perform tandem._bury(target.name);
  perform tandem._set_phase(target.name, step.next_phase::text);
  perform tandem.log_event('expand', target.name, started, pg_catalog.jsonb_build_object('bridges', bridges));
  return 'expanded';
end
$$;
comment on function tandem.expand(text) is
  'Creates the sync machinery of every bridge: from now on every write on either side reaches the other in the same transaction. Idempotent.';
--! EndIncluded tandem/40-sync.sql
--! Included tandem/50-backfill.sql
/*
 * Backfill: copies the legacy rows that existed before expand, in keyset batches (never OFFSET) in
 * legacy key order, one bridge after another in sync order.
 *
 * A batch locks its legacy rows FOR SHARE while it copies them: a concurrent writer of one of those
 * rows waits for the batch to commit (and then syncs its newer value itself), and the batch reads the
 * newest committed value of a row being written. So a batch never overwrites a newer value with an
 * older one. Rows already equal are not written (a second run changes nothing). A batch whose mapping
 * fails for some row is redone row by row: the failing rows go to tandem.reject with their error and
 * key, and the run goes on.
 *
 * tandem.backfill_batch does one batch in the caller's transaction and returns the progress: a script
 * calls it in a loop, committing and drawing progress in between. CALL tandem.backfill does the same
 * loop itself, committing between batches (so it must be called outside a transaction block).
 */

/* The cursor's values cast back to the legacy key's types: ($1->>0)::int, ($1->>1)::text, … */
create or replace function tandem._cursor_values(b tandem.bridge) returns text
  language sql
  stable
as $$
  select pg_catalog.string_agg(pg_catalog.format('($1->>%s)::%s', i - 1, tandem._column_type(b.legacy, k)), ', ' order by i)
  from pg_catalog.unnest(b.legacy_key) with ordinality as u(k, i)
$$;

/* Which legacy rows a batch reads: after the cursor ($1; null at the start), or the one row at it. */
create or replace function tandem._batch_range(b tandem.bridge, single_row boolean) returns text
  language sql
  stable
as $$
  select case
    when single_row then pg_catalog.format('(%s) = (%s)', tandem._each(b.legacy_key, 'l.%I'), tandem._cursor_values(b))
    else pg_catalog.format('($1 is null or (%s) > (%s))', tandem._each(b.legacy_key, 'l.%I'), tandem._cursor_values(b))
  end
$$;

/*
 * The statement that copies one keyset batch of legacy rows (or one row) to their modern twins: $1 the
 * cursor (a JSON array of the last legacy key copied; null at the start), $2 the batch size. Returns
 * the rows scanned and written and the last key. `one_per_key`: legacy rows may share a modern row.
 *
 * The keys are read first, without locks, and the cursor is the last of them: the rows are then
 * locked by where they are (their ctid: a direct fetch, where a join on the key could be planned as
 * a scan of the whole table), and a row a writer changed meanwhile no longer matches (it has moved;
 * its writer synced it). Locking while reading in key order instead would let a row's new key into
 * the batch and move the cursor past rows never copied. A partitioned table's ctids are not unique
 * across its partitions: there the rows are found again by key.
 */
create or replace function tandem._copy_statement(b tandem.bridge, single_row boolean, one_per_key boolean) returns text
  language sql
  stable
as $$
  select pg_catalog.format($q$
    with keys as materialized (
      select l.ctid as tandem_tid, %3$s from %1$s as l
      where %2$s
      order by %3$s
      limit $2
    ), batch as materialized (
      select l.* from %1$s as l
      where %5$s
      for share of l
    ), written as (
      %4$s
      returning 1
    )
    select (select count(*) from keys)::int as scanned,
           (select count(*) from written)::int as written,
           (select pg_catalog.jsonb_build_array(%3$s) from keys as l order by %3$s desc limit 1) as last_key$q$,
    tandem._qualified(b.legacy), tandem._batch_range(b, single_row), tandem._each(b.legacy_key, 'l.%I'),
    tandem._modern_upsert(b, 'batch', one_per_key),
    case when (select relkind from pg_catalog.pg_class where oid = b.legacy) = 'p'
      then pg_catalog.format('(%s) in (select %s from keys)', tandem._each(b.legacy_key, 'l.%I'), tandem._each(b.legacy_key, '%I'))
      else 'l.ctid = any (array(select tandem_tid from keys))' end)
$$;
comment on function tandem._copy_statement(tandem.bridge, boolean, boolean) is
  'The statement that copies one keyset batch (or one row) of a bridge''s legacy rows to the modern table.';

/*
 * One batch of one bridge from `cursor`. Returns the next cursor and the counts; records rejects
 * unless dry_run. The bridge's recursion guard is on while it writes, so the copies do not come back.
 */
create or replace function tandem._backfill_step(
  b tandem.bridge, cursor jsonb, batch_size int, dry_run boolean,
  out next_cursor jsonb, out scanned int, out written int, out rejected int
) language plpgsql
  volatile
  set extra_float_digits = 3 -- text forms compared print floats exactly (see tandem._as_compared)
as $$
declare
  guard text := 'tandem.guard_' || b.id;
  row_key jsonb;
  one record;
  attempt int := 1;
  failed boolean := false;
begin
  rejected := 0;
  perform pg_catalog.set_config(guard, 'on', true);
  -- A writer of the modern table locks its row, then (through sync) the legacy row; a batch locks the
  -- legacy rows, then writes the modern ones. The two can deadlock; PostgreSQL then cancels one of
  -- them, and a cancelled batch is simply tried again.
  loop
    begin
      execute tandem._shape_text('backfill', b, '{"single_row": false}') into scanned, written, next_cursor using cursor, batch_size;
      if dry_run then
        raise exception using errcode = 'TDDRY';
      end if;
      exit;
    exception
      when sqlstate 'TDDRY' then
        exit; -- counted, then rolled back
      when deadlock_detected or serialization_failure or lock_not_available then
        if attempt >= 10 then
          raise;
        end if;
        attempt := attempt + 1;
        perform pg_catalog.pg_sleep(0.02 * attempt);
      when others then
        failed := true;
        exit;
    end;
  end loop;
  if failed then
    -- Some row's mapping failed: redo the batch row by row, keeping the failures.
    scanned := 0;
    written := 0;
    for row_key in execute pg_catalog.format(
      'select pg_catalog.jsonb_build_array(%1$s) from %2$s as l where ($1 is null or (%1$s) > (%3$s)) order by %1$s limit $2',
      tandem._each(b.legacy_key, 'l.%I'), tandem._qualified(b.legacy), tandem._cursor_values(b))
      using cursor, batch_size
    loop
      scanned := scanned + 1;
      next_cursor := row_key;
      attempt := 1;
      loop
        begin
          execute tandem._shape_text('backfill', b, '{"single_row": true}') into one using row_key, 1;
          written := written + one.written;
          if dry_run then
            raise exception using errcode = 'TDDRY';
          end if;
          exit;
        exception
          when sqlstate 'TDDRY' then
            exit;
          when deadlock_detected or serialization_failure or lock_not_available then
            if attempt >= 10 then
              raise;
            end if;
            attempt := attempt + 1;
            perform pg_catalog.pg_sleep(0.02 * attempt);
          when others then
            rejected := rejected + 1;
            if not dry_run then
              insert into tandem.reject (bridge_id, direction, key, sqlstate, error)
              values (b.id, 'backfill', (select pg_catalog.jsonb_object_agg(k, row_key->(i::int - 1))
                                         from pg_catalog.unnest(b.legacy_key) with ordinality as u(k, i)),
                      sqlstate, sqlerrm);
            end if;
            exit;
        end;
      end loop;
    end loop;
  end if;
  perform pg_catalog.set_config(guard, '', true);
end
$$;
comment on function tandem._backfill_step(tandem.bridge, jsonb, int, boolean) is
  'One keyset batch of one bridge from a cursor: retried when cancelled by a deadlock, redone row by row when a mapping fails.';

create or replace function tandem.backfill_batch(migration text, batch_size int default 1000)
returns table (bridge text, rows_done bigint, rows_rejected bigint, total_estimate bigint, finished boolean)
  language plpgsql
  volatile
as $$
#variable_conflict use_column
declare
  started timestamptz := pg_catalog.clock_timestamp();
  target tandem.migration;
  lifecycle record;
  b tandem.bridge;
  state tandem.backfill_state;
  step record;
  estimate bigint;
begin
  if batch_size is null or batch_size < 1 then
    raise exception 'batch_size must be at least 1, not %', batch_size using errcode = 'TD007';
  end if;
  perform tandem._lock(backfill_batch.migration);
  target := tandem._migration(backfill_batch.migration);
  select * into lifecycle from tandem._enter(target, 'backfill');
  -- Referenced tables first (foreign keys added since expand count too).
  perform tandem._order_bridges(target.name);
  select bb.* into b
  from tandem.bridge bb left join tandem.backfill_state s on s.bridge_id = bb.id
  where bb.migration = target.name and s.finished_at is null
  order by bb.sync_order, bb.id limit 1;
  if found then
    select * into state from tandem.backfill_state where bridge_id = b.id;
    if not found then
      -- A fresh start: the rejects of an earlier run are found again if they still fail.
      delete from tandem.reject where bridge_id = b.id and direction = 'backfill' and resolved_at is null;
      execute pg_catalog.format('select count(*) from %s as l where (%s)', tandem._qualified(b.legacy), coalesce(b.filter, 'true'))
        into estimate;
      insert into tandem.backfill_state (bridge_id, total_estimate, started_at, updated_at)
      values (b.id, estimate, started, started)
      returning * into state;
    end if;
    select * into step from tandem._backfill_step(b, state.cursor, batch_size, false);
    update tandem.backfill_state s
      set cursor = coalesce(step.next_cursor, s.cursor),
          rows_done = s.rows_done + step.scanned,
          rows_rejected = s.rows_rejected + step.rejected,
          batches = s.batches + 1,
          updated_at = pg_catalog.clock_timestamp(),
          -- Only an empty batch means the end (a short one can have rows after it, written meanwhile).
          finished_at = case when step.scanned = 0 then pg_catalog.clock_timestamp() end,
          total_estimate = greatest(s.total_estimate, s.rows_done + step.scanned)
      where s.bridge_id = b.id;
    perform tandem.log_event('backfill_batch', target.name, started, pg_catalog.jsonb_build_object(
      'bridge', b.name, 'scanned', step.scanned, 'written', step.written, 'rejected', step.rejected, 'cursor', step.next_cursor));
  end if;
  if lifecycle.outcome = 'moves' and not exists (
    select from tandem.bridge bb left join tandem.backfill_state s on s.bridge_id = bb.id
    where bb.migration = target.name and s.finished_at is null
  ) then
    perform tandem._set_phase(target.name, lifecycle.next_phase::text);
    perform tandem.log_event('backfill', target.name, (select min(s.started_at) from tandem.backfill_state s
                                                     join tandem.bridge bb on bb.id = s.bridge_id where bb.migration = target.name),
      (select pg_catalog.jsonb_build_object('rows', sum(s.rows_done), 'rejected', sum(s.rows_rejected))
       from tandem.backfill_state s join tandem.bridge bb on bb.id = s.bridge_id where bb.migration = target.name));
  end if;
  return query
    select bb.name, coalesce(s.rows_done, 0), coalesce(s.rows_rejected, 0), coalesce(s.total_estimate, 0), s.finished_at is not null
    from tandem.bridge bb left join tandem.backfill_state s on s.bridge_id = bb.id
    where bb.migration = target.name
    order by bb.sync_order, bb.id;
end
$$;
comment on function tandem.backfill_batch(text, int) is
  'Copies one keyset batch of pre-existing legacy rows (of the first bridge not finished) and returns every bridge''s progress. Call it until every bridge is finished; resumable; idempotent.';

create or replace function tandem.backfill_dry_run(migration text, batch_size int default 1000)
returns table (bridge text, rows_scanned bigint, rows_to_write bigint, rows_rejected bigint)
  language plpgsql
  volatile
as $$
#variable_conflict use_column
declare
  b tandem.bridge;
  step record;
  cursor jsonb;
  scanned bigint;
  to_write bigint;
  rejected bigint;
begin
  perform tandem._lock(backfill_dry_run.migration);
  perform tandem._migration(backfill_dry_run.migration);
  for b in select * from tandem.bridge where migration = backfill_dry_run.migration order by sync_order, id loop
    cursor := null; scanned := 0; to_write := 0; rejected := 0;
    loop
      select * into step from tandem._backfill_step(b, cursor, batch_size, true);
      scanned := scanned + step.scanned;
      to_write := to_write + step.written;
      rejected := rejected + step.rejected;
      cursor := step.next_cursor;
      exit when step.scanned = 0;
    end loop;
    bridge := b.name; rows_scanned := scanned; rows_to_write := to_write; rows_rejected := rejected;
    return next;
  end loop;
end
$$;
comment on function tandem.backfill_dry_run(text, int) is
  'What a backfill would do, writing nothing: per bridge, the legacy rows scanned, those it would write, and those whose mapping fails.';

create or replace procedure tandem.backfill(
  migration text,
  batch_size int default 1000,
  pause interval default '0 seconds',
  dry_run boolean default false
)
  language plpgsql
as $$
declare
  progress record;
  remaining int;
begin
  if dry_run then
    for progress in select * from tandem.backfill_dry_run(migration, batch_size) loop
      raise notice 'dry run, bridge %: % rows scanned, % to write, % would be rejected',
        progress.bridge, progress.rows_scanned, progress.rows_to_write, progress.rows_rejected;
    end loop;
    return;
  end if;
  loop
    select count(*) filter (where not finished) into remaining from tandem.backfill_batch(migration, batch_size);
    -- Commit each batch: its row locks are released and its cursor is kept if the run stops here.
    commit;
    exit when remaining = 0;
    if pause > interval '0' then
      perform pg_catalog.pg_sleep_for(pause);
    end if;
  end loop;
end
$$;
comment on procedure tandem.backfill(text, int, interval, boolean) is
  'Backfills every bridge of a migration, committing between keyset batches; resumable after a crash or cancel. CALL it outside a transaction block.';
--! EndIncluded tandem/50-backfill.sql
--! Included tandem/60-verify.sql
/*
 * verify_migration: compares every legacy row in a bridge's filter with its modern twin, on every
 * mapped column, in both directions (a legacy column is compared through the forward mapping: it
 * differs when putting its backward value in its place changes what the legacy row maps to), inside the database (FULL OUTER JOIN … IS DISTINCT FROM through
 * the mapping), all in one snapshot: one statement, or, in a REPEATABLE READ transaction, one
 * statement per bridge (so each gets its own duration). Values are compared as the modern column's
 * type after the mapping, so numeric scale (1.0 = 1.00) and jsonb key order do not count as
 * differences; NULL and '' do.
 *
 * Compared through the forward mapping, a mapping that loses data looks equal on both sides. So each
 * legacy column that contract drops or a view shows is also mapped forward and back, in the same
 * statement (roundtrip:<column>): a row whose stored value does not come back would lose data, which
 * fails verification (and so cutover and contract) unless the column is declared in options.drops.
 * Legacy columns no bridge maps are listed (unmapped:<column>), passing.
 */

/*
 * The statement that checks one bridge, built from what its shape says (stage verify):
 *   key_exprs     – the modern key computed from a legacy row;
 *   pairing       – the FROM clause that pairs legacy rows (legacy, and their forward mapping fv, where
 *                   tandem_forward_tuple stands for the forward expressions) with modern rows (mm);
 *   many_to_one   – many legacy rows share a modern row: compared per value, and values only the modern
 *                   side holds are not differences;
 *   modern_filter – which modern rows count (a bridge of columns: those of rows in the filter).
 */
create or replace function tandem._verify_statement(b tandem.bridge, key_exprs text[], pairing text, many_to_one boolean, modern_filter text) returns text
  language plpgsql
  stable
as $$
declare
  lq text := tandem._qualified(b.legacy);
  mq text := tandem._qualified(b.modern);
  -- Columns declared volatile (options.volatile) cannot compare equal: they are not compared.
  fwd_cols text[] := array(select k from pg_catalog.jsonb_object_keys(b.forward) as k
                           where not coalesce(b.options->'volatile', '[]'::jsonb) ? k order by k);
  fwd_exprs text[];
  bwd_cols text[] := array(select k from pg_catalog.jsonb_object_keys(b.backward) as k
                           where k <> all(b.legacy_key) order by k);
  bwd_exprs text[];
  legacy_key_exprs text[] := array(select b.backward->>k from pg_catalog.unnest(b.legacy_key) as k);
  -- Legacy columns declared lost on purpose (options.drops): their roundtrip is reported, not failed.
  dropped text[] := array(select pg_catalog.jsonb_array_elements_text(coalesce(b.options->'drops', '[]')));
  rebuilt text;
  unmapped text[];
  -- A format() template for the modern key, e.g. 'id=%s'.
  key_format text := tandem._each(b.modern_key, '%1$I=%%s', ' ');
  differs text;
  forward_tuple text;
  compared text;
  legacy_differs text;
  key_text text;
begin
  fwd_exprs := array(select b.forward->>c from pg_catalog.unnest(fwd_cols) as c);
  bwd_exprs := array(select b.backward->>c from pg_catalog.unnest(bwd_cols) as c);
  -- A differing row's key as text ('id=42'), for the sample keys; a format() template of _each, so % doubled.
  key_text := pg_catalog.replace(pg_catalog.format('pg_catalog.format(%L, %s)', key_format, tandem._each(b.modern_key, 'k%2$s')), '%', '%%');
  -- Legacy values are compared through the forward mapping: the key and forward expressions, each
  -- as comparisons see a value of its modern column (a text form for a type without equality).
  forward_tuple := tandem._each(key_exprs, '(%s) as k%2$s')
    || coalesce((select pg_catalog.string_agg(pg_catalog.format(', %s as f%s', tandem._as_compared(b.modern, c, '(' || fwd_exprs[i] || ')'), i), '' order by i)
                 from pg_catalog.unnest(fwd_cols) with ordinality as u(c, i)), '');
  differs := coalesce(nullif(tandem._each(fwd_cols, 'fd%2$s', ' or ')
                             || case when cardinality(fwd_cols) > 0 and cardinality(bwd_cols) > 0 then ' or ' else '' end
                             || tandem._each(bwd_cols, '(x%2$s & 1) = 1', ' or '), ''), 'false');
  -- The modern row the legacy row maps to: its forward values (as the modern columns' types, which
  -- round as a write would) in place of the modern twin's, which it holds where it has no mapping.
  rebuilt := (select pg_catalog.string_agg(case
                when a.attname = any(fwd_cols) then pg_catalog.format('(fv.f%s)::%s as %I', pg_catalog.array_position(fwd_cols, a.attname::text),
                                                                      pg_catalog.format_type(a.atttypid, a.atttypmod), a.attname)
                when a.attname = any(b.modern_key) then pg_catalog.format('(fv.k%s)::%s as %I', pg_catalog.array_position(b.modern_key, a.attname::text),
                                                                           pg_catalog.format_type(a.atttypid, a.atttypmod), a.attname)
                else pg_catalog.format('mm.%I', a.attname) end, ', ' order by a.attnum)
              from pg_catalog.pg_attribute a where a.attrelid = b.modern and a.attnum > 0 and not a.attisdropped);
  -- Each legacy column, x<i>, when its stored value is not simply its backward value from the modern
  -- twin (the common case costs one comparison and nothing else):
  --   bit 1, a difference: putting the backward value in its place changes what the row maps to (the
  --     forward mapping of the row with that one value replaced, against fv), so that two spellings
  --     of one value (1.5 and 1.50) are not a difference while NULL and '' are;
  --   bit 2, a loss (the roundtrip): mapping the row forward and back does not give the stored value
  --     again, so the view would show, and contract would leave, something else ('Ann Marie Lee' split
  --     into first and last name and put back together as 'Ann Marie').
  legacy_differs := (select coalesce(pg_catalog.string_agg(pg_catalog.format(
       ', case when %1$s is not distinct from %3$s then 0
              else (select (row(fb.*) is distinct from row(fv.*))::int from (select %4$s from (%5$s) as l) as fb)
                 + 2 * (select (%1$s is distinct from %6$s)::int from (select %7$s) as m) end as x%2$s',
       tandem._as_compared(b.legacy, c, pg_catalog.format('legacy.%I', c)), i,
       tandem._as_compared(b.legacy, c, pg_catalog.format('(bv.e%s)::%s', i, tandem._column_type(b.legacy, c))), forward_tuple,
       tandem._with_generated(b.legacy, 'select ' || (
         select pg_catalog.string_agg(case when a.attname = c then pg_catalog.format('(bv.e%s)::%s as %I', i, tandem._column_type(b.legacy, c), c)
                                           else pg_catalog.format('legacy.%I', a.attname) end, ', ' order by a.attnum)
         from pg_catalog.pg_attribute a where a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped and a.attgenerated = '')),
       tandem._as_compared(b.legacy, c, pg_catalog.format('(%s)::%s', b.backward->>c, tandem._column_type(b.legacy, c))),
       rebuilt), '' order by i), '')
     from pg_catalog.unnest(bwd_cols) with ordinality as u(c, i));
  -- Legacy columns no bridge of this legacy table in the migration maps (neither backward nor key; for
  -- a bridge of columns, nor forward): never compared, and kept by contract. Listed once, by the
  -- first such bridge, as passing checks, so that a column forgotten in a split shows.
  if b.id = (select o.id from tandem.bridge o where o.migration = b.migration and o.legacy = b.legacy order by o.sync_order, o.id limit 1) then
    unmapped := array(select a.attname::text from pg_catalog.pg_attribute a
                      where a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped
                        and not exists (select from tandem.bridge o
                                        where o.migration = b.migration and o.legacy = b.legacy
                                          and (o.backward ? a.attname or a.attname = any(o.legacy_key)
                                               or (o.legacy = o.modern and o.forward ? a.attname)))
                      order by a.attnum);
  end if;
  -- Twins present on both sides: each modern column against the forward mapping of the legacy row,
  -- each legacy column against the backward mapping of the modern row; each compared once.
  -- The key's values are carried, and printed only for the sample keys of the rows that differ.
  compared := pg_catalog.format('select %s %s %s',
    tandem._each(b.modern_key, 'mm.%I as k%2$s'),
    coalesce((select pg_catalog.string_agg(pg_catalog.format(', %s is distinct from fv.f%s as fd%s', tandem._as_compared(b.modern, c, pg_catalog.format('mm.%I', c)), i, i), '' order by i)
              from pg_catalog.unnest(fwd_cols) with ordinality as u(c, i)), ''),
    legacy_differs);
  compared := compared || pg_catalog.replace(pairing, 'tandem_forward_tuple', forward_tuple);
  compared := compared || pg_catalog.format('
      cross join lateral (select %s from (select mm.*) as m) as bv
      where (select (%s) from (select legacy.*) as l)',
    coalesce(nullif(tandem._each(bwd_exprs, '(%s) as e%2$s'), ''), 'null as e0'), coalesce(b.filter, 'true'));
  -- offset 0 keeps this a subquery of its own: each comparison is then computed once per row, where
  -- a flattened one would be computed again inside every count and sample it feeds.
  compared := compared || ' offset 0';
  if many_to_one then
    -- A value is equal when every legacy row holding it is.
    compared := pg_catalog.format('select %s, bool_or(%s) as differs %s %s from (%s) as per_row group by %s',
      tandem._each(b.modern_key, 'k%2$s'), differs, tandem._each(fwd_cols, ', bool_or(fd%2$s) as fd%2$s', ''),
      tandem._each(bwd_cols, ', bool_or((x%2$s & 1) = 1) as bd%2$s, bool_or(x%2$s >= 2) as rt%2$s', ''), compared, tandem._each(b.modern_key, 'k%2$s'));
  else
    compared := pg_catalog.format('select %s, (%s) as differs %s %s from (%s) as per_row',
      tandem._each(b.modern_key, 'k%2$s'), differs, tandem._each(fwd_cols, ', fd%2$s', ''),
      tandem._each(bwd_cols, ', (x%2$s & 1) = 1 as bd%2$s, x%2$s >= 2 as rt%2$s', ''), compared);
  end if;
  return pg_catalog.format($q$
    with l as (
      select %9$s %1$s, true as present from %2$s as l where (%3$s)
    ), m as (
      select %4$s, true as present from %5$s as m where (%10$s)
    ), presence as (
      -- A distinct bridge's modern table may hold values no legacy row has: those are not differences.
      select count(*) filter (where l.present) as legacy_rows,
             count(*) filter (where m.present and (l.present or not %11$L)) as modern_rows,
             count(*) filter (where l.present and m.present is null) as missing_in_modern,
             (pg_catalog.array_agg(pg_catalog.format(%6$L, %7$s) order by %7$s) filter (where l.present and m.present is null))[1:5] as missing_in_modern_keys,
             count(*) filter (where m.present and l.present is null and not %11$L) as missing_in_legacy,
             (pg_catalog.array_agg(pg_catalog.format(%6$L, %7$s) order by %7$s) filter (where m.present and l.present is null and not %11$L))[1:5] as missing_in_legacy_keys
      from l full join m on %8$s
    ), compared as (
      %12$s
    ), comparison as (
      select count(*) filter (where not differs) as equal_rows %13$s
      from compared
    )
    select %14$L::text as bridge, r.check_name, r.expected, r.actual, r.mismatches, r.sample_keys, p.legacy_rows, c.equal_rows
    from presence p cross join comparison c cross join lateral (values
      ('count', p.legacy_rows, p.modern_rows, pg_catalog.abs(p.legacy_rows - p.modern_rows), null::text[]),
      ('missing_in_modern', 0, p.missing_in_modern, p.missing_in_modern, p.missing_in_modern_keys),
      ('missing_in_legacy', 0, p.missing_in_legacy, p.missing_in_legacy, p.missing_in_legacy_keys),
      ('rejects', 0, (select count(*) from tandem.reject where bridge_id = %15$s and resolved_at is null),
                     (select count(*) from tandem.reject where bridge_id = %15$s and resolved_at is null),
                     (select (pg_catalog.array_agg(key::text order by id))[1:5] from tandem.reject where bridge_id = %15$s and resolved_at is null))
      %16$s
    ) as r(check_name, expected, actual, mismatches, sample_keys)$q$,
    tandem._each(key_exprs, '(%s) as k%2$s'), lq, coalesce(b.filter, 'true'),
    tandem._each(b.modern_key, '%I as k%2$s'), mq,
    key_format, tandem._each(b.modern_key, 'coalesce(l.k%2$s, m.k%2$s)'),
    tandem._each(b.modern_key, 'l.k%2$s = m.k%2$s', ' and '),
    case when many_to_one then 'distinct' else '' end,
    modern_filter,
    many_to_one, compared,
    tandem._each(fwd_cols, ', count(*) filter (where fd%2$s) as fn%2$s, (pg_catalog.array_agg(' || key_text || ' order by ' || key_text || ') filter (where fd%2$s))[1:5] as fs%2$s', '')
      || tandem._each(bwd_cols, ', count(*) filter (where bd%2$s) as bn%2$s, (pg_catalog.array_agg(' || key_text || ' order by ' || key_text || ') filter (where bd%2$s))[1:5] as bs%2$s', '')
      || tandem._each(bwd_cols, ', count(*) filter (where rt%2$s) as rn%2$s, (pg_catalog.array_agg(' || key_text || ' order by ' || key_text || ') filter (where rt%2$s))[1:5] as rs%2$s', ''),
    b.name, b.id,
    tandem._each(fwd_cols, ', (''column:%1$s'', 0, c.fn%2$s, c.fn%2$s, c.fs%2$s)', '')
      || tandem._each(bwd_cols, ', (''legacy_column:%1$s'', 0, c.bn%2$s, c.bn%2$s, c.bs%2$s)', '')
      -- A loss fails, unless the column is declared dropped on purpose: then it is counted (actual), not failed.
      || (select coalesce(pg_catalog.string_agg(pg_catalog.format(', (%L, 0, c.rn%s, %s, c.rs%s)', 'roundtrip:' || c, i,
                                                                  case when c = any(dropped) then '0' else 'c.rn' || i end, i), '' order by i), '')
          from pg_catalog.unnest(bwd_cols) with ordinality as u(c, i))
      || coalesce((select pg_catalog.string_agg(pg_catalog.format(', (%L, 0, 0, 0, null::text[])', 'unmapped:' || c), '' order by i)
                   from pg_catalog.unnest(unmapped) with ordinality as u(c, i)), ''));
end
$$;
comment on function tandem._verify_statement(tandem.bridge, text[], text, boolean, text) is
  'The statement that checks one bridge: counts, rows missing either way, and mismatches per column both ways.';

-- The first releases of 0.2.0 returned each check's status as text: their function must go first.
do $$
begin
  if pg_catalog.pg_get_function_result(pg_catalog.to_regprocedure('tandem.verify_migration(text)')) not like '%status tandem.check_status%' then
    drop function tandem.verify_migration(text);
  end if;
end
$$;

create or replace function tandem.verify_migration(migration text)
returns table (
  bridge text, check_name text, status tandem.check_status, expected numeric, actual numeric, mismatches bigint,
  sample_keys text[], duration interval
)
  language plpgsql
  volatile
  set extra_float_digits = 3 -- text forms compared print floats exactly (see tandem._as_compared)
as $$
#variable_conflict use_column
declare
  started timestamptz := pg_catalog.clock_timestamp();
  target tandem.migration;
  lifecycle record;
  b tandem.bridge;
  c tandem."check";
  statements text[] := '{}';
  names text[] := '{}';
  one_snapshot boolean := pg_catalog.current_setting('transaction_isolation') in ('repeatable read', 'serializable');
  results jsonb := '[]'::jsonb;
  part jsonb;
  part_started timestamptz;
  rows_total numeric := 0;
  rows_equal numeric := 0;
  consistency numeric;
  passed boolean;
  item jsonb;
begin
  perform tandem._lock(verify_migration.migration);
  target := tandem._migration(verify_migration.migration);
  select * into lifecycle from tandem._enter(target, 'verify');
  -- After contract one side of each bridge is gone (an archive, moved columns): nothing to compare,
  -- and only the custom checks run.
  for b in select * from tandem.bridge where migration = target.name and target.phase <> 'contracted' order by sync_order, id loop
    statements := statements || tandem._shape_text('verify', b);
  end loop;
  for c in select * from tandem."check" where migration = target.name order by name loop
    statements := statements || pg_catalog.format(
      'select null::text as bridge, %L::text as check_name, 0::bigint as expected, count(*) as actual, count(*) as mismatches,
              (pg_catalog.array_agg(offending::text))[1:5] as sample_keys, 0::bigint as legacy_rows, 0::bigint as equal_rows
       from (%s) as offending', 'check:' || c.name, c.sql);
  end loop;

  -- Rows as JSON, so that one statement can carry every bridge's checks.
  if one_snapshot then
    -- Already in one snapshot: one statement per bridge, each timed.
    foreach item in array array(select pg_catalog.to_jsonb(s) from pg_catalog.unnest(statements) as s) loop
      part_started := pg_catalog.clock_timestamp();
      execute pg_catalog.format('select coalesce(pg_catalog.jsonb_agg(r), ''[]'') from (%s) as r', item #>> '{}') into part;
      results := results || (select coalesce(pg_catalog.jsonb_agg(e || pg_catalog.jsonb_build_object('duration', pg_catalog.clock_timestamp() - part_started)), '[]')
                             from pg_catalog.jsonb_array_elements(part) as e);
    end loop;
  elsif cardinality(statements) > 0 then
    -- One statement is one snapshot, whatever the isolation level.
    execute pg_catalog.format('select coalesce(pg_catalog.jsonb_agg(r), ''[]'') from (%s) as r',
                              (select pg_catalog.string_agg(pg_catalog.format('select * from (%s) as part', st), E'\nunion all\n' order by i)
                               from pg_catalog.unnest(statements) with ordinality as u(st, i)))
      into results;
    results := (select coalesce(pg_catalog.jsonb_agg(e || pg_catalog.jsonb_build_object('duration', pg_catalog.clock_timestamp() - started)), '[]')
                from pg_catalog.jsonb_array_elements(results) as e);
  end if;

  select coalesce(sum((e->>'legacy_rows')::numeric) filter (where e->>'check_name' = 'count'), 0),
         coalesce(sum((e->>'equal_rows')::numeric) filter (where e->>'check_name' = 'count'), 0)
    into rows_total, rows_equal
  from pg_catalog.jsonb_array_elements(results) as e;
  consistency := case when rows_total = 0 then 100 else pg_catalog.round(100 * rows_equal / rows_total, 4) end;
  passed := not exists (select from pg_catalog.jsonb_array_elements(results) as e where (e->>'mismatches')::bigint > 0);

  insert into tandem.verification (migration, phase, passed, consistency, duration, results)
  values (target.name, target.phase, passed, consistency, pg_catalog.clock_timestamp() - started, results);
  if passed and lifecycle.outcome = 'moves' then
    perform tandem._set_phase(target.name, lifecycle.next_phase::text);
  elsif not passed and target.phase = 'verified' then
    -- What was proven no longer holds: back to where a passing verification is the next step.
    perform tandem._set_phase(target.name, 'backfilled');
  end if;
  perform tandem.log_event('verify', target.name, started,
    pg_catalog.jsonb_build_object('passed', passed, 'consistency', consistency, 'phase', target.phase));

  return query
    select e->>'bridge', e->>'check_name',
           (case when (e->>'mismatches')::bigint = 0 then 'pass' else 'fail' end)::tandem.check_status,
           (e->>'expected')::numeric, (e->>'actual')::numeric, (e->>'mismatches')::bigint,
           array(select pg_catalog.jsonb_array_elements_text(coalesce(nullif(e->'sample_keys', 'null'), '[]'))),
           (e->>'duration')::interval
    from pg_catalog.jsonb_array_elements(results) with ordinality as x(e, i)
    order by i;
  return query select null::text, 'consistency'::text, (case when rows_equal = rows_total then 'pass' else 'fail' end)::tandem.check_status,
                      100::numeric, consistency, (rows_total - rows_equal)::bigint, null::text[], pg_catalog.clock_timestamp() - started;
end
$$;
comment on function tandem.verify_migration(text) is
  'Compares every legacy row in each bridge''s filter with its modern twin on every mapped column, both ways, in one snapshot; runs the custom checks; records the run. Returns one row per check and a consistency row.';
--! EndIncluded tandem/60-verify.sql
--! Included tandem/70-status.sql
/* Rollback (before cutover) and status. */

create or replace function tandem.rollback(migration text) returns text
  language plpgsql
  volatile
as $$
#variable_conflict use_column
declare
  started timestamptz := pg_catalog.clock_timestamp();
  target tandem.migration;
  step record;
begin
  perform tandem._lock(rollback.migration);
  target := tandem._migration(rollback.migration);
  select * into step from tandem._enter(target, 'rollback');
  if step.outcome = 'done' then
    return step.message;
  end if;
  perform tandem._patience_begins();
  if target.phase = 'expanded' then
    -- Every write since expand reached both sides, so dropping the machinery loses nothing. Dropping a
    -- trigger locks its table: all of them first, as expand does (tandem._lock_relations).
    perform tandem._lock_relations(array(select legacy from tandem.bridge where bridge.migration = target.name
                                         union select modern from tandem.bridge where bridge.migration = target.name));
    perform tandem._drop_sync(target.name);
    delete from tandem.backfill_state s using tandem.bridge b where s.bridge_id = b.id and b.migration = target.name;
    -- What records the legacy rows that leave from now on, whose twins the next expand deletes.
    perform tandem._ddl(array(select st from tandem.bridge b
                              cross join lateral pg_catalog.jsonb_array_elements_text(tandem._shape('tombstones', b)->'statements') with ordinality as s(st, i)
                              where b.migration = target.name order by b.sync_order, b.id, s.i));
  elsif target.phase = 'cut_over' then
    perform tandem._undo_cutover(target.name);
  end if;
  perform tandem._patience_ends();
  perform tandem._set_phase(target.name, step.next_phase::text);
  perform tandem.log_event('rollback', target.name, started, pg_catalog.jsonb_build_object('from', target.phase, 'to', step.next_phase));
  return pg_catalog.format('rolled back from %s to %s', target.phase, step.next_phase);
end
$$;
comment on function tandem.rollback(text) is
  'Returns a migration to its previous phase, from any phase before contracted, losing no write made on either side.';

create or replace function tandem._row_count(rel regclass) returns bigint
  language plpgsql
  stable
as $$
declare
  estimate bigint;
  exact bigint;
begin
  select greatest(reltuples, 0)::bigint into estimate from pg_catalog.pg_class where oid = rel;
  if not found then
    return null; -- dropped (a renamed bridge's archive, after contract)
  end if;
  if estimate > 1000000 then
    return estimate; -- counting would take seconds; the planner's estimate is close enough for a status
  end if;
  execute pg_catalog.format('select count(*) from %s', tandem._qualified(rel)) into exact;
  return exact;
end
$$;
comment on function tandem._row_count(regclass) is 'Rows in a table: exact up to a million, the planner''s estimate above.';

-- 0.4.0 added generated_version to the result.
drop function if exists tandem.status(text);
create function tandem.status(migration text default null)
returns table (
  migration text, phase tandem.phase, bridge text, legacy text, modern text, legacy_rows bigint, modern_rows bigint,
  backfill_done bigint, backfill_total bigint, backfill_rows_per_second numeric, last_verified_at timestamptz,
  last_verification_passed boolean, next_step text, generated_version text
)
  language sql
  stable
as $$
  select m.name, m.phase, b.name, coalesce((select b.legacy::text from pg_catalog.pg_class c where c.oid = b.legacy), '(dropped by contract)'), b.modern::text,
         tandem._row_count(b.legacy), tandem._row_count(b.modern),
         s.rows_done, s.total_estimate,
         case when s.updated_at > s.started_at
              then pg_catalog.round(s.rows_done / extract(epoch from s.updated_at - s.started_at)::numeric, 1) end,
         v.at, v.passed,
         tandem.next_step(m.name),
         m.generated_version
  from tandem.migration m
  left join tandem.bridge b on b.migration = m.name
  left join tandem.backfill_state s on s.bridge_id = b.id
  left join lateral (select * from tandem.verification v where v.migration = m.name order by v.id desc limit 1) as v on true
  where status.migration is null or m.name = status.migration
  order by m.name, b.sync_order, b.id
$$;
comment on function tandem.status(text) is
  'Every migration (or the one named) with its phase, bridges, row counts on both sides, backfill progress, last verification, next step, and the library version that generated its sync code.';

/*
 * Installing a release regenerates the sync code (trigger functions, triggers, compatibility-view
 * functions) of every migration in flight that another release generated, so a fix reaches databases
 * mid-migration without anyone calling expand again. It runs in the installing transaction: if one
 * migration cannot be regenerated, nothing of the release is installed.
 */
create or replace function tandem._upgrade_in_flight() returns jsonb
  language plpgsql
  volatile
as $$
declare
  started timestamptz;
  m tandem.migration;
  done jsonb := '[]'::jsonb;
begin
  for m in select * from tandem.migration
           where phase not in ('planned', 'contracted') and generated_version is distinct from tandem.version()
           order by name loop
    started := pg_catalog.clock_timestamp();
    perform tandem._lock(m.name);
    perform tandem._generate(m.name);
    perform tandem.log_event('regenerate', m.name, started,
      pg_catalog.jsonb_build_object('from', m.generated_version, 'to', tandem.version(), 'phase', m.phase));
    done := done || pg_catalog.to_jsonb(m.name);
  end loop;
  return done;
end
$$;
comment on function tandem._upgrade_in_flight() is
  'Regenerates the sync code of every migration in flight generated by another library release; returns their names. Called by the install.';
--! EndIncluded tandem/70-status.sql
--! Included tandem/75-dependents.sql
/*
 * Dependents: what else in the database uses a bridge's tables, and what cutover, rollback and contract
 * do to each. One function decides (tandem._dependents); the transitions refuse from its answer before
 * they change anything, act on its answer, and tandem.plan() shows the same answer, so a plan cannot
 * disagree with what happens.
 *
 * Actions, per transition: moved, redefined, carried over, kept, dropped, refused (the reason says why
 * and what to do). What is found from the catalogs (pg_depend: views, functions using the row type or
 * reading the table in an SQL-standard body, foreign keys, policies, triggers, publications, grants)
 * is exact; what is found by a name in a function's source text (a plpgsql or SQL string body naming
 * the table or a column) is best effort, and says so.
 *
 * A rename's cutover, for the dependents of the legacy table:
 *   views                 redefined over the compatibility view (the same definition); back on rollback
 *   materialized views    created again over it: indexes, owner, grants, comment, populated or not
 *   functions             using the table's row type (setof customer, an argument of it) or reading it in
 *                         an SQL-standard body: created again (pg_get_functiondef, printed before the
 *                         rename) so that they use the view's row type; owner, grants, comment kept
 *   row triggers          carried to the modern table when every legacy column they name has the same name
 *                         and value there (options.triggers declares otherwise: carry or leave)
 *   row-level security    carried to the modern table (its policies, enabled, forced) under the same
 *                         condition (options.policies: carry or leave); refused where the modern table's
 *                         own policies would combine with them, which could widen access
 *   foreign keys          moved to the modern table
 *   publications          refused: a subscriber would receive the archive's changes under its new name
 *   anything else         (a column of another table of its row type, an inheriting table, …) refused
 */

/*
 * The identifiers in a function's source text, lowercased: a conservative search (best effort) for
 * the tables and columns a plpgsql or SQL string body names, which PostgreSQL does not record. Every
 * character that cannot be part of an identifier separates two; a name inside a string literal or a
 * comment counts too, which errs towards finding too much.
 */
create or replace function tandem._source_tokens(source text) returns text[]
  language sql
  immutable
as $$
  select array(select distinct t
               from pg_catalog.unnest(pg_catalog.string_to_array(
                      pg_catalog.translate(pg_catalog.lower(coalesce(source, '')),
                                           E'\t\n\r()[]{};,.:+-*/=<>!|&%^~''"@#?\\$`',
                                           '                                      '), ' ')) as t
               where t <> '')
$$;
comment on function tandem._source_tokens(text) is
  'The identifiers in a function''s source text, lowercased (a conservative search, best effort: strings and comments count too).';

/*
 * The legacy columns a bridge carries to the modern table unchanged: same name, same type, mapped as
 * the bare column both ways. A trigger or policy that names only these does the same on the modern table.
 */
/*
 * Whether a view reads with its owner's rights (the default): the relations it reads are checked, and
 * their row security applied, as its owner, not as whoever queries it. Such a view cannot read through
 * a compatibility view, which is security_invoker: its readers would be checked as themselves.
 */
create or replace function tandem._owner_rights_view(view_oid oid) returns boolean
  language sql
  stable
as $$
  select c.relkind = 'v' and not coalesce((select pg_catalog.lower(o.option_value) in ('true', 'on', '1', 'yes')
                                            from pg_catalog.pg_options_to_table(c.reloptions) as o where o.option_name = 'security_invoker'), false)
  from pg_catalog.pg_class c where c.oid = view_oid
$$;

/* Whether a view's query reads a relation. */
create or replace function tandem._view_reads(view_oid oid, rel regclass) returns boolean
  language sql
  stable
as $$
  select exists (select from pg_catalog.pg_rewrite w
                 join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::regclass and d.objid = w.oid
                 where w.ev_class = view_oid and d.refclassid = 'pg_catalog.pg_class'::regclass and d.refobjid = rel)
$$;

create or replace function tandem._same_columns(b tandem.bridge) returns text[]
  language sql
  stable
as $$
  select coalesce(pg_catalog.array_agg(a.attname::text order by a.attnum), '{}')
  from pg_catalog.pg_attribute a
  join pg_catalog.pg_attribute ma on ma.attrelid = b.modern and ma.attname = a.attname and ma.attnum > 0 and not ma.attisdropped
  where a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped
    and a.atttypid = ma.atttypid and a.atttypmod = ma.atttypmod and a.attgenerated = '' and ma.attgenerated = ''
    and b.backward->>a.attname in (a.attname, pg_catalog.quote_ident(a.attname))
    and coalesce(b.forward->>a.attname, b.key->>a.attname) in (a.attname, pg_catalog.quote_ident(a.attname))
$$;
comment on function tandem._same_columns(tandem.bridge) is
  'The legacy columns a bridge maps to a modern column of the same name and type, as the bare column both ways.';

/*
 * Whether a renamed bridge's compatibility view can be a plain view PostgreSQL updates by itself (so
 * INSERT … ON CONFLICT works through it, which no INSTEAD OF trigger allows): every legacy column is a
 * modern column of the same type under another name or its own, mapped as the bare column both ways, no
 * legacy column is generated, and no other bridge of the legacy table must be written first.
 */
create or replace function tandem._plain_rename(b tandem.bridge) returns boolean
  language sql
  stable
as $$
  select b.kind = 'table' and b.filter is null
     and not exists (select from tandem.bridge o where o.legacy = b.legacy and o.id <> b.id)
     and not exists (select from pg_catalog.pg_attribute a
                     where a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped and a.attgenerated <> '')
     -- every modern column the bridge writes is a bare legacy column, and the way back is that column bare
     and (select pg_catalog.count(*) from pg_catalog.jsonb_each_text(b.key || b.forward)) =
         (select pg_catalog.count(*)
          from pg_catalog.jsonb_each_text(b.key || b.forward) as f(mcol, expr)
          join pg_catalog.pg_attribute a on a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped
                                        and f.expr in (a.attname, pg_catalog.quote_ident(a.attname))
          join pg_catalog.pg_attribute ma on ma.attrelid = b.modern and ma.attname = f.mcol and ma.attgenerated = ''
          where ma.atttypid = a.atttypid and ma.atttypmod = a.atttypmod
            and b.backward->>a.attname in (f.mcol, pg_catalog.quote_ident(f.mcol)))
     -- and every legacy column is one of them
     and not exists (select from pg_catalog.pg_attribute a
                     where a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped
                       and not exists (select from pg_catalog.jsonb_each_text(b.key || b.forward) as f(mcol, expr)
                                       where f.expr in (a.attname, pg_catalog.quote_ident(a.attname))))
$$;
comment on function tandem._plain_rename(tandem.bridge) is
  'Whether a renamed bridge''s compatibility view is a plain, automatically updatable view (columns renamed, nothing computed), where INSERT … ON CONFLICT works.';

/*
 * What uses a relation, from the catalogs: the raw list _dependents decides on. `columns` are the
 * relation's columns the object depends on (for contract, which drops some); `readers` is the relation
 * views and functions read (the legacy table, or after cutover its compatibility view), `tbl` the
 * table itself (after cutover the archive).
 */
create or replace function tandem._catalog_dependents(readers regclass, tbl regclass)
returns table (kind text, objid oid, object text, columns text[], best_effort boolean)
  language sql
  stable
  set search_path = pg_catalog, pg_temp
as $$
  with r as (
    select c.oid, c.relname, c.reltype, t.typarray from pg_catalog.pg_class c join pg_catalog.pg_type t on t.oid = c.reltype
    where c.oid in (readers, tbl)
  ), deps as (
    select d.classid, d.objid, d.objsubid, d.refobjsubid, d.refobjid
    from pg_catalog.pg_depend d join r on (d.refclassid = 'pg_catalog.pg_class'::regclass and d.refobjid = r.oid)
                                      or (d.refclassid = 'pg_catalog.pg_type'::regclass and d.refobjid in (r.reltype, r.typarray))
    where d.deptype = 'n'
  ), cols as (
    select d.classid, d.objid, pg_catalog.array_agg(distinct a.attname::text) filter (where a.attname is not null) as columns
    from deps d left join pg_catalog.pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid and d.refobjsubid > 0
    group by d.classid, d.objid
  ), fns as (
    select distinct d.objid from deps d where d.classid = 'pg_catalog.pg_proc'::regclass
  )
  -- views and materialized views that read it
  select case v.relkind when 'm' then 'materialized view' else 'view' end, v.oid, tandem._qualified(v.oid),
         coalesce(pg_catalog.array_agg(distinct c2) filter (where c2 is not null), '{}'), false
  from deps d
  join pg_catalog.pg_rewrite w on d.classid = 'pg_catalog.pg_rewrite'::regclass and w.oid = d.objid
  join pg_catalog.pg_class v on v.oid = w.ev_class
  left join cols c on c.classid = d.classid and c.objid = d.objid
  left join lateral pg_catalog.unnest(c.columns) as c2 on true
  where w.ev_class not in (readers, tbl)
  group by v.oid, v.relkind
  union all
  -- functions using its row type, or reading it in an SQL-standard body
  select 'function', p.oid, p.oid::regprocedure::text, coalesce(c.columns, '{}'), false
  from fns join pg_catalog.pg_proc p on p.oid = fns.objid
  left join cols c on c.classid = 'pg_catalog.pg_proc'::regclass and c.objid = p.oid
  union all
  -- functions whose string body names it (best effort)
  select 'function (names it)', p.oid, p.oid::regprocedure::text,
         array(select a.attname::text from pg_catalog.pg_attribute a
               where a.attrelid = tbl and a.attnum > 0 and not a.attisdropped
                 and pg_catalog.lower(a.attname) = any(tandem._source_tokens(p.prosrc))), true
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  join pg_catalog.pg_language l on l.oid = p.prolang
  where l.lanname in ('plpgsql', 'sql') and p.prosqlbody is null
    and n.nspname not in ('pg_catalog', 'information_schema', 'tandem', 'tandem_sync') and n.nspname not like 'pg\_toast%'
    and not exists (select from fns where fns.objid = p.oid)
    and exists (select from r where pg_catalog.lower(r.relname) = any(tandem._source_tokens(p.prosrc)))
  union all
  -- its triggers (not the library's, not a partition's clone)
  select 'trigger', t.oid, pg_catalog.format('%I on %s', t.tgname, tandem._qualified(t.tgrelid)),
         array(select a.attname::text from pg_catalog.pg_attribute a
               where a.attrelid = tbl and a.attnum > 0 and not a.attisdropped
                 and (a.attnum = any(t.tgattr::int2[])
                      or exists (select from deps d where d.classid = 'pg_catalog.pg_trigger'::regclass and d.objid = t.oid and d.refobjsubid = a.attnum))),
         false
  from pg_catalog.pg_trigger t
  join pg_catalog.pg_proc p on p.oid = t.tgfoid join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  where t.tgrelid = tbl and not t.tgisinternal and t.tgparentid = 0 and n.nspname <> 'tandem_sync'
  union all
  select 'row security', c.oid, tandem._qualified(c.oid), '{}', false
  from pg_catalog.pg_class c where c.oid = tbl and c.relrowsecurity
  union all
  select 'policy', p.oid, pg_catalog.format('%I on %s', p.polname, tandem._qualified(p.polrelid)), coalesce(c.columns, '{}'), false
  from pg_catalog.pg_policy p left join cols c on c.classid = 'pg_catalog.pg_policy'::regclass and c.objid = p.oid
  where p.polrelid = tbl
  union all
  -- foreign keys of other tables that reference it
  select 'foreign key (referencing it)', k.oid, pg_catalog.format('%I on %s', k.conname, tandem._qualified(k.conrelid)),
         array(select a.attname::text from pg_catalog.pg_attribute a where a.attrelid = tbl and a.attnum = any(k.confkey)), false
  from pg_catalog.pg_constraint k where k.contype = 'f' and k.confrelid = tbl and k.conrelid <> tbl and k.conparentid = 0
  union all
  -- its own foreign keys
  select 'foreign key (of it)', k.oid, pg_catalog.format('%I on %s', k.conname, tandem._qualified(k.conrelid)),
         array(select a.attname::text from pg_catalog.pg_attribute a where a.attrelid = tbl and a.attnum = any(k.conkey)), false
  from pg_catalog.pg_constraint k where k.contype = 'f' and k.conrelid = tbl and k.conparentid = 0
  union all
  select 'generated column', tbl, pg_catalog.format('%s.%I', tandem._qualified(tbl), a.attname), array[a.attname::text], false
  from pg_catalog.pg_attribute a where a.attrelid = tbl and a.attnum > 0 and not a.attisdropped and a.attgenerated <> ''
  union all
  select 'publication', p.oid, pg_catalog.quote_ident(p.pubname), '{}', false
  from pg_catalog.pg_publication p
  where p.puballtables or exists (select from pg_catalog.pg_publication_rel pr where pr.prpubid = p.oid and pr.prrelid = tbl)
  union all
  select 'grant', tbl, case when a.grantee = 0 then 'public' else pg_catalog.quote_ident(ro.rolname) end,
         '{}', false
  from pg_catalog.pg_class c cross join lateral pg_catalog.aclexplode(c.relacl) as a
  left join pg_catalog.pg_roles ro on ro.oid = a.grantee
  where c.oid = tbl and a.grantee <> c.relowner
  group by a.grantee, ro.rolname
  union all
  select 'sequence', s.oid, tandem._qualified(s.oid),
         array(select a.attname::text from pg_catalog.pg_attribute a where a.attrelid = tbl and a.attnum = d.refobjsubid), false
  from pg_catalog.pg_depend d join pg_catalog.pg_class s on s.oid = d.objid and s.relkind = 'S'
  where d.classid = 'pg_catalog.pg_class'::regclass and d.refobjid = tbl and d.deptype = 'a'
  union all
  -- anything else that depends on it or its row type: a column of its type, an inheriting table, a
  -- policy of another table reading it, …
  select 'other', d.objid, pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid), coalesce(c.columns, '{}'), false
  from deps d left join cols c on c.classid = d.classid and c.objid = d.objid
  where d.classid not in ('pg_catalog.pg_rewrite'::regclass, 'pg_catalog.pg_proc'::regclass)
    and coalesce(case d.classid
          when 'pg_catalog.pg_constraint'::regclass then (select case when k.contype = 'f' and k.confrelid = tbl then tbl else k.conrelid end
                                                          from pg_catalog.pg_constraint k where k.oid = d.objid)
          when 'pg_catalog.pg_trigger'::regclass then (select t.tgrelid from pg_catalog.pg_trigger t where t.oid = d.objid)
          when 'pg_catalog.pg_policy'::regclass then (select p.polrelid from pg_catalog.pg_policy p where p.oid = d.objid)
          when 'pg_catalog.pg_attrdef'::regclass then (select ad.adrelid from pg_catalog.pg_attrdef ad where ad.oid = d.objid)
          when 'pg_catalog.pg_statistic_ext'::regclass then (select x.stxrelid from pg_catalog.pg_statistic_ext x where x.oid = d.objid)
          when 'pg_catalog.pg_class'::regclass then (select coalesce(i.indrelid, d.objid) from pg_catalog.pg_class x
                                                     left join pg_catalog.pg_index i on i.indexrelid = x.oid where x.oid = d.objid)
        end, 0) not in (readers, tbl)
  group by d.classid, d.objid, d.objsubid, c.columns
$$;
comment on function tandem._catalog_dependents(regclass, regclass) is
  'What uses a relation, from the catalogs (and, best effort, from function source text): the raw list tandem._dependents decides on.';

/* An object as a message names it: a view (not its rewrite rule), or as pg_describe_object does. */
create or replace function tandem._describe(classid oid, objid oid) returns text
  language sql
  stable
  set search_path = pg_catalog, pg_temp
as $$
  select case when classid = 'pg_catalog.pg_rewrite'::regclass
              then (select pg_catalog.format('%s %s', case c.relkind when 'm' then 'materialized view' else 'view' end, tandem._qualified(c.oid))
                    from pg_catalog.pg_rewrite w join pg_catalog.pg_class c on c.oid = w.ev_class where w.oid = objid)
              else pg_catalog.pg_describe_object(classid, objid, 0) end
$$;

/* Whether a policy of the legacy table has an equal on the modern table (same name, command, roles, expressions). */
create or replace function tandem._policy_on(policy oid, rel regclass) returns boolean
  language sql
  stable
  set search_path = pg_catalog, pg_temp
as $$
  select exists (
    select from pg_catalog.pg_policy p join pg_catalog.pg_policy q on q.polname = p.polname and q.polrelid = rel
    where p.oid = policy and q.polcmd = p.polcmd and q.polpermissive = p.polpermissive
      and (select array_agg(x order by x) from unnest(q.polroles) x) = (select array_agg(x order by x) from unnest(p.polroles) x)
      and pg_catalog.pg_get_expr(q.polqual, q.polrelid) is not distinct from pg_catalog.pg_get_expr(p.polqual, p.polrelid)
      and pg_catalog.pg_get_expr(q.polwithcheck, q.polrelid) is not distinct from pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid))
$$;

/*
 * Every dependent of a bridge's tables, and what cutover, rollback and contract do to it, and why. The
 * transitions act on this and refuse (TD003) where it says refused; tandem.plan() shows it.
 * `inline_limit`: as cutover's (a populated materialized view is filled again inside cutover).
 */
create or replace function tandem._dependents(b tandem.bridge, inline_limit bigint default 100000)
returns table (side text, kind text, object text, objid oid, cutover text, rollback text, contract text, reason text, best_effort boolean)
  language plpgsql
  volatile -- it asks the shape's plan stage
as $$
declare
  state tandem.cutover;
  mode text;
  readers regclass;
  lq text;
  mq text;
  same text[];
  moved text[];
  d record;
  choice text;
  unsound text[];
  modern_policies text;
  trigger_fix text;
  policy_fix text;
begin
  if not exists (select from pg_catalog.pg_class where oid = b.legacy) then
    return; -- contracted: the archive is gone
  end if;
  select * into state from tandem.cutover c where c.bridge_id = b.id;
  if found then
    mode := 'rename';
    readers := coalesce(pg_catalog.to_regclass(state.legacy_name), b.legacy);
  else
    mode := case when tandem._shape_text('plan', b) = 'rename' then 'rename' else 'stays' end;
    readers := b.legacy;
  end if;
  lq := coalesce(state.legacy_name, tandem._qualified(b.legacy));
  mq := tandem._qualified(b.modern);
  same := tandem._same_columns(b);
  -- What contract drops of a legacy table that stays: the moved columns (none when a renamed bridge of
  -- the same table takes the table, as a lookup's bridge of a renamed table).
  moved := case when mode = 'rename' then '{}'::text[]
                when b.kind = 'distinct' and exists (select from tandem.bridge o where o.legacy = b.legacy and o.id <> b.id and o.kind = 'table'
                                                     and tandem._shape_text('plan', o) = 'rename') then '{}'::text[]
                else array(select k from pg_catalog.jsonb_object_keys(b.backward) as k where k <> all(b.legacy_key)) end;
  trigger_fix := 'declare what to do in the bridge''s options: {"triggers": {"%s": "carry"}} creates it on the modern table as it is, "leave" keeps it on the archive only (where only sync writes fire it)';
  policy_fix := 'create the same policy (same name and definition) on %s before cutover, or declare {"policies": {"%s": "leave"}} in the bridge''s options once the modern table''s own policies filter what it filtered';
  modern_policies := (select pg_catalog.string_agg(pg_catalog.quote_ident(q.polname), ', ' order by q.polname)
                      from pg_catalog.pg_policy q where q.polrelid = b.modern
                        and not exists (select from pg_catalog.pg_policy p where p.polrelid = b.legacy and tandem._policy_on(p.oid, b.modern)));

  for d in select * from tandem._catalog_dependents(readers, b.legacy) order by 1, 3 loop
    side := 'legacy'; kind := d.kind; object := d.object; objid := d.objid; best_effort := d.best_effort;
    cutover := 'kept'; rollback := 'kept'; contract := 'kept'; reason := null;
    if mode = 'stays' then
      if d.kind in ('foreign key (of it)', 'sequence') and d.columns && moved then
        contract := 'dropped';
        reason := pg_catalog.format('on %s of %s, which contract drops (and it with them)',
                                    (select pg_catalog.string_agg(x, ', ') from pg_catalog.unnest(d.columns) x where x = any(moved)), lq);
      elsif d.kind = 'generated column' and d.columns && moved then
        contract := 'dropped';
        reason := 'a moved column: contract drops it';
      elsif d.columns && moved and not d.best_effort then
        contract := 'refused';
        reason := pg_catalog.format('depends on %s of %s, which contract drops. Fix: change it to read the modern table %s before contract',
                                    (select pg_catalog.string_agg(x, ', ') from pg_catalog.unnest(d.columns) x where x = any(moved)), lq, mq);
      elsif d.columns && moved then
        reason := pg_catalog.format('its source names %s, which contract drops from %s (found by name: check it reads the modern table %s by then)',
                                    (select pg_catalog.string_agg(x, ', ') from pg_catalog.unnest(d.columns) x where x = any(moved)), lq, mq);
      else
        reason := case when b.kind = 'columns' then 'the table serves both sides until contract'
                       else pg_catalog.format('%s stays a table (%s): unchanged', lq, case when b.kind = 'table' then 'a split' else 'its bridges decide' end) end;
      end if;
    elsif d.kind = 'view' and mode = 'rename' and tandem._owner_rights_view(d.objid)
          and (state.bridge_id is null or tandem._view_reads(d.objid, b.legacy)) then
      -- Over the compatibility view (security_invoker) its readers would be checked, and filtered by row
      -- security, as themselves: a role allowed only the view would be refused, another see other rows.
      cutover := 'kept'; rollback := 'kept'; contract := 'redefined';
      reason := pg_catalog.format('reads %s with its owner''s rights: it keeps reading the table (the archive from cutover on, kept in sync), so that its readers keep exactly the rights and rows they had; contract puts in the archive''s place a view of %s with the owner''s rights, and redefines it over that', lq, mq);
    elsif d.kind = 'view' then
      cutover := 'redefined'; rollback := 'redefined';
      reason := pg_catalog.format('reads %s: redefined over the compatibility view (the same definition), and over the table again by rollback', lq);
    elsif d.kind = 'materialized view' then
      if exists (select from pg_catalog.pg_depend x join pg_catalog.pg_rewrite w on x.classid = 'pg_catalog.pg_rewrite'::regclass and w.oid = x.objid
                 where x.refobjid = d.objid and w.ev_class <> d.objid and x.deptype = 'n') then
        cutover := 'refused';
        reason := pg_catalog.format('reads %s, and views read it: cutover must create it again over the compatibility view, which drops it. Fix: drop the views that read it before cutover and create them again after', lq);
      elsif (select relispopulated from pg_catalog.pg_class where oid = d.objid) and state.bridge_id is null
            and tandem._row_count(b.legacy) > inline_limit then
        cutover := 'refused';
        reason := pg_catalog.format('reads %s, which holds more than %s rows: filling it again inside cutover would hold the locks meanwhile. Fix: drop it before cutover and create it again after, over %s or the modern table', lq, inline_limit, lq);
      else
        cutover := 'redefined'; rollback := 'redefined';
        reason := pg_catalog.format('reads %s: created again over the compatibility view (the same query, indexes, owner, grants and comment; filled when it was), and over the table again by rollback', lq);
      end if;
    elsif d.kind = 'function' then
      if (select prokind from pg_catalog.pg_proc where oid = d.objid) not in ('f', 'p') then
        cutover := 'refused';
        reason := pg_catalog.format('uses the row type of %s; an aggregate or window function cannot be created again by cutover. Fix: drop it before cutover and create it again after', lq);
      elsif exists (select from pg_catalog.pg_depend x where x.refclassid = 'pg_catalog.pg_proc'::regclass and x.refobjid = d.objid and x.deptype = 'n') then
        cutover := 'refused';
        reason := pg_catalog.format('uses the row type of %s (or reads it in its body), and %s depend%s on it: cutover must create it again for the compatibility view''s row type. Fix: drop %s before cutover and create %s again after',
          lq, (select pg_catalog.string_agg(distinct tandem._describe(x.classid, x.objid), ', ') from pg_catalog.pg_depend x
               where x.refclassid = 'pg_catalog.pg_proc'::regclass and x.refobjid = d.objid and x.deptype = 'n'),
          case when (select count(*) from pg_catalog.pg_depend x where x.refclassid = 'pg_catalog.pg_proc'::regclass and x.refobjid = d.objid and x.deptype = 'n') = 1 then 's' else '' end,
          'them', 'them');
      else
        cutover := 'redefined'; rollback := 'redefined';
        reason := pg_catalog.format('uses the row type of %s (returns or takes it), or reads it in an SQL-standard body: created again for the compatibility view (the same definition, owner, grants and comment), and for the table again by rollback', lq);
      end if;
    elsif d.kind = 'function (names it)' then
      reason := pg_catalog.format('its body names %s (found by name in its source, best effort): it looks the name up when it runs, so after cutover it reads the compatibility view', lq);
    elsif d.kind = 'trigger' then
      choice := b.options->'triggers'->>(select t.tgname from pg_catalog.pg_trigger t where t.oid = d.objid);
      unsound := array(select x from pg_catalog.unnest(d.columns
                         || array(select a.attname::text from pg_catalog.pg_trigger t join pg_catalog.pg_proc p on p.oid = t.tgfoid
                                  join pg_catalog.pg_attribute a on a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped
                                  where t.oid = d.objid
                                    and pg_catalog.lower(a.attname) = any(tandem._source_tokens(
                                          p.prosrc || ' ' || pg_catalog.encode(t.tgargs, 'escape'))))) as x
                       where x <> all(same) group by x order by x);
      if choice = 'leave' then
        contract := 'dropped';
        reason := pg_catalog.format('declared "leave": it stays on the archive of %s, where only sync writes fire it (its effect does not reach %s); contract drops it with the archive', lq, mq);
      elsif exists (select from pg_catalog.pg_trigger t join pg_catalog.pg_trigger u on u.tgname = t.tgname and u.tgrelid = b.modern
                    where t.oid = d.objid) and not exists (select from pg_catalog.jsonb_array_elements(state.carried) e
                                                          where e->>'kind' = 'trigger' and e->>'name' = (select tgname from pg_catalog.pg_trigger where oid = d.objid)) then
        cutover := 'refused';
        reason := pg_catalog.format('fires on writes of %s, and %s has a trigger of the same name: after cutover writes through the view would not fire it. Fix: rename one of them, or %s',
                                    lq, mq, pg_catalog.format(trigger_fix, (select tgname from pg_catalog.pg_trigger where oid = d.objid)));
      elsif choice = 'carry' or (choice is null and cardinality(unsound) = 0
                                 and (select tgconstraint = 0 from pg_catalog.pg_trigger where oid = d.objid)) then
        cutover := 'carried over'; rollback := 'dropped';
        reason := pg_catalog.format('fires on writes of %s, which after cutover go to %s: created there (same timing, events, condition, function and arguments%s) and disabled on the archive; rollback drops it there and enables it on the table again',
                                    lq, mq, case when choice = 'carry' then '; declared "carry"'
                                                 else ', since every legacy column it names has the same name and value there (its function''s source searched by name, best effort)' end);
        best_effort := choice is null;
      else
        cutover := 'refused';
        reason := pg_catalog.format('fires on writes of %s; after cutover they go to %s, and it %s, so it cannot be carried there as it is. Fix: %s',
          lq, mq,
          case when cardinality(unsound) > 0
               then pg_catalog.format('names legacy columns that %s does not have under the same name and value (%s; found in its definition and its function''s source, best effort)',
                                      mq, pg_catalog.array_to_string(unsound, ', '))
               else 'is a constraint trigger' end,
          pg_catalog.format(trigger_fix, (select tgname from pg_catalog.pg_trigger where oid = d.objid)));
      end if;
    elsif d.kind in ('row security', 'policy') then
      choice := case when d.kind = 'policy' then b.options->'policies'->>(select p.polname from pg_catalog.pg_policy p where p.oid = d.objid) end;
      if d.kind = 'row security' then
        if (select relrowsecurity from pg_catalog.pg_class where oid = b.modern)
           and not exists (select from pg_catalog.jsonb_array_elements(state.carried) e where e->>'kind' = 'row security') then
          reason := pg_catalog.format('enabled on %s, and on %s already', lq, mq);
        else
          cutover := 'carried over'; rollback := 'dropped';
          reason := pg_catalog.format('enabled on %s (%s): enabled on %s too, so that reads and writes through the view are filtered as before (every role but its owner and those with BYPASSRLS is then filtered there); rollback disables it there again',
                                      lq, case when (select relforcerowsecurity from pg_catalog.pg_class where oid = b.legacy) then 'forced' else 'not forced' end, mq);
        end if;
      elsif not (select relrowsecurity from pg_catalog.pg_class where oid = b.legacy) then
        contract := 'dropped';
        reason := pg_catalog.format('row-level security is not enabled on %s, so it filters nothing: not carried; contract drops it with the archive', lq);
      elsif choice = 'leave' then
        contract := 'dropped';
        reason := pg_catalog.format('declared "leave": the policies of %s filter what it filtered; it stays on the archive, and contract drops it with it', mq);
      elsif tandem._policy_on(d.objid, b.modern)
            and not exists (select from pg_catalog.jsonb_array_elements(state.carried) e where e->>'kind' = 'policy'
                            and e->>'name' = (select polname from pg_catalog.pg_policy where oid = d.objid)) then
        contract := 'dropped';
        reason := pg_catalog.format('%s has the same policy already', mq);
      elsif exists (select from pg_catalog.pg_policy q join pg_catalog.pg_policy p on p.polname = q.polname
                    where p.oid = d.objid and q.polrelid = b.modern)
            and not exists (select from pg_catalog.jsonb_array_elements(state.carried) e where e->>'kind' = 'policy'
                            and e->>'name' = (select polname from pg_catalog.pg_policy where oid = d.objid)) then
        cutover := 'refused';
        reason := pg_catalog.format('filters %s, and %s has another policy of the same name. Fix: %s', lq, mq,
                                    pg_catalog.format(policy_fix, mq, (select polname from pg_catalog.pg_policy where oid = d.objid)));
      elsif cardinality(array(select x from pg_catalog.unnest(d.columns) x where x <> all(same))) > 0 then
        cutover := 'refused';
        reason := pg_catalog.format('filters %s by %s, which %s does not have under the same name and value: after cutover it would filter nothing and every row would show through the view. Fix: %s',
                                    lq, (select pg_catalog.string_agg(x, ', ') from pg_catalog.unnest(d.columns) x where x <> all(same)), mq,
                                    pg_catalog.format(policy_fix, mq, (select polname from pg_catalog.pg_policy where oid = d.objid)));
      elsif modern_policies is not null and state.bridge_id is null then
        cutover := 'refused';
        reason := pg_catalog.format('filters %s, and %s has policies of its own (%s): a role would see what either allows, which may be more than before. Fix: %s',
                                    lq, mq, modern_policies, pg_catalog.format(policy_fix, mq, (select polname from pg_catalog.pg_policy where oid = d.objid)));
      else
        cutover := 'carried over'; rollback := 'dropped';
        reason := pg_catalog.format('filters %s by columns %s has under the same names and values: created there, so that the view shows what the table showed; rollback drops it there', lq, mq);
      end if;
    elsif d.kind = 'foreign key (referencing it)' then
      if array_position(array(select (select k from pg_catalog.jsonb_each_text(b.key) as e(k, v) where v = a.attname or v = pg_catalog.quote_ident(a.attname))
                              from pg_catalog.pg_constraint k2 cross join pg_catalog.unnest(k2.confkey) with ordinality as u(attnum, i)
                              join pg_catalog.pg_attribute a on a.attrelid = b.legacy and a.attnum = u.attnum
                              where k2.oid = d.objid order by i), null) is not null then
        cutover := 'refused';
        reason := pg_catalog.format('references columns of %s that do not map one to one to a key column of %s, so it cannot be moved there. Fix: key the bridge with bare legacy columns for the referenced columns, or replace the foreign key first (typically by one on a new column of a bridge of columns)', lq, mq);
      elsif tandem._fk_checked_at_once((select k.conrelid from pg_catalog.pg_constraint k where k.oid = d.objid))
            and tandem._row_count((select k.conrelid from pg_catalog.pg_constraint k where k.oid = d.objid)) > inline_limit then
        cutover := 'refused';
        reason := pg_catalog.format('is a foreign key of a partitioned table, which PostgreSQL before 18 cannot add NOT VALID: moving it would check its %s rows (more than %s) under the locks of cutover and rollback. Fix: run PostgreSQL 18, or pass a larger inline_limit, or drop it before cutover and add it again after, referencing %s',
                                  tandem._row_count((select k.conrelid from pg_catalog.pg_constraint k where k.oid = d.objid)), inline_limit, mq);
      else
        cutover := 'moved'; rollback := 'moved';
        reason := pg_catalog.format('references %s: moved to %s, validated where it was validated (see tandem.validate_foreign_keys), and back by rollback', lq, mq);
      end if;
    elsif d.kind = 'foreign key (of it)' then
      contract := 'dropped';
      reason := 'a constraint of the legacy table: it stays on the archive, and contract drops it with the archive';
    elsif d.kind = 'generated column' then
      cutover := 'redefined';
      reason := 'computed by the compatibility view with the table''s generation expression';
    elsif d.kind = 'publication' then
      cutover := 'refused';
      reason := pg_catalog.format('publishes %s, which cutover renames to its archive: subscribers would receive its changes under that name. Fix: publish %s instead (alter publication %s add table %s, and the table on the subscriber)%s before cutover',
                                  lq, mq, d.object, mq,
                                  case when (select puballtables from pg_catalog.pg_publication where oid = d.objid) then ''
                                       else pg_catalog.format(', and drop %s from it (alter publication %s drop table %s)', lq, d.object, lq) end);
    elsif d.kind = 'grant' then
      cutover := 'carried over';
      reason := pg_catalog.format('privileges on %s: granted on the compatibility view, and on %s where the role lacks them (the view is security_invoker); rollback revokes those it added there', lq, mq);
    elsif d.kind = 'sequence' then
      reason := pg_catalog.format('owned by %s.%s: the compatibility view''s default uses it; contract keeps it, owned by no column', lq, pg_catalog.array_to_string(d.columns, ', '));
    else
      cutover := 'refused'; contract := 'refused';
      reason := pg_catalog.format('depends on %s (or its row type), and cutover cannot move it. Fix: drop it before cutover and create it again after, over the compatibility view or %s', lq, mq);
    end if;
    return next;
  end loop;

  -- The modern table's own dependents: no transition changes them.
  if b.modern <> b.legacy then
    for d in select * from tandem._catalog_dependents(b.modern, b.modern) c
             where c.kind not in ('grant', 'sequence', 'generated column', 'function (names it)') order by 1, 3 loop
      side := 'modern'; kind := d.kind; object := d.object; objid := d.objid; best_effort := d.best_effort;
      -- what a rename's cutover carried there is listed with the legacy table
      continue when d.kind = 'trigger' and exists (select from pg_catalog.jsonb_array_elements(state.carried) e, pg_catalog.pg_trigger t
                                                   where t.oid = d.objid and e->>'kind' = 'trigger' and e->>'name' = t.tgname);
      continue when d.kind = 'policy' and exists (select from pg_catalog.jsonb_array_elements(state.carried) e, pg_catalog.pg_policy p
                                                  where p.oid = d.objid and e->>'kind' = 'policy' and e->>'name' = p.polname);
      continue when d.kind = 'row security' and exists (select from pg_catalog.jsonb_array_elements(state.carried) e where e->>'kind' = 'row security');
      continue when d.kind = 'foreign key (referencing it)' and exists (select from pg_catalog.jsonb_array_elements(state.foreign_keys) e, pg_catalog.pg_constraint k
                                                                        where k.oid = d.objid and e->>'name' = k.conname and pg_catalog.to_regclass(e->>'table') = k.conrelid);
      continue when d.kind = 'view' and state.bridge_id is not null and d.objid = readers;
      cutover := 'kept'; rollback := 'kept'; contract := 'kept';
      reason := pg_catalog.format('on %s, which no transition changes', mq);
      return next;
    end loop;
  end if;
end
$$;
comment on function tandem._dependents(tandem.bridge, bigint) is
  'Every dependent of a bridge''s tables (views, materialized views, functions, triggers, row-level security, foreign keys, generated columns, publications, grants, sequences, anything else) and what cutover, rollback and contract do to it, and why. The transitions act on it; tandem.plan shows it.';

/*
 * Refuses a transition (TD003) where _dependents says it would be refused, naming every such
 * dependent and its fix, before anything changes.
 */
create or replace function tandem._refuse_dependents(migration text, verb text, inline_limit bigint default 100000) returns void
  language plpgsql
  volatile
as $$
declare
  refused text;
  first text;
begin
  select pg_catalog.string_agg(pg_catalog.format('%s %s (bridge %s): %s.', d.kind, d.object, b.name, d.reason), E'\n' order by b.sync_order, b.id, d.kind, d.object),
         min(pg_catalog.format('%s %s', d.kind, d.object))
    into refused, first
  from tandem.bridge b cross join lateral tandem._dependents(b, inline_limit) as d
  where b.migration = _refuse_dependents.migration
    and case verb when 'cutover' then d.cutover when 'rollback' then d.rollback else d.contract end = 'refused';
  if refused is not null then
    raise exception 'cannot % migration "%": % %', case verb when 'cutover' then 'cut over' when 'rollback' then 'roll back' else verb end, migration,
        first, case when pg_catalog.strpos(refused, E'\n') > 0 then 'and other dependents cannot follow' else 'cannot follow' end
      using errcode = 'TD003', detail = refused,
            hint = pg_catalog.format('Each line says what to do; nothing was changed. select * from tandem.plan(%L) shows what %s will do with every dependent.', migration, verb);
  end if;
end
$$;
comment on function tandem._refuse_dependents(text, text, bigint) is
  'Raises TD003, naming each dependent and its fix, when tandem._dependents says a transition is refused by one.';

/*
 * What each transition of a migration will do, and why: per bridge, how cutover takes it (a rename, and
 * with which compatibility view, or a split, and which mapping makes it so), what contract drops, the
 * legacy columns no bridge maps, and every dependent of its tables (tandem._dependents).
 */
drop function if exists tandem.plan(text);
create function tandem.plan(migration text)
returns table (bridge text, kind text, object text, cutover text, rollback text, contract text, reason text, best_effort boolean)
  language plpgsql
  volatile
as $$
#variable_conflict use_column
declare
  target tandem.migration;
  b tandem.bridge;
  how text;
  state tandem.cutover;
  lq text;
begin
  target := tandem._migration(plan.migration);
  for b in select * from tandem.bridge x where x.migration = target.name order by x.sync_order, x.id loop
    select * into state from tandem.cutover c where c.bridge_id = b.id;
    if target.phase = 'contracted' then
      bridge := b.name; kind := 'bridge';
      object := pg_catalog.format('%s → %s', coalesce(tandem._qualified(b.legacy), '(dropped by contract)'), tandem._qualified(b.modern));
      cutover := 'done'; rollback := 'refused'; contract := 'done'; reason := 'contracted: nothing left to do'; best_effort := false;
      return next;
      continue;
    end if;
    lq := coalesce(state.legacy_name, tandem._qualified(b.legacy));
    how := case when state.bridge_id is not null then 'rename' else tandem._shape_text('plan', b) end;
    bridge := b.name; kind := 'bridge'; object := pg_catalog.format('%s → %s', lq, tandem._qualified(b.modern)); best_effort := false;
    cutover := how; rollback := case when how = 'rename' then 'rename undone' else 'none' end;
    contract := case how when 'rename' then 'drops the archive' when 'split' then 'drops the moved columns'
                          else case when b.kind = 'columns' then 'drops the legacy columns' else 'drops the moved columns' end end;
    reason := case
      when how = 'rename' then pg_catalog.format(
        '%s feeds only this bridge%s, has no filter, and every legacy column has a backward expression: its name becomes a compatibility view over %s, %s; the table stays, in sync, as its archive until contract',
        lq, case when exists (select from tandem.bridge o where o.legacy = b.legacy and o.id <> b.id) then ' (and lookups the view writes first)' else '' end,
        tandem._qualified(b.modern),
        case when coalesce(not state.compat_triggers, tandem._plain_rename(b))
             then 'a plain view PostgreSQL updates by itself (its columns are modern columns renamed): INSERT … ON CONFLICT works through it'
             else 'written through INSTEAD OF triggers (its columns are computed): INSERT … ON CONFLICT does not work through it; write the modern table instead' end)
      when b.kind = 'table' then pg_catalog.format('a split: %s stays a table, %s', lq, pg_catalog.concat_ws('; ',
        case when b.filter is not null then pg_catalog.format('the bridge has a filter (%s)', b.filter) end,
        case when exists (select from tandem.bridge o where o.legacy = b.legacy and o.id <> b.id and tandem._shape_text('compat_write', o) is null)
             then pg_catalog.format('other bridges read it (%s)', (select pg_catalog.string_agg(o.migration || '.' || o.name, ', ')
                                                                  from tandem.bridge o where o.legacy = b.legacy and o.id <> b.id)) end,
        (select 'legacy columns with no backward expression: ' || pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' order by a.attnum)
         from pg_catalog.pg_attribute a where a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
           and not b.backward ? a.attname)))
      when b.kind = 'distinct' then 'the distinct values of the key: nothing changes at cutover'
      else 'a bridge of columns: its table serves both sides until contract' end;
    return next;
    -- What contract drops.
    if how = 'rename' then
      kind := 'table'; object := tandem._qualified(b.legacy);
      cutover := case when state.bridge_id is null then 'moved' else 'kept' end; rollback := 'moved'; contract := 'dropped';
      reason := pg_catalog.format('%s: renamed to its archive by cutover (back by rollback), dropped by contract (kept aside with keep_restore_copy)', lq);
      return next;
    else
      for object in select pg_catalog.format('%s.%I', lq, c) from pg_catalog.unnest(tandem._contract_columns(b)) as c loop
        kind := 'column'; cutover := 'kept'; rollback := 'kept'; contract := 'dropped';
        reason := 'mapped by this bridge (backward): contract drops it (kept aside with keep_restore_copy)';
        return next;
      end loop;
    end if;
    -- Legacy columns no bridge of the table maps: never compared, never dropped.
    for object in
      select pg_catalog.format('%s.%I', lq, a.attname) from pg_catalog.pg_attribute a
      where a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
        and not exists (select from tandem.bridge o where o.legacy = b.legacy and o.backward ? a.attname)
        -- listed once, with the table's first bridge
        and b.id = (select min(o.id) from tandem.bridge o where o.legacy = b.legacy)
      order by a.attnum
    loop
      kind := 'unmapped column'; cutover := 'kept'; rollback := 'kept'; contract := 'kept';
      reason := 'no bridge maps it: never compared, and it stays in the legacy table after contract';
      return next;
    end loop;
    for kind, object, cutover, rollback, contract, reason, best_effort in
      select d.side || ' ' || d.kind, d.object, d.cutover, d.rollback, d.contract, d.reason, d.best_effort from tandem._dependents(b) as d
    loop
      return next;
    end loop;
  end loop;
end
$$;
comment on function tandem.plan(text) is
  'What cutover, rollback and contract will do, and why: per bridge a rename or a split (and which mapping makes it so), what contract drops, legacy columns no bridge maps, and every dependent of its tables with what each transition does to it.';

/* The legacy columns contract drops for a bridge whose legacy table stays (none for one it renames). */
create or replace function tandem._contract_columns(b tandem.bridge) returns text[]
  language sql
  volatile
as $$
  select case
    when exists (select from tandem.cutover c where c.bridge_id = b.id) or tandem._shape_text('plan', b) = 'rename' then '{}'::text[]
    when b.kind = 'distinct' and exists (select from tandem.bridge o where o.legacy = b.legacy and o.id <> b.id and o.kind = 'table'
                                         and (exists (select from tandem.cutover c where c.bridge_id = o.id) or tandem._shape_text('plan', o) = 'rename'))
      then '{}'::text[]
    else array(select k from pg_catalog.jsonb_object_keys(b.backward) as k where k <> all(b.legacy_key) order by k) end
$$;
comment on function tandem._contract_columns(tandem.bridge) is 'The legacy columns contract drops for a bridge (none when its table is renamed and archived).';

/*
 * At tandem.bridge: what cutover will refuse, or carry to the modern table, said now (a WARNING for
 * each refusal, a NOTICE for each trigger or policy it will carry), so that it is no surprise later.
 */
create or replace function tandem._announce_dependents(b tandem.bridge) returns void
  language plpgsql
  volatile
as $$
declare
  d record;
begin
  for d in select * from tandem._dependents(b) x where x.side = 'legacy' and (x.cutover = 'refused' or x.contract = 'refused'
                                                                                or (x.cutover = 'carried over' and x.kind in ('trigger', 'policy'))) loop
    if d.cutover = 'refused' or d.contract = 'refused' then
      raise warning '% would be refused by bridge %.%: % %', case when d.cutover = 'refused' then 'cutover' else 'contract' end,
          b.migration, b.name, d.kind, d.object
        using detail = d.reason, hint = pg_catalog.format('select * from tandem.plan(%L) shows what each transition will do.', b.migration);
    else
      raise notice 'cutover of bridge %.% will carry % % to %', b.migration, b.name, d.kind, d.object, tandem._qualified(b.modern)
        using detail = d.reason;
    end if;
  end loop;
end
$$;
comment on function tandem._announce_dependents(tandem.bridge) is
  'Warns, when a bridge is declared, of each dependent its cutover or contract will refuse, and notes each trigger or policy cutover will carry to the modern table.';
--! EndIncluded tandem/75-dependents.sql
--! Included tandem/80-cutover.sql
/*
 * Cutover and contract.
 *
 * A bridge is cut over in one of two ways:
 *   - rename: its legacy table feeds only this bridge, has no filter, and every legacy column has a
 *     backward expression, so the whole legacy row can be computed from the modern one. The legacy
 *     table is renamed to <name>__archive and keeps being synced (so rollback loses nothing), and its
 *     name becomes an updatable compatibility view over the modern table: INSTEAD OF triggers, the
 *     legacy column defaults, the legacy grants, security_invoker. Views that read the legacy table
 *     are redefined over the compatibility view, and foreign keys that referenced it are moved to the
 *     modern table: nothing keeps silently pointing at the archive.
 *   - split: the legacy table stays (other data lives in it); the modern side becomes the source of
 *     truth, and the moved columns stay synced until contract drops them.
 * Distinct bridges from a renamed legacy table (its lookup values, such as brands) are written by the
 * compatibility view before the modern row that refers to them. A bridge of columns changes nothing at
 * cutover: its table serves both sides until contract drops the legacy columns.
 */

create or replace function tandem._compat_function_name(b tandem.bridge) returns text
  language sql
  immutable
as $$
  select left(pg_catalog.format('compat__%s__%s', b.migration, b.name), 63)
$$;

/*
 * Statements that create a dependent again, printed with every name schema-qualified (search_path
 * pg_catalog) while the relation it depends on still has its name: run after the legacy name has
 * changed hands (cutover: the table renamed to its archive, a view in its place; rollback: the other
 * way), the same text names the new holder of that name, so the object follows it.
 */
create or replace function tandem._view_definition(view_oid oid) returns text
  language sql
  stable
  set search_path = pg_catalog, pg_temp
as $$ select pg_catalog.rtrim(pg_catalog.pg_get_viewdef(view_oid), E'; \n') $$;
comment on function tandem._view_definition(oid) is 'A view''s query, every name schema-qualified, without its trailing semicolon.';

/* GRANT statements giving `rel_q` (an object of `what` kind) the privileges of an ACL, but the owner's. */
create or replace function tandem._grants(acl aclitem[], owner oid, what text, rel_q text) returns text[]
  language sql
  stable
  set search_path = pg_catalog, pg_temp
as $$
  select coalesce(pg_catalog.array_agg(pg_catalog.format('grant %s on %s %s to %s%s', a.privilege_type, what, rel_q,
                                                         case when a.grantee = 0 then 'public' else pg_catalog.quote_ident(r.rolname) end,
                                                         case when a.is_grantable then ' with grant option' else '' end)), '{}')
  from pg_catalog.aclexplode(acl) as a left join pg_catalog.pg_roles r on r.oid = a.grantee
  where a.grantee <> owner
$$;

/*
 * A function using a relation's row type (or reading it in an SQL-standard body), to be created again
 * for whatever holds the relation's name next: `drop` (run while the name still names the old holder)
 * and `create` (after): its definition as pg_get_functiondef prints it (every attribute), owner, grants
 * and comment.
 */
create or replace function tandem._function_again(fn oid) returns jsonb
  language sql
  stable
  set search_path = pg_catalog, pg_temp
as $$
  select pg_catalog.jsonb_build_object(
    'drop', pg_catalog.format('drop %s %s', case p.prokind when 'p' then 'procedure' else 'function' end, p.oid::regprocedure),
    'create', array[pg_catalog.pg_get_functiondef(p.oid),
                    pg_catalog.format('alter %s %s owner to %I', case p.prokind when 'p' then 'procedure' else 'function' end, p.oid::regprocedure,
                                      (select rolname from pg_catalog.pg_roles where oid = p.proowner))]
      || case when p.proacl is null then '{}'::text[]
              else pg_catalog.format('revoke all on %s %s from public', case p.prokind when 'p' then 'procedure' else 'function' end, p.oid::regprocedure)
                   || tandem._grants(p.proacl, p.proowner, case p.prokind when 'p' then 'procedure' else 'function' end, p.oid::regprocedure::text) end
      || case when pg_catalog.obj_description(p.oid, 'pg_proc') is null then '{}'::text[]
              else array[pg_catalog.format('comment on %s %s is %L', case p.prokind when 'p' then 'procedure' else 'function' end,
                                           p.oid::regprocedure, pg_catalog.obj_description(p.oid, 'pg_proc'))] end)
  from pg_catalog.pg_proc p where p.oid = fn
$$;
comment on function tandem._function_again(oid) is
  'The statements that drop a function and create it again for whatever holds its row type''s name next: definition, owner, grants, comment.';

/* The same for a materialized view: its query, filled or not, indexes, owner, grants, comment. */
create or replace function tandem._materialized_view_again(mv oid) returns jsonb
  language sql
  stable
  set search_path = pg_catalog, pg_temp
as $$
  select pg_catalog.jsonb_build_object(
    'drop', pg_catalog.format('drop materialized view %s', tandem._qualified(c.oid)),
    'create', array[pg_catalog.format('create materialized view %s as %s with %sdata', tandem._qualified(c.oid), tandem._view_definition(c.oid),
                                      case when c.relispopulated then '' else 'no ' end)]
      || array(select pg_catalog.pg_get_indexdef(i.indexrelid) from pg_catalog.pg_index i where i.indrelid = c.oid order by i.indexrelid)
      || pg_catalog.format('alter materialized view %s owner to %I', tandem._qualified(c.oid), (select rolname from pg_catalog.pg_roles where oid = c.relowner))
      || tandem._grants(c.relacl, c.relowner, 'table', tandem._qualified(c.oid))
      || case when pg_catalog.obj_description(c.oid, 'pg_class') is null then '{}'::text[]
              else array[pg_catalog.format('comment on materialized view %s is %L', tandem._qualified(c.oid), pg_catalog.obj_description(c.oid, 'pg_class'))] end)
  from pg_catalog.pg_class c where c.oid = mv
$$;
comment on function tandem._materialized_view_again(oid) is
  'The statements that drop a materialized view and create it again over whatever holds the name it reads next: query, filled or not, indexes, owner, grants, comment.';

/*
 * A trigger of one table created on another: the same timing, events (UPDATE OF the same column
 * names), transition tables, level, condition, function and arguments, and enabled state. The
 * condition is the text pg_get_triggerdef prints between WHEN and EXECUTE FUNCTION (it prints no
 * other way to read it: pg_get_expr cannot print a trigger's NEW and OLD).
 */
create or replace function tandem._trigger_on(trigger_oid oid, target regclass) returns text[]
  language plpgsql
  stable
  set search_path = pg_catalog, pg_temp
as $$
declare
  t pg_catalog.pg_trigger;
  def text;
  condition text := '';
  starts int;
  ends int;
  marker text := ' EXECUTE FUNCTION ';
begin
  select * into t from pg_catalog.pg_trigger where oid = trigger_oid;
  def := pg_catalog.pg_get_triggerdef(trigger_oid);
  if t.tgqual is not null then
    starts := pg_catalog.strpos(def, ' WHEN (');
    ends := pg_catalog.length(def) - pg_catalog.strpos(pg_catalog.reverse(def), pg_catalog.reverse(marker)) - pg_catalog.length(marker) + 2;
    condition := ' ' || pg_catalog.substr(def, starts + 1, ends - starts - 1);
  end if;
  return array[pg_catalog.format('create trigger %I %s %s on %s%s for each %s%s execute function %I.%I(%s)',
    t.tgname,
    case when t.tgtype & 2 = 2 then 'before' when t.tgtype & 64 = 64 then 'instead of' else 'after' end,
    pg_catalog.concat_ws(' or ',
      case when t.tgtype & 4 = 4 then 'insert' end,
      case when t.tgtype & 8 = 8 then 'delete' end,
      case when t.tgtype & 16 = 16 then 'update' || coalesce(' of ' || (
        select pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' order by u.i)
        from pg_catalog.unnest(t.tgattr::int2[]) with ordinality as u(attnum, i)
        join pg_catalog.pg_attribute a on a.attrelid = t.tgrelid and a.attnum = u.attnum), '') end,
      case when t.tgtype & 32 = 32 then 'truncate' end),
    tandem._qualified(target),
    case when t.tgoldtable is null and t.tgnewtable is null then ''
         else ' referencing' || coalesce(' old table as ' || pg_catalog.quote_ident(t.tgoldtable), '')
                             || coalesce(' new table as ' || pg_catalog.quote_ident(t.tgnewtable), '') end,
    case when t.tgtype & 1 = 1 then 'row' else 'statement' end,
    condition,
    (select n.nspname from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace where p.oid = t.tgfoid),
    (select p.proname from pg_catalog.pg_proc p where p.oid = t.tgfoid),
    (select coalesce(pg_catalog.string_agg(pg_catalog.quote_literal(a), ', ' order by i), '')
     from pg_catalog.unnest((pg_catalog.string_to_array(pg_catalog.encode(t.tgargs, 'escape'), '\000'))[1:t.tgnargs]) with ordinality as x(a, i)))]
    || case t.tgenabled when 'D' then array[pg_catalog.format('alter table %s disable trigger %I', tandem._qualified(target), t.tgname)]
                        when 'R' then array[pg_catalog.format('alter table %s enable replica trigger %I', tandem._qualified(target), t.tgname)]
                        when 'A' then array[pg_catalog.format('alter table %s enable always trigger %I', tandem._qualified(target), t.tgname)]
                        else '{}'::text[] end;
end
$$;
comment on function tandem._trigger_on(oid, regclass) is
  'The statements that create a trigger of one table on another: timing, events, transition tables, level, condition, function, arguments and enabled state.';

/* A policy of one table created on another: the same command, kind, roles and expressions. */
create or replace function tandem._policy_statement(policy oid, target regclass) returns text
  language sql
  stable
  set search_path = pg_catalog, pg_temp
as $$
  select pg_catalog.format('create policy %I on %s as %s for %s to %s%s%s', p.polname, tandem._qualified(target),
    case when p.polpermissive then 'permissive' else 'restrictive' end,
    case p.polcmd when 'r' then 'select' when 'a' then 'insert' when 'w' then 'update' when 'd' then 'delete' else 'all' end,
    (select pg_catalog.string_agg(case when r = 0 then 'public' else pg_catalog.quote_ident((select rolname from pg_catalog.pg_roles where oid = r)) end, ', ')
     from pg_catalog.unnest(p.polroles) as r),
    coalesce(' using (' || pg_catalog.pg_get_expr(p.polqual, p.polrelid) || ')', ''),
    coalesce(' with check (' || pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) || ')', ''))
  from pg_catalog.pg_policy p where p.oid = policy
$$;
comment on function tandem._policy_statement(oid, regclass) is 'The statement that creates a policy of one table on another.';

/*
 * The legacy columns that are not generated, computed from the modern rows of `source` (read as m) by
 * the backward mapping, in the legacy table's order: what a compatibility view shows, with
 * tandem._with_generated.
 */
create or replace function tandem._legacy_values(b tandem.bridge, source text) returns text
  language sql
  stable
as $$
  select pg_catalog.format('select %s from %s as m',
    pg_catalog.string_agg(pg_catalog.format('(%s)::%s as %I', b.backward->>a.attname, tandem._column_type(b.legacy, a.attname), a.attname),
                          ', ' order by a.attnum), source)
  from pg_catalog.pg_attribute a
  where a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
$$;
comment on function tandem._legacy_values(tandem.bridge, text) is
  'The query computing the legacy columns that are not generated from modern rows, by the backward mapping: a compatibility view''s, without its generated columns.';

/*
 * The INSTEAD OF trigger function of a renamed bridge's compatibility view `view_q` (the legacy name):
 * generated code like the sync functions, so installing a new release regenerates it. A generated
 * legacy column is computed, as the table would: a write of another value to it is refused as the
 * table refuses it (428C9; a NULL is taken for DEFAULT, which is what a view passes for DEFAULT), and
 * the forward mapping sees the value computed from the row written.
 */
create or replace function tandem._compat_function(b tandem.bridge, view_q text default null) returns text
  language plpgsql
  stable
as $$
declare
  mq text := tandem._qualified(b.modern);
  all_exprs text[];
  lookups text;
  generated text;
begin
  view_q := coalesce(view_q, (select c.legacy_name from tandem.cutover c where c.bridge_id = b.id));
  -- Writes through the view go to the modern table (and from there, by sync, to the archive); what
  -- RETURNING shows is the legacy row computed back from the modern row as written.
  all_exprs := tandem._exprs(b.key, b.modern_key) || tandem._exprs(b.forward, tandem._forward_columns(b));
  -- What the other bridges of the same legacy table write first (compat_write), since the modern row
  -- may refer to it (a product to its brand).
  lookups := coalesce((select pg_catalog.string_agg(w, E'\n    ' order by d.sync_order, d.id)
                       from tandem.bridge d cross join lateral tandem._shape_text('compat_write', d) as w
                       where d.migration = b.migration and d.legacy = b.legacy and d.id <> b.id and w is not null), '');
  -- PostgreSQL's own errors for such a write to the table.
  generated := (select pg_catalog.string_agg(pg_catalog.format($g$if new.%1$I is not null then
      if tg_op = 'INSERT' then
        raise exception using errcode = '428C9', message = %2$L, detail = %4$L;
      elsif %5$s is distinct from %6$s then
        raise exception using errcode = '428C9', message = %3$L, detail = %4$L;
      end if;
    end if;
    new.%1$I := (select (%7$s)::%8$s from (select new.*) as l);$g$,
      a.attname,
      pg_catalog.format('cannot insert a non-DEFAULT value into column "%s"', a.attname),
      pg_catalog.format('column "%s" can only be updated to DEFAULT', a.attname),
      pg_catalog.format('Column "%s" is a generated column.', a.attname),
      tandem._as_compared(b.legacy, a.attname, pg_catalog.format('new.%I', a.attname)),
      tandem._as_compared(b.legacy, a.attname, pg_catalog.format('old.%I', a.attname)),
      tandem._generation_expression(b.legacy, a.attname), tandem._column_type(b.legacy, a.attname)), E'\n    ' order by a.attnum)
    from pg_catalog.pg_attribute a
    where a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped and a.attgenerated <> '');
  return tandem._sync_function(b, tandem._compat_function_name(b), 'instead', pg_catalog.format('written %s;', mq),
    pg_catalog.format($body$if tg_op <> 'DELETE' then
    %9$s
    %8$s
  end if;
  if tg_op = 'INSERT' then
    insert into %1$s as modern (%2$s) select %3$s from (select new.*) as l returning * into written;
  elsif tg_op = 'UPDATE' then
    update %1$s as modern set (%2$s) = (select %3$s from (select new.*) as l)
      where (%4$s) = (select %5$s from (select old.*) as l)
      returning * into written;
    if not found then
      return null;
    end if;
  else
    delete from %1$s as modern where (%4$s) = (select %5$s from (select old.*) as l);
    if not found then
      return null;
    end if;
    return old;
  end if;
  new := (select row(v.*)::%7$s from (%6$s) as v);
  return new;$body$,
      mq,
      tandem._each(b.modern_key || tandem._forward_columns(b), '%I'),
      tandem._each(all_exprs, '(%s)'),
      tandem._each(b.modern_key, 'modern.%I'), tandem._each(tandem._exprs(b.key, b.modern_key), '(%s)'),
      tandem._with_generated(b.legacy, tandem._legacy_values(b, '(select written.*)')),
      view_q, lookups, coalesce(generated, '')),
    pg_catalog.format('Writes through the compatibility view %s to %s.', view_q, mq));
end
$$;
comment on function tandem._compat_function(tandem.bridge, text) is
  'The function behind a compatibility view''s INSTEAD OF trigger: writes through the view go to the modern table.';

/*
 * Moving a foreign key (cutover to the modern table, rollback back to the legacy one) drops it and adds
 * it again NOT VALID, which checks only new rows. One that was validated before must end validated:
 * VALIDATE CONSTRAINT scans the table, but in this transaction the scan would run under the
 * transition's ACCESS EXCLUSIVE locks, so it is done here only when the table is small (up to
 * inline_limit rows, as cutover backfills and verifies inline); a larger one is recorded in
 * tandem.unvalidated_foreign_key, and tandem.validate_foreign_keys validates it later, in a transaction
 * of its own, where VALIDATE takes only SHARE UPDATE EXCLUSIVE (writes go on).
 */
/* Whether a foreign key of the table must be checked as it is added: PostgreSQL before 18 has no NOT VALID foreign keys on partitioned tables. */
create or replace function tandem._fk_checked_at_once(rel regclass) returns boolean
  language sql
  stable
as $$
  select pg_catalog.current_setting('server_version_num')::integer < 180000 and tandem._partitioned(rel)
$$;

create or replace function tandem._add_foreign_key(tbl text, name text, definition text, validated boolean, inline_limit bigint) returns text[]
  language sql
  volatile
as $$
  select case when tandem._fk_checked_at_once(pg_catalog.to_regclass(tbl))
              -- checked as it is added (tandem._dependents refuses a table too large for that)
              then array[pg_catalog.format('alter table %s add constraint %I %s', tbl, name, definition)]
              else array[pg_catalog.format('alter table %s add constraint %I %s not valid', tbl, name, definition)]
                || case when validated and tandem._row_count(pg_catalog.to_regclass(tbl)) <= inline_limit
                        then array[pg_catalog.format('alter table %s validate constraint %I', tbl, name)] else '{}'::text[] end end
$$;
comment on function tandem._add_foreign_key(text, text, text, boolean, bigint) is
  'The statements that add a moved foreign key NOT VALID, and validate it when it was validated before and its table is small.';

/* After moving foreign keys: which of those that were validated before still need validating (recorded, with a notice). */
create or replace function tandem._foreign_keys_moved(migration text, fks jsonb) returns void
  language plpgsql
  volatile
as $$
declare
  item jsonb;
  rel regclass;
  valid_now boolean;
begin
  for item in select * from pg_catalog.jsonb_array_elements(fks) loop
    rel := pg_catalog.to_regclass(item->>'table');
    select c.convalidated into valid_now from pg_catalog.pg_constraint c
    where c.conrelid = rel and c.conname = item->>'name' and c.contype = 'f';
    if valid_now then
      delete from tandem.unvalidated_foreign_key u where u.relation = rel and u.constraint_name = item->>'name';
    elsif coalesce((item->>'validated')::boolean, false)
          or exists (select from tandem.unvalidated_foreign_key u where u.relation = rel and u.constraint_name = item->>'name') then
      insert into tandem.unvalidated_foreign_key (migration, relation, constraint_name) values (migration, rel, item->>'name')
      on conflict (relation, constraint_name) do update set migration = excluded.migration;
      raise notice 'foreign key % on % is NOT VALID until tandem.validate_foreign_keys(%) validates it', item->>'name', item->>'table', pg_catalog.quote_literal(migration)
        using detail = 'It was validated before; its table holds too many rows to scan under the locks of this transition.',
              hint = pg_catalog.format('Once this transaction has committed, in a transaction of its own: select tandem.validate_foreign_keys(%L); (npx tandem does so after cutover and rollback).', migration);
    end if;
  end loop;
end
$$;
comment on function tandem._foreign_keys_moved(text, jsonb) is
  'Records the moved foreign keys that were validated before and are not yet again, for tandem.validate_foreign_keys.';

create or replace function tandem.validate_foreign_keys(migration text) returns text
  language plpgsql
  volatile
as $$
declare
  started timestamptz := pg_catalog.clock_timestamp();
  target tandem.migration;
  item record;
  held text;
  validated text[] := '{}';
begin
  perform tandem._lock(validate_foreign_keys.migration);
  target := tandem._migration(validate_foreign_keys.migration);
  for item in
    select u.relation, u.constraint_name, c.oid as constraint_oid, c.convalidated, c.confrelid
    from tandem.unvalidated_foreign_key u
    left join pg_catalog.pg_constraint c on c.conrelid = u.relation and c.conname = u.constraint_name and c.contype = 'f'
    where u.migration = target.name
    order by u.relation, u.constraint_name
  loop
    if item.constraint_oid is not null and not item.convalidated then
      -- Locks this transaction holds that block writers would be held for the whole scan: refused.
      select pg_catalog.string_agg(pg_catalog.format('%s on %s', strongest.mode, tandem._qualified(strongest.relation::regclass)), ', '
                                   order by strongest.relation) into held
      from (select distinct on (l.relation) l.relation, l.mode
            from pg_catalog.pg_locks l
            where l.pid = pg_catalog.pg_backend_pid() and l.granted and l.locktype = 'relation'
              and l.relation in (item.relation, item.confrelid)
              and l.mode in ('ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
            order by l.relation, pg_catalog.array_position(array['AccessExclusiveLock', 'ExclusiveLock', 'ShareRowExclusiveLock', 'ShareLock'], l.mode::text)) as strongest;
      if held is not null then
        raise exception 'cannot validate foreign key % on % in this transaction: it holds %', item.constraint_name, tandem._qualified(item.relation), held
          using errcode = 'TD006',
                detail = 'Validating scans the table; under these locks every write to it would wait for the whole scan.',
                hint = pg_catalog.format('Commit first (the transition that moved it), then call it in a transaction of its own: select tandem.validate_foreign_keys(%L);', target.name);
      end if;
      perform tandem._ddl(array[pg_catalog.format('alter table %s validate constraint %I', tandem._qualified(item.relation), item.constraint_name)]);
      validated := validated || pg_catalog.format('%s.%I', tandem._qualified(item.relation), item.constraint_name);
    end if;
    -- validated now, by hand since, or dropped since: nothing left to do
    delete from tandem.unvalidated_foreign_key u where u.relation = item.relation and u.constraint_name = item.constraint_name;
  end loop;
  if cardinality(validated) = 0 then
    return 'nothing to validate';
  end if;
  perform tandem.log_event('validate_foreign_keys', target.name, started, pg_catalog.jsonb_build_object('validated', validated));
  return 'validated ' || pg_catalog.array_to_string(validated, ', ');
end
$$;
comment on function tandem.validate_foreign_keys(text) is
  'Validates the foreign keys cutover or rollback moved NOT VALID that were validated before and too large to validate under their locks; run it in a transaction of its own (VALIDATE CONSTRAINT then takes only SHARE UPDATE EXCLUSIVE).';

/* Puts back what cutover changed, bridge by bridge (each shape's rollback stage), and points sync at the tables again. */
create or replace function tandem._undo_cutover(migration text) returns void
  language plpgsql
  volatile
as $$
declare
  b tandem.bridge;
begin
  perform tandem._lock_relations(tandem._relations(migration));
  perform tandem._refuse_dependents(migration, 'rollback');
  for b in select * from tandem.bridge where bridge.migration = _undo_cutover.migration order by sync_order desc, id loop
    perform tandem._shape('rollback', b);
  end loop;
  -- The sync functions name the archive in their SQL: point them at the table under its own name again.
  perform tandem._generate(migration);
end
$$;
comment on function tandem._undo_cutover(text) is 'Puts back what cutover changed: the legacy table under its name, views and foreign keys on it, grants.';

create or replace function tandem.cutover(migration text, inline_limit bigint default 100000) returns text
  language plpgsql
  volatile
as $$
#variable_conflict use_column
declare
  started timestamptz := pg_catalog.clock_timestamp();
  target tandem.migration;
  step record;
  b tandem.bridge;
  rows_total bigint;
  last tandem.verification;
  renamed int := 0;
begin
  perform tandem._lock(cutover.migration);
  target := tandem._migration(cutover.migration);
  select * into step from tandem._enter(target, 'cutover');
  if step.outcome = 'done' then
    return step.message;
  end if;
  if target.phase in ('expanded', 'backfilled') then
    -- Not verified yet. A small database (CI, a new developer's) is backfilled and verified here; a
    -- large one must be, outside this transaction, by the commands named below.
    select coalesce(sum(tandem._row_count(legacy)), 0) into rows_total from tandem.bridge where migration = target.name;
    if rows_total > inline_limit then
      raise exception 'cannot cut over migration "%": it is %, and its legacy tables hold about % rows', target.name, target.phase, rows_total
        using errcode = 'TD006',
              detail = pg_catalog.format('Up to %s rows are backfilled and verified inline; more would hold locks for the whole migration.', inline_limit),
              hint = pg_catalog.format('Backfill and verify it first, outside a migration: npx tandem backfill %s && npx tandem verify %s (or CALL tandem.backfill(%L); SELECT * FROM tandem.verify_migration(%L);).',
                                       target.name, target.name, target.name, target.name);
    end if;
    while exists (select from tandem.backfill_batch(target.name, 5000) as p where not p.finished) loop
    end loop;
    perform from tandem.verify_migration(target.name);
  end if;
  select * into last from tandem.verification v where v.migration = target.name order by v.id desc limit 1;
  if last.id is null or not last.passed then
    raise exception 'cannot cut over migration "%": its latest verification did not pass', target.name
      using errcode = 'TD005', detail = coalesce(tandem._failing_checks(last), 'no verification recorded'),
            hint = pg_catalog.format('See select * from tandem.verify_migration(%L); fix the differences, verify again, then cut over.%s',
                                     target.name, tandem._roundtrip_hint(last));
  end if;
  perform tandem._patience_begins();
  perform tandem._lock_relations(tandem._relations(target.name));
  -- What was expanded, backfilled and verified is what cuts over: a legacy table changed since (a
  -- column added with no backward mapping turns a rename into a split) must be declared again first.
  for b in select * from tandem.bridge where migration = target.name order by sync_order, id loop
    if b.expanded_as is not null and tandem._shape_text('plan', b) is distinct from b.expanded_as then
      raise exception 'cannot cut over bridge %.%: it was expanded as a %, and would now be cut over as a %', b.migration, b.name,
          b.expanded_as, tandem._shape_text('plan', b)
        using errcode = 'TD003',
              detail = coalesce('Legacy columns with no backward expression: ' || (
                select pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' order by a.attnum) from pg_catalog.pg_attribute a
                where a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped and a.attgenerated = '' and not b.backward ? a.attname) || '.',
                'The legacy table changed since expand.'),
              hint = 'Give those columns backward expressions (select tandem.bridge(…) again), or drop them; then backfill, verify and cut over.';
    end if;
  end loop;
  -- Every dependent of the tables follows, or cutover is refused here, before anything changed.
  perform tandem._refuse_dependents(target.name, 'cutover', inline_limit);
  for b in select * from tandem.bridge where migration = target.name order by sync_order, id loop
    if tandem._shape_text('cutover', b, pg_catalog.jsonb_build_object('inline_limit', inline_limit)) = 'rename' then
      renamed := renamed + 1;
    end if;
  end loop;
  if renamed > 0 then
    -- The sync functions name the legacy table in their SQL: point them at the archive.
    perform tandem._generate(target.name);
  end if;
  perform tandem._patience_ends();
  perform tandem._set_phase(target.name, step.next_phase::text);
  perform tandem.log_event('cutover', target.name, started, pg_catalog.jsonb_build_object('renamed', renamed));
  return 'cut over';
end
$$;
comment on function tandem.cutover(text, bigint) is
  'Makes the modern side the source of truth: renamed legacy tables become writable compatibility views (their tables kept as synced archives), split ones stay synced. Refused unless the latest verification passed; on a small database it backfills and verifies first.';

/* The failing checks of a verification, one a line, as the refusals of cutover and contract name them. */
create or replace function tandem._failing_checks(v tandem.verification) returns text
  language sql
  stable
as $$
  select pg_catalog.string_agg(pg_catalog.format('%s %s: %s mismatches', coalesce(e->>'bridge', ''), e->>'check_name', e->>'mismatches'), E'\n')
  from pg_catalog.jsonb_array_elements(v.results) as e where (e->>'mismatches')::bigint > 0
$$;
comment on function tandem._failing_checks(tandem.verification) is 'The failing checks of a verification, one a line: bridge, check, mismatches.';

/* What to do about failing roundtrips (rows that would lose data), for the hint; empty when none failed. */
create or replace function tandem._roundtrip_hint(v tandem.verification) returns text
  language sql
  stable
as $$
  select coalesce(' Rows that would lose data (roundtrip:<column>): make the mapping lossless (forward and back must give the stored value again), respell the legacy values as they read back, or declare the columns lost on purpose: options => ''{"drops": ['
                  || pg_catalog.string_agg(distinct pg_catalog.to_jsonb(pg_catalog.substr(e->>'check_name', 11))::text, ', ') || ']}''.', '')
  from pg_catalog.jsonb_array_elements(v.results) as e
  where e->>'check_name' like 'roundtrip:%' and (e->>'mismatches')::bigint > 0
$$;
comment on function tandem._roundtrip_hint(tandem.verification) is 'The hint for failing roundtrip checks: how to make the mapping lossless or declare the loss.';

/* Where contract's keep_restore_copy puts a bridge's data: <legacy table>__restore_<migration>. */
create or replace function tandem._restore_name(b tandem.bridge) returns text
  language sql
  stable
as $$
  select left(pg_catalog.format('%s__restore_%s', (select relname from pg_catalog.pg_class where oid = b.legacy), b.migration), 63)
$$;

/* Contract of a bridge whose legacy table stays: its moved columns go (copied aside first, if asked). */
create or replace function tandem._drop_moved_columns(b tandem.bridge, keep_restore_copy boolean) returns text[]
  language plpgsql
  stable
as $$
declare
  moved text[] := array(select k from pg_catalog.jsonb_object_keys(b.backward) as k where k <> all(b.legacy_key) order by k);
  statements text[] := '{}';
  shared text[];
begin
  if cardinality(moved) = 0 then
    return statements;
  end if;
  -- Bridges declared before overlaps were refused (library 0.5.0) may still share a column.
  shared := tandem._overlaps(b.migration, b.name, b.legacy, b.legacy, moved, '{}');
  if cardinality(shared) > 0 then
    raise exception 'cannot contract bridge %.%: another live bridge still writes a column contract would drop', b.migration, b.name
      using errcode = 'TD002', detail = pg_catalog.array_to_string(shared, E'\n'),
            hint = 'Contract (or roll back and redefine) the other migration first; nothing was changed.';
  end if;
  if keep_restore_copy then
    statements := statements || pg_catalog.format('create table %I.%I as select %s from %s',
      (select n.nspname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where c.oid = b.legacy),
      tandem._restore_name(b), tandem._each(b.legacy_key || moved, '%I'), tandem._qualified(b.legacy));
  end if;
  return statements || pg_catalog.format('alter table %s %s', tandem._qualified(b.legacy), tandem._each(moved, 'drop column %I'));
end
$$;
comment on function tandem._drop_moved_columns(tandem.bridge, boolean) is
  'The statements that drop a bridge''s moved legacy columns at contract (after copying them aside when asked).';

/* Contract's condition, which lint checks too: the latest verification ran after cutover and passed. */
create or replace function tandem.verified_since_cutover(migration text) returns boolean
  language sql
  stable
as $$
  select coalesce((select v.passed and v.phase = 'cut_over' from tandem.verification v
                   where v.migration = verified_since_cutover.migration order by v.id desc limit 1), false)
$$;
comment on function tandem.verified_since_cutover(text) is
  'Whether the latest verification of a migration ran after cutover and passed: what contract requires.';

create or replace function tandem.contract(migration text, keep_restore_copy boolean default false) returns text
  language plpgsql
  volatile
as $$
#variable_conflict use_column
declare
  started timestamptz := pg_catalog.clock_timestamp();
  target tandem.migration;
  step record;
  b tandem.bridge;
  last tandem.verification;
  statements text[] := '{}';
begin
  perform tandem._lock(contract.migration);
  target := tandem._migration(contract.migration);
  select * into step from tandem._enter(target, 'contract');
  if step.outcome = 'done' then
    return step.message;
  end if;
  select * into last from tandem.verification v where v.migration = target.name order by v.id desc limit 1;
  if not tandem.verified_since_cutover(target.name) then
    -- A failing roundtrip (rows that would lose data) fails verification, so it stops contract here.
    raise exception 'cannot contract migration "%": no passing verification since cutover', target.name
      using errcode = 'TD005',
            detail = case when last.id is null then 'No verification recorded.'
                          else pg_catalog.format('The latest, at %s in phase %s, %s', last.at, last.phase,
                                                 case when last.passed then 'passed.' else 'failed:' || E'\n' || tandem._failing_checks(last) end) end,
            hint = case when last.passed or last.id is null
                        then pg_catalog.format('Verify it now: select * from tandem.verify_migration(%L); then contract.', target.name)
                        else pg_catalog.format('See select * from tandem.verify_migration(%L); fix the differences, verify again, then contract.%s',
                                               target.name, tandem._roundtrip_hint(last)) end;
  end if;
  perform tandem._patience_begins();
  perform tandem._lock_relations(tandem._relations(target.name));
  -- What contract drops must take nothing else with it (a view reading a moved column, …).
  perform tandem._refuse_dependents(target.name, 'contract');
  perform tandem._drop_sync(target.name);
  for b in select * from tandem.bridge where migration = target.name order by sync_order desc, id loop
    statements := statements || tandem._shape_statements('contract', b, pg_catalog.jsonb_build_object('keep_restore_copy', keep_restore_copy));
  end loop;
  perform tandem._ddl(statements);
  delete from tandem.cutover c using tandem.bridge b where c.bridge_id = b.id and b.migration = target.name;
  perform tandem._patience_ends();
  perform tandem._set_phase(target.name, step.next_phase::text);
  perform tandem.log_event('contract', target.name, started, pg_catalog.jsonb_build_object('restore_copy', keep_restore_copy));
  return 'contracted';
end
$$;
comment on function tandem.contract(text, boolean) is
  'Drops the sync machinery and the archives (or the moved legacy columns); refused unless a verification after cutover passed. keep_restore_copy keeps the data aside.';

/*
 * DDL on a bridged table while its migration is live: anything that leaves a bridge's definition
 * invalid (a mapped column dropped, renamed or retyped so an expression no longer plans) would make
 * every write of the table fail, so it is refused, naming the bridge and the fix. The check is the
 * bridge's own validation, run again after the statement. The library's own DDL (cutover, rollback,
 * contract) is let through. An event trigger needs a superuser to create it: where the library is
 * installed by another role, verification and cutover surface such changes instead.
 */
create or replace function tandem._check_ddl() returns event_trigger
  language plpgsql
  volatile
as $$
declare
  b tandem.bridge;
  checked record;
begin
  if pg_catalog.current_setting('tandem.library_ddl', true) = 'on' then
    return;
  end if;
  for b in
    select distinct on (bb.id) bb.*
    from pg_catalog.pg_event_trigger_ddl_commands() as c
    join tandem.bridge bb on c.classid = 'pg_catalog.pg_class'::regclass and c.objid in (bb.legacy, bb.modern)
    join tandem.migration m on m.name = bb.migration
    where m.phase not in ('planned', 'contracted')
    order by bb.id
  loop
    select * into checked from tandem._check_bridge(b.legacy::text, b.modern::text, b.key, b.forward, b.backward, b.filter, b.options);
    if cardinality(checked.problems) > 0 then
      raise exception 'this change breaks bridge %.% of live migration "%"', b.migration, b.name, b.migration
        using errcode = 'TD003', detail = pg_catalog.array_to_string(checked.problems, E'\n'),
              hint = pg_catalog.format('Redefine the bridge for the new table in the same transaction first (select tandem.bridge(…)), or roll the migration back (select tandem.rollback(%L)), or contract it.', b.migration);
    end if;
    -- A new default of a column a live bridge of columns maps: it becomes the original, wrapped again
    -- (see tandem.unwritten), so that sync still tells which side an insert wrote.
    perform tandem._ddl(array(
      select pg_catalog.format('select tandem._wrap_default(%L, %L::regclass, %L)', w.migration, w.relation::oid, w.column_name)
      from tandem.wrapped_default w
      join pg_catalog.pg_attribute a on a.attrelid = w.relation and a.attname = w.column_name and a.attnum > 0 and not a.attisdropped
      where w.migration = b.migration and w.relation = b.legacy
        and not exists (select from pg_catalog.pg_attrdef d join pg_catalog.pg_depend dep on dep.classid = 'pg_catalog.pg_attrdef'::regclass and dep.objid = d.oid
                        where d.adrelid = a.attrelid and d.adnum = a.attnum
                          and dep.refobjid = 'tandem.unwritten(text, anyelement)'::regprocedure)));
  end loop;
end
$$;
comment on function tandem._check_ddl() is
  'Event trigger function: refuses DDL that leaves a live bridge invalid.';

do $$
begin
  if (select r.rolsuper from pg_catalog.pg_roles r where r.rolname = current_user)
     and not exists (select from pg_catalog.pg_event_trigger where evtname = 'tandem_check_ddl') then
    create event trigger tandem_check_ddl on ddl_command_end
      when tag in ('ALTER TABLE', 'ALTER TYPE', 'ALTER DOMAIN')
      execute function tandem._check_ddl();
  end if;
end
$$;
--! EndIncluded tandem/80-cutover.sql
--! Included tandem/shapes/table.sql
/*
 * Shape `table`: each legacy row in the filter has one modern twin, found by the key mapping. A
 * renamed or reshaped table, or one part of a wide table split into several.
 *
 *   sync: <m>__<b>_set__<legacy>_to_<modern>  AFTER INSERT / DELETE on the legacy table, per statement
 *         <m>__<b>__<legacy>_to_<modern>      AFTER UPDATE on the legacy table, per row (key changes, rows
 *                                             entering and leaving the filter)
 *         <m>__<b>__<modern>_to_<legacy>      AFTER INSERT / UPDATE / DELETE on the modern table, per row
 *         (a partitioned legacy table: every write per row, by the second; on a partitioned table,
 *         <m>__<b>_moves__…, BEFORE UPDATE, refuses a move to another partition that changes the
 *         twin's key: see _legacy_write_triggers and _move_guard)
 *   cutover: a rename when the legacy table feeds only this bridge (and bridges a compatibility view
 *         can write, such as its lookup values), has no filter, and every legacy column has a backward
 *         expression: the legacy name becomes a writable view over the modern table and the table stays
 *         as <name>__archive, synced. Otherwise a split: the legacy table stays, its moved columns synced.
 */

create or replace function tandem._table_validate(b tandem.bridge, arg jsonb) returns jsonb
  language plpgsql
  volatile -- it plans expressions with EXPLAIN
as $$
declare
  problems text[] := tandem._check_keyed(b);
  legacy_key text[];
  candidates text[];
  col text;
begin
  -- The legacy key: a unique index of the legacy table whose columns all have backward expressions.
  select pg_catalog.array_agg(a.attname::text order by pg_catalog.array_position(i.indkey::int2[], a.attnum))
    into legacy_key
  from (select * from pg_catalog.pg_index
        where indrelid = b.legacy and indisunique and indisvalid and indpred is null and indexprs is null
        order by indisprimary desc, indexrelid limit 1000) as i
  join pg_catalog.pg_attribute a on a.attrelid = b.legacy and a.attnum = any(i.indkey)
  group by i.indexrelid, i.indisprimary
  having bool_and(b.backward ? a.attname)
  order by i.indisprimary desc, count(*), i.indexrelid
  limit 1;
  if legacy_key is null then
    select pg_catalog.array_agg(pg_catalog.pg_get_indexdef(indexrelid)) into candidates
    from pg_catalog.pg_index where indrelid = b.legacy and indisunique;
    problems := problems || pg_catalog.format(
      'the legacy key cannot be computed from a modern row. Fix: give backward expressions for every column of one unique index of %s (%s).',
      tandem._qualified(b.legacy), coalesce(pg_catalog.array_to_string(candidates, '; '), 'it has none: add a primary key'));
  else
    foreach col in array legacy_key loop
      begin
        execute pg_catalog.format('explain (costs off) select (%s) from only %s as m', b.backward->>col, tandem._qualified(b.modern));
      exception when others then
        problems := problems || pg_catalog.format(
          'backward expression for legacy key column %s.%I, %L, must be computed from the modern row alone: %s. Fix: do not refer to "legacy" in a key expression.',
          tandem._qualified(b.legacy), col, b.backward->>col, sqlerrm);
      end;
    end loop;
  end if;
  return pg_catalog.jsonb_build_object('problems', problems, 'legacy_key', legacy_key,
                                       'modern_key', array(select pg_catalog.jsonb_object_keys(b.key)));
end
$$;
comment on function tandem._table_validate(tandem.bridge, jsonb) is
  'Shape table, stage validate: a unique modern key, creatable twins, and a legacy key computable from the modern row.';

/* Legacy updates, row by row: key changes move the twin; rows entering or leaving the filter get or lose it. */
create or replace function tandem._table_forward_function(b tandem.bridge) returns text
  language plpgsql
  stable
as $$
declare
  mq text := tandem._qualified(b.modern);
  key_exprs text[] := tandem._exprs(b.key, b.modern_key);
  other_cols text[] := tandem._forward_columns(b);
  key_vars_old text := tandem._each(b.modern_key, 'old_k%2$s');
  key_vars_new text := tandem._each(b.modern_key, 'new_k%2$s');
  filter text := coalesce(b.filter, 'true');
begin
  return tandem._sync_function(b, tandem._sync_name(b.migration, b.name, b.legacy, b.modern), 'after',
    (select pg_catalog.string_agg(pg_catalog.format('old_k%s %s; new_k%s %s;', i, tandem._column_type(b.modern, c), i,
                                                    tandem._column_type(b.modern, c)), ' ' order by i)
     from pg_catalog.unnest(b.modern_key) with ordinality as u(c, i))
      || ' old_in boolean := false; new_in boolean := false; moved boolean := false; r record;',
    tandem._on_error(b, pg_catalog.format($body$
    if tg_op <> 'INSERT' then
      select true, %1$s into old_in, %2$s from (select old.*) as l where (%3$s);
      old_in := coalesce(old_in, false);
    end if;
    if tg_op <> 'DELETE' then
      select true, %1$s into new_in, %4$s from (select new.*) as l where (%3$s);
      new_in := coalesce(new_in, false);
    end if;
    if old_in and not (new_in and (%11$s) is not distinct from (%12$s)) then
      %10$s
      if new_in then
        -- the key changed: move the twin, keeping what only the modern side has
        update %5$s as modern set (%6$s) = (select %7$s from (select new.*) as l) where (%8$s) = (%2$s);
        moved := found;
      else
        -- deleted, or left the filter%13$s
        delete from %5$s as modern where (%8$s) = (%2$s)%14$s;
      end if;
    end if;
    if new_in and not moved then
      %9$s;
    end if;$body$,
      tandem._each(key_exprs, '(%s)'), key_vars_old, filter, key_vars_new, mq,
      tandem._each(b.modern_key || other_cols, '%I'), tandem._each(key_exprs || tandem._exprs(b.forward, other_cols), '(%s)'),
      tandem._each(b.modern_key, 'modern.%I'),
      tandem._modern_upsert(b, '(select new.*)'),
      -- the old key's twin is moved or deleted: it must be visible to this snapshot
      tandem._snapshot_probe(b, '(select old.*)'),
      tandem._compared(b.modern, b.modern_key, 'old_k%2$s'), tandem._compared(b.modern, b.modern_key, 'new_k%2$s'),
      case when tandem._partitioned(b.legacy) then E'\n        -- (or the first half of a move to another partition: the row moved, in place, still has it)' else '' end,
      case when tandem._partitioned(b.legacy) then pg_catalog.format(
        E'\n          and (tg_op <> ''DELETE'' or not exists (select from %s as l where (%s) = (%s) and (%s)))',
        tandem._qualified(b.legacy),
        tandem._each(key_exprs, '(%s)'), key_vars_old, filter) else '' end),
      '''forward''', 'r', b.legacy_key, 'if tg_op = ''DELETE'' then r := old; else r := new; end if;'),
    pg_catalog.format('Syncs %s to %s.', tandem._qualified(b.legacy), mq));
end
$$;

/*
 * Modern writes back to the legacy row the backward key names. A key change or a delete updates or
 * deletes the legacy row (on_modern_delete = nullify: clears the moved columns, for a split).
 */
create or replace function tandem._table_backward_function(b tandem.bridge) returns text
  language plpgsql
  stable
as $$
declare
  lq text := tandem._qualified(b.legacy);
  key_cols text[] := b.legacy_key;
  key_exprs text[] := tandem._exprs(b.backward, b.legacy_key);
  other_cols text[] := array(select k from pg_catalog.jsonb_object_keys(b.backward) as k
                             where k <> all(b.legacy_key) order by k);
  other_exprs text[] := tandem._exprs(b.backward, array(select k from pg_catalog.jsonb_object_keys(b.backward) as k
                                                        where k <> all(b.legacy_key) order by k));
  key_vars_old text := tandem._each(b.legacy_key, 'old_k%2$s');
  key_vars_new text := tandem._each(b.legacy_key, 'new_k%2$s');
  key_match text := tandem._each(b.legacy_key, 'legacy.%I');
  on_change text;
  update_values text;
begin
  -- A modern row whose key changed, or that was deleted: what happens to the legacy row it came from.
  if coalesce(b.options->>'on_modern_delete', 'delete') = 'nullify' then
    -- The legacy row holds other data (a split): clear what this bridge moved; the new key gets its own row below.
    on_change := case when cardinality(other_cols) = 0 then 'null;'
      else pg_catalog.format('update %s as legacy set (%s) = row(%s) where (%s) = (%s);',
             lq, tandem._each(other_cols, '%I'), tandem._each(other_cols, 'null'), key_match, key_vars_old) end;
  else
    on_change := pg_catalog.format($c$if tg_op = 'UPDATE' then
        update %1$s as legacy set (%2$s) = (select %3$s from (select new.*) as m) where (%4$s) = (%5$s);
        done := found;
      else
        delete from %1$s as legacy where (%4$s) = (%5$s);
      end if;$c$,
      lq, tandem._each(key_cols || other_cols, '%I'), tandem._each(key_exprs || other_exprs, '(%s)'), key_match, key_vars_old);
  end if;
  update_values := case when cardinality(other_cols) = 0 then 'done := true;'
    else pg_catalog.format($u$update %1$s as legacy set (%2$s) = (select %3$s from (select new.*) as m)
        where (%4$s) = (%5$s)
          and not exists (select from (select new.*) as m where (%6$s) is not distinct from (%7$s));
      done := found;$u$,
      lq, tandem._each(other_cols, '%I'), tandem._each(other_exprs, '(%s)'), key_match, key_vars_new,
      tandem._compared(b.legacy, other_cols, 'legacy.%I'), tandem._compared_exprs(b.legacy, other_cols, other_exprs)) end;
  return tandem._sync_function(b, tandem._sync_name(b.migration, b.name, b.modern, b.legacy), 'after',
    (select pg_catalog.string_agg(pg_catalog.format('old_k%s %s; new_k%s %s;', i, tandem._column_type(b.legacy, c), i,
                                                    tandem._column_type(b.legacy, c)), ' ' order by i)
     from pg_catalog.unnest(b.legacy_key) with ordinality as u(c, i)) || ' done boolean := false; r record;',
    tandem._on_error(b, pg_catalog.format($body$
    if tg_op <> 'INSERT' then
      select %1$s into %2$s from (select old.*) as m;
    end if;
    if tg_op <> 'DELETE' then
      select %1$s into %3$s from (select new.*) as m;
    end if;
    if (tg_op = 'DELETE'%14$s) or (tg_op = 'UPDATE' and (%12$s) is distinct from (%13$s)) then
      %4$s
    end if;
    if tg_op <> 'DELETE' and not done then
      %5$s
      if not done and not exists (select from %6$s as legacy where (%7$s) = (%3$s)) then
        insert into %6$s (%8$s)
          select v.* from (select (null::%6$s).*) as legacy
          cross join lateral (select %9$s from (select new.*) as m) as v
          on conflict (%10$s) do nothing;
        done := found;
      end if;
      if not done then
        -- it exists (unchanged, or inserted meanwhile by another transaction): make sure it holds our values
        %11$s
      end if;
    end if;$body$,
      tandem._each(key_exprs, '(%s)'), key_vars_old, key_vars_new, on_change, update_values, lq, key_match,
      tandem._each(key_cols || other_cols, '%I'), tandem._each(key_exprs || other_exprs, '(%s)'),
      tandem._each(key_cols, '%I'),
      case when cardinality(other_cols) = 0 then 'null;'
        else pg_catalog.format('update %s as legacy set (%s) = (select %s from (select new.*) as m) where (%s) = (%s);',
               lq, tandem._each(other_cols, '%I'), tandem._each(other_exprs, '(%s)'), key_match, key_vars_new) end,
      tandem._compared(b.legacy, b.legacy_key, 'old_k%2$s'), tandem._compared(b.legacy, b.legacy_key, 'new_k%2$s'),
      -- On a partitioned modern table a delete may be the first half of a move to another partition:
      -- the legacy row stays when the row moved (in place by now) still maps to it.
      case when tandem._partitioned(b.modern) then pg_catalog.format(
        ' and not exists (select from %s as m where (%s) = (%s))', tandem._qualified(b.modern), tandem._each(key_exprs, '(%s)'), key_vars_old)
      else '' end),
      '''backward''', 'r', b.modern_key, 'if tg_op = ''DELETE'' then r := old; else r := new; end if;'),
    pg_catalog.format('Syncs %s back to %s.', tandem._qualified(b.modern), lq));
end
$$;

create or replace function tandem._table_sync(b tandem.bridge, arg jsonb) returns jsonb
  language sql
  stable
as $$
  select pg_catalog.jsonb_build_object(
    'statements', array[tandem._table_forward_function(b), tandem._table_backward_function(b)]
      || tandem._legacy_write_triggers(b, false, true)
      || tandem._truncate_triggers(b)
      -- A row moved between partitions keeps its twin when the twin's key stays: the modern key on
      -- the legacy side, the legacy key on the modern side.
      || tandem._move_guard(b, b.legacy, 'l', b.modern, b.modern_key, tandem._exprs(b.key, b.modern_key))
      || tandem._move_guard(b, b.modern, 'm', b.legacy, b.legacy_key, tandem._exprs(b.backward, b.legacy_key))
      || tandem._trigger(tandem._trigger_name(b.sync_order, b, 'sync'), b.modern,
                         'after insert or update on tandem_table_placeholder for each row when (' || tandem._unguarded(b) || ')',
                         tandem._sync_name(b.migration, b.name, b.modern, b.legacy))
      || tandem._trigger(tandem._trigger_name(999 - b.sync_order, b, 'delete'), b.modern,
                         'after delete on tandem_table_placeholder for each row when (' || tandem._unguarded(b) || ')',
                         tandem._sync_name(b.migration, b.name, b.modern, b.legacy)),
    'triggers', array[tandem._trigger_name(b.sync_order, b, 'insert'), tandem._trigger_name(b.sync_order, b, 'update'), tandem._trigger_name(b.sync_order, b, 'truncate'),
                      tandem._trigger_name(999 - b.sync_order, b, 'delete'), tandem._trigger_name(b.sync_order, b, 'sync'),
                      tandem._trigger_name(b.sync_order, b, 'moves')])
$$;
comment on function tandem._table_sync(tandem.bridge, jsonb) is
  'Shape table, stage sync: legacy inserts and deletes a statement at a time, legacy updates and modern writes a row at a time.';

create or replace function tandem._table_backfill(b tandem.bridge, arg jsonb) returns text
  language sql
  stable
as $$ select tandem._copy_statement(b, coalesce((arg->>'single_row')::boolean, false), false) $$;
comment on function tandem._table_backfill(tandem.bridge, jsonb) is 'Shape table, stage backfill: copy a keyset batch of legacy rows to their twins.';

/* From each modern row to the legacy row its backward key names. */
create or replace function tandem._table_verify(b tandem.bridge, arg jsonb) returns text
  language sql
  stable
as $$
  select tandem._verify_statement(b, tandem._exprs(b.key, b.modern_key), pg_catalog.format('
      from %s as mm
      cross join lateral (select %s from (select mm.*) as m) as bk
      join %s as legacy on (%s) = (%s)
      cross join lateral (select tandem_forward_tuple from (select legacy.*) as l) as fv',
      tandem._qualified(b.modern), tandem._each(tandem._exprs(b.backward, b.legacy_key), '(%s) as k%2$s'), tandem._qualified(b.legacy),
      tandem._each(b.legacy_key, 'legacy.%I'), tandem._each(b.legacy_key, 'bk.k%2$s')), false, 'true')
$$;
comment on function tandem._table_verify(tandem.bridge, jsonb) is 'Shape table, stage verify: every legacy row against its twin, both ways.';

/* A twin is written by the view's own insert into the modern table: nothing to write first. */
create or replace function tandem._table_compat_write(b tandem.bridge, arg jsonb) returns text
  language sql
  immutable
as $$ select null::text $$;

/*
 * Whether cutover renames: the legacy table feeds no bridge a compatibility view could not write
 * (other than this one), has no filter, and every legacy column has a backward expression.
 */
create or replace function tandem._is_rename(b tandem.bridge) returns boolean
  language plpgsql
  volatile
as $$
begin
  return b.filter is null
     and not exists (select from tandem.bridge o where o.legacy = b.legacy and o.id <> b.id
                     and tandem._shape_text('compat_write', o) is null)
     and not exists (select from pg_catalog.pg_attribute a
                     where a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
                       and not b.backward ? a.attname);
end
$$;
comment on function tandem._is_rename(tandem.bridge) is
  'Whether a bridge is cut over by renaming (its legacy table becomes a view) rather than as a split.';

/*
 * A rename: archive the legacy table, put a writable compatibility view in its place, and do with each
 * dependent what tandem._dependents says (cutover refused before this if it says refused): views and
 * materialized views redefined over the view, functions using the row type created again for the
 * view's, foreign keys moved, triggers and policies carried to the modern table, grants given to the
 * view. A bridge whose columns are modern columns renamed gets a plain view PostgreSQL updates by
 * itself (INSERT … ON CONFLICT works through it); any other, one written through INSTEAD OF triggers.
 */
create or replace function tandem._cutover_rename(b tandem.bridge, inline_limit bigint) returns void
  language plpgsql
  volatile
as $$
declare
  lq text := tandem._qualified(b.legacy);
  mq text := tandem._qualified(b.modern);
  schema_name text;
  legacy_name text;
  archive_name text;
  archive_q text;
  view_q text;
  views jsonb;
  fks jsonb;
  grants jsonb;
  carried jsonb := '[]';
  plain boolean := tandem._plain_rename(b);
  before_rename text[] := '{}';
  recreate text[] := '{}';
  statements text[] := '{}';
  columns text;
  item jsonb;
  fk record;
  dep record;
  again jsonb;
  modern_cols text[];
  col text;
  lookup_grants jsonb;
begin
  select n.nspname, c.relname into schema_name, legacy_name
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where c.oid = b.legacy;
  archive_name := left(legacy_name, 54) || '__archive';
  archive_q := pg_catalog.format('%I.%I', schema_name, archive_name);
  view_q := pg_catalog.format('%I.%I', schema_name, legacy_name);

  -- Backward expressions become the view's columns: they can only see the modern row.
  for col in select k from pg_catalog.jsonb_object_keys(b.backward) as k loop
    begin
      execute pg_catalog.format('explain (costs off) select (%s) from %s as m', b.backward->>col, mq);
    exception when others then
      raise exception 'cannot cut over bridge %.%: the backward expression for %.% reads the legacy row', b.migration, b.name, lq, col
        using errcode = 'TD003', detail = sqlerrm,
              hint = 'A compatibility view computes legacy columns from the modern row alone: rewrite it without "legacy".';
    end;
  end loop;

  views := '[]';
  for dep in select * from tandem._dependents(b, inline_limit) x where x.side = 'legacy' order by x.kind, x.object loop
    if dep.cutover = 'refused' then
      -- tandem.cutover refused before anything changed; a bridge cut over alone gets the same answer
      raise exception 'cannot cut over bridge %.%: % % cannot follow', b.migration, b.name, dep.kind, dep.object
        using errcode = 'TD003', detail = dep.reason, hint = pg_catalog.format('select * from tandem.plan(%L) shows what cutover will do.', b.migration);
    elsif dep.kind = 'view' and dep.cutover = 'redefined' then
      views := views || pg_catalog.jsonb_build_object('view', dep.object, 'kind', 'v', 'definition', tandem._view_definition(dep.objid));
    elsif dep.kind in ('function', 'materialized view') and dep.cutover = 'redefined' then
      -- Dropped while the legacy name is the table's; created again once it is the view's.
      again := case when dep.kind = 'function' then tandem._function_again(dep.objid) else tandem._materialized_view_again(dep.objid) end;
      before_rename := before_rename || (again->>'drop');
      recreate := recreate || array(select pg_catalog.jsonb_array_elements_text(again->'create'));
    elsif dep.kind = 'trigger' and dep.cutover = 'carried over' then
      recreate := recreate || tandem._trigger_on(dep.objid, b.modern)
                           || pg_catalog.format('alter table %s disable trigger %I', archive_q, (select tgname from pg_catalog.pg_trigger where oid = dep.objid));
      carried := carried || pg_catalog.jsonb_build_object('kind', 'trigger', 'name', (select tgname from pg_catalog.pg_trigger where oid = dep.objid),
                                                          'enabled', (select tgenabled from pg_catalog.pg_trigger where oid = dep.objid));
    elsif dep.kind = 'policy' and dep.cutover = 'carried over' then
      recreate := recreate || tandem._policy_statement(dep.objid, b.modern);
      carried := carried || pg_catalog.jsonb_build_object('kind', 'policy', 'name', (select polname from pg_catalog.pg_policy where oid = dep.objid));
    elsif dep.kind = 'row security' and dep.cutover = 'carried over' then
      recreate := recreate || pg_catalog.format('alter table %s enable row level security', mq);
      carried := carried || '{"kind": "row security"}'::jsonb;
      if (select relforcerowsecurity from pg_catalog.pg_class where oid = b.legacy)
         and not (select relforcerowsecurity from pg_catalog.pg_class where oid = b.modern) then
        recreate := recreate || pg_catalog.format('alter table %s force row level security', mq);
        carried := carried || '{"kind": "force row security"}'::jsonb;
      end if;
    end if;
  end loop;

  -- Foreign keys that reference the legacy table move to the modern table, on the matching key columns
  -- (_dependents refused those that do not map one to one).
  fks := '[]';
  for fk in
    select c.oid, c.conname, c.conrelid::regclass as tbl, c.conkey, c.confkey, c.confupdtype, c.confdeltype, c.confmatchtype,
           c.condeferrable, c.condeferred, pg_catalog.pg_get_constraintdef(c.oid) as definition,
           -- validated, or moved NOT VALID by an earlier transition and not validated since
           c.convalidated or exists (select from tandem.unvalidated_foreign_key u
                                     where u.relation = c.conrelid and u.constraint_name = c.conname) as validated
    from pg_catalog.pg_constraint c
    where c.confrelid = b.legacy and c.contype = 'f' and c.conrelid <> b.legacy and c.conparentid = 0
  loop
    modern_cols := array(
      select (select k from pg_catalog.jsonb_each_text(b.key) as e(k, v) where v = a.attname or v = pg_catalog.quote_ident(a.attname))
      from pg_catalog.unnest(fk.confkey) with ordinality as u(attnum, i)
      join pg_catalog.pg_attribute a on a.attrelid = b.legacy and a.attnum = u.attnum
      order by i);
    columns := (select pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' order by i)
                from pg_catalog.unnest(fk.conkey) with ordinality as u(attnum, i)
                join pg_catalog.pg_attribute a on a.attrelid = fk.tbl and a.attnum = u.attnum);
    fks := fks || pg_catalog.jsonb_build_object(
      'table', tandem._qualified(fk.tbl), 'name', fk.conname, 'legacy_definition', fk.definition, 'validated', fk.validated,
      'modern_definition', pg_catalog.format('FOREIGN KEY (%s) REFERENCES %s (%s)%s%s%s%s', columns, mq,
        tandem._each(modern_cols, '%I'),
        case fk.confmatchtype when 'f' then ' MATCH FULL' else '' end,
        case fk.confupdtype when 'c' then ' ON UPDATE CASCADE' when 'n' then ' ON UPDATE SET NULL' when 'd' then ' ON UPDATE SET DEFAULT' when 'r' then ' ON UPDATE RESTRICT' else '' end,
        case fk.confdeltype when 'c' then ' ON DELETE CASCADE' when 'n' then ' ON DELETE SET NULL' when 'd' then ' ON DELETE SET DEFAULT' when 'r' then ' ON DELETE RESTRICT' else '' end,
        case when fk.condeferrable then ' DEFERRABLE' || case when fk.condeferred then ' INITIALLY DEFERRED' else '' end else '' end));
  end loop;

  -- Privileges on the legacy table: the view gets them, and (security_invoker) so does the modern table.
  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'grantee', case when a.grantee = 0 then 'public' else pg_catalog.quote_ident(r.rolname) end,
           'privilege', a.privilege_type,
           'new_on_modern', not coalesce(pg_catalog.has_table_privilege(a.grantee, b.modern, a.privilege_type), false))), '[]')
    into grants
  from pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) as a
  left join pg_catalog.pg_roles r on r.oid = a.grantee
  where c.oid = b.legacy and a.grantee <> c.relowner
    and a.privilege_type in ('SELECT', 'INSERT', 'UPDATE', 'DELETE');

  statements := before_rename
    || pg_catalog.format('alter table %s rename to %I', lq, archive_name)
    || pg_catalog.format('comment on table %s is %L', archive_q,
         pg_catalog.format('Archive of %s, kept in sync with %s by tandem bridge %s.%s until contract.', view_q, mq, b.migration, b.name))
    -- The legacy row computed from the modern row, its generated columns as the table computes them; or
    -- the modern columns renamed, which PostgreSQL writes through by itself.
    || pg_catalog.format('create view %s with (security_invoker = true) as %s', view_q,
         case when plain then (select pg_catalog.format('select %s from %s as m', pg_catalog.string_agg(pg_catalog.format('m.%s as %I', b.backward->>a.attname, a.attname), ', ' order by a.attnum), mq)
                               from pg_catalog.pg_attribute a where a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped)
              else tandem._with_generated(b.legacy, tandem._legacy_values(b, mq)) end)
    || pg_catalog.format('comment on view %s is %L', view_q,
         pg_catalog.format('Compatibility view over %s for legacy code (tandem bridge %s.%s). Writable.', mq, b.migration, b.name));
  -- Column defaults, so that an insert relying on a sequence still gets its value.
  statements := statements || array(
    select pg_catalog.format('alter view %s alter column %I set default %s', view_q, a.attname, pg_catalog.pg_get_expr(d.adbin, d.adrelid))
    from pg_catalog.pg_attrdef d join pg_catalog.pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
    where d.adrelid = b.legacy and a.attgenerated = '');
  for item in select * from pg_catalog.jsonb_array_elements(views) loop
    statements := statements || pg_catalog.format('create or replace view %s as %s', item->>'view', item->>'definition');
  end loop;
  statements := statements || recreate;
  for item in select * from pg_catalog.jsonb_array_elements(fks) loop
    statements := statements
      || pg_catalog.format('alter table %s drop constraint %I', item->>'table', item->>'name')
      || tandem._add_foreign_key(item->>'table', item->>'name', item->>'modern_definition', (item->>'validated')::boolean, inline_limit);
  end loop;
  for item in select * from pg_catalog.jsonb_array_elements(grants) loop
    statements := statements || pg_catalog.format('grant %s on %s to %s', item->>'privilege', view_q, item->>'grantee');
    if (item->>'new_on_modern')::boolean then
      statements := statements || pg_catalog.format('grant %s on %s to %s', item->>'privilege', mq, item->>'grantee');
    end if;
  end loop;
  -- Who may write through the view also writes what the other bridges of the same legacy table need
  -- written first (a new brand: compat_write), and the forward mapping may read it: they get what that
  -- takes (rollback takes it back; the view and these grants outlive contract).
  select coalesce(pg_catalog.jsonb_agg(distinct pg_catalog.jsonb_build_object(
           'grantee', case when a.grantee = 0 then 'public' else pg_catalog.quote_ident(r.rolname) end,
           'privilege', p.privilege, 'table', tandem._qualified(d.modern), 'new_on_modern', true)), '[]')
    into lookup_grants
  from pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) as a
  left join pg_catalog.pg_roles r on r.oid = a.grantee
  cross join tandem.bridge d
  cross join pg_catalog.unnest(array['SELECT', 'INSERT', 'UPDATE']) as p(privilege)
  where c.oid = b.legacy and a.grantee <> c.relowner and a.privilege_type in ('INSERT', 'UPDATE')
    and d.migration = b.migration and d.legacy = b.legacy and d.id <> b.id and tandem._shape_text('compat_write', d) is not null
    and not exists (select from pg_catalog.pg_class t, pg_catalog.aclexplode(t.relacl) as x
                    where t.oid = d.modern and x.grantee = a.grantee and x.privilege_type = p.privilege)
    and (a.grantee = 0 or not pg_catalog.has_table_privilege(a.grantee, d.modern, p.privilege));
  for item in select * from pg_catalog.jsonb_array_elements(lookup_grants) loop
    statements := statements || pg_catalog.format('grant %s on %s to %s', item->>'privilege', item->>'table', item->>'grantee');
  end loop;
  grants := grants || lookup_grants;

  if not plain then
    statements := statements || tandem._compat_function(b, view_q)
      || pg_catalog.format('create trigger tandem_compat instead of insert or update or delete on %s for each row execute function tandem_sync.%I()',
                           view_q, tandem._compat_function_name(b));
  end if;
  perform tandem._ddl(statements);
  perform tandem._foreign_keys_moved(b.migration, fks);
  insert into tandem.cutover (bridge_id, legacy_name, views, foreign_keys, grants, carried, compat_triggers)
  values (b.id, view_q, views, fks, grants, carried, not plain);
end
$$;
comment on function tandem._cutover_rename(tandem.bridge, bigint) is
  'Cuts a renamed bridge over: archive the legacy table, put a writable compatibility view in its place, move dependent views and foreign keys.';

create or replace function tandem._table_plan(b tandem.bridge, arg jsonb) returns text
  language plpgsql
  volatile
as $$
begin
  return case when tandem._is_rename(b) then 'rename' else 'split' end;
end
$$;
comment on function tandem._table_plan(tandem.bridge, jsonb) is 'Shape table, stage plan: a rename or a split.';

create or replace function tandem._table_cutover(b tandem.bridge, arg jsonb) returns text
  language plpgsql
  volatile
as $$
begin
  if tandem._table_plan(b, arg) = 'rename' then
    perform tandem._cutover_rename(b, coalesce((arg->>'inline_limit')::bigint, 100000));
    return 'rename';
  end if;
  return 'split';
end
$$;
comment on function tandem._table_cutover(tandem.bridge, jsonb) is
  'Shape table, stage cutover: a rename (compatibility view, archive) or a split (the legacy table stays).';

create or replace function tandem._table_contract(b tandem.bridge, arg jsonb) returns text[]
  language plpgsql
  volatile
as $$
declare
  keep boolean := coalesce((arg->>'keep_restore_copy')::boolean, false);
  d record;
  views text[] := '{}';
  owners text[] := '{}';
  statements text[] := '{}';
  state tandem.cutover;
  compat regclass;
  archive_q text := tandem._qualified(b.legacy);
  aside text;
begin
  if not exists (select from tandem.cutover where bridge_id = b.id) then
    return tandem._drop_moved_columns(b, keep);
  end if;
  -- Views that read the archive with their owner's rights (tandem._dependents): a view of the modern
  -- table with the owner's rights takes the archive's name (the compatibility view's query, and its
  -- INSTEAD OF trigger), and they are redefined over it; the archive, renamed aside, then goes.
  for d in select * from tandem._dependents(b) x where x.side = 'legacy' and x.kind = 'view' and x.contract = 'redefined' order by x.object loop
    views := views || pg_catalog.format('create or replace view %s as %s', d.object, tandem._view_definition(d.objid));
    owners := owners || (select pg_catalog.quote_ident(r.rolname) from pg_catalog.pg_class c join pg_catalog.pg_roles r on r.oid = c.relowner where c.oid = d.objid);
  end loop;
  if cardinality(views) > 0 then
    select * into state from tandem.cutover where bridge_id = b.id;
    compat := pg_catalog.to_regclass(state.legacy_name);
    archive_q := tandem._qualified(b.legacy);
    aside := left((select relname from pg_catalog.pg_class where oid = b.legacy), 50) || '__contracted';
    statements := array[pg_catalog.format('alter table %s rename to %I', archive_q, aside),
                        pg_catalog.format('create view %s as %s', archive_q, tandem._view_definition(compat)),
                        pg_catalog.format('comment on view %s is %L', archive_q,
                          pg_catalog.format('The archive of %s as a view of %s with its owner''s rights, for the views that read the archive with theirs (tandem bridge %s.%s).',
                                            state.legacy_name, tandem._qualified(b.modern), b.migration, b.name))]
      || array(select pg_catalog.format('alter view %s alter column %I set default %s', archive_q, a.attname, pg_catalog.pg_get_expr(d2.adbin, d2.adrelid))
               from pg_catalog.pg_attrdef d2 join pg_catalog.pg_attribute a on a.attrelid = d2.adrelid and a.attnum = d2.adnum
               where d2.adrelid = compat)
      || array(select pg_catalog.format('create trigger %I instead of insert or update or delete on %s for each row execute function %s()',
                                        t.tgname, archive_q, t.tgfoid::regproc)
               from pg_catalog.pg_trigger t where t.tgrelid = compat and not t.tgisinternal)
      || array(select distinct pg_catalog.format('grant select, insert, update, delete on %s to %s', archive_q, o) from pg_catalog.unnest(owners) as o
               where o <> pg_catalog.quote_ident(current_user))
      || views;
    archive_q := pg_catalog.format('%I.%I', (select n.nspname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where c.oid = b.legacy), aside);
  end if;
  -- The archive goes; the sequences its columns own stay, since the view's defaults use them.
  return statements || array(
      select pg_catalog.format('alter sequence %s owned by none', s.objid::regclass)
      from pg_catalog.pg_depend s
      where s.refobjid = b.legacy and s.classid = 'pg_catalog.pg_class'::regclass and s.deptype in ('a', 'i')
        and (select relkind from pg_catalog.pg_class where oid = s.objid) = 'S')
    || case when keep
         then pg_catalog.format('alter table %s rename to %I', archive_q, tandem._restore_name(b))
         else pg_catalog.format('drop table %s', archive_q) end;
end
$$;
comment on function tandem._table_contract(tandem.bridge, jsonb) is
  'Shape table, stage contract: drop the archive of a rename (or set it aside), or the moved columns of a split.';

/*
 * Puts back what a rename's cutover changed: the legacy table under its name; views, materialized views
 * and functions that use the view go back to the table (tandem._dependents: those made since included);
 * foreign keys, grants, and what was carried to the modern table (triggers, policies, row security).
 */
create or replace function tandem._table_rollback(b tandem.bridge, arg jsonb) returns text
  language plpgsql
  volatile
as $$
declare
  state tandem.cutover;
  schema_name text;
  relation text;
  mq text := tandem._qualified(b.modern);
  item jsonb;
  d record;
  again jsonb;
  before_rename text[] := '{}';
  recreate text[] := '{}';
  views text[] := '{}';
  statements text[];
begin
  select * into state from tandem.cutover where bridge_id = b.id;
  if not found then
    return 'none';
  end if;
  select n.nspname, c.relname into schema_name, relation
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where c.oid = pg_catalog.to_regclass(state.legacy_name);
  for d in select * from tandem._dependents(b, coalesce((arg->>'inline_limit')::bigint, 100000)) x where x.side = 'legacy' order by x.kind, x.object loop
    if d.rollback = 'refused' then
      raise exception 'cannot roll back bridge %.%: % % cannot follow', b.migration, b.name, d.kind, d.object
        using errcode = 'TD003', detail = d.reason, hint = pg_catalog.format('select * from tandem.plan(%L) shows what rollback will do.', b.migration);
    elsif d.kind = 'view' and d.rollback = 'redefined' then
      -- Views over the compatibility view now (those cutover moved, and any made since) go back to the table.
      views := views || pg_catalog.format('create or replace view %s as %s', d.object, tandem._view_definition(d.objid));
    elsif d.kind in ('function', 'materialized view') and d.rollback = 'redefined' then
      again := case when d.kind = 'function' then tandem._function_again(d.objid) else tandem._materialized_view_again(d.objid) end;
      before_rename := before_rename || (again->>'drop');
      recreate := recreate || array(select pg_catalog.jsonb_array_elements_text(again->'create'));
    end if;
  end loop;
  statements := before_rename || array[
    pg_catalog.format('alter view %I.%I rename to %I', schema_name, relation, left(relation, 48) || '__tandem_compat'),
    pg_catalog.format('alter table %s rename to %I', tandem._qualified(b.legacy), relation),
    pg_catalog.format('comment on table %I.%I is null', schema_name, relation)]
    || views || recreate
    || pg_catalog.format('drop view %I.%I', schema_name, left(relation, 48) || '__tandem_compat')
    || pg_catalog.format('drop function if exists tandem_sync.%I()', tandem._compat_function_name(b));
  for item in select * from pg_catalog.jsonb_array_elements(state.foreign_keys) loop
    statements := statements
      || pg_catalog.format('alter table %s drop constraint %I', item->>'table', item->>'name')
      -- validated if it was before cutover (releases before 0.5.0 did not record it: as cutover left it)
      || tandem._add_foreign_key(item->>'table', item->>'name', item->>'legacy_definition',
                                 coalesce((item->>'validated')::boolean, false) or exists (
                                   select from tandem.unvalidated_foreign_key u
                                   where u.relation = pg_catalog.to_regclass(item->>'table') and u.constraint_name = item->>'name'),
                                 coalesce((arg->>'inline_limit')::bigint, 100000));
  end loop;
  for item in select * from pg_catalog.jsonb_array_elements(state.grants) where (value->>'new_on_modern')::boolean loop
    statements := statements || pg_catalog.format('revoke %s on %s from %s', item->>'privilege',
                                                  coalesce(item->>'table', mq), item->>'grantee');
  end loop;
  -- What cutover carried to the modern table goes; the legacy table's triggers fire again.
  for item in select * from pg_catalog.jsonb_array_elements(state.carried) loop
    statements := statements || case item->>'kind'
      when 'trigger' then array[pg_catalog.format('drop trigger if exists %I on %s', item->>'name', mq),
                                pg_catalog.format('alter table %I.%I %s trigger %I', schema_name, relation,
                                                  case item->>'enabled' when 'D' then 'disable' when 'R' then 'enable replica'
                                                                        when 'A' then 'enable always' else 'enable' end, item->>'name')]
      when 'policy' then array[pg_catalog.format('drop policy if exists %I on %s', item->>'name', mq)]
      when 'row security' then array[pg_catalog.format('alter table %s disable row level security', mq)]
      when 'force row security' then array[pg_catalog.format('alter table %s no force row level security', mq)]
      else '{}'::text[] end;
  end loop;
  perform tandem._ddl(statements);
  perform tandem._foreign_keys_moved(b.migration, state.foreign_keys);
  delete from tandem.cutover where bridge_id = b.id;
  return 'rename undone';
end
$$;
comment on function tandem._table_rollback(tandem.bridge, jsonb) is
  'Shape table, stage rollback: undoes a rename''s cutover (the legacy table under its name again; views, foreign keys and grants as they were).';

/*
 * After a rollback to planned nothing syncs, yet the modern table keeps its rows: a legacy row that
 * leaves meanwhile (deleted, moved out of the filter or to another key, or the table truncated) would
 * leave its twin behind for good (the backfill only copies). So the rollback leaves one trigger per
 * bridge that records the modern key of each row that leaves (tandem.tombstone), and the next expand,
 * in its transaction, deletes those twins that no legacy row maps to (`bury`), then the records.
 */
create or replace function tandem._table_tombstones(b tandem.bridge, arg jsonb) returns jsonb
  language sql
  stable
as $$
  select pg_catalog.jsonb_build_object(
    'statements', array[tandem._sync_function(b, tandem._sync_name(b.migration, b.name || '_gone', b.legacy, b.modern), 'after',
        'old_key jsonb; new_key jsonb;',
        pg_catalog.format($t$if tg_op = 'TRUNCATE' then
    insert into tandem.tombstone (bridge_id, modern_key) values (%1$s, null);
  else
    select pg_catalog.jsonb_build_array(%2$s) into old_key from (select old.*) as l where (%3$s);
    if tg_op = 'UPDATE' then
      select pg_catalog.jsonb_build_array(%2$s) into new_key from (select new.*) as l where (%3$s);
    end if;
    if old_key is not null and old_key is distinct from new_key then
      insert into tandem.tombstone (bridge_id, modern_key) values (%1$s, old_key);
    end if;
  end if;$t$, b.id, tandem._each(tandem._exprs(b.key, b.modern_key), '(%s)'), coalesce(b.filter, 'true')),
        pg_catalog.format('Records the legacy rows of %s that leave while the migration is planned.', tandem._qualified(b.legacy)))]
      || tandem._trigger(tandem._trigger_name(b.sync_order, b, 'gone'), b.legacy, 'after update or delete on tandem_table_placeholder for each row',
                         tandem._sync_name(b.migration, b.name || '_gone', b.legacy, b.modern))
      || tandem._trigger(tandem._trigger_name(b.sync_order, b, 'gone_truncate'), b.legacy, 'after truncate on tandem_table_placeholder for each statement',
                         tandem._sync_name(b.migration, b.name || '_gone', b.legacy, b.modern)),
    'triggers', array[tandem._trigger_name(b.sync_order, b, 'gone'), tandem._trigger_name(b.sync_order, b, 'gone_truncate')],
    'bury', pg_catalog.format($d$
      delete from %1$s as modern
      using (select distinct %2$s from tandem.tombstone as t where t.bridge_id = %3$s and t.modern_key is not null) as gone
      where (%4$s) = (%5$s)
        and not exists (select from %6$s as l where (%7$s) and (%8$s) = (%5$s));
      delete from %1$s as modern
      where exists (select from tandem.tombstone as t where t.bridge_id = %3$s and t.modern_key is null)
        and not exists (select from %6$s as l where (%7$s) and (%8$s) = (%9$s))$d$,
      tandem._qualified(b.modern),
      (select pg_catalog.string_agg(pg_catalog.format('(t.modern_key->>%s)::%s as k%s', i - 1, tandem._column_type(b.modern, c), i), ', ' order by i)
       from pg_catalog.unnest(b.modern_key) with ordinality as u(c, i)),
      b.id, tandem._each(b.modern_key, 'modern.%I'), tandem._each(b.modern_key, 'gone.k%2$s'),
      tandem._qualified(b.legacy), coalesce(b.filter, 'true'),
      tandem._each(tandem._exprs(b.key, b.modern_key), '(%s)'), tandem._each(b.modern_key, 'modern.%I')))
$$;
comment on function tandem._table_tombstones(tandem.bridge, jsonb) is
  'Shape table, stage tombstones: the trigger that records legacy rows leaving while planned, and the statement that deletes their twins at the next expand.';
--! EndIncluded tandem/shapes/table.sql
--! Included tandem/shapes/distinct.sql
/*
 * Shape `distinct` (option {"distinct": true}): many legacy rows share one modern row, the distinct
 * values of the key, as brands taken from products.brand. A new legacy value adds a modern row; a value
 * stays when the last legacy row holding it goes (and the modern side may hold values no legacy row
 * has). A modern row stands for every legacy row holding its value: renaming it writes the new value to
 * all of them, deleting it deletes or nullifies them (on_modern_delete).
 *
 *   sync: <m>__<b>_set__<legacy>_to_<modern>  AFTER INSERT on the legacy table, per statement
 *         <m>__<b>__<legacy>_to_<modern>      AFTER UPDATE on the legacy table, per row
 *         <m>__<b>__<modern>_to_<legacy>      AFTER UPDATE / DELETE on the modern table, per row
 *   cutover: nothing of its own; a compatibility view of the same legacy table writes its values
 *         before the row that refers to them (compat_write).
 */

create or replace function tandem._distinct_validate(b tandem.bridge, arg jsonb) returns jsonb
  language plpgsql
  volatile -- it plans expressions with EXPLAIN
as $$
declare
  problems text[] := tandem._check_keyed(b);
  legacy_key text[] := tandem._primary_key(b.legacy);
begin
  -- No twin to compute the legacy key from: it only keeps the backfill's place.
  if legacy_key is null then
    problems := problems || pg_catalog.format('legacy table %s has no primary key, which a distinct bridge needs to backfill in key order. Fix: add one.',
                                              tandem._qualified(b.legacy));
  end if;
  return pg_catalog.jsonb_build_object('problems', problems, 'legacy_key', legacy_key,
                                       'modern_key', array(select pg_catalog.jsonb_object_keys(b.key)));
end
$$;
comment on function tandem._distinct_validate(tandem.bridge, jsonb) is
  'Shape distinct, stage validate: a unique modern key, creatable rows, and a legacy primary key.';

/* Legacy updates: a new value is added; an old one stays. */
create or replace function tandem._distinct_forward_function(b tandem.bridge) returns text
  language sql
  stable
as $$
  select tandem._sync_function(b, tandem._sync_name(b.migration, b.name, b.legacy, b.modern), 'after', 'r record;',
    tandem._on_error(b, E'\n    ' || tandem._modern_upsert(b, '(select new.*)') || ';', '''forward''', 'r', b.legacy_key, 'r := new;'),
    pg_catalog.format('Adds the values of %s to %s.', tandem._qualified(b.legacy), tandem._qualified(b.modern)))
$$;

/*
 * Modern updates and deletes reach every legacy row holding the old value (and in the filter).
 * Finding them evaluates the key expression over the legacy table: index that expression when the
 * table is large.
 */
create or replace function tandem._distinct_backward_function(b tandem.bridge) returns text
  language plpgsql
  stable
as $$
declare
  lq text := tandem._qualified(b.legacy);
  cols text[] := array(select k from pg_catalog.jsonb_object_keys(b.backward) as k order by k);
  exprs text[];
  key_exprs text[] := array(select pg_catalog.format('(%s)::%s', b.key->>k, tandem._column_type(b.modern, k)) from pg_catalog.unnest(b.modern_key) as k);
  holders text;
begin
  exprs := tandem._exprs(b.backward, cols);
  holders := pg_catalog.format('(%s) = (select %s from (select legacy.*) as l) and (select (%s) from (select legacy.*) as l)',
    tandem._each(b.modern_key, 'old_k%2$s'), tandem._each(key_exprs, '%s'), coalesce(b.filter, 'true'));
  return tandem._sync_function(b, tandem._sync_name(b.migration, b.name, b.modern, b.legacy), 'after',
    (select pg_catalog.string_agg(pg_catalog.format('old_k%s %s;', i, tandem._column_type(b.modern, c)), ' ' order by i)
     from pg_catalog.unnest(b.modern_key) with ordinality as u(c, i)) || ' r record;',
    tandem._on_error(b, pg_catalog.format($body$
    select %1$s into %2$s from (select old.*) as m;
    if tg_op = 'UPDATE' then
      update %3$s as legacy set (%4$s) = (select %5$s from (select new.*) as m)
        where %6$s
          and (%7$s) is distinct from (select %9$s from (select new.*) as m);
    else
      %8$s
    end if;$body$,
      tandem._each(b.modern_key, 'm.%I'), tandem._each(b.modern_key, 'old_k%2$s'), lq,
      tandem._each(cols, '%I'), tandem._each(exprs, '(%s)'), holders, tandem._compared(b.legacy, cols, 'legacy.%I'),
      case when coalesce(b.options->>'on_modern_delete', 'delete') = 'nullify'
        then pg_catalog.format('update %s as legacy set (%s) = row(%s) where %s;', lq, tandem._each(cols, '%I'), tandem._each(cols, 'null'), holders)
        else pg_catalog.format('delete from %s as legacy where %s;', lq, holders) end,
      tandem._compared_exprs(b.legacy, cols, exprs)),
      '''backward''', 'r', b.modern_key, 'if tg_op = ''DELETE'' then r := old; else r := new; end if;'),
    pg_catalog.format('Syncs %s back to the rows of %s holding each value.', tandem._qualified(b.modern), lq));
end
$$;

create or replace function tandem._distinct_sync(b tandem.bridge, arg jsonb) returns jsonb
  language sql
  stable
as $$
  select pg_catalog.jsonb_build_object(
    'statements', array[tandem._distinct_forward_function(b), tandem._distinct_backward_function(b)]
      || tandem._legacy_write_triggers(b, true, false)
      || tandem._truncate_triggers(b)
      -- A modern row moved between partitions changes its value (the key includes the partition key):
      -- refused, since its holders would be deleted. A legacy row moved keeps its value, added again.
      || tandem._move_guard(b, b.modern, 'm', b.modern, b.modern_key, array(select pg_catalog.quote_ident(k) from pg_catalog.unnest(b.modern_key) as k))
      || tandem._trigger(tandem._trigger_name(b.sync_order, b, 'modern_update'), b.modern,
                         'after update on tandem_table_placeholder for each row when (' || tandem._unguarded(b) || ')',
                         tandem._sync_name(b.migration, b.name, b.modern, b.legacy))
      || tandem._trigger(tandem._trigger_name(999 - b.sync_order, b, 'modern_delete'), b.modern,
                         'after delete on tandem_table_placeholder for each row when (' || tandem._unguarded(b) || ')',
                         tandem._sync_name(b.migration, b.name, b.modern, b.legacy)),
    'triggers', array[tandem._trigger_name(b.sync_order, b, 'insert'), tandem._trigger_name(b.sync_order, b, 'update'), tandem._trigger_name(b.sync_order, b, 'truncate'),
                      tandem._trigger_name(b.sync_order, b, 'modern_update'), tandem._trigger_name(999 - b.sync_order, b, 'modern_delete'),
                      tandem._trigger_name(b.sync_order, b, 'moves')])
$$;
comment on function tandem._distinct_sync(tandem.bridge, jsonb) is
  'Shape distinct, stage sync: legacy inserts add values a statement at a time, legacy updates a row at a time; modern updates and deletes reach every holder.';

create or replace function tandem._distinct_backfill(b tandem.bridge, arg jsonb) returns text
  language sql
  stable
as $$ select tandem._copy_statement(b, coalesce((arg->>'single_row')::boolean, false), true) $$;
comment on function tandem._distinct_backfill(tandem.bridge, jsonb) is 'Shape distinct, stage backfill: copy each value of a keyset batch once.';

/* From each legacy row to the value its key maps to; a value is equal when every legacy row holding it is. */
create or replace function tandem._distinct_verify(b tandem.bridge, arg jsonb) returns text
  language sql
  stable
as $$
  select tandem._verify_statement(b, tandem._exprs(b.key, b.modern_key), pg_catalog.format('
      from %s as legacy
      cross join lateral (select tandem_forward_tuple from (select legacy.*) as l) as fv
      join %s as mm on (%s) = (%s)',
      tandem._qualified(b.legacy), tandem._qualified(b.modern), tandem._each(b.modern_key, 'mm.%I'), tandem._each(b.modern_key, 'fv.k%2$s')),
    true, 'true')
$$;
comment on function tandem._distinct_verify(tandem.bridge, jsonb) is
  'Shape distinct, stage verify: every value held by a legacy row exists, equal; values only the modern side holds are not differences.';

/* A compatibility view of the legacy table writes the new row's value first: the modern row may refer to it. */
create or replace function tandem._distinct_compat_write(b tandem.bridge, arg jsonb) returns text
  language sql
  stable
as $$
  select pg_catalog.format($l$perform pg_catalog.set_config(%1$L, 'on', true);
    %2$s;
    perform pg_catalog.set_config(%1$L, '', true);$l$, 'tandem.guard_' || b.id, tandem._modern_upsert(b, '(select new.*)'))
$$;
comment on function tandem._distinct_compat_write(tandem.bridge, jsonb) is
  'Shape distinct, stage compat_write: the value of a row written through a compatibility view of the same legacy table.';

create or replace function tandem._distinct_plan(b tandem.bridge, arg jsonb) returns text
  language sql
  immutable
as $$ select 'none'::text $$;

create or replace function tandem._distinct_cutover(b tandem.bridge, arg jsonb) returns text
  language sql
  immutable
as $$ select 'none'::text $$;

/* The legacy column goes with its table when another bridge renamed it; else it is dropped. */
create or replace function tandem._distinct_contract(b tandem.bridge, arg jsonb) returns text[]
  language plpgsql
  volatile
as $$
begin
  if exists (select from tandem.cutover c join tandem.bridge o on o.id = c.bridge_id where o.legacy = b.legacy) then
    return '{}';
  end if;
  return tandem._drop_moved_columns(b, coalesce((arg->>'keep_restore_copy')::boolean, false));
end
$$;
comment on function tandem._distinct_contract(tandem.bridge, jsonb) is
  'Shape distinct, stage contract: drop the legacy value columns, unless the legacy table goes with a renamed bridge.';

create or replace function tandem._distinct_rollback(b tandem.bridge, arg jsonb) returns text
  language sql
  immutable
as $$ select 'none'::text $$;

/* Nothing to record while planned: a value stays when the last legacy row holding it goes. */
create or replace function tandem._distinct_tombstones(b tandem.bridge, arg jsonb) returns jsonb
  language sql
  immutable
as $$ select '{"statements": [], "triggers": [], "bury": null}'::jsonb $$;
--! EndIncluded tandem/shapes/distinct.sql
--! Included tandem/shapes/columns.sql
/*
 * Shape `columns` (legacy and modern are the same table): new columns of a table kept equal to its
 * legacy columns in the row being written, by a BEFORE trigger: no second write at all. The side a
 * writer wrote drives the other (see _columns_function); a bridge may map one side only: new columns
 * computed from existing ones (forward only), or a column being dropped that old code still writes
 * (backward only). Rows outside the filter get null modern columns. Each row is its own twin, so there
 * is no key: backfill and verification go in primary key order.
 *
 *   sync: <m>__<b>__<table>_to_<table>  BEFORE INSERT / UPDATE, per row
 *   cutover: nothing changes: the table serves both sides until contract drops the legacy columns.
 */

create or replace function tandem._columns_validate(b tandem.bridge, arg jsonb) returns jsonb
  language plpgsql
  volatile -- it plans expressions with EXPLAIN
as $$
declare
  problems text[] := '{}';
  modern_key text[] := tandem._primary_key(b.modern);
  col text;
begin
  if b.key <> '{}'::jsonb then
    problems := problems || 'legacy and modern are the same table (a bridge of columns), so rows are their own twins and there is no key. Fix: leave key out (or pass ''{}''), or name two different tables.'::text;
  end if;
  if b.options ? 'distinct' then
    problems := problems || 'option distinct does not apply to a bridge of columns (legacy and modern are the same table). Fix: leave it out.'::text;
  end if;
  if modern_key is null then
    problems := problems || pg_catalog.format('table %s has no primary key, which a bridge of columns needs to backfill and verify in key order. Fix: add one.',
                                              tandem._qualified(b.modern));
  end if;
  for col in select k from pg_catalog.jsonb_object_keys(b.forward) as k
             intersect select k from pg_catalog.jsonb_object_keys(b.backward) as k loop
    problems := problems || pg_catalog.format('column %s.%I is in both forward and backward. Fix: a column is either a legacy one (in backward) or a modern one (in forward).',
                                              tandem._qualified(b.modern), col);
  end loop;
  -- Which side an insert wrote is told by the mapped columns' defaults (tandem.unwritten), which an
  -- identity column cannot have.
  problems := problems || array(
    select pg_catalog.format('column %s.%I is an identity column: a bridge of columns tells which side an insert wrote by the defaults of the columns it maps, and an identity column has none of its own. Fix: leave it out of the bridge, or make it a plain column with a default (alter table … alter column … drop identity).',
                             tandem._qualified(b.legacy), a.attname)
    from pg_catalog.pg_attribute a
    where a.attrelid = b.legacy and a.attidentity <> '' and (b.forward ? a.attname or b.backward ? a.attname)
    order by a.attnum);
  -- A BEFORE trigger sees a row before PostgreSQL computes its generated columns (null then); the
  -- virtual ones every trigger sees as null, which the common checks refuse already.
  problems := problems || array(
    select pg_catalog.format('%s reads the generated column %I, which a bridge of columns would read as null: it sets both sides in a BEFORE trigger, before PostgreSQL computes generated columns. Fix: compute it from the columns it is generated from (%s).',
                             r.what, a.attname, tandem._generation_expression(b.legacy, a.attname))
    from (select pg_catalog.format('%s expression for %s.%I', e.side, tandem._qualified(b.legacy), e.col) as what, e.reads
          from (select 'forward' as side, k as col, v as reads from pg_catalog.jsonb_each(arg->'reads'->'forward') as f(k, v)
                union all select 'backward', k, v from pg_catalog.jsonb_each(arg->'reads'->'backward') as f(k, v)) as e
          union all select pg_catalog.format('filter %L', b.filter), arg->'reads'->'filter') as r
    cross join lateral pg_catalog.jsonb_array_elements_text(coalesce(r.reads, '[]')) as c
    join pg_catalog.pg_attribute a on a.attrelid = b.legacy and a.attname = c and a.attgenerated = 's'
    order by r.what, a.attnum);
  return pg_catalog.jsonb_build_object('problems', problems, 'legacy_key', modern_key, 'modern_key', modern_key);
end
$$;
comment on function tandem._columns_validate(tandem.bridge, jsonb) is
  'Shape columns, stage validate: no key, a primary key, and each column on one side only.';

/*
 * The columns of the row the expressions of each side read, other than the side's own mapped ones:
 * what a writer of that side changes when it changes none of the mapped columns (first and last name,
 * of which a new full_name is computed). As the parser and planner resolve them (_probe_expression).
 */
create or replace function tandem._columns_inputs(b tandem.bridge) returns jsonb
  language plpgsql
  volatile -- it plans expressions with EXPLAIN
as $$
declare
  lq text := tandem._qualified(b.legacy);
  legacy_row text := (select pg_catalog.format('(select %s) as legacy', pg_catalog.string_agg(pg_catalog.format('null::%s as %I', pg_catalog.format_type(a.atttypid, a.atttypmod), a.attname), ', ' order by a.attnum))
                      from pg_catalog.pg_attribute a where a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped);
  legacy_reads text[] := '{}';
  modern_reads text[] := '{}';
  expr text;
begin
  for expr in select v from pg_catalog.jsonb_each_text(b.forward) as e(k, v) union all select b.filter where b.filter is not null loop
    legacy_reads := legacy_reads || (select columns_read from tandem._probe_expression(expr, pg_catalog.format('only %s as l', lq), null, b.legacy));
  end loop;
  for expr in select v from pg_catalog.jsonb_each_text(b.backward) as e(k, v) loop
    modern_reads := modern_reads || (select columns_read from tandem._probe_expression(expr, pg_catalog.format('only %s as m', lq), legacy_row, b.legacy));
  end loop;
  return pg_catalog.jsonb_build_object(
    'legacy', array(select distinct c from pg_catalog.unnest(legacy_reads) as c where c is not null and not b.forward ? c order by c),
    'modern', array(select distinct c from pg_catalog.unnest(modern_reads) as c where c is not null and not b.backward ? c order by c));
end
$$;
comment on function tandem._columns_inputs(tandem.bridge) is
  'Shape columns: the columns each side''s expressions read besides the mapped ones, {legacy, modern}.';

/* Whether any of the columns changed in an update (false when there are none). */
create or replace function tandem._columns_changed(rel regclass, columns text[]) returns text
  language sql
  stable
as $$
  select case when cardinality(columns) = 0 then 'false'
              else pg_catalog.format('row(%s) is distinct from row(%s)', tandem._compared(rel, columns, 'new.%I'), tandem._compared(rel, columns, 'old.%I')) end
$$;

/* For an insert: lowers the flags of the columns the writer left out; `written` is set when it wrote one. */
create or replace function tandem._columns_written(rel regclass, columns text[], written text) returns text
  language sql
  stable
as $$
  select coalesce(pg_catalog.string_agg(pg_catalog.format(
    $w$if pg_catalog.current_setting(%1$L, true) = 'on' then
      perform pg_catalog.set_config(%1$L, '', true);
    else
      %2$s := true;
    end if;$w$, tandem._unwritten_flag(rel, c), written), E'\n    ' order by c), '')
  from pg_catalog.unnest(columns) as c
$$;

/*
 * The side a writer wrote decides the direction, whatever the values:
 *   - an insert wrote a column unless it left it to its default (tandem.unwritten tells);
 *   - an update wrote a column when it changed its value.
 * Modern columns written (and no legacy one): the legacy columns are computed from the row (backward);
 * legacy columns written (and no modern one): the modern ones are (forward); both: the writer set both
 * sides, and both stay. Neither: an insert computes the modern columns (the legacy side's defaults
 * rule; with no forward mapping, the legacy columns are computed); an update recomputes the side whose
 * expressions read a column that changed (forward first).
 */
create or replace function tandem._columns_function(b tandem.bridge, inputs jsonb) returns text
  language plpgsql
  stable
as $$
declare
  fwd_cols text[] := tandem._forward_columns(b);
  bwd_cols text[] := array(select k from pg_catalog.jsonb_object_keys(b.backward) as k order by k);
  legacy_inputs text[] := array(select pg_catalog.jsonb_array_elements_text(inputs->'legacy'));
  modern_inputs text[] := array(select pg_catalog.jsonb_array_elements_text(inputs->'modern'));
  writes text := '';
begin
  if cardinality(fwd_cols) > 0 then
    writes := writes || pg_catalog.format($s$
  if forward then
    select %1$s into %2$s from (select new.*) as l;
  end if;$s$,
      tandem._each(tandem._exprs(b.forward, fwd_cols), 'case when (' || replace(coalesce(b.filter, 'true'), '%', '%%') || ') then (%s) end'),
      tandem._each(fwd_cols, 'new.%I'));
  end if;
  if cardinality(bwd_cols) > 0 then
    writes := writes || pg_catalog.format($s$
  if backward then
    select %1$s into %2$s from (select new.*) as legacy cross join lateral (select %3$s from (select new.*) as m) as v;
  end if;$s$,
      tandem._each(bwd_cols, 'v.x%2$s'), tandem._each(bwd_cols, 'new.%I'), tandem._each(tandem._exprs(b.backward, bwd_cols), '(%s) as x%2$s'));
  end if;
  return tandem._sync_function(b, tandem._sync_name(b.migration, b.name, b.legacy, b.modern), 'before',
    'forward boolean := false; backward boolean := false; modern_written boolean := false; legacy_written boolean := false;',
    pg_catalog.format($b$if tg_op = 'INSERT' then
    %1$s
    %2$s
  else
    modern_written := %3$s;
    legacy_written := %4$s;
  end if;
  if modern_written and legacy_written then
    null; -- the writer set both sides
  elsif modern_written then
    backward := true;
  elsif legacy_written then
    forward := true;
  elsif tg_op = 'INSERT' then
    forward := %5$s;
    backward := not forward;
  elsif %6$s then
    forward := true;
  elsif %7$s then
    backward := true;
  end if;
  %8$s$b$,
      tandem._columns_written(b.legacy, fwd_cols, 'modern_written'), tandem._columns_written(b.legacy, bwd_cols, 'legacy_written'),
      tandem._columns_changed(b.legacy, fwd_cols), tandem._columns_changed(b.legacy, bwd_cols),
      (cardinality(fwd_cols) > 0)::text,
      tandem._columns_changed(b.legacy, legacy_inputs), tandem._columns_changed(b.legacy, modern_inputs),
      tandem._on_error(b, writes, 'case when forward then ''forward'' else ''backward'' end', 'new', b.legacy_key)),
    pg_catalog.format('Keeps the modern columns of %s (%s) in step with its legacy ones (%s), in the direction of the side written.', tandem._qualified(b.legacy),
                      pg_catalog.array_to_string(fwd_cols, ', '), pg_catalog.array_to_string(bwd_cols, ', ')));
end
$$;

create or replace function tandem._columns_sync(b tandem.bridge, arg jsonb) returns jsonb
  language sql
  volatile -- _columns_inputs plans expressions
as $$
  select pg_catalog.jsonb_build_object(
    'statements', array[tandem._columns_function(b, tandem._columns_inputs(b))]
      || tandem._trigger(tandem._trigger_name(b.sync_order, b, 'columns'), b.legacy,
                         'before insert or update on tandem_table_placeholder for each row when (' || tandem._unguarded(b) || ')',
                         tandem._sync_name(b.migration, b.name, b.legacy, b.modern))
      || array(select pg_catalog.format('select tandem._wrap_default(%L, %L::regclass, %L)', b.migration, b.legacy::oid, c)
               from (select pg_catalog.jsonb_object_keys(b.forward) as c union select pg_catalog.jsonb_object_keys(b.backward)) as mapped order by c),
    'triggers', array[tandem._trigger_name(b.sync_order, b, 'columns')],
    'wrapped', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(b.legacy::oid, c)), '[]')
                from (select pg_catalog.jsonb_object_keys(b.forward) as c union select pg_catalog.jsonb_object_keys(b.backward)) as mapped))
$$;
comment on function tandem._columns_sync(tandem.bridge, jsonb) is
  'Shape columns, stage sync: one BEFORE trigger sets both sides of the row; the mapped columns'' defaults wrapped, so that it can tell which side an insert wrote.';

/*
 * One table: the update locks each row and computes the modern columns from the row it locked (a row
 * changed meanwhile is recomputed from its newest version, whose writer set it already).
 */
create or replace function tandem._columns_backfill(b tandem.bridge, arg jsonb) returns text
  language sql
  stable
as $$
  select pg_catalog.format($q$
    with keys as materialized (
      select %3$s from %1$s as l
      where %2$s
      order by %3$s
      limit $2
    ), written as ($q$
    -- With no forward mapping (a column being dropped) there is nothing to compute: the batch only scans.
    || case when b.forward = '{}'::jsonb then $w$
      select 1 where false$w$ else $w$
      update %1$s as modern set (%4$s) = (select %5$s from (select modern.*) as l)
      where (%6$s) in (select * from keys)
        and exists (select from (select modern.*) as l where (%7$s) is distinct from (%8$s))
      returning 1$w$ end || $q$
    )
    select (select count(*) from keys)::int as scanned,
           (select count(*) from written)::int as written,
           (select pg_catalog.jsonb_build_array(%3$s) from keys as l order by %3$s desc limit 1) as last_key$q$,
    tandem._qualified(b.legacy), tandem._batch_range(b, coalesce((arg->>'single_row')::boolean, false)), tandem._each(b.legacy_key, 'l.%I'),
    tandem._each(tandem._forward_columns(b), '%I'),
    tandem._each(tandem._exprs(b.forward, tandem._forward_columns(b)), 'case when (' || replace(coalesce(b.filter, 'true'), '%', '%%') || ') then (%s) end'),
    tandem._each(b.legacy_key, 'modern.%I'), tandem._compared(b.legacy, tandem._forward_columns(b), 'modern.%I'),
    tandem._compared_exprs(b.legacy, tandem._forward_columns(b), array(
      select pg_catalog.format('case when (%s) then (%s) end', coalesce(b.filter, 'true'), e) from pg_catalog.unnest(tandem._exprs(b.forward, tandem._forward_columns(b))) with ordinality as u(e, i) order by i)))
$$;
comment on function tandem._columns_backfill(tandem.bridge, jsonb) is 'Shape columns, stage backfill: compute the new columns of a keyset batch of rows in place.';

/* Every row is its own twin, its key the primary key. */
create or replace function tandem._columns_verify(b tandem.bridge, arg jsonb) returns text
  language sql
  stable
as $$
  select tandem._verify_statement(b, array(select pg_catalog.quote_ident(k) from pg_catalog.unnest(b.modern_key) as k), pg_catalog.format('
      from %s as legacy
      cross join lateral (select tandem_forward_tuple from (select legacy.*) as l) as fv
      cross join lateral (select legacy.*) as mm', tandem._qualified(b.legacy)),
    false, coalesce(b.filter, 'true'))
$$;
comment on function tandem._columns_verify(tandem.bridge, jsonb) is 'Shape columns, stage verify: each row''s two sides against each other.';

create or replace function tandem._columns_compat_write(b tandem.bridge, arg jsonb) returns text
  language sql
  immutable
as $$ select null::text $$;

create or replace function tandem._columns_plan(b tandem.bridge, arg jsonb) returns text
  language sql
  immutable
as $$ select 'none'::text $$;

create or replace function tandem._columns_cutover(b tandem.bridge, arg jsonb) returns text
  language sql
  immutable
as $$ select 'none'::text $$;

create or replace function tandem._columns_contract(b tandem.bridge, arg jsonb) returns text[]
  language sql
  volatile
as $$ select tandem._drop_moved_columns(b, coalesce((arg->>'keep_restore_copy')::boolean, false)) $$;
comment on function tandem._columns_contract(tandem.bridge, jsonb) is 'Shape columns, stage contract: drop the legacy columns (optionally copied aside first).';

create or replace function tandem._columns_rollback(b tandem.bridge, arg jsonb) returns text
  language sql
  immutable
as $$ select 'none'::text $$;

/* Nothing to record while planned: each row is its own twin. */
create or replace function tandem._columns_tombstones(b tandem.bridge, arg jsonb) returns jsonb
  language sql
  immutable
as $$ select '{"statements": [], "triggers": [], "bury": null}'::jsonb $$;
--! EndIncluded tandem/shapes/columns.sql

/*
 * Only the installer (and superusers) may drive migrations: an application role that can write a
 * legacy table must not be able to call the administrative functions. The sync functions run as
 * their owner (security definer), so the application needs no grant on the other side.
 */
revoke all on schema tandem, tandem_sync from public;
revoke execute on all functions in schema tandem from public;
revoke execute on all functions in schema tandem_sync from public;
revoke execute on all procedures in schema tandem from public;
-- Except the default of the columns a bridge of columns maps, which every writer of the table evaluates.
grant execute on function tandem.unwritten(text, anyelement) to public;

select tandem.log_event('install', detail => pg_catalog.jsonb_build_object(
  'version', tandem.version(), 'regenerated', tandem._upgrade_in_flight()));
--! EndIncluded tandem/install.sql
