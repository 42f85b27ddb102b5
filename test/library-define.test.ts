import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedDatabase, type ConnectedDatabase } from './support/database.js';
import { sqlError } from './support/sql.js';

let db: ConnectedDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await connectedDatabase();
  client = db.client;
  await client.query(`
    create table public.customer (id serial primary key, full_name text not null, email text, created text, code text);
    create table public.client (client_id int primary key, first_name text not null, last_name text, email text,
                                created_at timestamptz, score int, slug text generated always as (lower(first_name)) stored);
    create table public.no_key (id int, name text);
    create view public.customer_view as select * from public.customer;
    select tandem.create_migration('clients', 'customer → client');
  `);
});
afterAll(async () => {
  await db.close();
});

const bridge = (overrides: Record<string, string | null>) => {
  const args: Record<string, string | null> = {
    migration: "'clients'",
    name: "'client'",
    legacy: "'customer'",
    modern: "'client'",
    key: `'{"client_id": "id"}'`,
    forward: `$$ {"first_name": "split_part(full_name, ' ', 1)", "email": "email"} $$`,
    backward: `$$ {"full_name": "first_name", "email": "email"} $$`,
    ...overrides,
  };
  const list = Object.entries(args)
    .filter(([, value]) => value !== null)
    .map(([name, value]) => `${name} => ${value}`)
    .join(', ');
  return `select tandem.bridge(${list})`;
};

