/*
 * What depends on a bridged legacy table, and what cutover, rollback and contract do with it
 * (tandem._dependents, shown by tandem.plan): each case here failed before this release, in the way
 * its first lines describe.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs, connectedDatabase, type ConnectedDatabase } from './support/database.js';
import { failures, sqlError } from './support/sql.js';

let db: ConnectedDatabase;
let client: pg.Client;

const call = async (sql: string, params: unknown[] = []) => Object.values((await client.query(sql, params)).rows[0] ?? {})[0];
const relkind = async (name: string) => (await client.query('select relkind from pg_class where oid = to_regclass($1)', [name])).rows[0]?.relkind;
/** tandem.plan's rows for one migration, as { kind, object, cutover, rollback, contract }. */
const plan = async (migration: string) =>
  (await client.query('select kind, object, cutover, rollback, contract from tandem.plan($1)', [migration])).rows;

/** A legacy table `<name>` (id, full_name, tenant, email) renamed into `<name>_m` by a bridge that splits the name. */
async function renamed(name: string, extra = '', options: object = {}): Promise<void> {
  await client.query(`
    create table public.${name} (id serial primary key, full_name text not null, tenant text not null default 'acme', email text);
    create table public.${name}_m (id int primary key, first_name text not null, last_name text, tenant text not null, email text);
    insert into public.${name} (full_name, tenant, email)
      select 'First' || g || ' Last' || g, case when g % 2 = 0 then 'acme' else 'other' end, 'u' || g || '@x.io' from generate_series(1, 10) g;
    ${extra}
    select tandem.create_migration('${name}');`);
  await client.query(
    `select tandem.bridge(migration => $1, name => $1, legacy => $1, modern => $1 || '_m', key => '{"id": "id"}',
       forward => $$\{"first_name": "split_part(full_name, ' ', 1)", "last_name": "substr(full_name, strpos(full_name, ' ') + 1)",
                     "tenant": "tenant", "email": "email"}$$,
       backward => $$\{"full_name": "concat_ws(' ', first_name, last_name)", "tenant": "tenant", "email": "email"}$$,
       options => $2)`,
    [name, JSON.stringify(options)],
  );
  await client.query(`select tandem.expand($1)`, [name]);
}

beforeAll(async () => {
  db = await connectedDatabase();
  client = db.client;
  await client.query(`
    drop role if exists tandem_dependents_app;
    create role tandem_dependents_app login password 'app';
    grant usage on schema public to tandem_dependents_app;`);
});
afterAll(async () => {
  await client.query('drop owned by tandem_dependents_app; drop role tandem_dependents_app');
  await db.close();
});

