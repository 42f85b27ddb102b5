--! Previous: sha1:da4c94f01e31b54b840d907c5eda647057750eee
--! Hash: sha1:af28c6f09e6d1b75d10d3e5487c2ee18a474b667
--! Message: tandem library 0.3.0: distinct bridges (lookup values), bridges of columns (same table), compatibility views that write lookups

--! Included tandem/install.sql
/*
 * The tandem SQL library: everything in schema `tandem`.
 *
 * This file is included into committed migrations with `--! include tandem/install.sql`; a commit
 * freezes the text it had then, so a later library version is installed by a later migration that
 * includes this file again. It must therefore be safe to run over any earlier version of itself:
 * `create … if not exists`, `create or replace`, and upgrades of existing tables written as
 * `alter … add … if not exists`; a function whose arguments or result change must be dropped
 * first (`drop function if exists`), since `create or replace` cannot change them. It runs under an
 * advisory lock so that two installs cannot interleave.
 */
select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('tandem.install', 0));

create schema if not exists tandem;
comment on schema tandem is
  'tandem: keeps legacy and modern tables in sync while a schema migration is under way. Library objects; change them only through a new library version.';

create or replace function tandem.version() returns text
  language sql
  stable
  parallel safe
as $$ select '0.3.0' $$;
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
--! EndIncluded tandem/10-catalog.sql
--! Included tandem/20-helpers.sql
/*
 * Helpers shared by the transitions. Errors raised by the library carry SQLSTATEs of class TD:
 *   TD001 no such migration          TD002 call made in the wrong phase
 *   TD003 invalid bridge definition  TD004 could not take a lock in time
 *   TD005 verification did not pass  TD006 too large to do inline
 *   TD007 invalid argument
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
 * DDL on a busy table must not queue behind a long transaction (every later query on the table would
 * queue behind the DDL). Each statement runs under a short lock_timeout and is retried with backoff;
 * after the last try the call fails with TD004 and nothing has changed.
 */
create or replace function tandem._ddl(statements text[], lock_timeout text default '2s', tries int default 5) returns void
  language plpgsql
  volatile
as $$
declare
  previous text := pg_catalog.current_setting('lock_timeout');
  previous_messages text := pg_catalog.current_setting('client_min_messages');
  statement text;
  attempt int;
begin
  perform pg_catalog.set_config('lock_timeout', lock_timeout, true);
  -- "trigger … does not exist, skipping" and the like are noise in a migration's output.
  perform pg_catalog.set_config('client_min_messages', 'warning', true);
  foreach statement in array statements loop
    attempt := 1;
    loop
      begin
        execute statement;
        exit;
      exception when lock_not_available then
        if attempt >= tries then
          perform pg_catalog.set_config('lock_timeout', previous, true);
          raise exception 'could not take the lock for: %', statement
            using errcode = 'TD004',
                  detail = pg_catalog.format('%s tries, each waiting up to %s.', tries, lock_timeout),
                  hint = 'A long transaction holds a lock on the table (see pg_stat_activity); let it finish, then call again.';
        end if;
        perform pg_catalog.pg_sleep(0.1 * 2 ^ attempt);
        attempt := attempt + 1;
      end;
    end loop;
  end loop;
  perform pg_catalog.set_config('lock_timeout', previous, true);
  perform pg_catalog.set_config('client_min_messages', previous_messages, true);
end
$$;
comment on function tandem._ddl(text[], text, int) is
  'Runs DDL statements, each under a short lock_timeout, retrying with backoff; TD004 when the lock never comes.';

/*
 * A transition that changes several relations takes all their locks first, in one order, each try
 * bounded by a short lock_timeout: a writer that holds one of them (and, through sync, wants another)
 * is never caught between two of our statements, and neither side queues behind the other for long.
 * A try that times out or deadlocks releases what it took, waits, and tries again.
 */
create or replace function tandem._lock_relations(relations regclass[], lock_timeout text default '2s', tries int default 10) returns void
  language plpgsql
  volatile
as $$
declare
  previous text := pg_catalog.current_setting('lock_timeout');
  wanted text;
  attempt int := 1;
begin
  select pg_catalog.string_agg(tandem._qualified(r), ', ' order by r::oid) into wanted
  from (select distinct r from pg_catalog.unnest(relations) as r
        -- LOCK TABLE cannot lock a materialized view; none is changed by a transition (cutover refuses
        -- those that read a legacy table).
        where r is not null and (select relkind from pg_catalog.pg_class where oid = r) <> 'm') as d;
  if wanted is null then
    return;
  end if;
  loop
    begin
      perform pg_catalog.set_config('lock_timeout', lock_timeout, true);
      execute 'lock table ' || wanted || ' in access exclusive mode';
      perform pg_catalog.set_config('lock_timeout', previous, true);
      return;
    exception when lock_not_available or deadlock_detected then
      if attempt >= tries then
        raise exception 'could not lock % in time', wanted
          using errcode = 'TD004',
                detail = pg_catalog.format('%s tries, each waiting up to %s.', tries, lock_timeout),
                hint = 'A long transaction holds a lock on one of them (see pg_stat_activity); let it finish, then call again.';
      end if;
      perform pg_catalog.pg_sleep(0.05 * attempt + pg_catalog.random() * 0.1);
      attempt := attempt + 1;
    end;
  end loop;
end
$$;
comment on function tandem._lock_relations(regclass[], text, int) is
  'Locks every relation a transition changes, all at once, retrying with backoff; TD004 when they never come free.';

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

/* A bridge's shape (see tandem.bridge.kind), from its tables and options. */
create or replace function tandem._bridge_kind(legacy regclass, modern regclass, options jsonb) returns text
  language sql
  immutable
as $$
  select case when legacy = modern then 'columns'
              when options->>'distinct' = 'true' then 'distinct'
              else 'table' end
$$;

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
 * Every problem with a bridge definition, each naming the object and the fix. Expressions are checked
 * by asking PostgreSQL to plan the very statement shapes the sync functions use (EXPLAIN, which does
 * not run them), under the search_path those functions run with, so that what passes here cannot fail
 * to compile there, and assignment casts are checked as an INSERT checks them.
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
  attr record;
  candidates text[];
  option_name text;
  kind text;
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
  kind := tandem._bridge_kind(legacy_rel, modern_rel, options);
  if kind = 'columns' then
    -- Legacy and modern columns of one table: each row is its own twin.
    if coalesce(key, '{}'::jsonb) <> '{}'::jsonb then
      problems := problems || 'legacy and modern are the same table (a bridge of columns), so rows are their own twins and there is no key. Fix: leave key out (or pass ''{}''), or name two different tables.'::text;
    end if;
    if options ? 'distinct' then
      problems := problems || 'option distinct does not apply to a bridge of columns (legacy and modern are the same table). Fix: leave it out.'::text;
    end if;
  elsif pg_catalog.jsonb_typeof(key) is distinct from 'object' or key = '{}'::jsonb then
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
      if option_name not in ('on_modern_delete', 'on_error', 'distinct') then
        problems := problems || pg_catalog.format('unknown option %I. Fix: use on_modern_delete (delete | nullify), on_error (fail | reject) or distinct (true | false).', option_name);
      end if;
    end loop;
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

  lq := tandem._qualified(legacy_rel);
  mq := tandem._qualified(modern_rel);
  perform pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

  -- Key and forward expressions: modern columns computed from a legacy row.
  if kind = 'columns' then
    key := '{}'::jsonb;
    modern_key := tandem._primary_key(modern_rel);
    if modern_key is null then
      problems := problems || pg_catalog.format('table %s has no primary key, which a bridge of columns needs to backfill and verify in key order. Fix: add one.', mq);
    end if;
    for col in select k from pg_catalog.jsonb_object_keys(coalesce(forward, '{}')) as k
               intersect select k from pg_catalog.jsonb_object_keys(full_backward) as k loop
      problems := problems || pg_catalog.format('column %s.%I is in both forward and backward. Fix: a column is either a legacy one (in backward) or a modern one (in forward).', mq, col);
    end loop;
  else
    modern_key := array(select pg_catalog.jsonb_object_keys(key));
  end if;
  for col, expr in select k, v from pg_catalog.jsonb_each_text(coalesce(key, '{}')) as e(k, v)
                   union all select k, v from pg_catalog.jsonb_each_text(coalesce(forward, '{}')) as e(k, v) loop
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
    begin
      execute pg_catalog.format('explain (costs off) insert into %s (%I) select (%s) from only %s as l', mq, col, expr, lq);
    exception when others then
      problems := problems || pg_catalog.format(
        '%s expression for %s.%I, %L: %s (SQLSTATE %s). Fix: correct it; it is evaluated over a row of %s (its columns unqualified) with search_path pg_catalog, so schema-qualify your own functions and tables.',
        case when key ? col then 'key' else 'forward' end, mq, col, expr, sqlerrm, sqlstate, lq);
    end;
  end loop;

  if kind <> 'columns' and cardinality(modern_key) > 0 and not exists (
    select from pg_catalog.pg_index i
    where i.indrelid = modern_rel and i.indisunique and i.indisvalid and i.indpred is null and i.indexprs is null
      and (select pg_catalog.array_agg(a.attname::text order by a.attname)
           from pg_catalog.pg_attribute a where a.attrelid = modern_rel and a.attnum = any(i.indkey))
          = (select pg_catalog.array_agg(k order by k) from pg_catalog.unnest(modern_key) as k)
  ) then
    problems := problems || pg_catalog.format(
      'the key (%s) is not unique on %s: no primary key or unique index on exactly these columns. Fix: add one (create unique index concurrently … on %s (%s)) or key on the primary key.',
      pg_catalog.array_to_string(modern_key, ', '), mq, mq, pg_catalog.array_to_string(modern_key, ', '));
  end if;

  -- A modern row must be creatable from a legacy row.
  for attr in
    select a.attname from pg_catalog.pg_attribute a
    where a.attrelid = modern_rel and a.attnum > 0 and not a.attisdropped and a.attnotnull
      and not a.atthasdef and a.attidentity = '' and a.attgenerated = ''
      and not key ? a.attname and not coalesce(forward, '{}') ? a.attname
      and kind <> 'columns'
  loop
    problems := problems || pg_catalog.format(
      'modern column %s.%I is NOT NULL with no default and no forward expression, so a legacy insert could not create its twin. Fix: add a forward expression for it, or give it a default.',
      mq, attr.attname);
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

  -- The legacy key: a unique index of the legacy table whose columns all have backward expressions
  -- (a distinct or columns bridge has no twin to compute it from, and needs it only to keep its place).
  if kind <> 'table' then
    legacy_key := tandem._primary_key(legacy_rel);
    if legacy_key is null and kind = 'distinct' then
      problems := problems || pg_catalog.format('legacy table %s has no primary key, which a distinct bridge needs to backfill in key order. Fix: add one.', lq);
    end if;
  else
    select pg_catalog.array_agg(a.attname::text order by pg_catalog.array_position(i.indkey::int2[], a.attnum))
      into legacy_key
    from (select * from pg_catalog.pg_index
          where indrelid = legacy_rel and indisunique and indisvalid and indpred is null and indexprs is null
          order by indisprimary desc, indexrelid limit 1000) as i
    join pg_catalog.pg_attribute a on a.attrelid = legacy_rel and a.attnum = any(i.indkey)
    group by i.indexrelid, i.indisprimary
    having bool_and(full_backward ? a.attname)
    order by i.indisprimary desc, count(*), i.indexrelid
    limit 1;
    if legacy_key is null then
      select pg_catalog.array_agg(pg_catalog.pg_get_indexdef(indexrelid)) into candidates
      from pg_catalog.pg_index where indrelid = legacy_rel and indisunique;
      problems := problems || pg_catalog.format(
        'the legacy key cannot be computed from a modern row. Fix: give backward expressions for every column of one unique index of %s (%s).',
        lq, coalesce(pg_catalog.array_to_string(candidates, '; '), 'it has none: add a primary key'));
    else
      foreach col in array legacy_key loop
        begin
          execute pg_catalog.format('explain (costs off) select (%s) from only %s as m', full_backward->>col, mq);
        exception when others then
          problems := problems || pg_catalog.format(
            'backward expression for legacy key column %s.%I, %L, must be computed from the modern row alone: %s. Fix: do not refer to "legacy" in a key expression.',
            lq, col, full_backward->>col, sqlerrm);
        end;
      end loop;
    end if;
  end if;

  if filter is not null then
    begin
      execute pg_catalog.format('explain (costs off) select from only %s as l where (%s)', lq, filter);
    exception when others then
      problems := problems || pg_catalog.format(
        'filter %L: %s (SQLSTATE %s). Fix: write a boolean expression over a row of %s (its columns unqualified).', filter, sqlerrm, sqlstate, lq);
    end;
  end if;
  perform pg_catalog.set_config('search_path', saved_path, true);
