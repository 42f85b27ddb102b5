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
    const legacyColumns = (await client.query(`select check_name, status from tandem.verify_migration('stores') where check_name like 'legacy_column:%'`)).rows;
    expect(legacyColumns.every((row) => row.status === 'pass')).toBe(true);
    // But read back, the legacy text would not be what it was: the view (and, after contract, the only
    // copy) would show '1.500' for '1.5' and the timestamps in the server's spelling. The roundtrip
    // compares the legacy values themselves.
    expect(await failures(client, 'stores')).toEqual([
      { bridge: 'store', check_name: 'roundtrip:opened', mismatches: 2, sample_keys: ['code=a', 'code=b'] },
      { bridge: 'store', check_name: 'roundtrip:price', mismatches: 2, sample_keys: ['code=a', 'code=b'] },
    ]);
    // Spelt as the modern side spells them, they read back as they are.
    await client.query(`update store_raw set opened = opened::timestamptz::text, price = price::numeric(10, 3)::text where opened is not null`);
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
    expect(runs.at(-1)).toEqual({ phase: 'backfilled', passed: true, consistency: 100, checks: 20 });
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

describe('the roundtrip: legacy rows mapped forward and back', () => {
  beforeAll(async () => {
    // The split of the README's first example: a name with a middle part loses it on the way back.
    await client.query(`
      create table public.person (id int primary key, full_name text not null, note text);
      create table public.people (person_id int primary key, first_name text not null, last_name text);
      insert into person values (1, 'Ann Lee', 'a'), (2, 'Bo', null);
      select tandem.create_migration('people');
      select tandem.bridge(migration => 'people', name => 'people', legacy => 'person', modern => 'people',
        key => '{"person_id": "id"}',
        forward => $$ {"first_name": "split_part(full_name, ' ', 1)", "last_name": "nullif(split_part(full_name, ' ', 2), '')"} $$,
        backward => $$ {"full_name": "concat_ws(' ', first_name, last_name)"} $$);
      select tandem.expand('people');
    `);
  });

  it('lists the legacy columns no mapping carries, as passing checks', async () => {
    // note has no backward expression: cutover will be a split, and the legacy table keeps it.
    expect(await Object.values((await client.query(`select tandem.cutover('people')`)).rows[0])[0]).toBe('cut over');
    const { rows } = await client.query(`select check_name, status, mismatches::int from tandem.verify_migration('people')
                                         where check_name like 'unmapped:%' or check_name like 'roundtrip:%'`);
    expect(rows).toEqual([
      { check_name: 'roundtrip:full_name', status: 'pass', mismatches: 0 },
      { check_name: 'unmapped:note', status: 'pass', mismatches: 0 },
    ]);
  });

  it('reports the rows that would lose data, with their keys, and contract refuses them', async () => {
    // The legacy table of a split keeps its writers after cutover.
    await client.query(`insert into person values (3, 'Ann Marie Lee', 'c'), (4, 'Cy Dee', null)`);
    expect((await client.query('select first_name, last_name from people where person_id = 3')).rows).toEqual([{ first_name: 'Ann', last_name: 'Marie' }]);
    // Both sides agree (every column check passes: they are compared through the forward mapping);
    // only the roundtrip sees that 'Ann Marie Lee' comes back as 'Ann Marie'.
    expect(await failures(client, 'people')).toEqual([
      { bridge: 'people', check_name: 'roundtrip:full_name', mismatches: 1, sample_keys: ['person_id=3'] },
    ]);
    const refused = await sqlError(client, `select tandem.contract('people')`);
    expect(refused.code).toBe('TD005');
    expect(refused.message).toBe('cannot contract migration "people": no passing verification since cutover');
    expect(refused.detail).toMatch(/^The latest, at .+ in phase cut_over, failed:\npeople roundtrip:full_name: 1 mismatches$/);
    expect(refused.hint).toBe(
      `See select * from tandem.verify_migration('people'); fix the differences, verify again, then contract. Rows that would lose data (roundtrip:<column>): make the mapping lossless (forward and back must give the stored value again), respell the legacy values as they read back, or declare the columns lost on purpose: options => '{"drops": ["full_name"]}'.`,
    );
    expect((await client.query(`select column_name from information_schema.columns where table_name = 'person' and column_name = 'full_name'`)).rows).toHaveLength(1);
  });

  it('lets contract go ahead for a column declared lost on purpose, still counting its rows', async () => {
    expect(await Object.values((await client.query(`select tandem.rollback('people')`)).rows[0])[0]).toBe('rolled back from cut_over to verified');
    await client.query(`
      select tandem.bridge(migration => 'people', name => 'people', legacy => 'person', modern => 'people',
        key => '{"person_id": "id"}',
        forward => $$ {"first_name": "split_part(full_name, ' ', 1)", "last_name": "nullif(split_part(full_name, ' ', 2), '')"} $$,
        backward => $$ {"full_name": "concat_ws(' ', first_name, last_name)"} $$,
        options => '{"drops": ["full_name"]}')`);
    expect(await Object.values((await client.query(`select tandem.cutover('people')`)).rows[0])[0]).toBe('cut over');
    const { rows } = await client.query(`select check_name, status, actual::int, mismatches::int, sample_keys from tandem.verify_migration('people') where check_name = 'roundtrip:full_name'`);
    expect(rows).toEqual([{ check_name: 'roundtrip:full_name', status: 'pass', actual: 1, mismatches: 0, sample_keys: ['person_id=3'] }]);
    expect(await Object.values((await client.query(`select tandem.contract('people')`)).rows[0])[0]).toBe('contracted');
  });

  it('refuses a drops option that names no backward column', async () => {
    const error = await sqlError(client, `select tandem.bridge(migration => 'people', name => 'other', legacy => 'person', modern => 'people',
      key => '{"person_id": "id"}', forward => '{}', backward => '{}', options => '{"drops": ["middle_name"]}')`);
    expect(error.code).toBe('TD003');
    expect(error.message).toBe('bridge people.other is not valid: 1 problem');
    expect(error.detail).toBe(
      'option drops is ["middle_name"]. Fix: list the legacy columns (in backward) whose values may be lost on purpose when they are mapped forward and back, e.g. ["full_name"]; verification then counts those rows without failing, and contract goes ahead.',
    );
  });
});
