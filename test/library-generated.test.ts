/*
 * Generated columns (issue 12): a legacy table with a generated column is cut over as a rename, its
 * compatibility view computing the column as the table does (RETURNING included) and refusing writes
 * to it as PostgreSQL refuses them on the table; what sync cannot read (a virtual generated column in
 * any trigger, any generated column in the BEFORE trigger of a bridge of columns) is refused when the
 * bridge is declared. The whole lifecycle with generated columns on both sides is the harness's case
 * test/shapes/table-generated.ts.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedDatabase, type ConnectedDatabase } from './support/database.js';
import { failures, sqlError } from './support/sql.js';

let db: ConnectedDatabase;
let client: pg.Client;
let virtualColumns: boolean;

beforeAll(async () => {
  db = await connectedDatabase();
  client = db.client;
  // Virtual generated columns came with PostgreSQL 18.
  virtualColumns = Number((await client.query('show server_version_num')).rows[0].server_version_num) >= 180000;
});
afterAll(async () => {
  await db.close();
});

describe('cutover of a legacy table with a generated column', () => {
  beforeAll(async () => {
    await client.query(`
      create table invoice (id serial primary key, net numeric not null, tax numeric not null,
                            gross numeric generated always as (net + tax) stored, note text);
      create table bill (bill_id int primary key, net numeric not null, tax numeric not null, note text);
      insert into invoice (net, tax) values (10, 2), (20, 4);
      select tandem.create_migration('bills');
      select tandem.bridge(migration => 'bills', name => 'invoice', legacy => 'invoice', modern => 'bill',
        key => '{"bill_id": "id"}', forward => '{"net": "net", "tax": "tax", "note": "note"}',
        backward => '{"net": "net", "tax": "tax", "note": "note"}');
      select tandem.expand('bills');`);
  });

  it('renames: the view computes the generated column from the legacy columns it shows', async () => {
    expect((await client.query(`select tandem.cutover('bills') as r`)).rows).toEqual([{ r: 'cut over' }]);
    expect((await client.query(`select relkind from pg_class where oid = 'invoice'::regclass`)).rows).toEqual([{ relkind: 'v' }]);
    expect((await client.query(`select id, gross from invoice order by id`)).rows).toEqual([{ id: 1, gross: '12' }, { id: 2, gross: '24' }]);
  });

  it('returns the generated column from writes through the view, computed from the row written', async () => {
    expect((await client.query(`insert into invoice (net, tax) values (30, 6) returning *`)).rows)
      .toEqual([{ id: 3, net: '30', tax: '6', gross: '36', note: null }]);
    expect((await client.query(`update invoice set net = 40 where id = 3 returning gross`)).rows).toEqual([{ gross: '46' }]);
    // DEFAULT is what PostgreSQL accepts for a generated column; a view passes it as null.
    expect((await client.query(`update invoice set gross = default, note = 'n' where id = 3 returning gross, note`)).rows).toEqual([{ gross: '46', note: 'n' }]);
    expect((await client.query(`insert into invoice (net, tax, gross) values (1, 1, default) returning gross`)).rows).toEqual([{ gross: '2' }]);
    expect((await client.query(`select id, gross from invoice__archive where id in (3, 4) order by id`)).rows).toEqual([{ id: 3, gross: '46' }, { id: 4, gross: '2' }]);
    expect(await failures(client, 'bills')).toEqual([]);
  });

  it('refuses a value written to the generated column, as PostgreSQL refuses it on the table', async () => {
    for (const [table, insert, update] of [
      ['bill', `insert into bill_check (net, tax, gross) values (1, 1, 5)`, `update bill_check set gross = 5`],
      ['invoice', `insert into invoice (net, tax, gross) values (1, 1, 5)`, `update invoice set gross = 5 where id = 1`],
    ] as const) {
      if (table === 'bill') await client.query(`create temporary table bill_check (net numeric, tax numeric, gross numeric generated always as (net + tax) stored)`);
      const inserting = await sqlError(client, insert);
      expect([table, inserting.code, inserting.message, inserting.detail])
        .toEqual([table, '428C9', 'cannot insert a non-DEFAULT value into column "gross"', 'Column "gross" is a generated column.']);
      if (table === 'bill') await client.query(`insert into bill_check (net, tax) values (1, 1)`);
      const updating = await sqlError(client, update);
      expect([table, updating.code, updating.message, updating.detail])
        .toEqual([table, '428C9', 'column "gross" can only be updated to DEFAULT', 'Column "gross" is a generated column.']);
    }
    expect((await client.query(`select count(*)::int as n from bill`)).rows).toEqual([{ n: 4 }]);
  });

  it('rolls back to the table, which holds every write made through the view', async () => {
    expect((await client.query(`select tandem.rollback('bills') as r`)).rows).toEqual([{ r: 'rolled back from cut_over to verified' }]);
    expect((await client.query(`select id, net, gross, note from invoice order by id`)).rows).toEqual([
      { id: 1, net: '10', gross: '12', note: null },
      { id: 2, net: '20', gross: '24', note: null },
      { id: 3, net: '40', gross: '46', note: 'n' },
      { id: 4, net: '1', gross: '2', note: null },
    ]);
    expect(await failures(client, 'bills')).toEqual([]);
  });
});

describe('what sync cannot read is refused when the bridge is declared', () => {
  it('a backward expression for a generated legacy column', async () => {
    await client.query(`
      create table reading (id int primary key, celsius numeric, fahrenheit numeric generated always as (celsius * 9 / 5 + 32) stored);
      create table measure (id int primary key, celsius numeric, fahrenheit numeric);
      select tandem.create_migration('readings');`);
    const error = await sqlError(client, `select tandem.bridge(migration => 'readings', name => 'reading', legacy => 'reading', modern => 'measure',
      key => '{"id": "id"}', forward => '{"celsius": "celsius", "fahrenheit": "fahrenheit"}', backward => '{"celsius": "celsius", "fahrenheit": "fahrenheit"}')`);
    expect([error.code, error.message, error.detail]).toEqual(['TD003', 'bridge readings.reading is not valid: 1 problem',
      'legacy column public.reading.fahrenheit is a generated column and cannot be written. Fix: leave it out of backward: public.reading computes it (as (((celsius * (9)::numeric) / (5)::numeric) + (32)::numeric)), and so does its compatibility view after cutover.']);
    // A stored generated column is computed before AFTER triggers run: the forward mapping may read it.
    await client.query(`select tandem.bridge(migration => 'readings', name => 'reading', legacy => 'reading', modern => 'measure',
      key => '{"id": "id"}', forward => '{"celsius": "celsius", "fahrenheit": "fahrenheit"}', backward => '{"celsius": "celsius"}')`);
    await client.query(`select tandem.expand('readings'); insert into reading (id, celsius) values (1, 100)`);
    expect((await client.query(`select fahrenheit = 212 as computed from measure where id = 1`)).rows).toEqual([{ computed: true }]);
  });

  it('an expression of a bridge of columns that reads a generated column (its BEFORE trigger runs before they are computed)', async () => {
    await client.query(`
      create table parcel (id int primary key, grams int, kilos numeric generated always as (grams / 1000.0) stored, weight_kg numeric);
      select tandem.create_migration('parcels');`);
    const error = await sqlError(client, `select tandem.bridge(migration => 'parcels', name => 'parcel', legacy => 'parcel', modern => 'parcel',
      forward => '{"weight_kg": "kilos"}', backward => '{"grams": "(weight_kg * 1000)::int"}')`);
    expect([error.code, error.message, error.detail]).toEqual(['TD003', 'bridge parcels.parcel is not valid: 1 problem',
      'forward expression for public.parcel.weight_kg reads the generated column kilos, which a bridge of columns would read as null: it sets both sides in a BEFORE trigger, before PostgreSQL computes generated columns. Fix: compute it from the columns it is generated from (((grams)::numeric / 1000.0)).']);
  });

  it('an expression that reads a virtual generated column, which no trigger sees (PostgreSQL 18)', async (context) => {
    if (!virtualColumns) context.skip('virtual generated columns came with PostgreSQL 18');
    await client.query(`
      create table box_old (id int primary key, w int, h int, area int generated always as (w * h) virtual);
      create table box_new (id int primary key, w int, h int, area int, double_area int generated always as (area * 2) virtual);
      select tandem.create_migration('boxes');`);
    const error = await sqlError(client, `select tandem.bridge(migration => 'boxes', name => 'box', legacy => 'box_old', modern => 'box_new',
      key => '{"id": "id"}', forward => '{"w": "w", "h": "h", "area": "area"}', backward => '{"w": "w", "h": "double_area / 2 / w"}', filter => 'area > 0')`);
    expect([error.code, error.message]).toEqual(['TD003', 'bridge boxes.box is not valid: 3 problems']);
    expect(error.detail!.split('\n')).toEqual([
      `forward expression for public.box_new.area, 'area', reads the virtual generated column area of public.box_old, which PostgreSQL does not compute for triggers: sync would read null there. Fix: compute it from the columns it is generated from ((w * h)), or make it stored.`,
      `backward expression for public.box_old.h, 'double_area / 2 / w', reads the virtual generated column double_area of public.box_new, which PostgreSQL does not compute for triggers: sync would read null there. Fix: compute it from the columns it is generated from ((area * 2)), or make it stored.`,
      `filter 'area > 0' reads the virtual generated column area of public.box_old, which PostgreSQL does not compute for triggers: sync would read null there. Fix: compute it from the columns it is generated from ((w * h)), or make it stored.`,
    ]);
  });

  it('a legacy table with a virtual generated column is cut over like one with a stored one (PostgreSQL 18)', async (context) => {
    if (!virtualColumns) context.skip('virtual generated columns came with PostgreSQL 18');
    await client.query(`
      create table rect_old (id int primary key, w int, h int, area int generated always as (w * h) virtual);
      create table rect_new (id int primary key, width int, height int);
      insert into rect_old (id, w, h) values (1, 2, 3);
      select tandem.create_migration('rects');
      select tandem.bridge(migration => 'rects', name => 'rect', legacy => 'rect_old', modern => 'rect_new',
        key => '{"id": "id"}', forward => '{"width": "w", "height": "h"}', backward => '{"w": "width", "h": "height"}');
      select tandem.expand('rects');
      select tandem.cutover('rects');`);
    expect((await client.query(`insert into rect_old (id, w, h) values (2, 4, 5) returning area`)).rows).toEqual([{ area: 20 }]);
    expect((await client.query(`select id, area from rect_old order by id`)).rows).toEqual([{ id: 1, area: 6 }, { id: 2, area: 20 }]);
    const error = await sqlError(client, `update rect_old set area = 1 where id = 1`);
    expect([error.code, error.message]).toEqual(['428C9', 'column "area" can only be updated to DEFAULT']);
    expect(await failures(client, 'rects')).toEqual([]);
  });
});
