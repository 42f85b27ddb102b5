/*
 * A legacy writer and a modern writer of the same rows take the two rows' locks in opposite orders
 * (each locks its own side's row, then its trigger the twin), so PostgreSQL can cancel one of them with
 * a deadlock (40P01). No order of locks inside the database avoids that: the row a statement writes is
 * locked before any trigger runs. A cancelled write changes nothing, on either side, and is retried as
 * any writer retries 40P01 and 40001; this measures how often that happens and checks that, retried,
 * every write lands on both sides.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedDatabase, type ConnectedDatabase } from './support/database.js';
import { failures } from './support/sql.js';

const KEYS = 20;
const WRITES = 300;

let db: ConnectedDatabase;

beforeAll(async () => {
  db = await connectedDatabase();
  await db.client.query(`
    create table public.acct (id int primary key, balance int not null);
    create table public.account (id int primary key, balance int not null);
    insert into public.acct select g, 0 from generate_series(1, ${KEYS}) as g;
    select tandem.create_migration('contention');
    select tandem.bridge(migration => 'contention', name => 'b', legacy => 'public.acct', modern => 'public.account',
      key => '{"id": "id"}', forward => '{"balance": "balance"}', backward => '{"balance": "balance"}');
    select tandem.expand('contention');`);
  await db.client.query("call tandem.backfill('contention')");
});
afterAll(async () => {
  await db.close();
});

/** Adds 1 to the balance of random rows of `table`, two rows per transaction, retrying what PostgreSQL cancels. */
async function writer(table: string, seed: number): Promise<{ committed: number; deadlocks: number; serialization: number }> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  let random = seed;
  const next = () => (random = (random * 1103515245 + 12345) % 2147483648) % KEYS + 1;
  const result = { committed: 0, deadlocks: 0, serialization: 0 };
  try {
    while (result.committed < WRITES) {
      const [a, b] = [next(), next()];
      try {
        await client.query('begin');
        await client.query(`update ${table} set balance = balance + 1 where id = $1`, [a]);
        await client.query(`update ${table} set balance = balance + 1 where id = $1`, [b]);
        await client.query('commit');
        result.committed += 1;
      } catch (error) {
        await client.query('rollback');
        const code = (error as { code?: string }).code;
        if (code === '40P01') result.deadlocks += 1;
        else if (code === '40001') result.serialization += 1;
        else throw error;
      }
    }
  } finally {
    await client.end();
  }
  return result;
}

describe('a legacy writer and a modern writer of the same rows', () => {
  it('may be cancelled by a deadlock, and retried, every write lands on both sides', async () => {
    const [legacy, modern] = await Promise.all([writer('public.acct', 7), writer('public.account', 11)]);
    const cancelled = legacy.deadlocks + modern.deadlocks + legacy.serialization + modern.serialization;
    console.log(
      `two-sided writers, ${KEYS} rows, ${2 * WRITES} transactions of 2 updates: ${cancelled} cancelled and retried ` +
        `(${legacy.deadlocks + modern.deadlocks} deadlocks), ${((100 * cancelled) / (2 * WRITES + cancelled)).toFixed(1)}% of attempts`,
    );
    // Each committed transaction added 2: nothing was lost or applied twice, on either side.
    const sum = async (table: string) => (await db.client.query(`select sum(balance)::int as s from ${table}`)).rows[0].s;
    expect(await sum('public.acct')).toBe(4 * WRITES);
    expect(await sum('public.account')).toBe(4 * WRITES);
    expect(await failures(db.client, 'contention')).toEqual([]);
  });
});