end
$$;
comment on function tandem._check_bridge(text, text, jsonb, jsonb, jsonb, text, jsonb) is
  'Every problem with a bridge definition (each naming the object and the fix), and the keys it resolves to.';

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
begin
  if add_check.name is null or add_check.name !~ '^[a-z][a-z0-9_]{0,39}$' then
    raise exception 'invalid check name %', pg_catalog.quote_nullable(add_check.name)
      using errcode = 'TD007', hint = 'A check name is lowercase letters, digits and underscores, starting with a letter.';
  end if;
  perform tandem._lock(add_check.migration);
  perform tandem._migration(add_check.migration);
  begin
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
 * The sync machinery a bridge generates (by tandem.expand, and again whenever its definition
 * changes): two trigger functions in schema tandem_sync, static SQL with plans cached, and the
 * triggers that call them.
 *
 *   <migration>__<bridge>_set__<legacy>_to_<modern>  AFTER INSERT / DELETE on the legacy table, per statement
 *   <migration>__<bridge>__<legacy>_to_<modern>      AFTER UPDATE on the legacy table, per row
 *   <migration>__<bridge>__<modern>_to_<legacy>      AFTER INSERT/UPDATE/DELETE on the modern table, per row
 *
 * Each change is propagated in the same transaction as the write that caused it, so both sides
 * change or neither does. Expressions see the row being written as a one-row relation,
 * `(select new.*) as l` (legacy) or `as m` (modern), so users write bare column names. A transaction-
 * local setting per bridge (tandem.guard_<id>) is on while a bridge writes, so the write it causes on
 * the other side does not come back; other bridges and unrelated triggers still fire.
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

/*
 * The ON CONFLICT clause every write of modern twins uses: only the mapped columns, and only where
 * they differ (an equal row gets no new version).
 */
create or replace function tandem._upsert_conflict(columns text[]) returns text
  language sql
  immutable
as $$
  select case when cardinality(columns) = 0 then 'do nothing'
    else pg_catalog.format('do update set (%s) = row(%s) where (%s) is distinct from (%s)',
           tandem._each(columns, '%I'), tandem._each(columns, 'excluded.%I'),
           tandem._each(columns, 'modern.%I'), tandem._each(columns, 'excluded.%I')) end
$$;

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
      for r in select * from %5$I loop
        begin
          %2$s
        exception when others then
          insert into tandem.reject (bridge_id, direction, key, sqlstate, error, row_data)
          values (%3$s, 'forward', pg_catalog.jsonb_build_object(%4$s), sqlstate, sqlerrm, pg_catalog.to_jsonb(r));
        end;
      end loop;
    end;$r$,
      pg_catalog.replace(statement, 'tandem_rows_placeholder as l', transition || ' as l'),
      pg_catalog.replace(statement, 'tandem_rows_placeholder as l', '(select r.*) as l'),
      b.id, tandem._each(b.legacy_key, '%1$L, r.%1$I'), transition)
    else pg_catalog.replace(statement, 'tandem_rows_placeholder as l', transition || ' as l') end
$$;

create or replace function tandem._forward_function(b tandem.bridge) returns text
  language plpgsql
  stable
as $$
declare
  mq text := tandem._qualified(b.modern);
  lq text := tandem._qualified(b.legacy);
  fname text := tandem._sync_name(b.migration, b.name, b.legacy, b.modern);
  key_cols text[] := b.modern_key;
  key_exprs text[] := array(select b.key->>k from pg_catalog.unnest(b.modern_key) as k);
  other_cols text[] := array(select k from pg_catalog.jsonb_object_keys(b.forward) as k order by k);
  other_exprs text[];
  all_cols text;
  all_exprs text;
  declarations text;
  body text;
  upsert_conflict text;
  key_vars_old text := tandem._each(b.modern_key, 'old_k%2$s');
  key_vars_new text := tandem._each(b.modern_key, 'new_k%2$s');
  filter text := coalesce(b.filter, 'true');
begin
  other_exprs := array(select b.forward->>k from pg_catalog.unnest(other_cols) as k);
  all_cols := tandem._each(key_cols || other_cols, '%I');
  all_exprs := tandem._each(key_exprs || other_exprs, '(%s)');
  declarations := (select pg_catalog.string_agg(pg_catalog.format('old_k%s %s; new_k%s %s;', i, tandem._column_type(b.modern, c), i,
                                                                   tandem._column_type(b.modern, c)), ' ' order by i)
                   from pg_catalog.unnest(b.modern_key) with ordinality as u(c, i));
  upsert_conflict := tandem._upsert_conflict(other_cols);
  if b.kind = 'distinct' then
    -- Many legacy rows share the modern row: a new value is added; an old one stays (other rows may
    -- still hold it, and the modern side may hold values no legacy row has).
    return tandem._wrap_sync_function(b, fname, 'forward', '', pg_catalog.format($body$
    if tg_op <> 'DELETE' then
      insert into %1$s as modern (%2$s) select %3$s from (select new.*) as l where (%4$s)
        on conflict (%5$s) %6$s;
    end if;$body$, mq, all_cols, all_exprs, filter, tandem._each(key_cols, '%I'), upsert_conflict),
      b.legacy_key,
      pg_catalog.format('Adds the values of %s to %s for bridge %s.%s (tandem). Generated by tandem.expand; do not edit.', lq, mq, b.migration, b.name));
  end if;
  body := pg_catalog.format($body$
    if tg_op <> 'INSERT' then
      select true, %1$s into old_in, %2$s from (select old.*) as l where (%3$s);
      old_in := coalesce(old_in, false);
    end if;
    if tg_op <> 'DELETE' then
      select true, %1$s into new_in, %4$s from (select new.*) as l where (%3$s);
      new_in := coalesce(new_in, false);
    end if;
    if old_in and not (new_in and (%2$s) is not distinct from (%4$s)) then
      if new_in then
        -- the key changed: move the twin, keeping what only the modern side has
        update %5$s as modern set (%6$s) = (select %7$s from (select new.*) as l) where (%8$s) = (%2$s);
        moved := found;
      else
        -- deleted, or left the filter
        delete from %5$s as modern where (%8$s) = (%2$s);
      end if;
    end if;
    if new_in and not moved then
      insert into %5$s as modern (%6$s) select %7$s from (select new.*) as l
        on conflict (%9$s) %10$s;
    end if;$body$,
    tandem._each(key_exprs, '(%s)'), key_vars_old, filter, key_vars_new, mq, all_cols, all_exprs,
    tandem._each(key_cols, 'modern.%I'), tandem._each(key_cols, '%I'), upsert_conflict);
  return tandem._wrap_sync_function(b, fname, 'forward', declarations || ' old_in boolean := false; new_in boolean := false; moved boolean := false;',
    body, b.legacy_key,
    pg_catalog.format('Syncs %s to %s for bridge %s.%s (tandem). Generated by tandem.expand; do not edit.', lq, mq, b.migration, b.name));
end
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
 */
create or replace function tandem._forward_set_function(b tandem.bridge) returns text
  language plpgsql
  stable
as $$
declare
  mq text := tandem._qualified(b.modern);
  lq text := tandem._qualified(b.legacy);
  fname text := tandem._sync_name(b.migration, b.name || '_set', b.legacy, b.modern);
  other_cols text[] := array(select k from pg_catalog.jsonb_object_keys(b.forward) as k order by k);
  key_exprs text[] := array(select b.key->>k from pg_catalog.unnest(b.modern_key) as k);
  other_exprs text[];
  guard text := 'tandem.guard_' || b.id;
  insert_rows text;
  delete_rows text;
  upsert_conflict text;