describe('a function returning the legacy row type', () => {
  it('is created again for the compatibility view, so that contract can drop the archive (it failed: "function rewards_report depends on type customer__archive")', async () => {
    await renamed('loyal', `
      create function public.rewards_report(min_id int) returns setof public.loyal language sql stable
        as $$ select * from public.loyal where id >= min_id $$;
      comment on function public.rewards_report(int) is 'customers earning rewards';
      revoke all on function public.rewards_report(int) from public;
      grant execute on function public.rewards_report(int) to tandem_dependents_app;`);
    expect(await plan('loyal')).toContainEqual(
      { kind: 'legacy function', object: 'public.rewards_report(integer)', cutover: 'redefined', rollback: 'redefined', contract: 'kept' });
    const attributes = `select pg_get_function_result(p.oid) as result, obj_description(p.oid, 'pg_proc') as comment,
                               has_function_privilege('tandem_dependents_app', p.oid, 'execute') as app, has_function_privilege('public', p.oid, 'execute') as public
                        from pg_proc p where proname = 'rewards_report'`;
    const before = (await client.query(attributes)).rows;
    expect(before).toEqual([{ result: 'SETOF loyal', comment: 'customers earning rewards', app: true, public: false }]);

    expect(await call(`select tandem.cutover('loyal')`)).toBe('cut over');
    // The same function, now of the view's row type: it reads the view, and writes through it show.
    expect((await client.query(attributes)).rows).toEqual(before);
    expect((await client.query(`select t.typrelid::regclass::text as of from pg_proc p join pg_type t on t.oid = p.prorettype where p.proname = 'rewards_report'`)).rows)
      .toEqual([{ of: 'loyal' }]);
    await client.query(`update loyal set full_name = 'Ann Lee' where id = 9`);
    expect((await client.query('select id, full_name from rewards_report(9) order by id')).rows).toEqual([{ id: 9, full_name: 'Ann Lee' }, { id: 10, full_name: 'First10 Last10' }]);

    expect(await call(`select tandem.rollback('loyal')`)).toBe('rolled back from cut_over to verified');
    expect((await client.query(`select t.typrelid::regclass::text as of, c.relkind from pg_proc p join pg_type t on t.oid = p.prorettype
                                join pg_class c on c.oid = t.typrelid where p.proname = 'rewards_report'`)).rows).toEqual([{ of: 'loyal', relkind: 'r' }]);
    expect((await client.query(attributes)).rows).toEqual(before);

    expect(await call(`select tandem.cutover('loyal')`)).toBe('cut over');
    expect(await failures(client, 'loyal')).toEqual([]);
    expect(await call(`select tandem.contract('loyal')`)).toBe('contracted');
    expect(await relkind('loyal__archive')).toBeUndefined();
    expect((await client.query('select count(*)::int as n from rewards_report(1)')).rows[0].n).toBe(10);
    expect(await plan('loyal')).toEqual([
      { kind: 'bridge', object: '(dropped by contract) → public.loyal_m', cutover: 'done', rollback: 'refused', contract: 'done' }]);
  });

  it('is refused up front (TD003, naming the function and the fix) when other objects depend on it', async () => {
    await renamed('vip', `
      create function public.vip_rows() returns setof public.vip language sql stable as $$ select * from public.vip $$;
      create view public.vip_names as select full_name from public.vip_rows();`);
    expect(await plan('vip')).toContainEqual(
      { kind: 'legacy function', object: 'public.vip_rows()', cutover: 'refused', rollback: 'kept', contract: 'kept' });
    const error = await sqlError(client, `select tandem.cutover('vip')`);
    expect(error.code).toBe('TD003');
    expect(error.message).toBe('cannot cut over migration "vip": function public.vip_rows() cannot follow');
    expect(error.detail).toBe('function public.vip_rows() (bridge vip): uses the row type of public.vip (or reads it in its body), and view public.vip_names depends on it: '
      + 'cutover must create it again for the compatibility view\'s row type. Fix: drop them before cutover and create them again after.');
    expect(await relkind('vip')).toBe('r'); // nothing changed
  });
});

describe('a materialized view reading the legacy table', () => {
  it('is created again over the compatibility view with its indexes, owner, grants, comment and contents (it was refused with TD002)', async () => {
    await renamed('member', `
      create materialized view public.member_tenants as select tenant, count(*)::int as n from public.member group by tenant;
      create unique index member_tenants_tenant on public.member_tenants (tenant);
      comment on materialized view public.member_tenants is 'members per tenant';
      grant select on public.member_tenants to tandem_dependents_app;
      create materialized view public.member_later as select id from public.member with no data;`);
    const shape = `select c.relispopulated as filled, obj_description(c.oid, 'pg_class') as comment,
                          has_table_privilege('tandem_dependents_app', c.oid, 'select') as app,
                          (select array_agg(indexrelid::regclass::text) from pg_index where indrelid = c.oid) as indexes
                   from pg_class c where c.oid = 'member_tenants'::regclass`;
    const before = (await client.query(shape)).rows;
    expect(await call(`select tandem.cutover('member')`)).toBe('cut over');
    expect((await client.query(shape)).rows).toEqual(before);
    expect((await client.query(`select relispopulated from pg_class where oid = 'member_later'::regclass`)).rows[0].relispopulated).toBe(false);
    // It reads the view now: a refresh sees writes made through it.
    await client.query(`insert into member (full_name, tenant) values ('New One', 'acme')`);
    await client.query('refresh materialized view concurrently member_tenants');
    expect((await client.query('select tenant, n from member_tenants order by tenant')).rows).toEqual([{ tenant: 'acme', n: 6 }, { tenant: 'other', n: 5 }]);

    expect(await call(`select tandem.rollback('member')`)).toBe('rolled back from cut_over to verified');
    expect((await client.query(shape)).rows).toEqual(before);
    expect((await client.query(`select count(*)::int as n from pg_depend d join pg_rewrite r on r.oid = d.objid
                                where r.ev_class = 'member_tenants'::regclass and d.refobjid = 'member'::regclass`)).rows[0].n).toBeGreaterThan(0);
    expect(await call(`select tandem.cutover('member')`)).toBe('cut over');
    expect(await failures(client, 'member')).toEqual([]);
    expect(await call(`select tandem.contract('member')`)).toBe('contracted');
    expect((await client.query('select tenant, n from member_tenants order by tenant')).rows).toEqual([{ tenant: 'acme', n: 6 }, { tenant: 'other', n: 5 }]);
  });
});

