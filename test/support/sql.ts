/** Helpers for tests of the SQL library. */
import pg from 'pg';
import { expect } from 'vitest';

export interface PgError extends Error {
  code: string;
  detail?: string;
  hint?: string;
}

/** The error `sql` raises; fails the test if it succeeds. */
export async function sqlError(client: pg.ClientBase, sql: string, params: unknown[] = []): Promise<PgError> {
  try {
    await client.query(sql, params);
  } catch (error) {
    return error as PgError;
  }
  expect.fail(`expected an error from: ${sql}`);
}

/** All rows of a table, ordered by `orderBy`, as plain objects. */
export async function rows(client: pg.ClientBase, table: string, orderBy: string): Promise<Record<string, unknown>[]> {
  return (await client.query(`select * from ${table} order by ${orderBy}`)).rows;
}

/** verify_migration's failing checks (empty when everything matches). */
export async function failures(client: pg.ClientBase, migration: string): Promise<Record<string, unknown>[]> {
  const { rows: checks } = await client.query(
    `select bridge, check_name, mismatches::int, sample_keys from tandem.verify_migration($1) where status = 'fail'`,
    [migration],
  );
  return checks;
}

/** Writes on one side only, with no sync (as a bug or a hand-made fix would): to plant differences. */
export async function unsynced(client: pg.ClientBase, sql: string): Promise<void> {
  await client.query('begin');
  await client.query('set local session_replication_role = replica');
  await client.query(sql);
  await client.query('commit');
}

export async function phase(client: pg.ClientBase, migration: string): Promise<string> {
  return (await client.query('select phase from tandem.migration where name = $1', [migration])).rows[0]?.phase;
}

/** Runs the whole backfill in the caller's transaction, batch by batch, as a script would. */
export async function backfill(client: pg.ClientBase, migration: string, batchSize = 100): Promise<void> {
  for (;;) {
    const { rows: progress } = await client.query('select * from tandem.backfill_batch($1, $2)', [migration, batchSize]);
    if (progress.every((bridge) => bridge.finished)) return;
  }
}