begin
  other_exprs := array(select b.forward->>k from pg_catalog.unnest(other_cols) as k);
  upsert_conflict := tandem._upsert_conflict(other_cols);
  -- tandem_rows_placeholder: the rows (a transition table, or one row as (select r.*)); replaced below, not formatted,
  -- since the expressions may hold a % of their own.
  -- A distinct bridge's statement may hold a value many times: one modern row each (an upsert may not
  -- touch a row twice).
  insert_rows := pg_catalog.format('insert into %s as modern (%s) select %s %s from tandem_rows_placeholder as l where (%s) on conflict (%s) %s;',
    mq, tandem._each(b.modern_key || other_cols, '%I'),
    case when b.kind = 'distinct' then 'distinct on (' || tandem._each(key_exprs, '(%s)') || ')' else '' end,
    tandem._each(key_exprs || other_exprs, '(%s)'),
    coalesce(b.filter, 'true'), tandem._each(b.modern_key, '%I'), upsert_conflict);
  if cardinality(b.modern_key) = 1 then
    delete_rows := pg_catalog.format('delete from %s as modern where modern.%I = any (array(select (%s)::%s from tandem_rows_placeholder as l where (%s)));',
      mq, b.modern_key[1], key_exprs[1], tandem._column_type(b.modern, b.modern_key[1]), coalesce(b.filter, 'true'));
  else
    delete_rows := pg_catalog.format('for gone in select %s from tandem_rows_placeholder as l where (%s) loop
      delete from %s as modern where (%s) = (%s);
    end loop;',
      tandem._each(key_exprs, '(%s) as k%2$s'), coalesce(b.filter, 'true'),
      mq, tandem._each(b.modern_key, 'modern.%I'), tandem._each(b.modern_key, 'gone.k%2$s'));
  end if;
  if b.kind = 'distinct' then
    delete_rows := 'null; -- a distinct value stays when legacy rows go';
  end if;
  return pg_catalog.format($fn$
create or replace function tandem_sync.%1$I() returns trigger
  language plpgsql
  volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $sync$
declare
  r %6$s;
  gone record;
begin
  if pg_catalog.current_setting(%2$L, true) = 'on' then
    return null; -- these writes were made by the bridge itself
  end if;
  perform pg_catalog.set_config(%2$L, 'on', true);
  if tg_op = 'INSERT' then
    %3$s
  else
    %4$s
  end if;
  perform pg_catalog.set_config(%2$L, '', true);
  return null;
end
$sync$;
comment on function tandem_sync.%1$I() is %5$L;
$fn$,
    fname, guard,
    tandem._set_block(b, insert_rows, 'inserted'),
    tandem._set_block(b, delete_rows, 'deleted'),
    pg_catalog.format('Syncs inserts and deletes on %s to %s, a statement at a time, for bridge %s.%s (tandem). Generated by tandem.expand; do not edit.',
                      lq, mq, b.migration, b.name),
    lq);
end
$$;

create or replace function tandem._backward_function(b tandem.bridge) returns text
  language plpgsql
  stable
as $$
declare
  mq text := tandem._qualified(b.modern);
  lq text := tandem._qualified(b.legacy);
  fname text := tandem._sync_name(b.migration, b.name, b.modern, b.legacy);
  key_cols text[] := b.legacy_key;
  key_exprs text[] := array(select b.backward->>k from pg_catalog.unnest(b.legacy_key) as k);
  other_cols text[] := array(select k from pg_catalog.jsonb_object_keys(b.backward) as k
                             where k <> all(b.legacy_key) order by k);
  other_exprs text[];
  declarations text;
  key_vars_old text := tandem._each(b.legacy_key, 'old_k%2$s');
  key_vars_new text := tandem._each(b.legacy_key, 'new_k%2$s');
  key_match text := tandem._each(b.legacy_key, 'legacy.%I');
  nullify boolean := coalesce(b.options->>'on_modern_delete', 'delete') = 'nullify';
  on_change text;
  update_values text;
  body text;
begin
  other_exprs := array(select b.backward->>k from pg_catalog.unnest(other_cols) as k);
  if b.kind = 'distinct' then
    return tandem._distinct_backward_function(b);
  end if;
  declarations := (select pg_catalog.string_agg(pg_catalog.format('old_k%s %s; new_k%s %s;', i, tandem._column_type(b.legacy, c), i,
                                                                   tandem._column_type(b.legacy, c)), ' ' order by i)
                   from pg_catalog.unnest(b.legacy_key) with ordinality as u(c, i));
  -- A modern row whose key changed, or that was deleted: what happens to the legacy row it came from.
  if nullify then
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
          and not exists (select from (select new.*) as m where (%6$s) is not distinct from (%3$s));
      done := found;$u$,
      lq, tandem._each(other_cols, '%I'), tandem._each(other_exprs, '(%s)'), key_match, key_vars_new,
      tandem._each(other_cols, 'legacy.%I')) end;
  body := pg_catalog.format($body$
    if tg_op <> 'INSERT' then
      select %1$s into %2$s from (select old.*) as m;
    end if;
    if tg_op <> 'DELETE' then
      select %1$s into %3$s from (select new.*) as m;
    end if;
    if tg_op = 'DELETE' or (%2$s) is distinct from (%3$s) then
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
             lq, tandem._each(other_cols, '%I'), tandem._each(other_exprs, '(%s)'), key_match, key_vars_new) end);
  return tandem._wrap_sync_function(b, fname, 'backward', declarations || ' done boolean := false;', body, b.modern_key,
    pg_catalog.format('Syncs %s back to %s for bridge %s.%s (tandem). Generated by tandem.expand; do not edit.', mq, lq, b.migration, b.name));
end
$$;

/*
 * A distinct bridge's modern row stands for every legacy row holding its key: a changed value is
 * written to all of them, a deleted one deletes or nullifies them (on_modern_delete). A new modern row
 * has no legacy rows yet, so an insert changes nothing. Finding the legacy rows evaluates the key
 * expression over the legacy table: index that expression when the table is large.
 */
create or replace function tandem._distinct_backward_function(b tandem.bridge) returns text
  language plpgsql
  stable
as $$
declare
  mq text := tandem._qualified(b.modern);
  lq text := tandem._qualified(b.legacy);
  cols text[] := array(select k from pg_catalog.jsonb_object_keys(b.backward) as k order by k);
  exprs text[] := array(select b.backward->>k from pg_catalog.unnest(cols) as k);
  key_exprs text[] := array(select pg_catalog.format('(%s)::%s', b.key->>k, tandem._column_type(b.modern, k)) from pg_catalog.unnest(b.modern_key) as k);
  holders text;
  body text;
begin
  -- The legacy rows that hold the old value (and are in the filter).
  holders := pg_catalog.format('(%s) = (select %s from (select legacy.*) as l) and (select (%s) from (select legacy.*) as l)',
    tandem._each(b.modern_key, 'old_k%2$s'), tandem._each(key_exprs, '%s'), coalesce(b.filter, 'true'));
  body := pg_catalog.format($body$
    if tg_op = 'INSERT' then
      return null;
    end if;
    select %1$s into %2$s from (select old.*) as m;
    if tg_op = 'UPDATE' then
      update %3$s as legacy set (%4$s) = (select %5$s from (select new.*) as m)
        where %6$s
          and (%7$s) is distinct from (select %5$s from (select new.*) as m);
    else
      %8$s
    end if;$body$,
    tandem._each(b.modern_key, 'm.%I'), tandem._each(b.modern_key, 'old_k%2$s'), lq,
    tandem._each(cols, '%I'), tandem._each(exprs, '(%s)'), holders, tandem._each(cols, 'legacy.%I'),
    case when coalesce(b.options->>'on_modern_delete', 'delete') = 'nullify'
      then pg_catalog.format('update %s as legacy set (%s) = row(%s) where %s;', lq, tandem._each(cols, '%I'), tandem._each(cols, 'null'), holders)
      else pg_catalog.format('delete from %s as legacy where %s;', lq, holders) end);
  return tandem._wrap_sync_function(b, tandem._sync_name(b.migration, b.name, b.modern, b.legacy), 'backward',
    (select pg_catalog.string_agg(pg_catalog.format('old_k%s %s;', i, tandem._column_type(b.modern, c)), ' ' order by i)
     from pg_catalog.unnest(b.modern_key) with ordinality as u(c, i)),
    body, b.modern_key,
    pg_catalog.format('Syncs %s back to the rows of %s holding each value, for bridge %s.%s (tandem). Generated by tandem.expand; do not edit.', mq, lq, b.migration, b.name));
end
$$;

/*
 * A bridge of columns keeps two sets of columns of one table in step, in a BEFORE trigger that sets
 * the row being written: no second write at all. On insert the side left null is computed from the
 * other; on update the side that changed drives the other (when both change, the writer set both).
 * Rows outside the filter get null modern columns.
 */
create or replace function tandem._columns_function(b tandem.bridge) returns text
  language plpgsql
  stable
as $$
declare
  q text := tandem._qualified(b.legacy);
  fwd_cols text[] := array(select k from pg_catalog.jsonb_object_keys(b.forward) as k order by k);
  fwd_exprs text[] := array(select b.forward->>k from pg_catalog.unnest(fwd_cols) as k);
  bwd_cols text[] := array(select k from pg_catalog.jsonb_object_keys(b.backward) as k order by k);
  bwd_exprs text[] := array(select b.backward->>k from pg_catalog.unnest(bwd_cols) as k);
  guard text := 'tandem.guard_' || b.id;
  fname text := tandem._sync_name(b.migration, b.name, b.legacy, b.modern);