describe('a row trigger of the legacy table', () => {
  it('is carried to the modern table when the columns it names are the same there, so writes through the view still fire it (they did not)', async () => {
    const notices: string[] = [];
    const listen = (notice: { severity?: string; message?: string }) => notices.push(notice.message ?? '');
    await client.query(`
      create table public.stamped (id serial primary key, full_name text not null, email text, touched_by text);
      create table public.stamped_m (id int primary key, first_name text not null, last_name text, email text, touched_by text);
      insert into public.stamped (full_name, email) select 'First' || g || ' Last' || g, 'u' || g || '@x.io' from generate_series(1, 10) g;
      create function public.stamp() returns trigger language plpgsql as $$ begin new.touched_by := tg_argv[0]; return new; end $$;
      create trigger stamp_it before update on public.stamped for each row when (old.email is distinct from new.email) execute function public.stamp('trigger');
      select tandem.create_migration('stamped');`);
    client.on('notice', listen);
    await client.query(`select tandem.bridge(migration => 'stamped', name => 'stamped', legacy => 'stamped', modern => 'stamped_m', key => '{"id": "id"}',
       forward => $$\{"first_name": "split_part(full_name, ' ', 1)", "last_name": "substr(full_name, strpos(full_name, ' ') + 1)",
                     "email": "email", "touched_by": "touched_by"}$$,
       backward => $$\{"full_name": "concat_ws(' ', first_name, last_name)", "email": "email", "touched_by": "touched_by"}$$)`);
    client.off('notice', listen);
    expect(notices).toEqual(['cutover of bridge stamped.stamped will carry trigger stamp_it on public.stamped to public.stamped_m']);
    await client.query(`select tandem.expand('stamped')`);

    expect(await call(`select tandem.cutover('stamped')`)).toBe('cut over');
    const written = await client.query(`update stamped set email = 'new@x.io' where id = 3 returning touched_by`);
    expect(written.rows).toEqual([{ touched_by: 'trigger' }]);
    expect((await client.query(`select touched_by from stamped_m where id = 3`)).rows).toEqual([{ touched_by: 'trigger' }]);
    expect((await client.query(`select tgenabled from pg_trigger where tgname = 'stamp_it' and tgrelid = 'stamped__archive'::regclass`)).rows)
      .toEqual([{ tgenabled: 'D' }]);
    expect(await failures(client, 'stamped')).toEqual([]);

    expect(await call(`select tandem.rollback('stamped')`)).toBe('rolled back from cut_over to verified');
    expect((await client.query(`select tgrelid::regclass::text as rel, tgenabled from pg_trigger where tgname = 'stamp_it'`)).rows)
      .toEqual([{ rel: 'stamped', tgenabled: 'O' }]);
    await client.query(`update stamped set email = 'again@x.io', touched_by = null where id = 4`);
    expect((await client.query(`select touched_by from stamped where id = 4`)).rows).toEqual([{ touched_by: 'trigger' }]);
    expect(await call(`select tandem.cutover('stamped')`)).toBe('cut over');
    expect(await failures(client, 'stamped')).toEqual([]);
    expect(await call(`select tandem.contract('stamped')`)).toBe('contracted');
    await client.query(`update stamped set email = 'last@x.io', touched_by = null where id = 5`);
    expect((await client.query(`select touched_by from stamped_m where id = 5`)).rows).toEqual([{ touched_by: 'trigger' }]);
  });

  it('naming a column the modern table holds otherwise is refused (TD003) with the choice to make, warned of when the bridge is declared', async () => {
    const warnings: string[] = [];
    const listen = (notice: { severity?: string; message?: string }) => warnings.push(`${notice.severity}: ${notice.message}`);
    client.on('notice', listen);
    await renamed('audited', `
      create function public.name_upper() returns trigger language plpgsql as $$ begin new.full_name := upper(new.full_name); return new; end $$;
      create trigger name_upper before insert on public.audited for each row execute function public.name_upper();`);
    client.off('notice', listen);
    expect(warnings).toEqual(['WARNING: cutover would be refused by bridge audited.audited: trigger name_upper on public.audited']);
    const error = await sqlError(client, `select tandem.cutover('audited')`);
    expect(error.code).toBe('TD003');
    expect(error.message).toBe('cannot cut over migration "audited": trigger name_upper on public.audited cannot follow');
    expect(error.detail).toContain('names legacy columns that public.audited_m does not have under the same name and value (full_name;');
    expect(error.detail).toContain(`Fix: declare what to do in the bridge's options: {"triggers": {"name_upper": "carry"}}`);

    // Declared: left on the archive, where only sync writes fire it.
    await client.query(`select tandem.rollback('audited')`);
    await client.query(`select tandem.bridge(migration => 'audited', name => 'audited', legacy => 'audited', modern => 'audited_m', key => '{"id": "id"}',
       forward => $$\{"first_name": "split_part(full_name, ' ', 1)", "last_name": "substr(full_name, strpos(full_name, ' ') + 1)", "tenant": "tenant", "email": "email"}$$,
       backward => $$\{"full_name": "concat_ws(' ', first_name, last_name)", "tenant": "tenant", "email": "email"}$$,
       options => '{"triggers": {"name_upper": "leave"}}')`);
    await client.query(`select tandem.expand('audited')`);
    expect(await plan('audited')).toContainEqual(
      { kind: 'legacy trigger', object: 'name_upper on public.audited', cutover: 'kept', rollback: 'kept', contract: 'dropped' });
    expect(await call(`select tandem.cutover('audited')`)).toBe('cut over');
    expect((await client.query(`select count(*)::int as n from pg_trigger where tgrelid = 'audited_m'::regclass and tgname = 'name_upper'`)).rows[0].n).toBe(0);

    const unknown = await sqlError(client, `select tandem.bridge(migration => 'audited', name => 'other', legacy => 'audited', modern => 'audited_m',
      key => '{"id": "id"}', options => '{"triggers": {"no_such": "carry", "name_upper": "keep"}}')`);
    expect(unknown.code).toBe('TD003');
    expect(unknown.detail).toContain('option triggers is {"no_such": "carry", "name_upper": "keep"}.');
  });
});

