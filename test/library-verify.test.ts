import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedDatabase, type ConnectedDatabase } from './support/database.js';
import { backfill, failures, sqlError } from './support/sql.js';

let db: ConnectedDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await connectedDatabase();
  client = db.client;
  await client.query(`
    create table public.store_raw (code text primary key, name text, opened text, price text, attrs jsonb, region_code text);
    create table public.region (code text primary key, name text not null);
    create table public.store (code text primary key, name text, opened_at timestamptz, price numeric(10, 3), attrs jsonb, region_code text);
    insert into region values ('N', 'North'), ('S', 'South');
    insert into store_raw values
      ('a', 'Alpha', '2024-03-01 10:00:00+02', '1.5', '{"x": 1, "y": 2}', 'N'),
      ('b', '', '2024-03-02T08:00:00Z', '2.50', '{"y": 2, "x": 1}', 'S'),
      ('c', null, null, null, null, 'N');
    select tandem.create_migration('stores');
    select tandem.bridge(migration => 'stores', name => 'store', legacy => 'store_raw', modern => 'store',
      key => '{"code": "code"}',
      forward => '{"name": "name", "opened_at": "opened::timestamptz", "price": "price::numeric", "attrs": "attrs", "region_code": "region_code"}',
      backward => '{"name": "name", "opened": "opened_at::text", "price": "price::text", "attrs": "attrs", "region_code": "region_code"}');
    select tandem.expand('stores');
  `);
  await backfill(client, 'stores');
});
afterAll(async () => {
  await db.close();
});

describe('verify_migration', () => {
  it('compares through the mapping: numeric scale, timestamps written as text and JSON key order are not differences', async () => {
    // Written behind the sync's back, the modern side now holds equal values in other spellings.
    await client.query('begin');
    await client.query(`select set_config('tandem.guard_' || id, 'on', true) from tandem.bridge where migration = 'stores'`);
    await client.query(`update store set price = 1.500, opened_at = '2024-03-01 08:00:00+00', attrs = '{"y": 2, "x": 1}' where code = 'a'`);
    await client.query('commit');
    const rows = (await client.query(`select check_name, status, mismatches::int from tandem.verify_migration('stores') where check_name like 'column:%'`)).rows;
    expect(rows).toEqual([
      { check_name: 'column:attrs', status: 'pass', mismatches: 0 },
      { check_name: 'column:name', status: 'pass', mismatches: 0 },
      { check_name: 'column:opened_at', status: 'pass', mismatches: 0 },
      { check_name: 'column:price', status: 'pass', mismatches: 0 },
      { check_name: 'column:region_code', status: 'pass', mismatches: 0 },
    ]);
    // Nor are they on the legacy side, where the text spells the same values differently: a legacy
    // column is compared through the forward mapping.
    expect(await failures(client, 'stores')).toEqual([]);
  });

  it('reports NULL against an empty string, with the key, per column, both ways, and the consistency', async () => {
    await client.query('begin');
    await client.query(`select set_config('tandem.guard_' || id, 'on', true) from tandem.bridge where migration = 'stores'`);
    await client.query(`update store set name = null where code = 'b'`);
    await client.query('commit');
    const { rows } = await client.query(`select * from tandem.verify_migration('stores')`);
    const byName = Object.fromEntries(rows.map((row) => [row.check_name, row]));
    expect(byName['column:name']).toMatchObject({ bridge: 'store', status: 'fail', mismatches: '1', sample_keys: ['code=b'] });
    expect(byName['legacy_column:name']).toMatchObject({ status: 'fail', mismatches: '1', sample_keys: ['code=b'] });
    expect(byName['count']).toMatchObject({ status: 'pass', expected: '3', actual: '3' });
    expect(byName['consistency']).toMatchObject({ status: 'fail', expected: '100', actual: '66.6667', mismatches: '1' });
    expect(rows.every((row) => row.duration !== null)).toBe(true);
    await client.query(`update store_raw set name = '' where code = 'b'`); // the sync repairs it
  });

  it('runs custom checks: the offending rows, a few of them as samples', async () => {
    await client.query(`select tandem.add_check('stores', 'orphan_regions',
      'select s.code, s.region_code from public.store s left join public.region r on r.code = s.region_code where r.code is null')`);
    expect(await failures(client, 'stores')).toEqual([]);
    await client.query(`update store_raw set region_code = 'W' where code = 'c'`);
    expect(await failures(client, 'stores')).toEqual([
      { bridge: null, check_name: 'check:orphan_regions', mismatches: 1, sample_keys: ['(c,W)'] },
    ]);
    await client.query(`update store_raw set region_code = 'N' where code = 'c'`);
    const bad = await sqlError(client, `select tandem.add_check('stores', 'broken', 'select nope from public.store')`);
    expect(bad.code).toBe('TD003');
    expect(bad.message).toBe('check stores.broken is not a valid query: column "nope" does not exist');
  });

  it('records every run, and one snapshot serves every check in a REPEATABLE READ transaction too', async () => {
    const before = (await client.query(`select count(*)::int as n from tandem.verification where migration = 'stores'`)).rows[0].n;
    await client.query('begin isolation level repeatable read');
    const { rows } = await client.query(`select check_name, status from tandem.verify_migration('stores') where status = 'fail'`);
    await client.query('commit');
    expect(rows).toEqual([]);
    const { rows: runs } = await client.query(
      `select phase, passed, consistency::float, jsonb_array_length(results) as checks from tandem.verification where migration = 'stores' order by id`,
    );
    expect(runs).toHaveLength(before + 1);
    // Recorded with the phase it ran in; passing, it made the migration verified again.
    expect(runs.at(-1)).toEqual({ phase: 'backfilled', passed: true, consistency: 100, checks: 15 });
    expect((await client.query(`select phase from tandem.migration where name = 'stores'`)).rows[0].phase).toBe('verified');
  });
});

describe('status', () => {
  it('shows every migration with its phase, counts, backfill progress, last verification and next step', async () => {
    const { rows } = await client.query(`select * from tandem.status('stores')`);
    expect(rows).toEqual([
      expect.objectContaining({
        migration: 'stores', phase: 'verified', bridge: 'store', legacy: 'store_raw', modern: 'store',
        legacy_rows: '3', modern_rows: '3', backfill_done: '3', backfill_total: '3', last_verification_passed: true,
        next_step: `select tandem.cutover('stores')`,
      }),
    ]);
  });
});
