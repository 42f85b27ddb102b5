import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs, connectedDatabase, type ConnectedDatabase } from './support/database.js';
import { backfill, failures, phase, rows, sqlError } from './support/sql.js';

let db: ConnectedDatabase;
let client: pg.Client;
let app: pg.Client;

const relkind = async (name: string) => (await client.query('select relkind from pg_class where oid = to_regclass($1)', [name])).rows[0]?.relkind;
const call = async (sql: string) => Object.values((await client.query(sql)).rows[0] ?? {})[0];
const foreignKeys = async (like = '%_customer_id_fkey') =>
  (await client.query(`select conname as name, confrelid::regclass::text as target, convalidated from pg_constraint
                       where contype = 'f' and conname like $1 order by conname`, [like])).rows;

beforeAll(async () => {
  db = await connectedDatabase();
  client = db.client;
  await client.query(`
    create table public.customer (id serial primary key, full_name text not null, email text, tenant text not null default 'acme');
    create table public.client (client_id int primary key, first_name text not null, last_name text, email text,
                                tenant text not null, created_at timestamptz not null default now());
    create table public.orders (id serial primary key, customer_id int not null references public.customer (id) on delete cascade, total int);
    -- A foreign key added NOT VALID and never validated: it must stay as it was.
    create table public.referrals (id serial primary key, customer_id int);
    create view public.customer_emails as select id, email from public.customer where email is not null;
    insert into customer (full_name, email, tenant) select 'First' || g || ' Last' || g, 'u' || g || '@x.io', case when g % 2 = 0 then 'acme' else 'other' end
      from generate_series(1, 20) g;
    insert into orders (customer_id, total) values (1, 10), (2, 20), (3, 30);
    insert into referrals (customer_id) values (1), (999);
    alter table referrals add constraint referrals_customer_id_fkey foreign key (customer_id) references customer (id) not valid;
    drop role if exists tandem_cutover_app;
    create role tandem_cutover_app login password 'app';
    grant usage on schema public to tandem_cutover_app;
    grant select, insert, update, delete on customer to tandem_cutover_app;
    grant select on customer_emails to tandem_cutover_app;
    grant usage on sequence customer_id_seq to tandem_cutover_app;
    -- Row-level security on the modern table: the application sees one tenant.
    alter table public.client enable row level security;
    create policy tenant_only on public.client using (tenant = 'acme');
    select tandem.create_migration('clients');
    select tandem.bridge(migration => 'clients', name => 'client', legacy => 'customer', modern => 'client',
      key => '{"client_id": "id"}',
      forward => $$\{"first_name": "split_part(full_name, ' ', 1)", "last_name": "nullif(split_part(full_name, ' ', 2), '')",
                    "email": "email", "tenant": "tenant"}$$,
      backward => $$\{"full_name": "concat_ws(' ', first_name, last_name)", "email": "email", "tenant": "tenant"}$$);
    select tandem.expand('clients');
  `);
  app = await connectAs(db.url, 'tandem_cutover_app', 'app');
});
afterAll(async () => {
  await app.end();
  await client.query('drop owned by tandem_cutover_app; drop role tandem_cutover_app');
  await db.close();
});