describe('row-level security on the legacy table', () => {
  it('is carried to the modern table, so the application role sees one tenant through the view, as before (it saw every tenant)', async () => {
    await renamed('tenanted', `
      alter table public.tenanted enable row level security;
      create policy own_tenant on public.tenanted using (tenant = current_setting('app.tenant', true));
      grant select, insert, update, delete on public.tenanted to tandem_dependents_app;
      grant usage on sequence public.tenanted_id_seq to tandem_dependents_app;`);
    const app = await connectAs(db.url, 'tandem_dependents_app', 'app');
    try {
      await app.query(`set app.tenant = 'acme'`);
      const seen = async () => (await app.query('select distinct tenant from tenanted')).rows;
      expect(await seen()).toEqual([{ tenant: 'acme' }]);
      expect(await call(`select tandem.cutover('tenanted')`)).toBe('cut over');
      expect(await seen()).toEqual([{ tenant: 'acme' }]);
      expect((await app.query('select count(*)::int as n from tenanted_m')).rows[0].n).toBe(5);
      expect(await call(`select tandem.rollback('tenanted')`)).toBe('rolled back from cut_over to verified');
      expect((await client.query(`select relrowsecurity from pg_class where oid = 'tenanted_m'::regclass`)).rows[0].relrowsecurity).toBe(false);
      expect((await client.query(`select count(*)::int as n from pg_policy where polrelid = 'tenanted_m'::regclass`)).rows[0].n).toBe(0);
      expect(await seen()).toEqual([{ tenant: 'acme' }]);
      expect(await call(`select tandem.cutover('tenanted')`)).toBe('cut over');
      expect(await failures(client, 'tenanted')).toEqual([]);
      expect(await call(`select tandem.contract('tenanted')`)).toBe('contracted');
      expect(await seen()).toEqual([{ tenant: 'acme' }]);
    } finally {
      await app.end();
    }
  });

  it('is refused (TD003) where a policy reads a column the modern table holds otherwise, or the modern table has policies of its own', async () => {
    await renamed('scoped', `
      alter table public.scoped enable row level security;
      create policy by_name on public.scoped using (full_name like 'First1%');`);
    const error = await sqlError(client, `select tandem.cutover('scoped')`);
    expect(error.code).toBe('TD003');
    expect(error.message).toBe('cannot cut over migration "scoped": policy by_name on public.scoped cannot follow');
    expect(error.detail).toContain('filters public.scoped by full_name, which public.scoped_m does not have under the same name and value: after cutover it would filter nothing');

    await renamed('shared', `
      alter table public.shared enable row level security;
      create policy own_tenant on public.shared using (tenant = current_setting('app.tenant', true));
      alter table public.shared_m enable row level security;
      create policy everyone on public.shared_m using (true);`);
    const combined = await sqlError(client, `select tandem.cutover('shared')`);
    expect(combined.code).toBe('TD003');
    expect(combined.detail).toContain('and public.shared_m has policies of its own (everyone): a role would see what either allows');
    expect(await relkind('shared')).toBe('r');
  });
});

