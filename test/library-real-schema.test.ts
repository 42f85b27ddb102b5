/*
 * A legacy table as a real application has it, with everything that depends on it, taken through
 * expand → backfill → verify → cutover → rollback → cutover → contract while writers on both sides
 * keep writing; every dependent is used after each step.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs, connectedDatabase, type ConnectedDatabase } from './support/database.js';
import { failures, phase, sqlError } from './support/sql.js';
import { startWriter, type Expected, type Writer } from './support/writers.js';

let db: ConnectedDatabase;
let admin: pg.Client;
let app: pg.Client;

beforeAll(async () => {
  db = await connectedDatabase();
  admin = db.client;
  await admin.query(`
    create table public.account (id bigint primary key, owner text not null, balance_cents bigint not null, note text);
    create table public.ledger_account (account_id bigint primary key, owner_name text not null, balance numeric(14, 2) not null, note text);
    insert into public.account select g, 'owner-' || g, g * 7, case when g between 10000 and 10004 then 'hidden' end from generate_series(1, 12000) g;
    -- a view, a materialized view with a unique index, a function returning the row type
    create view public.account_owners as select id, owner from public.account;
    create materialized view public.account_buckets as select id % 10 as bucket, count(*)::int as n from public.account group by 1;
    create unique index account_buckets_bucket on public.account_buckets (bucket);
    create function public.accounts_above(min_cents bigint) returns setof public.account language sql stable
      as $$ select * from public.account where balance_cents >= min_cents $$;
    -- an audit trigger naming only columns the modern table has under the same name
    create table public.account_audit (id bigserial primary key, note text, at timestamptz not null default now());
    create function public.audit_account() returns trigger language plpgsql as $$
      begin insert into public.account_audit (note) values (new.note); return null; end $$;
    create trigger audit_insert after insert on public.account for each row execute function public.audit_account();
    -- row-level security for the application role
    drop role if exists tandem_real_app;
    create role tandem_real_app login password 'app';
    grant usage on schema public to tandem_real_app;
    grant select on public.account, public.account_owners, public.account_buckets to tandem_real_app;
    grant execute on function public.accounts_above(bigint) to tandem_real_app;
    alter table public.account enable row level security;
    create policy not_hidden on public.account to tandem_real_app using (note is distinct from 'hidden');
    -- a partitioned table whose partitions refer to the accounts
    create table public.account_event (id bigint, account_id bigint not null references public.account (id), at date not null)
      partition by range (at);
    create table public.account_event_2024 partition of public.account_event for values from ('2024-01-01') to ('2025-01-01');
    create table public.account_event_2025 partition of public.account_event for values from ('2025-01-01') to ('2026-01-01');
    insert into public.account_event select g, 11000 + g, date '2024-06-01' + g * 30 from generate_series(1, 10) g;
    select tandem.create_migration('accounts');
    select tandem.bridge(migration => 'accounts', name => 'accounts', legacy => 'account', modern => 'ledger_account',
      key => '{"account_id": "id"}',
      forward => '{"owner_name": "owner", "balance": "balance_cents / 100.0", "note": "note"}',
      backward => '{"owner": "owner_name", "balance_cents": "(balance * 100)::bigint", "note": "note"}');
  `);
  app = await connectAs(db.url, 'tandem_real_app', 'app');
});
afterAll(async () => {
  await app?.end();
  await admin.query('drop owned by tandem_real_app; drop role tandem_real_app');
  await db.close();
});

/** Every dependent, used as the application uses it. */
async function exercise(step: string): Promise<void> {
  const one = async (client: pg.ClientBase, sql: string) => (await client.query(sql)).rows[0];
  expect(await one(admin, 'select owner from account_owners where id = 11001'), `${step}: the view`).toEqual({ owner: 'owner-11001' });
  // The view reads with its owner's rights: the app sees through it what its owner sees, row security aside.
  expect(await one(app, 'select count(*)::int as n from account_owners where id between 10000 and 10010'), `${step}: the view as the app`).toEqual({ n: 11 });
  await admin.query('refresh materialized view concurrently account_buckets');
  expect(await one(admin, `select count(*)::int as n from account_buckets`), `${step}: the materialized view's rows`).toEqual({ n: 10 });
  expect(await one(admin, `select (select count(*) from accounts_above(0)) = (select count(*) from account) as same`), `${step}: the function`)
    .toEqual({ same: true });
  expect(await one(app, `select count(*)::int as n from accounts_above(70000) where id between 10000 and 10004`), `${step}: the function as the app`).toEqual({ n: 0 });
  expect(await one(app, `select count(*)::int as n from account where id between 10000 and 10010`), `${step}: row-level security`).toEqual({ n: 6 });
  expect(await one(admin, `select count(*)::int as n from account_event e join account a on a.id = e.account_id`), `${step}: the partitions' rows`).toEqual({ n: 10 });
  const orphan = await sqlError(admin, `insert into account_event values (99, 999999999, '2025-02-01')`);
  expect(orphan.code, `${step}: the partitions' foreign key`).toBe('23503');
  const audited = Number((await one(admin, 'select count(*) as n from account_audit')).n);
  await admin.query(`insert into account (id, owner, balance_cents, note) values (${900000 + audited}, 'audited', 1, 'step ${step}')`);
  expect(await one(admin, `select count(*)::int as n from account_audit where note = 'step ${step}'`), `${step}: the trigger`).toEqual({ n: 1 });
  await admin.query(`delete from account where id = ${900000 + audited}`);
}

