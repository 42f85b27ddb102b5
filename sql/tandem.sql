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
