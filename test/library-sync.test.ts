import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectedDatabase, type ConnectedDatabase } from './support/database.js';
import { backfill, failures, phase, rows, sqlError } from './support/sql.js';

let db: ConnectedDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await connectedDatabase();
  client = db.client;
});
afterAll(async () => {
  await db.close();
});

describe('a renamed and reshaped table (customer → client)', () => {
  beforeAll(async () => {
    await client.query(`
      create table public.customer (id serial primary key, full_name text not null, email text, balance text, created text);
      create table public.client (client_id int primary key, first_name text not null, last_name text, email text,
                                  balance numeric(12, 2), created_at date, tier text not null default 'basic');
      insert into customer (full_name, email, balance, created)
        select 'First' || g || ' Last' || g, 'u' || g || '@x.io', (g * 1.5)::numeric(12, 2)::text, '2024-01-0' || (1 + g % 9)
        from generate_series(1, 25) g;
      insert into customer (full_name, email, balance, created) values ('Solo', null, null, null);
      select tandem.create_migration('clients');
      select tandem.bridge(
        migration => 'clients', name => 'client', legacy => 'customer', modern => 'client',
        key => '{"client_id": "id"}',
        forward => $$\{"first_name": "split_part(full_name, ' ', 1)",
                      "last_name": "nullif(split_part(full_name, ' ', 2), '')",
                      "email": "email", "balance": "balance::numeric", "created_at": "created::date"}$$,
        backward => $$\{"full_name": "concat_ws(' ', first_name, last_name)", "email": "email",
                       "balance": "balance::text", "created": "created_at::text"}$$);
    `);
  });

  const check = async () => {
    // Every legacy row has its twin and every mapped column agrees, both ways.
    expect(await failures(client, 'clients')).toEqual([]);
    const { rows: counts } = await client.query('select (select count(*) from customer)::int as legacy, (select count(*) from client)::int as modern');
    expect(counts[0].legacy).toBe(counts[0].modern);
  };

  it('expands, backfills and verifies', async () => {
    expect((await client.query(`select tandem.expand('clients') as r`)).rows[0].r).toBe('expanded');
    await backfill(client, 'clients', 10);
    expect(await phase(client, 'clients')).toBe('backfilled');
    await check();
    expect(await phase(client, 'clients')).toBe('verified');
    expect(await rows(client, 'client', 'client_id')).toContainEqual({
      client_id: 3, first_name: 'First3', last_name: 'Last3', email: 'u3@x.io', balance: '4.50', created_at: expect.any(Date), tier: 'basic',
    });
    expect((await client.query('select * from client where client_id = 26')).rows[0]).toMatchObject({ first_name: 'Solo', last_name: null, email: null, balance: null });
  });

  it('syncs legacy writes forward in the same transaction: insert, update, key change, NULLs, delete', async () => {
    await client.query(`insert into customer (id, full_name, email, balance) values (100, 'Ann Lee', 'ann@x.io', '10.50')`);
    await client.query(`update customer set full_name = 'Bob Stone', balance = '2.50' where id = 1`);
    await client.query(`update customer set email = null where id = 2`);
    await client.query(`update customer set id = 101 where id = 3`);
    await client.query(`delete from customer where id = 4`);
    await client.query(`update client set tier = 'gold' where client_id = 5`);
    await client.query(`update customer set full_name = 'Eve Five' where id = 5`);
    expect((await client.query('select * from client where client_id in (1, 2, 3, 4, 5, 100, 101) order by client_id')).rows).toEqual([
      expect.objectContaining({ client_id: 1, first_name: 'Bob', last_name: 'Stone', balance: '2.50' }),
      expect.objectContaining({ client_id: 2, email: null }),
      expect.objectContaining({ client_id: 5, first_name: 'Eve', tier: 'gold' }), // modern-only column kept
      expect.objectContaining({ client_id: 100, first_name: 'Ann', last_name: 'Lee', balance: '10.50' }),
      expect.objectContaining({ client_id: 101, first_name: 'First3' }),
    ]);
    await check();
  });

  it('syncs modern writes back: insert creates the legacy row, update, key change, delete', async () => {
    await client.query(`insert into client (client_id, first_name, last_name, email, balance) values (200, 'Mo', 'Dern', 'mo@x.io', 7)`);
    await client.query(`update client set last_name = 'Derns', balance = 8.25 where client_id = 200`);
    await client.query(`update client set client_id = 201 where client_id = 6`);
    await client.query(`delete from client where client_id = 7`);
    expect((await client.query('select * from customer where id in (6, 7, 200, 201) order by id')).rows).toEqual([
      { id: 200, full_name: 'Mo Derns', email: 'mo@x.io', balance: '8.25', created: null },
      expect.objectContaining({ id: 201, full_name: 'First6 Last6' }),
    ]);
    await check();
  });

  it('fails a write whose mapping fails, on both sides, and keeps nothing of it', async () => {
    const forward = await sqlError(client, `update customer set balance = 'lots' where id = 8`);
    expect(forward.code).toBe('22P02');
    expect(forward.message).toBe('invalid input syntax for type numeric: "lots"');
    const backward = await sqlError(client, `insert into client (client_id, first_name) values (8, 'Dup')`);
    expect(backward.code).toBe('23505'); // the legacy row 8 exists: its key is taken
    expect((await client.query(`select balance from customer where id = 8`)).rows[0].balance).toBe('12.00');
    await check();
  });

  it('a failed write inside a transaction rolls back both sides', async () => {
    await client.query('begin');
    await client.query(`insert into customer (id, full_name) values (300, 'Temp Row')`);
    expect((await client.query('select count(*)::int as n from client where client_id = 300')).rows[0].n).toBe(1);
    await client.query('rollback');
    expect((await client.query('select count(*)::int as n from client where client_id = 300')).rows[0].n).toBe(0);
  });

  it('goes back and forward again through every phase, with the data checked after each step', async () => {
    const rollback = async () => (await client.query(`select tandem.rollback('clients') as r`)).rows[0].r;
    expect(await rollback()).toBe('rolled back from verified to backfilled');
    await check(); // verifying again passes, so the migration is verified again
    expect(await phase(client, 'clients')).toBe('verified');
    expect(await rollback()).toBe('rolled back from verified to backfilled');
    expect(await rollback()).toBe('rolled back from backfilled to expanded');
    await check();
    expect(await phase(client, 'clients')).toBe('expanded');
    expect(await rollback()).toBe('rolled back from expanded to planned');
    // No sync now: a write on one side stays there.
    await client.query(`insert into customer (id, full_name) values (400, 'While Planned')`);
    expect((await client.query('select count(*)::int as n from client where client_id = 400')).rows[0].n).toBe(0);
    // Only what records the legacy rows that leave meanwhile (deleted, truncated) is left.
    expect((await client.query(`select array_agg(tgname::text order by tgname) as names from pg_trigger where tgname like 'tandem\\_%'`)).rows[0].names)
      .toEqual(['tandem_000_clients_client_gone', 'tandem_000_clients_client_gone_truncate']);
    // Forward again: the backfill brings the row written meanwhile.
    await client.query(`select tandem.expand('clients')`);
    await backfill(client, 'clients', 7);
    await check();
    expect((await client.query('select first_name from client where client_id = 400')).rows).toEqual([{ first_name: 'While' }]);
    // A second backfill changes nothing: no row of the modern table gets a new version.
    const versions = async () => (await client.query('select client_id, xmin::text from client order by client_id')).rows;
    const before = await versions();
    await client.query(`delete from tandem.backfill_state`);
    await client.query(`update tandem.migration set phase = 'expanded' where name = 'clients'`);
    await backfill(client, 'clients', 7);
    expect(await versions()).toEqual(before);
    // …whereas a legacy row changed behind the sync's back is repaired.
    expect(await rollback()).toBe('rolled back from backfilled to expanded');
    expect(await rollback()).toBe('rolled back from expanded to planned');
    await client.query(`update client set first_name = 'Stale' where client_id = 1`);
    await client.query(`select tandem.expand('clients')`);
    await backfill(client, 'clients', 7);
    expect((await client.query('select first_name from client where client_id = 1')).rows).toEqual([{ first_name: 'Bob' }]);
  });
});

