--! Previous: -
--! Hash: sha1:d193e394cd45d27673ab1153a0ad4f20dc93d5d5
--! Message: Install the tandem SQL library

--! Included tandem/install.sql
/*
 * The tandem SQL library: everything in schema `tandem`.
 *
 * This file is included into committed migrations with `--! include tandem/install.sql`; a commit
 * freezes the text it had then, so a later library version is installed by a later migration that
 * includes this file again. It must therefore be safe to run over any earlier version of itself:
 * `create … if not exists`, `create or replace`, and upgrades of existing tables written as
 * `alter … add … if not exists`. It runs under an advisory lock so that two installs cannot
 * interleave.
 */
select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('tandem.install', 0));

create schema if not exists tandem;
comment on schema tandem is
  'tandem: keeps legacy and modern tables in sync while a schema migration is under way. Library objects; change them only through a new library version.';

create or replace function tandem.version() returns text
  language sql
  stable
  parallel safe
as $$ select '0.1.0' $$;
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

select tandem.log_event('install', detail => pg_catalog.jsonb_build_object('version', tandem.version()));
--! EndIncluded tandem/install.sql