describe('INSERT … ON CONFLICT through the compatibility view', () => {
  it('works when the view is a plain rename, which PostgreSQL updates by itself', async () => {
    await client.query(`
      create table public.plain (id serial primary key, name text not null, email text);
      create table public.plain_m (plain_id int primary key, name text not null, email text);
      insert into plain (name, email) values ('a', 'a@x.io'), ('b', 'b@x.io');
      select tandem.create_migration('plain');
      select tandem.bridge(migration => 'plain', name => 'plain', legacy => 'plain', modern => 'plain_m',
        key => '{"plain_id": "id"}', forward => '{"name": "name", "email": "email"}', backward => '{"name": "name", "email": "email"}');
      select tandem.expand('plain');`);
    const [bridge] = (await client.query(`select cutover, reason from tandem.plan('plain') where kind = 'bridge'`)).rows;
    expect(bridge.cutover).toBe('rename');
    expect(bridge.reason).toContain('a plain view PostgreSQL updates by itself (its columns are modern columns renamed): INSERT … ON CONFLICT works through it');
    expect(await call(`select tandem.cutover('plain')`)).toBe('cut over');
    expect((await client.query(`select count(*)::int as n from pg_trigger where tgrelid = 'plain'::regclass`)).rows[0].n).toBe(0);
    const upserted = await client.query(`insert into plain (id, name) values (1, 'a2'), (3, 'c') on conflict (id) do update set name = excluded.name returning id, name`);
    expect(upserted.rows).toEqual([{ id: 1, name: 'a2' }, { id: 3, name: 'c' }]);
    expect((await client.query('select plain_id, name from plain_m order by plain_id')).rows)
      .toEqual([{ plain_id: 1, name: 'a2' }, { plain_id: 2, name: 'b' }, { plain_id: 3, name: 'c' }]);
    expect((await client.query('select id, name from plain__archive order by id')).rows).toEqual([{ id: 1, name: 'a2' }, { id: 2, name: 'b' }, { id: 3, name: 'c' }]);
    expect(await failures(client, 'plain')).toEqual([]);
    expect(await call(`select tandem.rollback('plain')`)).toBe('rolled back from cut_over to verified');
    expect(await call(`select tandem.cutover('plain')`)).toBe('cut over');
    expect(await failures(client, 'plain')).toEqual([]);
    expect(await call(`select tandem.contract('plain')`)).toBe('contracted');
    await client.query(`insert into plain (id, name) values (4, 'd') on conflict do nothing`);
    expect((await client.query(`select count(*)::int as n from plain_m`)).rows[0].n).toBe(4);
  });

  it('is named as unsupported by the plan when the view computes its columns', async () => {
    const [bridge] = (await client.query(`select reason from tandem.plan('scoped') where kind = 'bridge'`)).rows;
    expect(bridge.reason).toContain('written through INSTEAD OF triggers (its columns are computed): INSERT … ON CONFLICT does not work through it');
  });
});