describe('a wide table split into two filtered bridges (square_existing_clients)', () => {
  beforeAll(async () => {
    await client.query(`
      create table public.square_existing_clients (
        square_customer_id text primary key, given_name text not null,
        gift_card_id text, gift_card_gan text, gift_card_order_id text,
        personal_code text, referral_url text, total_referrals int not null default 0, used_referral_code text);
      create table public.gift_cards (square_customer_id text primary key, gift_card_id text not null unique, gan text, order_id text);
      create table public.referral_profiles (square_customer_id text primary key, personal_code text not null unique,
                                             referral_url text, total_referrals int not null, used_referral_code text);
      insert into square_existing_clients values
        ('c1', 'Ann', 'gc1', 'GAN1', 'o1', null, null, 0, null),
        ('c2', 'Bob', null, null, null, 'BOB2', 'https://r/BOB2', 3, 'ANN1'),
        ('c3', 'Cat', 'gc3', 'GAN3', null, 'CAT3', null, 1, null),
        ('c4', 'Dan', null, null, null, null, null, 0, null);
      select tandem.create_migration('square_split');
      select tandem.bridge(migration => 'square_split', name => 'gift_cards',
        legacy => 'square_existing_clients', modern => 'gift_cards',
        key => '{"square_customer_id": "square_customer_id"}',
        forward => '{"gift_card_id": "gift_card_id", "gan": "gift_card_gan", "order_id": "gift_card_order_id"}',
        backward => '{"gift_card_id": "gift_card_id", "gift_card_gan": "gan", "gift_card_order_id": "order_id"}',
        filter => 'gift_card_id is not null',
        options => '{"on_modern_delete": "nullify"}');
      select tandem.bridge(migration => 'square_split', name => 'referrals',
        legacy => 'square_existing_clients', modern => 'referral_profiles',
        key => '{"square_customer_id": "square_customer_id"}',
        forward => '{"personal_code": "personal_code", "referral_url": "referral_url", "total_referrals": "total_referrals", "used_referral_code": "used_referral_code"}',
        backward => '{"personal_code": "personal_code", "referral_url": "referral_url", "total_referrals": "total_referrals", "used_referral_code": "used_referral_code"}',
        filter => 'personal_code is not null',
        options => '{"on_modern_delete": "nullify"}');
      select tandem.expand('square_split');
    `);
    await backfill(client, 'square_split');
  });

  it('copies only the rows in each filter', async () => {
    expect((await rows(client, 'gift_cards', 'square_customer_id')).map((r) => r.square_customer_id)).toEqual(['c1', 'c3']);
    expect((await rows(client, 'referral_profiles', 'square_customer_id')).map((r) => r.square_customer_id)).toEqual(['c2', 'c3']);
    expect(await failures(client, 'square_split')).toEqual([]);
  });

  it('follows rows into and out of a filter, and leaves the other bridge alone', async () => {
    await client.query(`update square_existing_clients set gift_card_id = 'gc4', gift_card_gan = 'GAN4' where square_customer_id = 'c4'`);
    await client.query(`update square_existing_clients set gift_card_id = null, gift_card_gan = null, gift_card_order_id = null where square_customer_id = 'c3'`);
    expect((await rows(client, 'gift_cards', 'square_customer_id')).map((r) => r.square_customer_id)).toEqual(['c1', 'c4']);
    expect((await rows(client, 'referral_profiles', 'square_customer_id')).map((r) => r.square_customer_id)).toEqual(['c2', 'c3']);
    expect(await failures(client, 'square_split')).toEqual([]);
  });

  it('syncs multi-row inserts and deletes a statement at a time, each row by its filter', async () => {
    await client.query(`
      insert into square_existing_clients (square_customer_id, given_name, gift_card_id, personal_code)
      select 'm' || g, 'Many' || g, case when g % 2 = 0 then 'gm' || g end, case when g % 3 = 0 then 'PC' || g end
      from generate_series(1, 60) g`);
    expect((await client.query(`select count(*)::int as n from gift_cards where square_customer_id like 'm%'`)).rows[0].n).toBe(30);
    expect((await client.query(`select count(*)::int as n from referral_profiles where square_customer_id like 'm%'`)).rows[0].n).toBe(20);
    expect(await failures(client, 'square_split')).toEqual([]);
    // One update moving rows into and out of both filters at once.
    await client.query(`
      update square_existing_clients
      set gift_card_id = case when gift_card_id is null then 'new-' || square_customer_id end,
          personal_code = case when personal_code is null and given_name like '%5' then 'P-' || square_customer_id end
      where square_customer_id like 'm%'`);
    expect((await client.query(`select count(*)::int as n from gift_cards where square_customer_id like 'm%'`)).rows[0].n).toBe(30);
    expect((await client.query(`select count(*)::int as n from gift_cards where gift_card_id like 'new-%'`)).rows[0].n).toBe(30);
    expect(await failures(client, 'square_split')).toEqual([]);
    await client.query(`delete from square_existing_clients where square_customer_id like 'm%' and square_customer_id > 'm3'`);
    expect((await client.query(`select count(*)::int as n from gift_cards where square_customer_id like 'm%'`)).rows[0].n)
      .toBe((await client.query(`select count(*)::int as n from square_existing_clients where square_customer_id like 'm%' and gift_card_id is not null`)).rows[0].n);
    await client.query(`delete from square_existing_clients where square_customer_id like 'm%'`);
    expect(await failures(client, 'square_split')).toEqual([]);
  });

  it('a modern insert fills the columns of the existing legacy row; a modern delete nulls them', async () => {
    await client.query(`insert into referral_profiles values ('c1', 'ANN1', 'https://r/ANN1', 0, null)`);
    expect((await client.query(`select given_name, personal_code, gift_card_id from square_existing_clients where square_customer_id = 'c1'`)).rows)
      .toEqual([{ given_name: 'Ann', personal_code: 'ANN1', gift_card_id: 'gc1' }]);
    await client.query(`delete from gift_cards where square_customer_id = 'c1'`);
    expect((await client.query(`select given_name, personal_code, gift_card_id, gift_card_gan from square_existing_clients where square_customer_id = 'c1'`)).rows)
      .toEqual([{ given_name: 'Ann', personal_code: 'ANN1', gift_card_id: null, gift_card_gan: null }]);
    // The legacy row itself stays: it holds other data.
    expect((await client.query(`select count(*)::int as n from square_existing_clients`)).rows[0].n).toBe(4);
    expect(await failures(client, 'square_split')).toEqual([]);
  });

  it('a modern row whose legacy twin does not exist fails, naming what is missing', async () => {
    const error = await sqlError(client, `insert into gift_cards values ('c9', 'gc9', 'GAN9', null)`);
    expect(error.code).toBe('23502');
    expect(error.message).toBe('null value in column "given_name" of relation "square_existing_clients" violates not-null constraint');
    expect((await client.query(`select count(*)::int as n from gift_cards where square_customer_id = 'c9'`)).rows[0].n).toBe(0);
  });

  it('moves a gift card to another client: the old client’s columns are nulled, the new one’s set', async () => {
    await client.query(`update gift_cards set square_customer_id = 'c2' where square_customer_id = 'c4'`);
    expect((await client.query(`select square_customer_id, gift_card_id from square_existing_clients where square_customer_id in ('c2', 'c4') order by 1`)).rows)
      .toEqual([{ square_customer_id: 'c2', gift_card_id: 'gc4' }, { square_customer_id: 'c4', gift_card_id: null }]);
    expect(await failures(client, 'square_split')).toEqual([]);
  });

  it('verification reports a planted mismatch with its key', async () => {
    // Written with the bridges' guards on: the change stays on one side, as a buggy dual write would leave it.
    await client.query('begin');
    await client.query(`select set_config('tandem.guard_' || id, 'on', true) from tandem.bridge where migration = 'square_split'`);
    await client.query(`update referral_profiles set used_referral_code = 'XXXX' where square_customer_id = 'c2'`);
    await client.query(`delete from gift_cards where square_customer_id = 'c1'`);
    await client.query('commit');
    expect(await failures(client, 'square_split')).toEqual(
      expect.arrayContaining([
        { bridge: 'referrals', check_name: 'column:used_referral_code', mismatches: 1, sample_keys: ['square_customer_id=c2'] },
        { bridge: 'referrals', check_name: 'legacy_column:used_referral_code', mismatches: 1, sample_keys: ['square_customer_id=c2'] },
      ]),
    );
  });
});