begin
  return pg_catalog.format($fn$
create or replace function tandem_sync.%1$I() returns trigger
  language plpgsql
  volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $sync$
declare
  forward boolean;
  backward boolean;
begin
  if pg_catalog.current_setting(%2$L, true) = 'on' then
    return new; -- written by the bridge itself
  end if;
  if tg_op = 'INSERT' then
    forward := row(%3$s) is not distinct from row(%4$s);
    backward := not forward and row(%5$s) is not distinct from row(%6$s);
  else
    forward := row(%7$s) is distinct from row(%8$s) and row(%3$s) is not distinct from row(%9$s);
    backward := row(%3$s) is distinct from row(%9$s) and row(%7$s) is not distinct from row(%8$s);
  end if;
  %10$s
  return new;
end
$sync$;
comment on function tandem_sync.%1$I() is %11$L;
$fn$,
    fname, guard,
    tandem._each(fwd_cols, 'new.%I'), tandem._each(fwd_cols, 'null'),
    tandem._each(bwd_cols, 'new.%I'), tandem._each(bwd_cols, 'null'),
    tandem._each(bwd_cols, 'new.%I'), tandem._each(bwd_cols, 'old.%I'), tandem._each(fwd_cols, 'old.%I'),
    (case when coalesce(b.options->>'on_error', 'fail') = 'reject' then 'begin' else '' end)
    || pg_catalog.format($b$
  if forward then
    select %1$s into %2$s from (select new.*) as l;
  elsif backward then
    select %3$s into %4$s from (select new.*) as legacy cross join lateral (select %5$s from (select new.*) as m) as v;
  end if;$b$,
      tandem._each(fwd_exprs, 'case when (' || replace(coalesce(b.filter, 'true'), '%', '%%') || ') then (%s) end'),
      tandem._each(fwd_cols, 'new.%I'),
      tandem._each(bwd_cols, 'v.x%2$s'), tandem._each(bwd_cols, 'new.%I'), tandem._each(bwd_exprs, '(%s) as x%2$s'))
    || case when coalesce(b.options->>'on_error', 'fail') = 'reject' then pg_catalog.format($r$
  exception when others then
    insert into tandem.reject (bridge_id, direction, key, sqlstate, error, row_data)
    values (%s, case when forward then 'forward' else 'backward' end, pg_catalog.jsonb_build_object(%s), sqlstate, sqlerrm, pg_catalog.to_jsonb(new));
  end;$r$, b.id, tandem._each(b.legacy_key, '%1$L, new.%1$I')) else '' end,
    pg_catalog.format('Keeps the modern columns of %s (%s) in step with its legacy ones (%s), for bridge %s.%s (tandem). Generated by tandem.expand; do not edit.',
                      q, pg_catalog.array_to_string(fwd_cols, ', '), pg_catalog.array_to_string(bwd_cols, ', '), b.migration, b.name));
end
$$;

/*
 * The frame every sync function shares: the recursion guard, and the error policy. With
 * on_error = reject the change is attempted in a subtransaction; if it fails, the write on this side
 * is kept and the row is recorded in tandem.reject (verification reports it).
 */
create or replace function tandem._wrap_sync_function(
  b tandem.bridge, fname text, direction text, declarations text, body text, row_key text[], description text
) returns text
  language plpgsql
  stable
as $$
declare
  guard text := 'tandem.guard_' || b.id;
  reject boolean := coalesce(b.options->>'on_error', 'fail') = 'reject';
begin
  return pg_catalog.format($fn$
create or replace function tandem_sync.%1$I() returns trigger
  language plpgsql
  volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $sync$
declare
  %2$s
  r record;
begin
  if pg_catalog.current_setting(%3$L, true) = 'on' then
    return null; -- this write was made by the bridge itself
  end if;
  perform pg_catalog.set_config(%3$L, 'on', true);
  %4$s
  perform pg_catalog.set_config(%3$L, '', true);
  return null;
end
$sync$;
comment on function tandem_sync.%1$I() is %5$L;
$fn$,
    fname, declarations, guard,
    case when reject then pg_catalog.format($r$begin%1$s
  exception when others then
    if tg_op = 'DELETE' then r := old; else r := new; end if;
    insert into tandem.reject (bridge_id, direction, key, sqlstate, error, row_data)
    values (%2$s, %3$L, pg_catalog.jsonb_build_object(%4$s), sqlstate, sqlerrm, pg_catalog.to_jsonb(r));
  end;$r$, body, b.id, direction, tandem._each(row_key, '%1$L, r.%1$I'))
    else body end,
    description);
end
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

/* Generates (or regenerates) the sync machinery of every bridge of a migration and drops what is obsolete. */
create or replace function tandem._generate(migration text) returns void
  language plpgsql
  volatile
as $$
#variable_conflict use_column
declare
  b tandem.bridge;
  statements text[] := '{}';
  wanted text[] := '{}';
  existing record;
  fwd text;
  fwd_set text;
  unguarded text;
  bwd text;
begin
  perform tandem._lock_relations(array(select legacy from tandem.bridge where migration = _generate.migration
                                       union select modern from tandem.bridge where migration = _generate.migration));
  perform tandem._order_bridges(_generate.migration);

  for b in select * from tandem.bridge where migration = _generate.migration order by sync_order, id loop
    fwd := tandem._sync_name(b.migration, b.name, b.legacy, b.modern);
    bwd := tandem._sync_name(b.migration, b.name, b.modern, b.legacy);
    fwd_set := tandem._sync_name(b.migration, b.name || '_set', b.legacy, b.modern);
    -- A row written by the bridge itself does not even call the function: the condition is checked
    -- when the row is written, while the bridge's guard is on.
    unguarded := pg_catalog.format('pg_catalog.current_setting(%L, true) is distinct from %L', 'tandem.guard_' || b.id, 'on');
    if b.kind = 'columns' then
      -- One table: a BEFORE trigger sets both sides of the row being written.
      wanted := wanted || tandem._trigger_name(b.sync_order, b, 'columns');
      statements := statements || tandem._columns_function(b)
        || pg_catalog.format('drop trigger if exists %I on %s', tandem._trigger_name(b.sync_order, b, 'columns'), tandem._qualified(b.legacy))
        || pg_catalog.format('create trigger %I before insert or update on %s for each row when (%s) execute function tandem_sync.%I()',
                             tandem._trigger_name(b.sync_order, b, 'columns'), tandem._qualified(b.legacy), unguarded, fwd);
      continue;
    end if;
    statements := statements || tandem._forward_function(b) || tandem._forward_set_function(b) || tandem._backward_function(b);
    wanted := wanted || tandem._trigger_name(b.sync_order, b, 'sync') || tandem._trigger_name(999 - b.sync_order, b, 'delete')
                     || tandem._trigger_name(b.sync_order, b, 'insert') || tandem._trigger_name(b.sync_order, b, 'update');
    -- On the legacy table: inserts and deletes a statement at a time, updates a row at a time (a
    -- distinct bridge keeps values when legacy rows go, and a new modern value has no legacy rows).
    if b.kind = 'distinct' then
      wanted := array(select w from pg_catalog.unnest(wanted) as w
                      where w <> tandem._trigger_name(999 - b.sync_order, b, 'delete'));
      wanted := wanted || tandem._trigger_name(b.sync_order, b, 'modern_update') || tandem._trigger_name(999 - b.sync_order, b, 'modern_delete');
      statements := statements
        || pg_catalog.format('drop trigger if exists %I on %s', tandem._trigger_name(b.sync_order, b, 'insert'), tandem._qualified(b.legacy))
        || pg_catalog.format('create trigger %I after insert on %s referencing new table as inserted for each statement execute function tandem_sync.%I()',
                             tandem._trigger_name(b.sync_order, b, 'insert'), tandem._qualified(b.legacy), fwd_set)
        || pg_catalog.format('drop trigger if exists %I on %s', tandem._trigger_name(b.sync_order, b, 'update'), tandem._qualified(b.legacy))
        || pg_catalog.format('create trigger %I after update on %s for each row when (%s) execute function tandem_sync.%I()',
                             tandem._trigger_name(b.sync_order, b, 'update'), tandem._qualified(b.legacy), unguarded, fwd)
        || pg_catalog.format('drop trigger if exists %I on %s', tandem._trigger_name(b.sync_order, b, 'modern_update'), tandem._qualified(b.modern))
        || pg_catalog.format('create trigger %I after update on %s for each row when (%s) execute function tandem_sync.%I()',
                             tandem._trigger_name(b.sync_order, b, 'modern_update'), tandem._qualified(b.modern), unguarded, bwd)
        || pg_catalog.format('drop trigger if exists %I on %s', tandem._trigger_name(999 - b.sync_order, b, 'modern_delete'), tandem._qualified(b.modern))
        || pg_catalog.format('create trigger %I after delete on %s for each row when (%s) execute function tandem_sync.%I()',
                             tandem._trigger_name(999 - b.sync_order, b, 'modern_delete'), tandem._qualified(b.modern), unguarded, bwd);
      continue;
    end if;
    statements := statements
      || pg_catalog.format('drop trigger if exists %I on %s', tandem._trigger_name(b.sync_order, b, 'insert'), tandem._qualified(b.legacy))
      || pg_catalog.format('create trigger %I after insert on %s referencing new table as inserted for each statement execute function tandem_sync.%I()',
                           tandem._trigger_name(b.sync_order, b, 'insert'), tandem._qualified(b.legacy), fwd_set)
      || pg_catalog.format('drop trigger if exists %I on %s', tandem._trigger_name(b.sync_order, b, 'update'), tandem._qualified(b.legacy))
      || pg_catalog.format('create trigger %I after update on %s for each row when (%s) execute function tandem_sync.%I()',
                           tandem._trigger_name(b.sync_order, b, 'update'), tandem._qualified(b.legacy), unguarded, fwd)
      || pg_catalog.format('drop trigger if exists %I on %s', tandem._trigger_name(999 - b.sync_order, b, 'delete'), tandem._qualified(b.legacy))
      || pg_catalog.format('create trigger %I after delete on %s referencing old table as deleted for each statement execute function tandem_sync.%I()',
                           tandem._trigger_name(999 - b.sync_order, b, 'delete'), tandem._qualified(b.legacy), fwd_set)
      || pg_catalog.format('drop trigger if exists %I on %s', tandem._trigger_name(b.sync_order, b, 'sync'), tandem._qualified(b.modern))
      || pg_catalog.format('create trigger %I after insert or update on %s for each row when (%s) execute function tandem_sync.%I()',
                           tandem._trigger_name(b.sync_order, b, 'sync'), tandem._qualified(b.modern), unguarded, bwd)
      || pg_catalog.format('drop trigger if exists %I on %s', tandem._trigger_name(999 - b.sync_order, b, 'delete'), tandem._qualified(b.modern))
      || pg_catalog.format('create trigger %I after delete on %s for each row when (%s) execute function tandem_sync.%I()',
                           tandem._trigger_name(999 - b.sync_order, b, 'delete'), tandem._qualified(b.modern), unguarded, bwd);
  end loop;
  -- Triggers of this migration that no bridge wants any more (a bridge renamed or reordered).
  for existing in
    select t.tgname, t.tgrelid::regclass as rel
    from pg_catalog.pg_trigger t
    join pg_catalog.pg_proc p on p.oid = t.tgfoid
    join pg_catalog.pg_namespace n on n.oid = p.pronamespace and n.nspname = 'tandem_sync'
    where not t.tgisinternal and p.proname like _generate.migration || '\_\_%'
  loop
    if not existing.tgname = any(wanted) then
      statements := pg_catalog.format('drop trigger if exists %I on %s', existing.tgname, tandem._qualified(existing.rel)) || statements;
    end if;
  end loop;
  perform tandem._ddl(statements);
  update tandem.bridge set generated_hash = definition_hash where migration = _generate.migration;
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
    where not t.tgisinternal and p.proname like migration || '\_\_%'
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
  update tandem.bridge set generated_hash = null where bridge.migration = _drop_sync.migration;