describe('tandem.bridge validation', () => {
  it('reports every problem at once, naming the object and the fix, and changes nothing', async () => {
    const error = await sqlError(
      client,
      bridge({
        key: `'{"client_id": "idd"}'`,
        forward: `$$ {"first_nam": "full_name", "email": "emial", "score": "email", "created_at": "created"} $$`,
        backward: `$$ {"full_name": "first_name", "emails": "email"} $$`,
        filter: `'email'`,
        options: `'{"on_modern_delete": "explode", "colour": "red"}'`,
      }),
    );
    expect(error.code).toBe('TD003');
    expect(error.message).toBe('bridge clients.client is not valid: 2 problems');
    expect(error.detail!.split('\n')).toEqual([
      'unknown option colour. Fix: use on_modern_delete (delete | nullify), on_error (fail | reject), distinct (true | false), volatile (forward columns), drops (backward columns), triggers or policies (name: carry | leave).',
      'option on_modern_delete is "explode". Fix: use delete (delete the legacy row) or nullify (null its moved columns).',
    ]);
    expect(error.hint).toBe('Correct the definition and call tandem.bridge again; nothing was changed.');
    expect((await client.query('select count(*)::int as n from tandem.bridge')).rows[0].n).toBe(0);
  });

  it('checks columns, expressions, casts, keys and the filter, all in one error', async () => {
    const error = await sqlError(
      client,
      bridge({
        key: `'{"client_id": "idd"}'`,
        forward: `$$ {"first_nam": "full_name", "email": "emial", "score": "email", "created_at": "created", "slug": "email"} $$`,
        backward: `$$ {"full_name": "first_name", "emails": "email"} $$`,
        filter: `'email'`,
      }),
    );
    expect(error.code).toBe('TD003');
    const problems = error.detail!.split('\n');
    expect(problems).toEqual([
      `key expression for public.client.client_id, 'idd': column "idd" does not exist (SQLSTATE 42703). Fix: correct it; it is evaluated over a row of public.customer (its columns unqualified) with search_path pg_catalog, so schema-qualify your own functions and tables.`,
      `modern column public.client.slug is a generated column and cannot be written. Fix: leave it out of the bridge.`,
      `forward expression for public.client.email, 'emial': column "emial" does not exist (SQLSTATE 42703). Fix: correct it; it is evaluated over a row of public.customer (its columns unqualified) with search_path pg_catalog, so schema-qualify your own functions and tables.`,
      `forward expression for public.client.score, 'email': column "score" is of type integer but expression is of type text (SQLSTATE 42804). Fix: correct it; it is evaluated over a row of public.customer (its columns unqualified) with search_path pg_catalog, so schema-qualify your own functions and tables.`,
      `modern table public.client has no column first_nam (named in forward). Fix: name a column of public.client.`,
      `forward expression for public.client.created_at, 'created': column "created_at" is of type timestamp with time zone but expression is of type text (SQLSTATE 42804). Fix: correct it; it is evaluated over a row of public.customer (its columns unqualified) with search_path pg_catalog, so schema-qualify your own functions and tables.`,
      `legacy table public.customer has no column emails (named in backward). Fix: name a column of public.customer.`,
      `filter 'email': argument of WHERE must be type boolean, not type text (SQLSTATE 42804). Fix: write a boolean expression over a row of public.customer (its columns unqualified).`,
      // What the shape (table) requires comes after what every shape requires.
      `modern column public.client.first_name is NOT NULL with no default and no forward expression, so a legacy insert could not create its twin. Fix: add a forward expression for it, or give it a default.`,
      `the legacy key cannot be computed from a modern row. Fix: give backward expressions for every column of one unique index of public.customer (CREATE UNIQUE INDEX customer_pkey ON public.customer USING btree (id)).`,
    ]);
  });

  it('requires the tables to exist and to be tables', async () => {
    const error = await sqlError(client, bridge({ legacy: "'customers'", modern: "'public.customer_view'" }));
    expect(error.code).toBe('TD003');
    expect(error.detail!.split('\n')).toEqual([
      `legacy table 'customers' does not exist. Fix: create it first, or schema-qualify the name.`,
      `modern customer_view is not a table. Fix: bridge to a table.`,
    ]);
  });

  it('requires a key that is unique on both sides', async () => {
    const error = await sqlError(
      client,
      bridge({ modern: "'no_key'", key: `'{"id": "id"}'`, forward: `$$ {"name": "full_name"} $$`, backward: `$$ {"full_name": "name"} $$` }),
    );
    expect(error.code).toBe('TD003');
    expect(error.detail).toContain(
      'the key (id) is not unique on public.no_key: no primary key or unique index on exactly these columns. Fix: add one (create unique index concurrently … on public.no_key (id)) or key on the primary key.',
    );
    const legacyKey = await sqlError(client, bridge({ key: `'{"client_id": "id + 1"}'` }));
    expect(legacyKey.detail).toContain(
      'the legacy key cannot be computed from a modern row. Fix: give backward expressions for every column of one unique index of public.customer (CREATE UNIQUE INDEX customer_pkey ON public.customer USING btree (id)).',
    );
  });

  it('refuses expressions that only work with the caller’s search_path', async () => {
    await client.query(`create function public.initial(t text) returns text language sql immutable as 'select left(t, 1)'`);
    const error = await sqlError(client, bridge({ forward: `$$ {"first_name": "initial(full_name)"} $$` }));
    expect(error.detail).toMatch(/^forward expression for public\.client\.first_name, 'initial\(full_name\)': function initial\(text\) does not exist/);
    await client.query(bridge({ forward: `$$ {"first_name": "public.initial(full_name)"} $$` }));
    await client.query(`select tandem.rollback('clients')`);
    await client.query(`delete from tandem.bridge`);
  });

  it('names an unknown migration, a bad name and a wrong phase with their own SQLSTATEs and hints', async () => {
    const unknown = await sqlError(client, bridge({ migration: "'nope'" }));
    expect(unknown.code).toBe('TD001');
    expect(unknown.message).toBe('migration "nope" does not exist');
    expect(unknown.hint).toBe(`Create it first: select tandem.create_migration('nope', 'what it does');`);

    const badName = await sqlError(client, `select tandem.create_migration('Bad Name')`);
    expect(badName.code).toBe('TD007');
    expect(badName.message).toBe(`invalid migration name 'Bad Name'`);

    const noBridges = await sqlError(client, `select tandem.expand('clients')`);
    expect(noBridges.code).toBe('TD002');
    expect(noBridges.message).toBe('migration "clients" has no bridges to expand');

    const early = await sqlError(client, `select * from tandem.verify_migration('clients')`);
    expect(early.code).toBe('TD002');
    expect(early.message).toBe('cannot verify migration "clients": it is planned');
    expect(early.hint).toBe(`Expand and backfill it first: select tandem.expand('clients');`);

    const backfillEarly = await sqlError(client, `select * from tandem.backfill_batch('clients')`);
    expect(backfillEarly.code).toBe('TD002');
    expect(backfillEarly.hint).toBe(`Expand it first: select tandem.expand('clients');`);
  });

  it('is idempotent, and a changed definition regenerates what it generated', async () => {
    const events = async () => (await client.query(`select count(*)::int as n from tandem.event_log where migration = 'clients'`)).rows[0].n;
    await client.query(bridge({}));
    await client.query(`select tandem.expand('clients')`);
    const before = await events();
    await client.query(bridge({}));
    expect(await client.query(`select tandem.expand('clients') as result`)).toMatchObject({ rows: [{ result: 'already expanded' }] });
    expect(await events()).toBe(before);

    const source = async () =>
      (await client.query(`select prosrc from pg_proc where proname = 'clients__client__customer_to_client'`)).rows[0].prosrc as string;
    expect(await source()).not.toContain('upper(email)');
    await client.query(bridge({ forward: `$$ {"first_name": "split_part(full_name, ' ', 1)", "email": "upper(email)"} $$` }));
    expect(await source()).toContain('upper(email)');
    await client.query(`insert into customer (full_name, email) values ('Ann Lee', 'ann@x.io')`);
    expect((await client.query('select email from client')).rows).toEqual([{ email: 'ANN@X.IO' }]);
  });
});