describe('a key-value JSONB table mapped to a relational table', () => {
  beforeAll(async () => {
    await client.query(`
      create table public.kv (key text primary key, doc jsonb not null);
      create table public.products (id int primary key, name text not null, price numeric(10, 2));
      insert into kv values
        ('product:1', '{"name": "Tea", "price": 3.5, "colour": "green"}'),
        ('product:2', '{"name": "Cake", "price": 4.00}'),
        ('setting:theme', '{"value": "dark"}');
      select tandem.create_migration('catalog');
      select tandem.bridge(migration => 'catalog', name => 'products', legacy => 'kv', modern => 'products',
        key => $$\{"id": "split_part(key, ':', 2)::int"}$$,
        forward => $$\{"name": "doc->>'name'", "price": "(doc->>'price')::numeric"}$$,
        backward => $$\{"key": "'product:' || id",
                       "doc": "(coalesce(legacy.doc, '{}') - 'name' - 'price') || jsonb_strip_nulls(jsonb_build_object('name', name, 'price', price))"}$$,
        filter => $$key like 'product:%'$$);
      select tandem.expand('catalog');
    `);
    await backfill(client, 'catalog');
  });

  it('maps by an expression key and ignores rows outside the filter', async () => {
    expect(await rows(client, 'products', 'id')).toEqual([
      { id: 1, name: 'Tea', price: '3.50' },
      { id: 2, name: 'Cake', price: '4.00' },
    ]);
  });

  it('merges modern writes into the JSON document, keeping keys it does not know', async () => {
    await client.query(`update products set price = 3.75 where id = 1`);
    expect((await client.query(`select doc from kv where key = 'product:1'`)).rows[0].doc).toEqual({ name: 'Tea', price: 3.75, colour: 'green' });
    await client.query(`insert into products values (3, 'Jam', 2)`);
    expect((await client.query(`select doc from kv where key = 'product:3'`)).rows[0].doc).toEqual({ name: 'Jam', price: 2 });
    await client.query(`update products set id = 4 where id = 3`);
    expect((await client.query(`select key from kv where key like 'product:%' order by key`)).rows.map((r) => r.key)).toEqual(['product:1', 'product:2', 'product:4']);
    await client.query(`delete from products where id = 4`);
    await client.query(`insert into kv values ('product:5', '{"name": "Pie"}')`);
    expect((await client.query('select * from products where id = 5')).rows).toEqual([{ id: 5, name: 'Pie', price: null }]);
  });

  it('compares numbers by value and JSON by content, not by scale or key order', async () => {
    // 4.00 in the document and 4 after a round trip, keys in another order: nothing differs.
    await client.query(`update kv set doc = '{"price": 4, "name": "Cake"}' where key = 'product:2'`);
    expect(await failures(client, 'catalog')).toEqual([]);
  });
});

