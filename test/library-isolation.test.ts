/*
 * Writers at every isolation level racing the backfill. A REPEATABLE READ or SERIALIZABLE writer whose
 * snapshot predates a batch cannot see the twins that batch copied: its delete, key change or move out
 * of the filter must fail with a serialization failure (40001, which it retries) rather than leave the
 * twin behind; under READ COMMITTED it simply syncs. Either way, after the retry both sides agree.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedDatabase, type ConnectedDatabase } from './support/database.js';
import { failures, type PgError } from './support/sql.js';

let db: ConnectedDatabase;
let a: pg.Client;
let b: pg.Client;
let n = 0;

beforeAll(async () => {
  db = await connectedDatabase();
  a = db.client;
  b = new pg.Client({ connectionString: db.url });
  await b.connect();
});
afterAll(async () => {
  await b.end();
  await db.close();
});

const CHANGES = {
  'a delete': (t: string) => `delete from ${t} where id = 3`,
  'a key change': (t: string) => `update ${t} set id = 100 where id = 4`,
  'a move out of the filter': (t: string) => `update ${t} set active = false where id = 5`,
};

/** A fresh bridged pair, expanded but not backfilled. */
async function pair(): Promise<{ legacy: string; modern: string; migration: string }> {
  n += 1;
  const legacy = `public.acct_${n}`;
  const modern = `public.account_${n}`;
  const migration = `iso_${n}`;
  await a.query(`
    create table ${legacy} (id int primary key, owner text not null, active boolean not null default true);
    create table ${modern} (id int primary key, owner text not null);
    insert into ${legacy} select g, 'o' || g, true from generate_series(1, 10) as g;
    select tandem.create_migration('${migration}');
    select tandem.bridge(migration => '${migration}', name => 'b', legacy => '${legacy}', modern => '${modern}',
      key => '{"id": "id"}', forward => '{"owner": "owner"}', backward => '{"owner": "owner"}', filter => 'active');
    select tandem.expand('${migration}');`);
  return { legacy, modern, migration };
}

describe.each(['repeatable read', 'serializable'])('a %s writer whose snapshot predates the backfill', (isolation) => {
  it.each(Object.entries(CHANGES))('is refused with 40001 on %s, and its retry syncs', async (_, change) => {
    const { legacy, modern, migration } = await pair();
    await b.query(`begin isolation level ${isolation}`);
    await b.query(`select count(*) from ${legacy}`); // the snapshot is taken
    await a.query(`call tandem.backfill('${migration}')`);
    const error = (await b.query(change(legacy)).catch((e: unknown) => e)) as PgError;
    expect(error.code).toBe('40001');
    await b.query('rollback');

    // The retry, in a fresh snapshot.
    await b.query(`begin isolation level ${isolation}`);
    await b.query(change(legacy));
    await b.query('commit');
    const expected = await a.query(`select id, owner from ${legacy} where active order by id`);
    expect((await a.query(`select id, owner from ${modern} order by id`)).rows).toEqual(expected.rows);
    expect(await failures(a, migration)).toEqual([]);
  });

  it('is not refused for what its snapshot can see: an update, and changes to rows written after the backfill', async () => {
    const { legacy, modern, migration } = await pair();
    await a.query(`call tandem.backfill('${migration}')`);
    await b.query(`begin isolation level ${isolation}`);
    await b.query(`update ${legacy} set owner = 'changed' where id = 2`);
    await b.query(`delete from ${legacy} where id = 3`);
    await b.query(`insert into ${legacy} values (50, 'new', true)`);
    await b.query(`update ${legacy} set id = 51 where id = 50`);
    await b.query('commit');
    expect((await a.query(`select id, owner from ${modern} where id in (2, 3, 50, 51) order by id`)).rows).toEqual([
      { id: 2, owner: 'changed' },
      { id: 51, owner: 'new' },
    ]);
    expect(await failures(a, migration)).toEqual([]);
  });
});

describe('a read committed writer racing the backfill', () => {
  it.each(Object.entries(CHANGES))('syncs %s at once', async (_, change) => {
    const { legacy, modern, migration } = await pair();
    await b.query('begin isolation level read committed');
    await b.query(`select count(*) from ${legacy}`);
    await a.query(`call tandem.backfill('${migration}')`);
    await b.query(change(legacy));
    await b.query('commit');
    const expected = await a.query(`select id, owner from ${legacy} where active order by id`);
    expect((await a.query(`select id, owner from ${modern} order by id`)).rows).toEqual(expected.rows);
    expect(await failures(a, migration)).toEqual([]);
  });
});