end
$$;
comment on function tandem._drop_sync(text) is 'Drops the sync triggers and functions generated for a migration.';

create or replace function tandem.expand(migration text) returns text
  language plpgsql
  volatile
as $$
#variable_conflict use_column
declare
  started timestamptz := pg_catalog.clock_timestamp();
  target tandem.migration;
  bridges int;
begin
  perform tandem._lock(expand.migration);
  target := tandem._migration(expand.migration);
  select count(*) into bridges from tandem.bridge where migration = expand.migration;
  if target.phase = 'contracted' then
    perform tandem._wrong_phase(target, 'expand', 'A contracted migration is finished; create a new one.');
  end if;
  if bridges = 0 then
    raise exception 'migration "%" has no bridges to expand', target.name
      using errcode = 'TD002',
            hint = pg_catalog.format('Declare one first: select tandem.bridge(migration => %L, name => …, legacy => …, modern => …, key => …);', target.name);
  end if;
  if target.phase <> 'planned' then
    if exists (select from tandem.bridge where migration = expand.migration and generated_hash is distinct from definition_hash) then
      perform tandem._generate(target.name);
      return 'regenerated';
    end if;
    return 'already expanded';
  end if;
  perform tandem._generate(target.name);
  perform tandem._set_phase(target.name, 'expanded');
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

create or replace function tandem._backfill_statement(b tandem.bridge, single_row boolean) returns text
  language plpgsql
  stable
as $$
declare
  lq text := tandem._qualified(b.legacy);
  mq text := tandem._qualified(b.modern);
  other_cols text[] := array(select k from pg_catalog.jsonb_object_keys(b.forward) as k order by k);
  key_exprs text[] := array(select b.key->>k from pg_catalog.unnest(b.modern_key) as k);
  other_exprs text[] := array(select b.forward->>k from pg_catalog.unnest(other_cols) as k);
  batch_range text;
begin
  -- $1: the cursor (a JSON array of the last legacy key copied; null at the start); $2: the batch size.
  batch_range := case
    when single_row then pg_catalog.format('(%s) = (%s)', tandem._each(b.legacy_key, 'l.%I'), tandem._cursor_values(b))
    else pg_catalog.format('($1 is null or (%s) > (%s))', tandem._each(b.legacy_key, 'l.%I'), tandem._cursor_values(b))
  end;
  if b.kind = 'columns' then
    -- One table: the update locks each row and computes the modern columns from the row it locked (a
    -- row changed meanwhile is recomputed from its newest version, whose writer set it already).
    return pg_catalog.format($q$
    with keys as materialized (
      select %3$s from %1$s as l
      where %2$s
      order by %3$s
      limit $2
    ), written as (
      update %1$s as modern set (%4$s) = (select %5$s from (select modern.*) as l)
      where (%6$s) in (select * from keys)
        and exists (select from (select modern.*) as l where (%7$s) is distinct from (%5$s))
      returning 1
    )
    select (select count(*) from keys)::int as scanned,
           (select count(*) from written)::int as written,
           (select pg_catalog.jsonb_build_array(%8$s) from keys as l order by %3$s desc limit 1) as last_key$q$,
      lq, batch_range, tandem._each(b.legacy_key, 'l.%I'),
      tandem._each(other_cols, '%I'),
      tandem._each(other_exprs, 'case when (' || replace(coalesce(b.filter, 'true'), '%', '%%') || ') then (%s) end'),
      tandem._each(b.legacy_key, 'modern.%I'), tandem._each(other_cols, 'modern.%I'),
      tandem._each(b.legacy_key, 'l.%I'));
  end if;
  -- The keys are read first, without locks, and the cursor is the last of them: the rows are then
  -- locked by where they are (their ctid: a direct fetch, where a join on the key could be planned as
  -- a scan of the whole table), and a row a writer changed meanwhile no longer matches (it has moved;
  -- its writer synced it). Locking while reading in key order instead would let a row's new key into
  -- the batch and move the cursor past rows never copied. A partitioned table's ctids are not unique
  -- across its partitions: there the rows are found again by key.
  return pg_catalog.format($q$
    with keys as materialized (
      select l.ctid as tandem_tid, %3$s from %1$s as l
      where %2$s
      order by %3$s
      limit $2
    ), batch as materialized (
      select l.* from %1$s as l
      where %12$s
      for share of l
    ), written as (
      insert into %4$s as modern (%5$s)
      select %11$s %6$s from batch as l where (%7$s)
      on conflict (%8$s) %9$s
      returning 1
    )
    select (select count(*) from keys)::int as scanned,
           (select count(*) from written)::int as written,
           (select pg_catalog.jsonb_build_array(%10$s) from keys as l order by %3$s desc limit 1) as last_key$q$,
    lq, batch_range, tandem._each(b.legacy_key, 'l.%I'), mq,
    tandem._each(b.modern_key || other_cols, '%I'), tandem._each(key_exprs || other_exprs, '(%s)'),
    coalesce(b.filter, 'true'), tandem._each(b.modern_key, '%I'),
    tandem._upsert_conflict(other_cols),
    tandem._each(b.legacy_key, 'l.%I'),
    -- A distinct bridge's batch may hold a value many times: one modern row each.
    case when b.kind = 'distinct' then 'distinct on (' || tandem._each(key_exprs, '(%s)') || ')' else '' end,
    case when (select relkind from pg_catalog.pg_class where oid = b.legacy) = 'p'
      then pg_catalog.format('(%s) in (select %s from keys)', tandem._each(b.legacy_key, 'l.%I'), tandem._each(b.legacy_key, '%I'))
      else 'l.ctid = any (array(select tandem_tid from keys))' end);
end
$$;
comment on function tandem._backfill_statement(tandem.bridge, boolean) is
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
      execute tandem._backfill_statement(b, false) into scanned, written, next_cursor using cursor, batch_size;
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
          execute tandem._backfill_statement(b, true) into one using row_key, 1;
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
  if target.phase = 'planned' then
    perform tandem._wrong_phase(target, 'backfill', pg_catalog.format('Expand it first: select tandem.expand(%L);', target.name));
  elsif target.phase in ('cut_over', 'contracted') then
    perform tandem._wrong_phase(target, 'backfill', 'Nothing to copy: the modern side is already the source of truth.');
  end if;
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
  if target.phase = 'expanded' and not exists (
    select from tandem.bridge bb left join tandem.backfill_state s on s.bridge_id = bb.id
    where bb.migration = target.name and s.finished_at is null
  ) then
    perform tandem._set_phase(target.name, 'backfilled');
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
 */

create or replace function tandem._verify_statement(b tandem.bridge) returns text
  language plpgsql
  stable
as $$
declare
  lq text := tandem._qualified(b.legacy);
  mq text := tandem._qualified(b.modern);
  fwd_cols text[] := array(select k from pg_catalog.jsonb_object_keys(b.forward) as k order by k);
  fwd_exprs text[];
  bwd_cols text[] := array(select k from pg_catalog.jsonb_object_keys(b.backward) as k
                           where k <> all(b.legacy_key) order by k);
  bwd_exprs text[];
  key_exprs text[] := array(select b.key->>k from pg_catalog.unnest(b.modern_key) as k);
  legacy_key_exprs text[] := array(select b.backward->>k from pg_catalog.unnest(b.legacy_key) as k);
  -- A format() template for the modern key, e.g. 'id=%s'.
  key_format text := tandem._each(b.modern_key, '%1$I=%%s', ' ');
  differs text;
  forward_tuple text;
  compared text;
  legacy_differs text;
  key_text text;