describe('bridges whose modern tables reference each other', () => {
  it('propagate parents before children on insert, children before parents on delete', async () => {
    await client.query(`
      create table public.person (id int primary key, name text not null, street text, city text);
      create table public.people (id int primary key, name text not null);
      create table public.addresses (person_id int primary key references public.people on delete restrict, street text, city text);
      select tandem.create_migration('people');
      -- Named so that name order alone would fire the child first.
      select tandem.bridge(migration => 'people', name => 'a_addresses', legacy => 'person', modern => 'addresses',
        key => '{"person_id": "id"}', forward => '{"street": "street", "city": "city"}',
        backward => '{"street": "street", "city": "city"}', options => '{"on_modern_delete": "nullify"}');
      select tandem.bridge(migration => 'people', name => 'z_people', legacy => 'person', modern => 'people',
        key => '{"id": "id"}', forward => '{"name": "name"}', backward => '{"name": "name"}');
      select tandem.expand('people');
    `);
    await client.query(`insert into person values (1, 'Ann', 'Main St', 'Oslo')`);
    expect(await rows(client, 'addresses', 'person_id')).toEqual([{ person_id: 1, street: 'Main St', city: 'Oslo' }]);
    await client.query(`delete from person where id = 1`);
    expect(await rows(client, 'people', 'id')).toEqual([]);
    expect(await rows(client, 'addresses', 'person_id')).toEqual([]);
  });
});

