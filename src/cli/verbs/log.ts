import { eventLog, rejects as rejectQuery } from '../../../generated/tandem.queries.js';
import type { Context } from '../context.js';
import { duration, table } from '../format.js';

export interface ListOptions {
  json?: boolean;
  limit: number;
}

/** The event log, newest first, with durations. */
export async function log(context: Context, migration: string | undefined, options: ListOptions): Promise<number> {
  const events = await eventLog.run({ migration: migration ?? null, limit: options.limit }, context.client);
  if (options.json) {
    context.out(JSON.stringify(events, null, 2));
    return 0;
  }
  context.out(
    table(
      ['at', 'migration', 'event', 'took', 'by', 'detail'],
      events.map((event) => [event.at.toISOString(), event.migration, event.event, duration(event.durationMs), event.actor, JSON.stringify(event.detail)]),
    ),
  );
  return 0;
}

/** Rows that failed to map, with their errors. */
export async function rejects(context: Context, migration: string, options: ListOptions): Promise<number> {
  const rows = await rejectQuery.run({ migration, limit: options.limit }, context.client);
  if (options.json) {
    context.out(JSON.stringify(rows, null, 2));
    return 0;
  }
  if (rows.length === 0) {
    context.out(`No rejected rows in migration "${migration}".`);
    return 0;
  }
  context.out(
    table(
      ['bridge', 'direction', 'key', 'SQLSTATE', 'error', 'at'],
      rows.map((row) => [row.bridge, row.direction, JSON.stringify(row.key), row.sqlstate, row.error, row.at.toISOString()]),
    ),
  );
  return 0;
}