describe('cutover of a renamed table', () => {
  it('is refused while the latest verification fails, naming the failing checks', async () => {
    await backfill(client, 'clients');
    await client.query('begin');
    await client.query(`select set_config('tandem.guard_' || id, 'on', true) from tandem.bridge where migration = 'clients'`);
    await client.query(`update client set email = 'drifted@x.io' where client_id = 4`);
    await client.query('commit');
    const error = await sqlError(client, `select tandem.cutover('clients')`);
    expect(error.code).toBe('TD005');
    expect(error.message).toBe('cannot cut over migration "clients": its latest verification did not pass');
    expect(error.detail).toBe('client column:email: 1 mismatches\nclient legacy_column:email: 1 mismatches');
    await client.query(`update customer set email = 'u4@x.io' where id = 4`); // the sync repairs the twin
    expect(await relkind('customer')).toBe('r');
  });

  it('puts an updatable compatibility view in the legacy table’s place, the table kept as a synced archive', async () => {
    expect(await call(`select tandem.cutover('clients')`)).toBe('cut over');
    expect(await phase(client, 'clients')).toBe('cut_over');
    expect(await relkind('customer')).toBe('v');
    expect(await relkind('customer__archive')).toBe('r');
    expect((await client.query(`select reloptions from pg_class where oid = 'customer'::regclass`)).rows[0].reloptions).toEqual(['security_invoker=true']);

    // Legacy code keeps working: insert relying on the sequence default, RETURNING, update, delete.
    const inserted = await app.query(`insert into customer (full_name, email) values ('Via View', 'v@x.io') returning *`);
    expect(inserted.rows).toEqual([{ id: 21, full_name: 'Via View', email: 'v@x.io', tenant: 'acme' }]);
    const updated = await app.query(`update customer set full_name = 'Ann Lee' where id = 2 returning full_name`);
    expect(updated.rows).toEqual([{ full_name: 'Ann Lee' }]);
    await app.query(`delete from customer where id = 6`);
    expect((await client.query('select first_name, last_name from client where client_id in (2, 6, 21) order by client_id')).rows)
      .toEqual([{ first_name: 'Ann', last_name: 'Lee' }, { first_name: 'Via', last_name: 'View' }]);
    // …and every one of those writes reached the archive too.
    expect((await client.query('select id, full_name from customer__archive where id in (2, 6, 21) order by id')).rows)
      .toEqual([{ id: 2, full_name: 'Ann Lee' }, { id: 21, full_name: 'Via View' }]);
    expect(await failures(client, 'clients')).toEqual([]);
  });

  it('applies row-level security through the view (security_invoker), with the legacy grants carried over', async () => {
    const { rows: seen } = await app.query('select distinct tenant from customer');
    expect(seen).toEqual([{ tenant: 'acme' }]);
    expect((await client.query(`select count(*)::int as n from customer`)).rows[0].n).toBe(20); // the owner bypasses RLS
  });

  it('moves dependent views and foreign keys to the new side', async () => {
    // A view with its owner's rights keeps reading the table, the archive now (kept in sync): its readers keep their rights.
    const view = await client.query(`select pg_get_viewdef('customer_emails'::regclass) as def`);
    expect(view.rows[0].def).toContain('FROM customer__archive');
    expect((await app.query('select id, email from customer_emails where id = 21')).rows).toEqual([{ id: 21, email: 'v@x.io' }]);
    // Validated on the modern table as it was on the legacy one (the table is small: in the same call);
    // one that was NOT VALID stays so.
    expect(await foreignKeys()).toEqual([
      { name: 'orders_customer_id_fkey', target: 'client', convalidated: true },
      { name: 'referrals_customer_id_fkey', target: 'client', convalidated: false },
    ]);
    expect((await client.query('select count(*)::int as n from orders')).rows[0].n).toBe(3);
    const orphan = await sqlError(client, `insert into orders (customer_id, total) values (999, 1)`);
    expect(orphan.code).toBe('23503');
    expect(orphan.message).toBe('insert or update on table "orders" violates foreign key constraint "orders_customer_id_fkey"');
  });

  it('rolls back to the table, keeping every write made through the view, and cuts over again', async () => {
    expect(await call(`select tandem.rollback('clients')`)).toBe('rolled back from cut_over to verified');
    expect(await relkind('customer')).toBe('r');
    expect(await relkind('customer__archive')).toBeUndefined();
    expect((await client.query('select id, full_name from customer where id in (2, 6, 21) order by id')).rows)
      .toEqual([{ id: 2, full_name: 'Ann Lee' }, { id: 21, full_name: 'Via View' }]);
    // Foreign keys as they were before cutover: validated where they were validated.
    expect(await foreignKeys()).toEqual([
      { name: 'orders_customer_id_fkey', target: 'customer', convalidated: true },
      { name: 'referrals_customer_id_fkey', target: 'customer', convalidated: false },
    ]);
    expect((await client.query('select count(*)::int as n from orders')).rows[0].n).toBe(3);
    expect((await client.query(`select pg_get_viewdef('customer_emails'::regclass) as def`)).rows[0].def).toContain('FROM customer');
    expect((await client.query(`select has_table_privilege('tandem_cutover_app', 'client', 'select') as granted`)).rows[0].granted).toBe(false);
    await app.query(`insert into customer (full_name) values ('Back Again')`);
    expect(await failures(client, 'clients')).toEqual([]);

    expect(await call(`select tandem.cutover('clients')`)).toBe('cut over');
    expect(await relkind('customer')).toBe('v');
    expect((await app.query(`select full_name from customer where full_name = 'Back Again'`)).rows).toHaveLength(1);
  });

  it('contract is refused until a verification after cutover passed, then drops the archive and keeps the view', async () => {
    const early = await sqlError(client, `select tandem.contract('clients')`);
    expect(early.code).toBe('TD005');
    expect(early.message).toBe('cannot contract migration "clients": no passing verification since cutover');
    expect(early.hint).toBe(`Verify it now: select * from tandem.verify_migration('clients'); then contract.`);

    expect(await failures(client, 'clients')).toEqual([]);
    expect(await call(`select tandem.contract('clients')`)).toBe('contracted');
    // The archive's name is a view of the modern table with its owner's rights, which customer_emails reads now.
    expect(await relkind('customer__archive')).toBe('v');
    expect((await client.query(`select pg_get_viewdef('customer_emails'::regclass) as def`)).rows[0].def).toContain('FROM customer__archive');
    expect((await app.query('select count(*)::int as n from customer_emails')).rows[0].n).toBeGreaterThan(0);
    expect((await client.query(`select count(*)::int as n from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                                where n.nspname = 'tandem_sync' and p.proname like 'clients\\_\\_%'`)).rows[0].n).toBe(0);
    // Legacy code still runs against the view, and its sequence survived the archive.
    const after = await app.query(`insert into customer (full_name) values ('After Contract') returning id`);
    expect(after.rows[0].id).toBeGreaterThan(21);
    const rollback = await sqlError(client, `select tandem.rollback('clients')`);
    expect(rollback.code).toBe('TD002');
    expect(rollback.message).toBe('cannot roll back migration "clients": it is contracted');
  });
});

