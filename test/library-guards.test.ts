/*
 * What a live bridge refuses because it could not sync it: TRUNCATE of either table, a second
 * migration writing a column another live migration writes (contracting one would drop what the other
 * still writes), and an application role switching sync off with the bridge's own guard setting.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs, connectedDatabase, type ConnectedDatabase } from './support/database.js';
import { failures, sqlError } from './support/sql.js';

let db: ConnectedDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await connectedDatabase();
  client = db.client;
});
afterAll(async () => {
  await db.close();
});

describe('TRUNCATE of a bridged table', () => {
  beforeAll(async () => {
    await client.query(`
      create table public.acct (id int primary key, owner text not null);
      create table public.account (id int primary key, owner text not null);
      insert into public.acct select g, 'o' || g from generate_series(1, 10) as g;
      select tandem.create_migration('accounts');
      select tandem.bridge(migration => 'accounts', name => 'account', legacy => 'public.acct', modern => 'public.account',
        key => '{"id": "id"}', forward => '{"owner": "owner"}', backward => '{"owner": "owner"}');
      select tandem.expand('accounts');`);
    await client.query("call tandem.backfill('accounts')");
  });

  it.each(['public.acct', 'public.account'])('of %s is refused with TD008, naming the bridge, and nothing is lost', async (table) => {
    const error = await sqlError(client, `truncate ${table}`);
    expect(error.code).toBe('TD008');
    expect(error.message).toBe(
      `TRUNCATE of ${table} is refused: bridge accounts.account keeps public.acct and public.account in sync, and a truncate would reach only one of them`,
    );
    expect(error.hint).toBe(`Delete the rows instead (the bridge syncs deletes), or roll the migration back first: select tandem.rollback('accounts');`);
    expect((await client.query(`select count(*)::int as n from ${table}`)).rows[0].n).toBe(10);
    expect(await failures(client, 'accounts')).toEqual([]);
  });

  it('is refused after cutover too (on the archive and the modern table), and allowed again once contracted', async () => {
    await client.query("select tandem.cutover('accounts')");
    expect((await sqlError(client, 'truncate public.account')).code).toBe('TD008');
    expect((await sqlError(client, 'truncate public.acct__archive')).code).toBe('TD008');
    await client.query("select * from tandem.verify_migration('accounts')");
    await client.query("select tandem.contract('accounts')");
    await client.query('truncate public.account');
  });
});

describe('two migrations writing the same column', () => {
  beforeAll(async () => {
    await client.query(`
      create table public.person (id int primary key, name text not null, role text);
      create table public.member (id int primary key, role text);
      create table public.staff (id int primary key, role text);
      insert into public.person select g, 'p' || g, 'r' || g from generate_series(1, 5) as g;
      select tandem.create_migration('members');
      select tandem.bridge(migration => 'members', name => 'member', legacy => 'public.person', modern => 'public.member',
        key => '{"id": "id"}', forward => '{"role": "role"}', backward => '{"role": "role"}');
      select tandem.create_migration('staff');`);
  });

  it('is refused when declared, naming the other bridge', async () => {
    const error = await sqlError(
      client,
      `select tandem.bridge(migration => 'staff', name => 'staff', legacy => 'public.person', modern => 'public.staff',
         key => '{"id": "id"}', forward => '{"role": "role"}', backward => '{"role": "role"}')`,
    );
    expect(error.code).toBe('TD003');
    expect(error.detail).toBe('public.person.role is written by bridge members.member too (its backward mapping). Fix: map each column in one bridge only, or contract members first.');
  });

  it('is refused at contract when such bridges exist from before the rule, and nothing is dropped', async () => {
    // A bridge declared by an earlier release, which did not refuse the overlap.
    await client.query(`
      insert into tandem.bridge (migration, name, kind, legacy, modern, key, forward, backward, legacy_key, modern_key, definition_hash)
      values ('staff', 'staff', 'table', 'public.person', 'public.staff', '{"id": "id"}', '{"role": "role"}', '{"id": "id", "role": "role"}',
              '{id}', '{id}', 'old');
      select tandem.expand('staff');
      select tandem.expand('members');`);
    await client.query("call tandem.backfill('members')");
    await client.query("select tandem.cutover('members'); select * from tandem.verify_migration('members');");
    const error = await sqlError(client, "select tandem.contract('members')");
    expect(error.code).toBe('TD002');
    expect(error.message).toBe('cannot contract bridge members.member: another live bridge still writes a column contract would drop');
    expect(error.detail).toContain('bridge staff.staff');
    expect((await client.query('select count(role)::int as n from public.person')).rows[0].n).toBe(5);
  });
});

describe('the guard that keeps a bridge from syncing its own writes', () => {
  let app: pg.Client;
  beforeAll(async () => {
    await client.query(`
      drop role if exists tandem_guard_app;
      create role tandem_guard_app login password 'app';
      grant usage on schema public to tandem_guard_app;
      create table public.item (id int primary key, label text not null);
      create table public.product (id int primary key, title text not null);
      grant select, insert, update, delete on public.item to tandem_guard_app;
      insert into public.item select g, 'i' || g from generate_series(1, 5) as g;
      select tandem.create_migration('products');
      select tandem.bridge(migration => 'products', name => 'product', legacy => 'public.item', modern => 'public.product',
        key => '{"id": "id"}', forward => '{"title": "label"}', backward => '{"label": "title"}');
      select tandem.expand('products');`);
    await client.query("call tandem.backfill('products')");
    app = await connectAs(db.url, 'tandem_guard_app', 'app');
  });
  afterAll(async () => {
    await app.end();
    await client.query('drop owned by tandem_guard_app; drop role tandem_guard_app');
  });

  it('set by an application role does not switch sync off, for any write', async () => {
    const { rows } = await client.query("select id from tandem.bridge where migration = 'products'");
    await app.query('begin');
    await app.query(`set local tandem.guard_${rows[0].id} = 'on'`);
    await app.query("insert into public.item values (10, 'sneaked'), (11, 'also')");
    await app.query("update public.item set label = 'changed' where id = 1");
    await app.query('delete from public.item where id = 2');
    await app.query('commit');
    expect((await client.query('select id, title from public.product where id in (1, 2, 10, 11) order by id')).rows).toEqual([
      { id: 1, title: 'changed' },
      { id: 10, title: 'sneaked' },
      { id: 11, title: 'also' },
    ]);
    expect(await failures(client, 'products')).toEqual([]);
  });

  it("still keeps the bridge's own writes from coming back", async () => {
    await client.query("update public.product set title = 'from modern' where id = 3");
    await client.query("insert into public.item values (20, 'from legacy')");
    expect((await client.query('select label from public.item where id = 3')).rows).toEqual([{ label: 'from modern' }]);
    expect((await client.query("select count(*)::int as n from tandem.event_log where event = 'reject'")).rows[0].n).toBe(0);
    expect(await failures(client, 'products')).toEqual([]);
  });
});

describe('DDL on a bridged table while its migration is live', () => {
  beforeAll(async () => {
    await client.query(`
      create table public.person2 (id int primary key, full_name text not null, age int);
      create table public.people2 (id int primary key, name text not null, age int);
      insert into public.person2 select g, 'p' || g, g from generate_series(1, 5) as g;
      select tandem.create_migration('people2');
      select tandem.bridge(migration => 'people2', name => 'people', legacy => 'public.person2', modern => 'public.people2',
        key => '{"id": "id"}', forward => '{"name": "full_name", "age": "age"}', backward => '{"full_name": "name", "age": "age"}');
      select tandem.expand('people2');`);
    await client.query("call tandem.backfill('people2')");
  });

  it('is refused when it breaks the bridge (a mapped column dropped or retyped), naming it, and nothing changes', async () => {
    const dropped = await sqlError(client, 'alter table public.person2 drop column age');
    expect(dropped.code).toBe('TD003');
    expect(dropped.message).toBe('this change breaks bridge people2.people of live migration "people2"');
    expect(dropped.detail).toContain('legacy table public.person2 has no column age (named in backward)');
    expect(dropped.hint).toContain("select tandem.rollback('people2')");
    const retyped = await sqlError(client, 'alter table public.people2 alter column age type point using point(age, age)');
    expect(retyped.code).toBe('TD003');
    expect((await client.query('select count(age)::int as n from public.person2')).rows[0].n).toBe(5);
    await client.query("insert into public.person2 values (6, 'six', 6)");
    expect((await client.query('select name from public.people2 where id = 6')).rows).toEqual([{ name: 'six' }]);
  });

  it('that turns a rename into a split (a column with no backward mapping) makes cutover refuse until the bridge is declared again', async () => {
    await client.query('alter table public.person2 add column nickname text');
    await client.query("select * from tandem.verify_migration('people2')");
    const error = await sqlError(client, "select tandem.cutover('people2')");
    expect(error.code).toBe('TD003');
    expect(error.message).toBe('cannot cut over bridge people2.people: it was expanded as a rename, and would now be cut over as a split');
    expect(error.detail).toBe('Legacy columns with no backward expression: nickname.');
    expect((await client.query("select to_regclass('public.person2__archive') is null as none")).rows[0].none).toBe(true);
    await client.query(`
      alter table public.people2 add column nickname text;
      select tandem.bridge(migration => 'people2', name => 'people', legacy => 'public.person2', modern => 'public.people2',
        key => '{"id": "id"}', forward => '{"name": "full_name", "age": "age", "nickname": "nickname"}',
        backward => '{"full_name": "name", "age": "age", "nickname": "nickname"}');`);
    await client.query("call tandem.backfill('people2')");
    expect(await failures(client, 'people2')).toEqual([]);
    expect((await client.query("select tandem.cutover('people2') as r")).rows[0].r).toBe('cut over');
    expect((await client.query("select to_regclass('public.person2__archive') is not null as there")).rows[0].there).toBe(true);
  });
});