describe('other dependents', () => {
  it('a publication of the legacy table is refused (TD003): subscribers would get the archive under its new name', async () => {
    await renamed('published', `create publication published_pub for table public.published;`);
    const error = await sqlError(client, `select tandem.cutover('published')`);
    expect(error.code).toBe('TD003');
    expect(error.detail).toContain('publishes public.published, which cutover renames to its archive');
    expect(error.detail).toContain('alter publication published_pub add table public.published_m');
    await client.query('drop publication published_pub');
    expect(await call(`select tandem.cutover('published')`)).toBe('cut over');
  });

  it('a column of another table of the legacy row type is refused (TD003)', async () => {
    await renamed('boxed', `create table public.boxes (id int, content public.boxed);`);
    const error = await sqlError(client, `select tandem.cutover('boxed')`);
    expect(error.code).toBe('TD003');
    expect(error.detail).toBe('other column content of table public.boxes (bridge boxed): depends on public.boxed (or its row type), and cutover cannot move it. '
      + 'Fix: drop it before cutover and create it again after, over the compatibility view or public.boxed_m.');
  });

  it('a split refuses contract while a view reads a column it drops, and plans it', async () => {
    await client.query(`
      create table public.wide (id int primary key, name text, phone text);
      create table public.phones (wide_id int primary key, phone text);
      insert into wide values (1, 'a', '555');
      create view public.wide_phones as select id, phone from public.wide;
      select tandem.create_migration('wide');
      select tandem.bridge(migration => 'wide', name => 'phones', legacy => 'wide', modern => 'phones',
        key => '{"wide_id": "id"}', forward => '{"phone": "phone"}', backward => '{"phone": "phone"}');
      select tandem.expand('wide');`);
    const rows = await plan('wide');
    expect(rows).toContainEqual({ kind: 'bridge', object: 'public.wide → public.phones', cutover: 'split', rollback: 'none', contract: 'drops the moved columns' });
    expect(rows).toContainEqual({ kind: 'column', object: 'public.wide.phone', cutover: 'kept', rollback: 'kept', contract: 'dropped' });
    expect(rows).toContainEqual({ kind: 'unmapped column', object: 'public.wide.name', cutover: 'kept', rollback: 'kept', contract: 'kept' });
    expect(rows).toContainEqual({ kind: 'legacy view', object: 'public.wide_phones', cutover: 'kept', rollback: 'kept', contract: 'refused' });
    expect(await call(`select tandem.cutover('wide')`)).toBe('cut over');
    await failures(client, 'wide');
    const error = await sqlError(client, `select tandem.contract('wide')`);
    expect(error.code).toBe('TD003');
    expect(error.message).toBe('cannot contract migration "wide": view public.wide_phones cannot follow');
    expect(error.detail).toBe('view public.wide_phones (bridge phones): depends on phone of public.wide, which contract drops. '
      + 'Fix: change it to read the modern table public.phones before contract.');
  });
});