describe('cutover of a split, and contract dropping the moved columns', () => {
  it('keeps the legacy table, keeps syncing, and contract drops the moved columns (with a restore copy)', async () => {
    await client.query(`
      create table public.member (id int primary key, name text not null, gift_code text, gift_balance int);
      create table public.gift (member_id int primary key, code text not null, balance int);
      insert into member values (1, 'A', 'G1', 5), (2, 'B', null, null), (3, 'C', 'G3', 7);
      select tandem.create_migration('gifts');
      select tandem.bridge(migration => 'gifts', name => 'gift', legacy => 'member', modern => 'gift',
        key => '{"member_id": "id"}', forward => '{"code": "gift_code", "balance": "gift_balance"}',
        backward => '{"gift_code": "code", "gift_balance": "balance"}', filter => 'gift_code is not null',
        options => '{"on_modern_delete": "nullify"}');
      select tandem.expand('gifts');
    `);
    // Small tables: cutover backfills and verifies inline.
    expect(await call(`select tandem.cutover('gifts')`)).toBe('cut over');
    expect(await relkind('member')).toBe('r');
    await client.query(`update gift set balance = 9 where member_id = 3`);
    expect((await client.query('select gift_balance from member where id = 3')).rows[0].gift_balance).toBe(9);
    expect(await failures(client, 'gifts')).toEqual([]);
    expect(await call(`select tandem.contract('gifts', keep_restore_copy => true)`)).toBe('contracted');
    expect((await client.query(`select attname from pg_attribute where attrelid = 'member'::regclass and attnum > 0 and not attisdropped order by attnum`)).rows.map((r) => r.attname))
      .toEqual(['id', 'name']);
    expect(await rows(client, 'member__restore_gifts', 'id')).toEqual([
      { id: 1, gift_code: 'G1', gift_balance: 5 }, { id: 2, gift_code: null, gift_balance: null }, { id: 3, gift_code: 'G3', gift_balance: 9 },
    ]);
  });

  it('a large migration is not backfilled inside the cutover transaction: the error names the commands', async () => {
    await client.query(`
      create table public.big_legacy (id int primary key, v int);
      create table public.big_modern (id int primary key, v int);
      insert into big_legacy select g, g from generate_series(1, 2000) g;
      select tandem.create_migration('big');
      select tandem.bridge(migration => 'big', name => 'rows', legacy => 'big_legacy', modern => 'big_modern',
        key => '{"id": "id"}', forward => '{"v": "v"}', backward => '{"v": "v"}');
      select tandem.expand('big');
    `);
    const error = await sqlError(client, `select tandem.cutover('big', inline_limit => 1000)`);
    expect(error.code).toBe('TD006');
    expect(error.message).toBe('cannot cut over migration "big": it is expanded, and its legacy tables hold about 2000 rows');
    expect(error.hint).toBe(
      `Backfill and verify it first, outside a migration: npx tandem backfill big && npx tandem verify big (or CALL tandem.backfill('big'); SELECT * FROM tandem.verify_migration('big');).`,
    );
    expect(await phase(client, 'big')).toBe('expanded');
  });
});

