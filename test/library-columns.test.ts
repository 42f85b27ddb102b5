/*
 * Bridges of columns (legacy and modern columns of one table): one-sided bridges, a new column
 * computed from existing ones (forward only, as an added column with an `up` expression) and a column
 * being dropped that old code still writes (backward only, with a `down` expression), through the
 * whole lifecycle; and the side a writer wrote decides the direction, whatever the values: explicit
 * NULLs, defaults on either side, rows of one statement written differently.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs, connectedDatabase, type ConnectedDatabase } from './support/database.js';
import { backfill, failures, phase } from './support/sql.js';

let db: ConnectedDatabase;
let client: pg.Client;
let app: pg.Client;

const one = async (sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows[0];
const call = async (sql: string) => Object.values((await client.query(sql)).rows[0] ?? {})[0];
const columnDefault = async (table: string, column: string) =>
  (await one(`select pg_get_expr(d.adbin, d.adrelid) as expr from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
              where a.attrelid = $1::regclass and a.attname = $2`, [table, column])).expr;
const columnsOf = async (table: string) =>
  (await client.query(`select attname from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`, [table]))
    .rows.map((r) => r.attname);

beforeAll(async () => {
  db = await connectedDatabase();
  client = db.client;
  await client.query(`
    drop role if exists tandem_columns_app;
    create role tandem_columns_app login password 'app';
    grant usage on schema public to tandem_columns_app;

    create table person (id int primary key, first text, last text);
    insert into person select g, 'F' || g, 'L' || g from generate_series(1, 30) g;
    -- The new column has a default of its own: old clients' rows must still get the forward value.
    alter table person add column full_name text not null default '';

    create table account (id int primary key, email text not null, login text);
    insert into account select g, 'user' || g || '@example.com', 'user' || g from generate_series(1, 30) g;

    create table payment (id int primary key, amount_cents int default 0, note text);
    insert into payment select g, g * 125, 'n' || g from generate_series(1, 30) g;
    alter table payment add column amount numeric(12, 2) default 0;

    grant select, insert, update, delete on person, account, payment to tandem_columns_app;`);
  app = await connectAs(db.url, 'tandem_columns_app', 'app');
});
afterAll(async () => {
  await app?.end();
  await db.close();
});

describe('a new column computed from existing ones (forward only)', () => {
  it('goes through expand, backfill and verify', async () => {
    await client.query(`select tandem.create_migration('names');
      select tandem.bridge(migration => 'names', name => 'full_name', legacy => 'person', modern => 'person',
        forward => '{"full_name": "concat_ws('' '', first, last)"}')`);
    expect(await call(`select tandem.expand('names')`)).toBe('expanded');
    await backfill(client, 'names', 7);
    expect((await one(`select count(*)::int as n from person where full_name is distinct from concat_ws(' ', first, last)`)).n).toBe(0);
    expect(await failures(client, 'names')).toEqual([]);
    expect(await phase(client, 'names')).toBe('verified');
  });

  it('computes the column for old clients, whatever its default, and keeps what new clients write, NULL included', async () => {
    // An old client (the application's role) knows only first and last.
    expect((await app.query(`insert into person (id, first, last) values (101, 'Ann', 'Lee') returning full_name`)).rows[0].full_name).toBe('Ann Lee');
    expect((await app.query(`update person set last = 'Low' where id = 101 returning full_name`)).rows[0].full_name).toBe('Ann Low');
    // Another column changing leaves the computed one alone.
    await client.query(`update person set full_name = 'Dr. Ann Low' where id = 101`);
    expect((await app.query(`update person set id = 102 where id = 101 returning full_name`)).rows[0].full_name).toBe('Dr. Ann Low');
    // A new client writes the column itself: its value stays.
    expect((await app.query(`insert into person (id, first, last, full_name) values (103, 'Bo', 'Ek', 'Bo Ek') returning full_name`)).rows[0].full_name).toBe('Bo Ek');
    await client.query(`alter table person alter column full_name drop not null`);
    expect((await app.query(`insert into person (id, first, last, full_name) values (104, 'Cy', 'Du', null) returning full_name`)).rows[0].full_name).toBeNull();
    expect((await app.query(`insert into person (id, first, last, full_name) values (105, 'Di', 'Fo', default) returning full_name`)).rows[0].full_name).toBe('Di Fo');
    // One statement, rows written both ways.
    const mixed = await app.query(`insert into person (id, first, last, full_name) values (106, 'Ed', 'Gu', default), (107, 'Fa', 'Ho', 'Fa H.'), (108, 'Gi', 'Iv', default)
                                   returning id, full_name`);
    expect(mixed.rows).toEqual([{ id: 106, full_name: 'Ed Gu' }, { id: 107, full_name: 'Fa H.' }, { id: 108, full_name: 'Gi Iv' }]);
    const selected = await app.query(`insert into person (id, first, last) select 200 + g, 'S' || g, 'T' || g from generate_series(1, 3) g returning full_name`);
    expect(selected.rows.map((r) => r.full_name)).toEqual(['S1 T1', 'S2 T2', 'S3 T3']);
    await client.query(`delete from person where id in (102, 104, 107)`);
    expect(await failures(client, 'names')).toEqual([]);
  });

  it('cuts over and contracts, dropping nothing and giving the column its own default back', async () => {
    expect(await call(`select tandem.cutover('names')`)).toBe('cut over');
    expect(await failures(client, 'names')).toEqual([]);
    expect(await call(`select tandem.contract('names')`)).toBe('contracted');
    expect(await columnsOf('person')).toEqual(['id', 'first', 'last', 'full_name']);
    expect(await columnDefault('person', 'full_name')).toBe("''::text");
    // No sync any more: the column is the application's own.
    expect((await app.query(`insert into person (id, first, last) values (300, 'Ha', 'Jo') returning full_name`)).rows[0].full_name).toBe('');
  });
});

describe('a column being dropped that old code still writes (backward only)', () => {
  it('goes through expand, backfill and verify', async () => {
    await client.query(`select tandem.create_migration('logins');
      select tandem.bridge(migration => 'logins', name => 'login', legacy => 'account', modern => 'account',
        backward => '{"login": "split_part(email, ''@'', 1)"}')`);
    expect(await call(`select tandem.expand('logins')`)).toBe('expanded');
    await backfill(client, 'logins', 7);
    expect(await failures(client, 'logins')).toEqual([]);
    expect(await phase(client, 'logins')).toBe('verified');
  });

  it('computes the column for new clients and keeps what old clients write', async () => {
    // A new client no longer knows login.
    expect((await app.query(`insert into account (id, email) values (101, 'kim@example.com') returning login`)).rows[0].login).toBe('kim');
    expect((await app.query(`update account set email = 'kim.o@example.com' where id = 101 returning login`)).rows[0].login).toBe('kim.o');
    // An old client still writes it.
    expect((await app.query(`insert into account (id, email, login) values (102, 'lu@example.com', 'lu') returning login`)).rows[0].login).toBe('lu');
    expect((await app.query(`update account set login = 'lu' , email = 'lu@example.com' where id = 102 returning login`)).rows[0].login).toBe('lu');
    expect(await failures(client, 'logins')).toEqual([]);
  });

  it('reports an old client’s value the new columns cannot give back, and contract then drops the column', async () => {
    await app.query(`insert into account (id, email, login) values (103, 'mo@example.com', 'mighty_mo')`);
    expect((await failures(client, 'logins')).map((f) => `${f.check_name} ${f.mismatches}`)).toEqual(['roundtrip:login 1']);
    await client.query(`update account set login = 'mo' where id = 103`);
    expect(await failures(client, 'logins')).toEqual([]);
    expect(await call(`select tandem.cutover('logins')`)).toBe('cut over');
    expect(await failures(client, 'logins')).toEqual([]);
    expect(await call(`select tandem.contract('logins')`)).toBe('contracted');
    expect(await columnsOf('account')).toEqual(['id', 'email']);
    expect((await app.query(`insert into account (id, email) values (104, 'ny@example.com') returning *`)).rows).toEqual([{ id: 104, email: 'ny@example.com' }]);
  });
});

describe('the side a writer wrote decides the direction (both sides mapped)', () => {
  beforeAll(async () => {
    await client.query(`select tandem.create_migration('amounts');
      select tandem.bridge(migration => 'amounts', name => 'amount', legacy => 'payment', modern => 'payment',
        forward => '{"amount": "amount_cents / 100.0"}', backward => '{"amount_cents": "(amount * 100)::integer"}');
      select tandem.expand('amounts')`);
    await backfill(client, 'amounts', 10);
  });

  it('fills the modern column of an old client’s insert though it has a default', async () => {
    expect((await app.query(`insert into payment (id, amount_cents, note) values (101, 250, 'old') returning amount`)).rows[0].amount).toBe('2.50');
    // An old client that leaves its own column to its default too.
    expect((await app.query(`insert into payment (id, note) values (102, 'old, defaults') returning amount_cents, amount`)).rows[0])
      .toEqual({ amount_cents: 0, amount: '0.00' });
  });

  it('keeps a new client’s explicit NULL, and fills the legacy column from it though it has a default', async () => {
    expect((await app.query(`insert into payment (id, amount, note) values (103, null, 'new, null') returning amount_cents, amount`)).rows[0])
      .toEqual({ amount_cents: null, amount: null });
    expect((await app.query(`insert into payment (id, amount, note) values (104, 1.25, 'new') returning amount_cents, amount`)).rows[0])
      .toEqual({ amount_cents: 125, amount: '1.25' });
    // Explicit NULL on an update: the modern side changed, the legacy side follows.
    expect((await app.query(`update payment set amount = null where id = 104 returning amount_cents`)).rows[0].amount_cents).toBeNull();
    expect((await app.query(`update payment set amount_cents = null where id = 101 returning amount`)).rows[0].amount).toBeNull();
  });

  it('tells apart the rows of one statement, and those of an INSERT … SELECT', async () => {
    const { rows: written } = await app.query(`insert into payment (id, amount_cents, amount) values (110, 300, default), (111, default, 4.5), (112, null, default)
                                               returning id, amount_cents, amount`);
    expect(written).toEqual([
      { id: 110, amount_cents: 300, amount: '3.00' },
      { id: 111, amount_cents: 450, amount: '4.50' },
      { id: 112, amount_cents: null, amount: null },
    ]);
    await app.query(`insert into payment (id, amount_cents) select 120 + g, g from generate_series(1, 3) g`);
    expect((await client.query(`select amount from payment where id > 120 order by id`)).rows.map((r) => r.amount)).toEqual(['0.01', '0.02', '0.03']);
    expect(await failures(client, 'amounts')).toEqual([]);
  });

  it('takes the defaults back when the migration is rolled back to planned, and wraps them again at expand', async () => {
    expect(await columnDefault('payment', 'amount')).toContain('tandem.unwritten');
    // A new default set while the bridge is live is wrapped in turn (by the library's DDL event trigger).
    await client.query(`alter table payment alter column amount set default 7`);
    expect(await columnDefault('payment', 'amount')).toContain('tandem.unwritten');
    expect((await app.query(`insert into payment (id, amount_cents) values (131, 5) returning amount`)).rows[0].amount).toBe('0.05');
    expect((await app.query(`insert into payment (id, note) values (132, 'new default') returning amount_cents, amount`)).rows[0])
      .toEqual({ amount_cents: 0, amount: '0.00' });
    while ((await phase(client, 'amounts')) !== 'planned') await client.query(`select tandem.rollback('amounts')`);
    expect(await columnDefault('payment', 'amount')).toBe('7');
    await client.query(`alter table payment alter column amount set default 0`);
    expect(await columnDefault('payment', 'amount_cents')).toBe('0');
    expect(await call(`select tandem.expand('amounts')`)).toBe('expanded');
    expect(await columnDefault('payment', 'amount')).toContain('tandem.unwritten');
    expect((await app.query(`insert into payment (id, amount_cents) values (130, 99) returning amount`)).rows[0].amount).toBe('0.99');
  });
});