begin
  if b.kind = 'columns' then
    -- One table: every row is its own twin, its key the primary key.
    key_exprs := array(select pg_catalog.quote_ident(k) from pg_catalog.unnest(b.modern_key) as k);
  end if;
  fwd_exprs := array(select b.forward->>c from pg_catalog.unnest(fwd_cols) as c);
  bwd_exprs := array(select b.backward->>c from pg_catalog.unnest(bwd_cols) as c);
  -- A differing row's key as text ('id=42'), for the sample keys; a format() template of _each, so % doubled.
  key_text := pg_catalog.replace(pg_catalog.format('pg_catalog.format(%L, %s)', key_format, tandem._each(b.modern_key, 'k%2$s')), '%', '%%');
  -- Legacy values are compared through the forward mapping: the key and forward expressions.
  forward_tuple := tandem._each(key_exprs, '(%s) as k%2$s') || tandem._each(fwd_exprs, ', (%s) as f%2$s', '');
  differs := coalesce(nullif(tandem._each(fwd_cols, 'fd%2$s', ' or ')
                             || case when cardinality(fwd_cols) > 0 and cardinality(bwd_cols) > 0 then ' or ' else '' end
                             || tandem._each(bwd_cols, 'bd%2$s', ' or '), ''), 'false');
  -- A legacy column differs when putting its backward value in its place changes what the row maps
  -- to: the forward mapping of the row with that one value replaced, against fv. Only computed when
  -- the two values are not simply equal (the common case costs one comparison), so that two
  -- spellings of one value (1.5 and 1.50) are not a difference while NULL and '' are.
  legacy_differs := (select coalesce(pg_catalog.string_agg(pg_catalog.format(
       ', case when legacy.%1$I is not distinct from (bv.e%2$s)::%3$s then false
              else (select row(fb.*) is distinct from row(fv.*) from (select %4$s from (select %5$s) as l) as fb) end as bd%2$s',
       c, i, tandem._column_type(b.legacy, c), forward_tuple,
       (select pg_catalog.string_agg(case when a.attname = c then pg_catalog.format('(bv.e%s)::%s as %I', i, tandem._column_type(b.legacy, c), c)
                                          else pg_catalog.format('legacy.%I', a.attname) end, ', ' order by a.attnum)
        from pg_catalog.pg_attribute a where a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped)), '' order by i), '')
     from pg_catalog.unnest(bwd_cols) with ordinality as u(c, i));
  -- Twins present on both sides: each modern column against the forward mapping of the legacy row,
  -- each legacy column against the backward mapping of the modern row; each compared once.
  -- The key's values are carried, and printed only for the sample keys of the rows that differ.
  compared := pg_catalog.format('select %s %s %s',
    tandem._each(b.modern_key, 'mm.%I as k%2$s'),
    tandem._each(fwd_cols, ', mm.%1$I is distinct from fv.f%2$s as fd%2$s', ''), legacy_differs);
  if b.kind = 'table' then
    -- From each modern row to the legacy row its backward key names.
    compared := compared || pg_catalog.format('
      from %s as mm
      cross join lateral (select %s from (select mm.*) as m) as bk
      join %s as legacy on (%s) = (%s)
      cross join lateral (select %s from (select legacy.*) as l) as fv',
      mq, tandem._each(legacy_key_exprs, '(%s) as k%2$s'), lq,
      tandem._each(b.legacy_key, 'legacy.%I'), tandem._each(b.legacy_key, 'bk.k%2$s'), forward_tuple);
  else
    -- From each legacy row to the modern row its key maps to (itself, for a bridge of columns).
    compared := compared || pg_catalog.format('
      from %s as legacy
      cross join lateral (select %s from (select legacy.*) as l) as fv
      %s',
      lq, forward_tuple,
      case when b.kind = 'columns' then 'cross join lateral (select legacy.*) as mm'
           else pg_catalog.format('join %s as mm on (%s) = (%s)', mq, tandem._each(b.modern_key, 'mm.%I'), tandem._each(b.modern_key, 'fv.k%2$s')) end);
  end if;
  compared := compared || pg_catalog.format('
      cross join lateral (select %s from (select mm.*) as m) as bv
      where (select (%s) from (select legacy.*) as l)',
    coalesce(nullif(tandem._each(bwd_exprs, '(%s) as e%2$s'), ''), 'null as e0'), coalesce(b.filter, 'true'));
  -- offset 0 keeps this a subquery of its own: each comparison is then computed once per row, where
  -- a flattened one would be computed again inside every count and sample it feeds.
  compared := compared || ' offset 0';
  if b.kind = 'distinct' then
    -- A value is equal when every legacy row holding it is.
    compared := pg_catalog.format('select %s, bool_or(%s) as differs %s %s from (%s) as per_row group by %s',
      tandem._each(b.modern_key, 'k%2$s'), differs, tandem._each(fwd_cols, ', bool_or(fd%2$s) as fd%2$s', ''), tandem._each(bwd_cols, ', bool_or(bd%2$s) as bd%2$s', ''), compared, tandem._each(b.modern_key, 'k%2$s'));
  else
    compared := pg_catalog.format('select %s, (%s) as differs %s %s from (%s) as per_row',
      tandem._each(b.modern_key, 'k%2$s'), differs, tandem._each(fwd_cols, ', fd%2$s', ''), tandem._each(bwd_cols, ', bd%2$s', ''), compared);
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
    case when b.kind = 'distinct' then 'distinct' else '' end,
    case when b.kind = 'columns' then coalesce(b.filter, 'true') else 'true' end,
    b.kind = 'distinct', compared,
    tandem._each(fwd_cols, ', count(*) filter (where fd%2$s) as fn%2$s, (pg_catalog.array_agg(' || key_text || ' order by ' || key_text || ') filter (where fd%2$s))[1:5] as fs%2$s', '')
      || tandem._each(bwd_cols, ', count(*) filter (where bd%2$s) as bn%2$s, (pg_catalog.array_agg(' || key_text || ' order by ' || key_text || ') filter (where bd%2$s))[1:5] as bs%2$s', ''),
    b.name, b.id,
    tandem._each(fwd_cols, ', (''column:%1$s'', 0, c.fn%2$s, c.fn%2$s, c.fs%2$s)', '')
      || tandem._each(bwd_cols, ', (''legacy_column:%1$s'', 0, c.bn%2$s, c.bn%2$s, c.bs%2$s)', ''));
end
$$;
comment on function tandem._verify_statement(tandem.bridge) is
  'The statement that checks one bridge: counts, rows missing either way, and mismatches per column both ways.';

create or replace function tandem.verify_migration(migration text)
returns table (
  bridge text, check_name text, status tandem.check_status, expected numeric, actual numeric, mismatches bigint,
  sample_keys text[], duration interval
)
  language plpgsql
  volatile
as $$
#variable_conflict use_column
declare
  started timestamptz := pg_catalog.clock_timestamp();
  target tandem.migration;
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
  if target.phase = 'planned' then
    perform tandem._wrong_phase(target, 'verify', pg_catalog.format('Expand and backfill it first: select tandem.expand(%L);', target.name));
  end if;
  for b in select * from tandem.bridge where migration = target.name order by sync_order, id loop
    statements := statements || tandem._verify_statement(b);
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
  else
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
  if passed and target.phase = 'backfilled' then
    perform tandem._set_phase(target.name, 'verified');
  elsif not passed and target.phase = 'verified' then
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
  previous text;
begin
  perform tandem._lock(rollback.migration);
  target := tandem._migration(rollback.migration);
  case target.phase
    when 'planned' then
      return 'nothing to roll back';
    when 'contracted' then
      perform tandem._wrong_phase(target, 'roll back', 'A contracted migration cannot be rolled back: its archive and sync machinery are gone.');
    when 'expanded' then
      -- Every write since expand reached both sides, so dropping the machinery loses nothing.
      perform tandem._drop_sync(target.name);
      delete from tandem.backfill_state s using tandem.bridge b where s.bridge_id = b.id and b.migration = target.name;
      previous := 'planned';
    when 'backfilled' then
      previous := 'expanded';
    when 'verified' then
      previous := 'backfilled';
    when 'cut_over' then
      perform tandem._undo_cutover(target.name);
      previous := 'verified';
  end case;
  perform tandem._set_phase(target.name, previous);
  perform tandem.log_event('rollback', target.name, started, pg_catalog.jsonb_build_object('from', target.phase, 'to', previous));
  return pg_catalog.format('rolled back from %s to %s', target.phase, previous);
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
  if estimate > 1000000 then
    return estimate; -- counting would take seconds; the planner's estimate is close enough for a status
  end if;
  execute pg_catalog.format('select count(*) from %s', tandem._qualified(rel)) into exact;
  return exact;
end
$$;
comment on function tandem._row_count(regclass) is 'Rows in a table: exact up to a million, the planner''s estimate above.';

create or replace function tandem.status(migration text default null)
returns table (
  migration text, phase tandem.phase, bridge text, legacy text, modern text, legacy_rows bigint, modern_rows bigint,
  backfill_done bigint, backfill_total bigint, backfill_rows_per_second numeric, last_verified_at timestamptz,
  last_verification_passed boolean, next_step text
)
  language sql
  stable
as $$
  select m.name, m.phase, b.name, b.legacy::text, b.modern::text,
         tandem._row_count(b.legacy), tandem._row_count(b.modern),
         s.rows_done, s.total_estimate,
         case when s.updated_at > s.started_at
              then pg_catalog.round(s.rows_done / extract(epoch from s.updated_at - s.started_at)::numeric, 1) end,
         v.at, v.passed,
         case m.phase
           when 'planned' then case when b.id is null then 'declare a bridge: select tandem.bridge(…)'
                                    else pg_catalog.format('select tandem.expand(%L)', m.name) end
           when 'expanded' then pg_catalog.format('call tandem.backfill(%L)', m.name)
           when 'backfilled' then pg_catalog.format('select * from tandem.verify_migration(%L)', m.name)
           when 'verified' then pg_catalog.format('select tandem.cutover(%L)', m.name)
           when 'cut_over' then pg_catalog.format('select * from tandem.verify_migration(%L), then select tandem.contract(%L)', m.name, m.name)
           else 'done'
         end
  from tandem.migration m
  left join tandem.bridge b on b.migration = m.name
  left join tandem.backfill_state s on s.bridge_id = b.id
  left join lateral (select * from tandem.verification v where v.migration = m.name order by v.id desc limit 1) as v on true
  where status.migration is null or m.name = status.migration
  order by m.name, b.sync_order, b.id
$$;
comment on function tandem.status(text) is
  'Every migration (or the one named) with its phase, bridges, row counts on both sides, backfill progress, last verification and next step.';
--! EndIncluded tandem/70-status.sql
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

create or replace function tandem._is_rename(b tandem.bridge) returns boolean
  language sql
  stable
as $$
  select b.kind = 'table' and b.filter is null
     and (select count(*) from tandem.bridge o where o.legacy = b.legacy and o.kind = 'table') = 1
     and not exists (select from pg_catalog.pg_attribute a
                     where a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
                       and not b.backward ? a.attname)
