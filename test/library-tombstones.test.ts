/*
 * A migration rolled back to planned has no sync, yet its modern table keeps its rows: the legacy rows
 * that leave meanwhile (deleted, out of the filter, to another key, the table truncated) are recorded,
 * and the next expand deletes their twins, so that the backfill leaves both sides equal.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs, connectedDatabase, type ConnectedDatabase } from './support/database.js';
import { backfill, failures } from './support/sql.js';

let db: ConnectedDatabase;
let client: pg.Client;

const ids = async (table: string) => (await client.query(`select id from ${table} order by id`)).rows.map((r) => r.id);
const toPlanned = async (migration: string) => {
  for (;;) {
    const { rows } = await client.query('select phase from tandem.migration where name = $1', [migration]);
    if (rows[0].phase === 'planned') return;
    await client.query('select tandem.rollback($1)', [migration]);
  }
};

beforeAll(async () => {
  db = await connectedDatabase();
  client = db.client;
  await client.query(`
    drop role if exists tandem_tombstones_app;
    create role tandem_tombstones_app login password 'app';
    grant usage on schema public to tandem_tombstones_app;
    create table item (id int primary key, label text not null, active boolean not null default true);
    grant select, insert, update, delete, truncate on item to tandem_tombstones_app;
    create table product (id int primary key, title text not null);
    insert into item select g, 'i' || g, true from generate_series(1, 10) g;
    -- A modern row of its own, from before the migration: no legacy row maps to it.
    insert into product values (500, 'modern only');
    select tandem.create_migration('products');
    select tandem.bridge(migration => 'products', name => 'product', legacy => 'item', modern => 'product',
      key => '{"id": "id"}', forward => '{"title": "label"}', backward => '{"id": "id", "label": "title"}', filter => 'active');
    select tandem.expand('products');`);
  await backfill(client, 'products');
});
afterAll(async () => {
  await client.query('drop owned by tandem_tombstones_app; drop role tandem_tombstones_app');
  await db.close();
});

describe('legacy rows that leave while planned', () => {
  it('take their twins with them at the next expand', async () => {
    await toPlanned('products');
    // Written by the application's role, which has no grant on schema tandem.
    const app = await connectAs(db.url, 'tandem_tombstones_app', 'app');
    await app.query(`
      delete from item where id = 1;
      update item set active = false where id = 2;
      update item set id = 103 where id = 3;
      update item set label = 'still here' where id = 4;
      insert into item values (200, 'new', true);
      -- deleted, then inserted again under the same key: its twin stays (the backfill updates it)
      delete from item where id = 5;
      insert into item values (5, 'back again', true);`);
    await app.end();
    expect(await ids('product')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 500]);
    await client.query(`select tandem.expand('products')`);
    expect(await ids('product')).toEqual([4, 5, 6, 7, 8, 9, 10, 500]);
    expect((await client.query('select count(*)::int as n from tandem.tombstone')).rows[0].n).toBe(0);
    await backfill(client, 'products');
    expect(await ids('product')).toEqual([4, 5, 6, 7, 8, 9, 10, 103, 200, 500]);
    expect((await client.query(`select title from product where id in (4, 5) order by id`)).rows.map((r) => r.title)).toEqual(['still here', 'back again']);
    // The modern row of its own is no twin of a row that left: verification reports it, as before.
    const found = await failures(client, 'products');
    expect(found.map((f) => f.check_name)).toEqual(['count', 'missing_in_legacy']);
    expect(found[1]?.sample_keys).toEqual(['id=500']);
  });

  it('a truncated legacy table takes every twin with it, and nothing is recorded while expanded', async () => {
    await client.query(`delete from product where id = 500`);
    expect(await failures(client, 'products')).toEqual([]);
    await toPlanned('products');
    await client.query(`truncate item; insert into item values (7, 'seven', true)`);
    await client.query(`select tandem.expand('products')`);
    expect(await ids('product')).toEqual([7]);
    await client.query(`delete from item where id = 7`);
    expect(await ids('product')).toEqual([]);
    expect((await client.query('select count(*)::int as n from tandem.tombstone')).rows[0].n).toBe(0);
  });
});