describe('a foreign key of a partitioned table referencing the legacy table', () => {
  it('is moved when it can be added NOT VALID (PostgreSQL 18) or checked at once, and refused before 18 when its table is too large to check under the locks', async () => {
    await renamed('parted', `
      create table public.parted_event (id bigint, at date not null, parted_id int references public.parted (id)) partition by range (at);
      create table public.parted_event_all partition of public.parted_event for values from ('2000-01-01') to ('2100-01-01');
      insert into public.parted_event select g, '2024-01-01', 1 + g % 10 from generate_series(1, 100001) g;
      analyze public.parted_event_all;`);
    const [fk] = (await plan('parted')).filter((row) => row.kind === 'legacy foreign key (referencing it)');
    const newest = Number((await call('show server_version_num')) as string) >= 180000;
    expect(fk?.cutover).toBe(newest ? 'moved' : 'refused');
    if (newest) return;
    await client.query(`call tandem.backfill('parted')`);
    expect(await failures(client, 'parted')).toEqual([]);
    const refused = await sqlError(client, `select tandem.cutover('parted')`);
    expect(refused.code).toBe('TD003');
    expect(refused.detail).toContain('PostgreSQL before 18 cannot add NOT VALID');
    // Small enough to check under the locks: moved, and checked as it is added.
    await client.query(`delete from public.parted_event where id > 10`);
    expect((await plan('parted')).filter((row) => row.kind === 'legacy foreign key (referencing it)').map((row) => row.cutover)).toEqual(['moved']);
    expect(await call(`select tandem.cutover('parted')`)).toBe('cut over');
    expect((await client.query(`select confrelid::regclass::text as target, convalidated from pg_constraint where conrelid = 'public.parted_event'::regclass and contype = 'f'`)).rows)
      .toEqual([{ target: 'parted_m', convalidated: true }]);
  });
});

describe('a view that reads the legacy table with its owner’s rights', () => {
  it('keeps its readers’ rights and rows through cutover, rollback and contract (over the view it would refuse them, or filter them as themselves)', async () => {
    await renamed('ledger', `
      create view public.ledger_report as select id, tenant from public.ledger;
      grant select on public.ledger_report to tandem_dependents_app;
      alter table public.ledger enable row level security;
      create policy acme_only on public.ledger using (tenant = 'acme');`);
    const app = await connectAs(db.url, 'tandem_dependents_app', 'app');
    const seen = async () => (await app.query('select count(*)::int as n from public.ledger_report')).rows[0].n;
    try {
      expect(await seen()).toBe(10);
      expect((await plan('ledger')).filter((row) => row.object === 'public.ledger_report'))
        .toEqual([expect.objectContaining({ cutover: 'kept', rollback: 'kept', contract: 'redefined' })]);
      await client.query(`call tandem.backfill('ledger')`);
      expect(await failures(client, 'ledger')).toEqual([]);
      expect(await call(`select tandem.cutover('ledger')`)).toBe('cut over');
      expect(await seen()).toBe(10);
      await client.query(`insert into public.ledger (full_name, tenant) values ('New One', 'other')`);
      expect(await seen()).toBe(11);
      expect(await call(`select tandem.rollback('ledger')`)).toBe('rolled back from cut_over to verified');
      expect(await seen()).toBe(11);
      expect(await call(`select tandem.cutover('ledger')`)).toBe('cut over');
      expect(await failures(client, 'ledger')).toEqual([]);
      expect(await call(`select tandem.contract('ledger')`)).toBe('contracted');
      expect(await relkind('public.ledger__archive')).toBe('v');
      expect(await seen()).toBe(11);
      await client.query(`insert into public.ledger (full_name, tenant) values ('After Contract', 'other')`);
      expect(await seen()).toBe(12);
    } finally {
      await app.end();
    }
  });
});