$$;
comment on function tandem._is_rename(tandem.bridge) is
  'Whether a bridge is cut over by renaming (its legacy table becomes a view) rather than as a split.';

create or replace function tandem._compat_function_name(b tandem.bridge) returns text
  language sql
  immutable
as $$
  select left(pg_catalog.format('compat__%s__%s', b.migration, b.name), 63)
$$;

/* Views that read a relation directly, with their definitions printed fully qualified. */
create or replace function tandem._dependent_views(rel regclass) returns jsonb
  language plpgsql
  stable
as $$
declare
  saved text := pg_catalog.current_setting('search_path');
  result jsonb;
begin
  perform pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'view', tandem._qualified(v.oid), 'kind', v.relkind, 'definition', pg_catalog.pg_get_viewdef(v.oid)) order by v.oid), '[]')
    into result
  from (select distinct r.ev_class as oid from pg_catalog.pg_depend d join pg_catalog.pg_rewrite r on r.oid = d.objid
        where d.classid = 'pg_catalog.pg_rewrite'::regclass and d.refobjid = rel and r.ev_class <> rel) as dep
  join pg_catalog.pg_class v on v.oid = dep.oid;
  perform pg_catalog.set_config('search_path', saved, true);
  return result;
end
$$;

create or replace function tandem._cutover_rename(b tandem.bridge) returns void
  language plpgsql
  volatile
as $$
declare
  lq text := tandem._qualified(b.legacy);
  mq text := tandem._qualified(b.modern);
  schema_name text;
  legacy_name text;
  archive_name text;
  view_q text;
  views jsonb;
  fks jsonb;
  grants jsonb;
  statements text[] := '{}';
  columns text;
  item jsonb;
  fk record;
  modern_cols text[];
  col text;
  all_cols text[];
  all_exprs text[];
  bad text;
  lookups text;
  lookup_grants jsonb;
begin
  select n.nspname, c.relname into schema_name, legacy_name
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where c.oid = b.legacy;
  archive_name := left(legacy_name, 54) || '__archive';
  view_q := pg_catalog.format('%I.%I', schema_name, legacy_name);

  views := tandem._dependent_views(b.legacy);
  if exists (select from pg_catalog.jsonb_array_elements(views) as v where v->>'kind' = 'm') then
    raise exception 'cannot cut over bridge %.%: materialized views read %', b.migration, b.name, lq
      using errcode = 'TD002',
            detail = (select pg_catalog.string_agg(v->>'view', ', ') from pg_catalog.jsonb_array_elements(views) as v where v->>'kind' = 'm'),
            hint = 'Redefine them over the modern table first (a materialized view cannot be repointed in place).';
  end if;
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

  -- Foreign keys that reference the legacy table move to the modern table, on the matching key columns.
  fks := '[]';
  for fk in
    select c.oid, c.conname, c.conrelid::regclass as tbl, c.conkey, c.confkey, c.confupdtype, c.confdeltype, c.confmatchtype,
           c.condeferrable, c.condeferred, pg_catalog.pg_get_constraintdef(c.oid) as definition
    from pg_catalog.pg_constraint c
    where c.confrelid = b.legacy and c.contype = 'f' and c.conrelid <> b.legacy
  loop
    modern_cols := array(
      select (select k from pg_catalog.jsonb_each_text(b.key) as e(k, v) where v = a.attname or v = pg_catalog.quote_ident(a.attname))
      from pg_catalog.unnest(fk.confkey) with ordinality as u(attnum, i)
      join pg_catalog.pg_attribute a on a.attrelid = b.legacy and a.attnum = u.attnum
      order by i);
    if array_position(modern_cols, null) is not null then
      raise exception 'cannot cut over bridge %.%: foreign key % on % references columns of % that do not map one to one to a key column of %',
          b.migration, b.name, fk.conname, fk.tbl, lq, mq
        using errcode = 'TD003', detail = fk.definition,
              hint = 'Key the bridge with bare legacy columns for the referenced columns, or drop the foreign key first.';
    end if;
    columns := (select pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' order by i)
                from pg_catalog.unnest(fk.conkey) with ordinality as u(attnum, i)
                join pg_catalog.pg_attribute a on a.attrelid = fk.tbl and a.attnum = u.attnum);
    fks := fks || pg_catalog.jsonb_build_object(
      'table', tandem._qualified(fk.tbl), 'name', fk.conname, 'legacy_definition', fk.definition,
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

  all_cols := array(select a.attname::text from pg_catalog.pg_attribute a
                    where a.attrelid = b.legacy and a.attnum > 0 and not a.attisdropped order by a.attnum);
  statements := statements
    || pg_catalog.format('alter table %s rename to %I', lq, archive_name)
    || pg_catalog.format('comment on table %I.%I is %L', schema_name, archive_name,
         pg_catalog.format('Archive of %s, kept in sync with %s by tandem bridge %s.%s until contract.', view_q, mq, b.migration, b.name))
    || pg_catalog.format('create view %s with (security_invoker = true) as select %s from %s as m', view_q,
         (select pg_catalog.string_agg(pg_catalog.format('(%s)::%s as %I', b.backward->>c, tandem._column_type(b.legacy, c), c), ', ' order by i)
          from pg_catalog.unnest(all_cols) with ordinality as u(c, i)), mq)
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
  for item in select * from pg_catalog.jsonb_array_elements(fks) loop
    statements := statements
      || pg_catalog.format('alter table %s drop constraint %I', item->>'table', item->>'name')
      || pg_catalog.format('alter table %s add constraint %I %s not valid', item->>'table', item->>'name', item->>'modern_definition');
  end loop;
  for item in select * from pg_catalog.jsonb_array_elements(grants) loop
    statements := statements || pg_catalog.format('grant %s on %s to %s', item->>'privilege', view_q, item->>'grantee');
    if (item->>'new_on_modern')::boolean then
      statements := statements || pg_catalog.format('grant %s on %s to %s', item->>'privilege', mq, item->>'grantee');
    end if;
  end loop;
  -- Who may write through the view also writes the values of the distinct bridges of the same legacy
  -- table (a new brand), and the forward mapping may read them: they get what that takes (rollback
  -- takes it back; the view and these grants outlive contract).
  select coalesce(pg_catalog.jsonb_agg(distinct pg_catalog.jsonb_build_object(
           'grantee', case when a.grantee = 0 then 'public' else pg_catalog.quote_ident(r.rolname) end,
           'privilege', p.privilege, 'table', tandem._qualified(d.modern), 'new_on_modern', true)), '[]')
    into lookup_grants
  from pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) as a
  left join pg_catalog.pg_roles r on r.oid = a.grantee
  cross join tandem.bridge d
  cross join pg_catalog.unnest(array['SELECT', 'INSERT', 'UPDATE']) as p(privilege)
  where c.oid = b.legacy and a.grantee <> c.relowner and a.privilege_type in ('INSERT', 'UPDATE')
    and d.migration = b.migration and d.legacy = b.legacy and d.kind = 'distinct'
    and not exists (select from pg_catalog.pg_class t, pg_catalog.aclexplode(t.relacl) as x
                    where t.oid = d.modern and x.grantee = a.grantee and x.privilege_type = p.privilege)
    and (a.grantee = 0 or not pg_catalog.has_table_privilege(a.grantee, d.modern, p.privilege));
  for item in select * from pg_catalog.jsonb_array_elements(lookup_grants) loop
    statements := statements || pg_catalog.format('grant %s on %s to %s', item->>'privilege', item->>'table', item->>'grantee');
  end loop;
  grants := grants || lookup_grants;

  -- Writes through the view go to the modern table (and from there, by sync, to the archive); what
  -- RETURNING shows is the legacy row computed back from the modern row as written.
  all_exprs := array(select b.key->>k from pg_catalog.unnest(b.modern_key) as k)
            || array(select b.forward->>k from pg_catalog.jsonb_object_keys(b.forward) as k order by k);
  -- The values the new row holds for distinct bridges of the same legacy table, added first, since the
  -- modern row may refer to them (a product to its brand).
  lookups := coalesce((select pg_catalog.string_agg(pg_catalog.format(
      $l$perform pg_catalog.set_config(%1$L, 'on', true);
    insert into %2$s as modern (%3$s) select %4$s from (select new.*) as l where (%5$s) on conflict (%6$s) %7$s;
    perform pg_catalog.set_config(%1$L, '', true);$l$,
      'tandem.guard_' || d.id, tandem._qualified(d.modern),
      tandem._each(d.modern_key || array(select k from pg_catalog.jsonb_object_keys(d.forward) as k order by k), '%I'),
      tandem._each(array(select d.key->>k from pg_catalog.unnest(d.modern_key) as k)
                   || array(select d.forward->>k from pg_catalog.jsonb_object_keys(d.forward) as k order by k), '(%s)'),
      coalesce(d.filter, 'true'), tandem._each(d.modern_key, '%I'),
      tandem._upsert_conflict(array(select k from pg_catalog.jsonb_object_keys(d.forward) as k order by k))), E'\n    ' order by d.sync_order, d.id)
    from tandem.bridge d where d.migration = b.migration and d.legacy = b.legacy and d.kind = 'distinct'), '');
  statements := statements || pg_catalog.format($fn$
create or replace function tandem_sync.%1$I() returns trigger
  language plpgsql
  volatile
  set search_path = pg_catalog, pg_temp
as $compat$
declare
  written %2$s;
begin
  if tg_op <> 'DELETE' then
    %10$s
  end if;
  if tg_op = 'INSERT' then
    insert into %2$s as modern (%3$s) select %4$s from (select new.*) as l returning * into written;
  elsif tg_op = 'UPDATE' then
    update %2$s as modern set (%3$s) = (select %4$s from (select new.*) as l)
      where (%5$s) = (select %6$s from (select old.*) as l)
      returning * into written;
    if not found then
      return null;
    end if;
  else
    delete from %2$s as modern where (%5$s) = (select %6$s from (select old.*) as l);
    if not found then
      return null;
    end if;
    return old;
  end if;
  new := (select row(%7$s)::%8$s from (select written.*) as m);
  return new;
end
$compat$;
comment on function tandem_sync.%1$I() is %9$L;
$fn$,
    tandem._compat_function_name(b), mq,
    tandem._each(b.modern_key || array(select k from pg_catalog.jsonb_object_keys(b.forward) as k order by k), '%I'),
    tandem._each(all_exprs, '(%s)'),
    tandem._each(b.modern_key, 'modern.%I'), tandem._each(array(select b.key->>k from pg_catalog.unnest(b.modern_key) as k), '(%s)'),
    (select pg_catalog.string_agg(pg_catalog.format('(%s)::%s', b.backward->>c, tandem._column_type(b.legacy, c)), ', ' order by i)
     from pg_catalog.unnest(all_cols) with ordinality as u(c, i)),
    view_q,
    pg_catalog.format('Writes through the compatibility view %s to %s (tandem bridge %s.%s).', view_q, mq, b.migration, b.name),
    lookups)
  || pg_catalog.format('create trigger tandem_compat instead of insert or update or delete on %s for each row execute function tandem_sync.%I()',
                       view_q, tandem._compat_function_name(b));
  perform tandem._ddl(statements);
  insert into tandem.cutover (bridge_id, legacy_name, views, foreign_keys, grants)
  values (b.id, view_q, views, fks, grants);