describe('the reject policy', () => {
  it('keeps the write, records the failed row, and verification reports it', async () => {
    await client.query(`
      create table public.reading (id int primary key, value text);
      create table public.measurement (id int primary key, value numeric);
      select tandem.create_migration('readings');
      select tandem.bridge(migration => 'readings', name => 'measurement', legacy => 'reading', modern => 'measurement',
        key => '{"id": "id"}', forward => '{"value": "value::numeric"}', backward => '{"value": "value::text"}',
        options => '{"on_error": "reject"}');
      select tandem.expand('readings');
    `);
    await client.query(`insert into reading values (1, '1.5'), (2, 'n/a')`);
    expect(await rows(client, 'reading', 'id')).toHaveLength(2);
    expect(await rows(client, 'measurement', 'id')).toEqual([{ id: 1, value: '1.5' }]);
    const { rows: rejects } = await client.query(`select direction, key, sqlstate, error, row_data from tandem.reject`);
    expect(rejects).toEqual([
      { direction: 'forward', key: { id: 2 }, sqlstate: '22P02', error: 'invalid input syntax for type numeric: "n/a"', row_data: { id: 2, value: 'n/a' } },
    ]);
    await backfill(client, 'readings');
    const found = await failures(client, 'readings');
    expect(found).toContainEqual({ bridge: 'measurement', check_name: 'missing_in_modern', mismatches: 1, sample_keys: ['id=2'] });
    expect(found.find((f) => f.check_name === 'rejects')).toMatchObject({ mismatches: 2 }); // live sync and backfill both met it
  });
});