describe('a moved foreign key too large to validate under the transition’s locks', () => {
  const notices: string[] = [];
  const onNotice = (notice: { message?: string }) => notices.push(notice.message ?? '');

  beforeAll(async () => {
    await client.query(`
      create table public.shelf (id int primary key, label text);
      create table public.rack (rack_id int primary key, label text);
      create table public.item (id int primary key, shelf_id int not null references public.shelf (id));
      insert into shelf select g, 'shelf ' || g from generate_series(1, 30) g;
      insert into item select g, 1 + g % 30 from generate_series(1, 100) g;
      select tandem.create_migration('racks');
      select tandem.bridge(migration => 'racks', name => 'rack', legacy => 'shelf', modern => 'rack',
        key => '{"rack_id": "id"}', forward => '{"label": "label"}', backward => '{"label": "label"}');
      select tandem.expand('racks');
    `);
    await backfill(client, 'racks');
    expect(await failures(client, 'racks')).toEqual([]);
    client.on('notice', onNotice);
  });
  afterAll(() => {
    client.off('notice', onNotice);
  });

  it('is left NOT VALID by cutover, recorded, and validated by validate_foreign_keys in a transaction of its own', async () => {
    // inline_limit 0: every table counts as too large to scan under the cutover's locks.
    // Not in the transaction that moved it, whose locks the scan would hold.
    await client.query('begin');
    try {
      expect(await call(`select tandem.cutover('racks', inline_limit => 0)`)).toBe('cut over');
      expect(notices).toContain(`foreign key item_shelf_id_fkey on public.item is NOT VALID until tandem.validate_foreign_keys('racks') validates it`);
      const same = await sqlError(client, `select tandem.validate_foreign_keys('racks')`);
      expect(same.code).toBe('TD006');
      expect(same.message).toBe(
        'cannot validate foreign key item_shelf_id_fkey on public.item in this transaction: it holds AccessExclusiveLock on public.rack, AccessExclusiveLock on public.item',
      );
      expect(same.hint).toBe(`Commit first (the transition that moved it), then call it in a transaction of its own: select tandem.validate_foreign_keys('racks');`);
    } finally {
      await client.query('rollback');
    }

    expect(await call(`select tandem.cutover('racks', inline_limit => 0)`)).toBe('cut over');
    expect(await foreignKeys('item_%')).toEqual([{ name: 'item_shelf_id_fkey', target: 'rack', convalidated: false }]);
    expect(await call(`select next_step from tandem.status('racks')`)).toBe(
      `select tandem.validate_foreign_keys('racks') in a transaction of its own, then select * from tandem.verify_migration('racks'), then select tandem.contract('racks')`,
    );
    expect(await call(`select tandem.validate_foreign_keys('racks')`)).toBe('validated public.item.item_shelf_id_fkey');
    expect(await foreignKeys('item_%')).toEqual([{ name: 'item_shelf_id_fkey', target: 'rack', convalidated: true }]);
    expect(await call(`select tandem.validate_foreign_keys('racks')`)).toBe('nothing to validate');
    expect(await call(`select next_step from tandem.status('racks')`)).toBe(`select * from tandem.verify_migration('racks'), then select tandem.contract('racks')`);
  });

  it('is validated by a rollback when it is still waiting for validation, as it was before cutover', async () => {
    expect(await call(`select tandem.rollback('racks')`)).toBe('rolled back from cut_over to verified');
    expect(await call(`select tandem.cutover('racks', inline_limit => 0)`)).toBe('cut over');
    expect(await foreignKeys('item_%')).toEqual([{ name: 'item_shelf_id_fkey', target: 'rack', convalidated: false }]);
    expect(await call(`select tandem.rollback('racks')`)).toBe('rolled back from cut_over to verified');
    expect(await foreignKeys('item_%')).toEqual([{ name: 'item_shelf_id_fkey', target: 'shelf', convalidated: true }]);
    expect(await call(`select count(*)::int from tandem.unvalidated_foreign_key where migration = 'racks'`)).toBe(0);
    expect((await client.query('select count(*)::int as n from item')).rows[0].n).toBe(100);
  });
});