describe('a legacy table with views, a materialized view, a function of its row type, a trigger, row-level security and partitioned referencing tables', () => {
  it('goes through the lifecycle under concurrent writers, every dependent working after each step', async () => {
    const expected: Expected = new Map();
    let fresh = 1_000_000;
    const nextKey = () => fresh++;
    const keysFor = (residue: number) => Array.from({ length: 100 }, (_, i) => i * 4 + residue + 4);
    for (const residue of [0, 1, 2, 3]) {
      for (const id of keysFor(residue)) expected.set(id, { owner: `owner-${id}`, balance_cents: id * 7, note: null });
    }
    const writers: Writer[] = [startWriter(db.url, 'legacy', keysFor(0), nextKey, expected, 1), startWriter(db.url, 'legacy', keysFor(1), nextKey, expected, 2)];
    const pause = () => new Promise((resolve) => setTimeout(resolve, 200));
    try {
      const { rows: planned } = await admin.query(`select kind, object, cutover, rollback, contract from tandem.plan('accounts') where kind like 'legacy %' order by kind, object`);
      expect(planned).toEqual([
        { kind: 'legacy foreign key (referencing it)', object: 'account_event_account_id_fkey on public.account_event', cutover: 'moved', rollback: 'moved', contract: 'kept' },
        { kind: 'legacy function', object: 'public.accounts_above(bigint)', cutover: 'redefined', rollback: 'redefined', contract: 'kept' },
        { kind: 'legacy grant', object: 'tandem_real_app', cutover: 'carried over', rollback: 'kept', contract: 'kept' },
        { kind: 'legacy materialized view', object: 'public.account_buckets', cutover: 'redefined', rollback: 'redefined', contract: 'kept' },
        { kind: 'legacy policy', object: 'not_hidden on public.account', cutover: 'carried over', rollback: 'dropped', contract: 'kept' },
        { kind: 'legacy row security', object: 'public.account', cutover: 'carried over', rollback: 'dropped', contract: 'kept' },
        { kind: 'legacy trigger', object: 'audit_insert on public.account', cutover: 'carried over', rollback: 'dropped', contract: 'kept' },
        { kind: 'legacy view', object: 'public.account_owners', cutover: 'kept', rollback: 'kept', contract: 'redefined' },
      ]);
      await exercise('planned');
      expect(await admin.query(`select tandem.expand('accounts') as r`)).toMatchObject({ rows: [{ r: 'expanded' }] });
      writers.push(startWriter(db.url, 'modern', keysFor(2), nextKey, expected, 3), startWriter(db.url, 'modern', keysFor(3), nextKey, expected, 4));
      await exercise('expand');
      await admin.query(`call tandem.backfill('accounts', batch_size => 2000)`);
      await exercise('backfill');
      expect(await failures(admin, 'accounts')).toEqual([]);
      expect(await phase(admin, 'accounts')).toBe('verified');
      await exercise('verify');
      for (const [step, call, result] of [
        ['cutover', 'cutover', 'cut over'],
        ['rollback', 'rollback', 'rolled back from cut_over to verified'],
        ['cutover again', 'cutover', 'cut over'],
      ] as const) {
        expect(await admin.query(`select tandem.${call}('accounts') as r`), step).toMatchObject({ rows: [{ r: result }] });
        await pause();
        await exercise(step);
        expect(await failures(admin, 'accounts'), `verification after ${step}`).toEqual([]);
      }
      expect(await admin.query(`select tandem.contract('accounts') as r`)).toMatchObject({ rows: [{ r: 'contracted' }] });
      await exercise('contract');
    } finally {
      await Promise.all(writers.map((writer) => writer.stop()));
    }
    expect(writers.every((writer) => writer.committed() > 5)).toBe(true);
    // Every write the writers committed is there, read through the compatibility view and on the modern table.
    const keys = [...expected.keys()];
    const wanted = [...expected].filter(([, row]) => row !== null).map(([id, row]) => ({ id, ...row })).sort((a, b) => a.id - b.id);
    const { rows: view } = await admin.query('select id::int, owner, balance_cents::int, note from account where id = any($1) order by id', [keys]);
    const { rows: modern } = await admin.query(
      'select account_id::int as id, owner_name as owner, (balance * 100)::int as balance_cents, note from ledger_account where account_id = any($1) order by account_id', [keys]);
    expect(view).toEqual(wanted);
    expect(modern).toEqual(wanted);
    expect((await admin.query(`select relkind from pg_class where oid = 'account'::regclass`)).rows[0].relkind).toBe('v');
    // The archive's name is a view of the modern table now, with its owner's rights, which account_owners reads.
    expect((await admin.query(`select relkind from pg_class where oid = 'account__archive'::regclass`)).rows[0].relkind).toBe('v');
    expect((await admin.query(`select count(*)::int as n from pg_class where relname like 'account__archive%' and relkind = 'r'`)).rows[0].n).toBe(0);
  });
});