end
$$;
comment on function tandem._cutover_rename(tandem.bridge) is
  'Cuts a renamed bridge over: archive the legacy table, put a writable compatibility view in its place, move dependent views and foreign keys.';

create or replace function tandem._undo_cutover(migration text) returns void
  language plpgsql
  volatile
as $$
declare
  b tandem.bridge;
  state tandem.cutover;
  schema_name text;
  relation text;
  views jsonb;
  item jsonb;
  statements text[];
begin
  perform tandem._lock_relations(tandem._relations(migration));
  for b in select * from tandem.bridge where bridge.migration = _undo_cutover.migration order by sync_order desc, id loop
    select * into state from tandem.cutover where bridge_id = b.id;
    continue when not found;
    select n.nspname, c.relname into schema_name, relation
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.oid = pg_catalog.to_regclass(state.legacy_name);
    -- Views over the compatibility view now (those cutover moved, and any made since) go back to the table.
    views := tandem._dependent_views(state.legacy_name::regclass);
    statements := array[
      pg_catalog.format('alter view %I.%I rename to %I', schema_name, relation, left(relation, 48) || '__tandem_compat'),
      pg_catalog.format('alter table %s rename to %I', tandem._qualified(b.legacy), relation),
      pg_catalog.format('comment on table %I.%I is null', schema_name, relation)];
    for item in select * from pg_catalog.jsonb_array_elements(views) loop
      statements := statements || pg_catalog.format('create or replace view %s as %s', item->>'view', item->>'definition');
    end loop;
    statements := statements || pg_catalog.format('drop view %I.%I', schema_name, left(relation, 48) || '__tandem_compat')
                             || pg_catalog.format('drop function if exists tandem_sync.%I()', tandem._compat_function_name(b));
    for item in select * from pg_catalog.jsonb_array_elements(state.foreign_keys) loop
      statements := statements
        || pg_catalog.format('alter table %s drop constraint %I', item->>'table', item->>'name')
        || pg_catalog.format('alter table %s add constraint %I %s not valid', item->>'table', item->>'name', item->>'legacy_definition');
    end loop;
    for item in select * from pg_catalog.jsonb_array_elements(state.grants) where (value->>'new_on_modern')::boolean loop
      statements := statements || pg_catalog.format('revoke %s on %s from %s', item->>'privilege',
                                                    coalesce(item->>'table', tandem._qualified(b.modern)), item->>'grantee');
    end loop;
    perform tandem._ddl(statements);
    delete from tandem.cutover where bridge_id = b.id;
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
  b tandem.bridge;
  rows_total bigint;
  last tandem.verification;
  failing text;
  renamed int := 0;
begin
  perform tandem._lock(cutover.migration);
  target := tandem._migration(cutover.migration);
  if target.phase = 'cut_over' then
    return 'already cut over';
  elsif target.phase = 'contracted' then
    return 'already contracted';
  elsif target.phase = 'planned' then
    perform tandem._wrong_phase(target, 'cut over', pg_catalog.format('Expand it first: select tandem.expand(%L);', target.name));
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
    select pg_catalog.string_agg(pg_catalog.format('%s %s: %s mismatches', coalesce(e->>'bridge', ''), e->>'check_name', e->>'mismatches'), E'\n')
      into failing
    from pg_catalog.jsonb_array_elements(last.results) as e where (e->>'mismatches')::bigint > 0;
    raise exception 'cannot cut over migration "%": its latest verification did not pass', target.name
      using errcode = 'TD005', detail = coalesce(failing, 'no verification recorded'),
            hint = pg_catalog.format('See select * from tandem.verify_migration(%L); fix the differences, verify again, then cut over.', target.name);
  end if;
  perform tandem._lock_relations(tandem._relations(target.name));
  for b in select * from tandem.bridge where migration = target.name order by sync_order, id loop
    if tandem._is_rename(b) then
      perform tandem._cutover_rename(b);
      renamed := renamed + 1;
    end if;
  end loop;
  if renamed > 0 then
    -- The sync functions name the legacy table in their SQL: point them at the archive.
    perform tandem._generate(target.name);
  end if;
  perform tandem._set_phase(target.name, 'cut_over');
  perform tandem.log_event('cutover', target.name, started, pg_catalog.jsonb_build_object('renamed', renamed));
  return 'cut over';
end
$$;
comment on function tandem.cutover(text, bigint) is
  'Makes the modern side the source of truth: renamed legacy tables become writable compatibility views (their tables kept as synced archives), split ones stay synced. Refused unless the latest verification passed; on a small database it backfills and verifies first.';

create or replace function tandem.contract(migration text, keep_restore_copy boolean default false) returns text
  language plpgsql
  volatile
as $$
#variable_conflict use_column
declare
  started timestamptz := pg_catalog.clock_timestamp();
  target tandem.migration;
  b tandem.bridge;
  last tandem.verification;
  statements text[] := '{}';
  moved text[];
  restore_name text;
begin
  perform tandem._lock(contract.migration);
  target := tandem._migration(contract.migration);
  if target.phase = 'contracted' then
    return 'already contracted';
  elsif target.phase <> 'cut_over' then
    perform tandem._wrong_phase(target, 'contract', pg_catalog.format('Cut it over first: select tandem.cutover(%L);', target.name));
  end if;
  select * into last from tandem.verification v where v.migration = target.name order by v.id desc limit 1;
  if last.id is null or last.phase <> 'cut_over' or not last.passed then
    raise exception 'cannot contract migration "%": no passing verification since cutover', target.name
      using errcode = 'TD005',
            detail = case when last.id is null then 'No verification recorded.'
                          else pg_catalog.format('The latest, at %s in phase %s, %s.', last.at, last.phase, case when last.passed then 'passed' else 'failed' end) end,
            hint = pg_catalog.format('Verify it now: select * from tandem.verify_migration(%L); then contract.', target.name);
  end if;
  perform tandem._lock_relations(tandem._relations(target.name));
  perform tandem._drop_sync(target.name);
  for b in select * from tandem.bridge where migration = target.name order by sync_order desc, id loop
    restore_name := left(pg_catalog.format('%s__restore_%s', (select relname from pg_catalog.pg_class where oid = b.legacy), target.name), 63);
    if exists (select from tandem.cutover where bridge_id = b.id) then
      -- The archive goes; the sequences its columns own stay, since the view's defaults use them.
      statements := statements || array(
        select pg_catalog.format('alter sequence %s owned by none', s.objid::regclass)
        from pg_catalog.pg_depend s
        where s.refobjid = b.legacy and s.classid = 'pg_catalog.pg_class'::regclass and s.deptype in ('a', 'i')
          and (select relkind from pg_catalog.pg_class where oid = s.objid) = 'S');
      statements := statements || case when keep_restore_copy
        then pg_catalog.format('alter table %s rename to %I', tandem._qualified(b.legacy), restore_name)
        else pg_catalog.format('drop table %s', tandem._qualified(b.legacy)) end;
    elsif exists (select from tandem.cutover c join tandem.bridge o on o.id = c.bridge_id where o.legacy = b.legacy) then
      null; -- a distinct bridge of a renamed legacy table: the table goes with its main bridge
    else
      moved := array(select k from pg_catalog.jsonb_object_keys(b.backward) as k where k <> all(b.legacy_key) order by k);
      if cardinality(moved) > 0 then
        if keep_restore_copy then
          statements := statements || pg_catalog.format('create table %I.%I as select %s from %s',
            (select n.nspname from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where c.oid = b.legacy),
            restore_name, tandem._each(b.legacy_key || moved, '%I'), tandem._qualified(b.legacy));
        end if;
        statements := statements || pg_catalog.format('alter table %s %s', tandem._qualified(b.legacy), tandem._each(moved, 'drop column %I'));
      end if;
    end if;
  end loop;
  perform tandem._ddl(statements);
  delete from tandem.cutover c using tandem.bridge b where c.bridge_id = b.id and b.migration = target.name;
  perform tandem._set_phase(target.name, 'contracted');
  perform tandem.log_event('contract', target.name, started, pg_catalog.jsonb_build_object('restore_copy', keep_restore_copy));
  return 'contracted';
end
$$;
comment on function tandem.contract(text, boolean) is
  'Drops the sync machinery and the archives (or the moved legacy columns); refused unless a verification after cutover passed. keep_restore_copy keeps the data aside.';
--! EndIncluded tandem/80-cutover.sql

/*
 * Only the installer (and superusers) may drive migrations: an application role that can write a
 * legacy table must not be able to call the administrative functions. The sync functions run as
 * their owner (security definer), so the application needs no grant on the other side.
 */
revoke all on schema tandem, tandem_sync from public;
revoke execute on all functions in schema tandem from public;
revoke execute on all functions in schema tandem_sync from public;
revoke execute on all procedures in schema tandem from public;

select tandem.log_event('install', detail => pg_catalog.jsonb_build_object('version', tandem.version()));
--! EndIncluded tandem/install.sql
