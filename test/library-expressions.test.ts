/*
 * Expressions are written into generated code, so each must be exactly one SQL expression: text that
 * closes the parenthesis around it, ends the statement, or comments out what follows is refused before
 * anything runs. Volatile mappings never compare equal: refused, unless a forward column declares it.
 */
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
    create table public.victim (id int);
    create table public.customer (id int primary key, full_name text not null, email text);
    create table public.client (id int primary key, name text not null, email text, token text);
    insert into public.customer select g, 'name ' || g, 'e' || g from generate_series(1, 20) as g;
    select tandem.create_migration('clients');
  `);
});
afterAll(async () => {
  await db.close();
});

const bridge = (overrides: Record<string, string>) => {
  const args: Record<string, string> = {
    migration: "'clients'",
    name: "'client'",
    legacy: "'public.customer'",
    modern: "'public.client'",
    key: `'{"id": "id"}'`,
    forward: `'{"name": "full_name", "email": "email"}'`,
    backward: `'{"full_name": "name", "email": "email"}'`,
    ...overrides,
  };
  return `select tandem.bridge(${Object.entries(args).map(([name, value]) => `${name} => ${value}`).join(', ')})`;
};

const victimExists = async () => (await client.query("select to_regclass('public.victim') is not null as there")).rows[0].there;

describe('an expression that is not one expression', () => {
  it.each([
    ['forward', 'forward', `$$ {"name": "full_name) from only public.customer as l; drop table public.victim; select (1", "email": "email"} $$`],
    ['forward', 'forward', `$$ {"name": "full_name), (email", "email": "email"} $$`],
    ['forward', 'forward', `$$ {"name": "full_name --", "email": "email"} $$`],
    ['forward', 'forward', `$$ {"name": "full_name /*", "email": "email"} $$`],
    ['key', 'key', `$$ {"id": "id) from only public.customer as l; drop table public.victim; select (1"} $$`],
    ['backward', 'backward', `$$ {"full_name": "name) from only public.client as m) as v; drop table public.victim; select (select (1", "email": "email"} $$`],
    ['filter', 'filter', `$$ true) ; drop table public.victim; select (true $$`],
  ])('is refused in %s, and nothing in it runs', async (_, argument, value) => {
    const error = await sqlError(client, bridge({ [argument]: value }));
    expect(error.code).toBe('TD003');
    expect(error.detail).toMatch(/not one expression|syntax error|cannot open multi-query plan|SQLSTATE/);
    expect(await victimExists()).toBe(true);
    expect((await client.query('select count(*)::int as n from tandem.bridge')).rows[0].n).toBe(0);
  });

  it('is refused as a custom check, and nothing in it runs', async () => {
    const error = await sqlError(client, `select tandem.add_check('clients', 'orphans', $$select 1) as offending; drop table public.victim; select * from (select 1$$)`);
    expect(error.code).toBe('TD003');
    expect(await victimExists()).toBe(true);
  });

  it('leaves ordinary expressions alone: strings with ; and --, comments that end, casts, subqueries', async () => {
    await client.query(
      bridge({
        forward: `$$ {"name": "coalesce(full_name, 'a; b -- c') /* the name */", "email": "(select lower(email))"} $$`,
        backward: `$$ {"full_name": "name", "email": "email::text"} $$`,
      }),
    );
    expect((await client.query('select count(*)::int as n from tandem.bridge')).rows[0].n).toBe(1);
    await client.query("delete from tandem.bridge where migration = 'clients'");
  });
});

describe('a volatile mapping', () => {
  it('is refused, naming the function and the way to declare it', async () => {
    const error = await sqlError(client, bridge({ forward: `$$ {"name": "full_name", "token": "md5(random()::text)"} $$` }));
    expect(error.code).toBe('TD003');
    expect(error.detail).toContain('forward expression for public.client.token');
    expect(error.detail).toContain('calls volatile function random()');
    expect(error.detail).toContain(`options => '{"volatile": ["token"]}'`);
  });

  it('is refused in a key, a backward expression and a filter, declared or not', async () => {
    const key = await sqlError(client, bridge({ key: `$$ {"id": "id + (random() * 0)::int"} $$` }));
    expect(key.detail).toContain('calls volatile function random()');
    const back = await sqlError(client, bridge({ backward: `$$ {"full_name": "name || random()::text", "email": "email"} $$` }));
    expect(back.detail).toContain('backward expression for public.customer.full_name');
    const filter = await sqlError(client, bridge({ filter: `'random() < 0.5'` }));
    expect(filter.detail).toContain('calls volatile function random()');
    const option = await sqlError(client, bridge({ options: `'{"volatile": ["nope"]}'` }));
    expect(option.detail).toContain('option volatile is ["nope"]');
  });

  it('declared on a forward column, is synced and not compared by verification', async () => {
    await client.query(
      bridge({ forward: `$$ {"name": "full_name", "email": "email", "token": "md5(random()::text)"} $$`, options: `'{"volatile": ["token"]}'` }),
    );
    await client.query("select tandem.expand('clients')");
    await backfill(client, 'clients');
    await client.query("insert into public.customer values (100, 'new', 'n')");
    expect((await client.query('select count(distinct token)::int as n from public.client')).rows[0].n).toBe(21);
    expect(await failures(client, 'clients')).toEqual([]);
    const { rows } = await client.query("select check_name from tandem.verify_migration('clients') order by 1");
    expect(rows.map((row) => row.check_name)).not.toContain('column:token');
  });
});