describe('privileges', () => {
  it('an application role writes the legacy table without grants on the modern one, and cannot drive migrations', async () => {
    await client.query(`
      drop role if exists tandem_test_app;
      create role tandem_test_app login password 'app';
      grant usage on schema public to tandem_test_app;
      grant select, insert, update, delete on public.customer to tandem_test_app;
      grant usage on sequence public.customer_id_seq to tandem_test_app;
    `);
    const url = new URL(db.url);
    url.username = 'tandem_test_app';
    url.password = 'app';
    const app = new pg.Client({ connectionString: url.toString() });
    await app.connect();
    try {
      await client.query(`select tandem.expand('clients')`);
      await app.query(`insert into customer (id, full_name) values (500, 'App Writer')`);
      expect((await client.query('select first_name from client where client_id = 500')).rows).toEqual([{ first_name: 'App' }]);
      expect((await sqlError(app, 'select * from client')).code).toBe('42501');
      expect((await sqlError(app, `select tandem.rollback('clients')`)).code).toBe('42501');
      expect((await sqlError(app, `select * from tandem.verify_migration('clients')`)).code).toBe('42501');
    } finally {
      await app.end();
      await client.query(`delete from customer where id = 500`);
      await client.query('drop owned by tandem_test_app; drop role tandem_test_app');
    }
  });
});
