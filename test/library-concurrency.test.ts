import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedDatabase, type ConnectedDatabase } from './support/database.js';
import { failures, phase } from './support/sql.js';
import { startWriter, type Expected, type Writer } from './support/writers.js';

const ROWS = 20_000;

let db: ConnectedDatabase;
let admin: pg.Client;

const schema = (legacy: string, modern: string, migration: string) => `
  create table public.${legacy} (id bigint primary key, owner text not null, balance_cents bigint not null, note text);
  create table public.${modern} (account_id bigint primary key, owner_name text not null, balance numeric(14, 2) not null, note text);
  insert into public.${legacy} select g, 'owner-' || g, g * 7, null from generate_series(1, ${ROWS}) g;
  select tandem.create_migration('${migration}');
  select tandem.bridge(migration => '${migration}', name => 'accounts', legacy => '${legacy}', modern => '${modern}',
    key => '{"account_id": "id"}',
    forward => '{"owner_name": "owner", "balance": "balance_cents / 100.0", "note": "note"}',
    backward => '{"owner": "owner_name", "balance_cents": "(balance * 100)::bigint", "note": "note"}');
`;

beforeAll(async () => {
  db = await connectedDatabase();
  admin = db.client;
});
afterAll(async () => {
  await db.close();
});

/** Every key the writers touched holds what their record says, on both sides. */
async function checkRecord(expected: Expected): Promise<void> {
  // After cutover the legacy rows are in the archive, and the view shows them computed from the modern side: check both.
  const legacyTable = (await admin.query(`select to_regclass('account__archive') is not null as archived`)).rows[0].archived ? 'account__archive' : 'account';
  const { rows: legacy } = await admin.query(`select id::int, owner, balance_cents::int, note from ${legacyTable} where id = any($1)`, [[...expected.keys()]]);
  const { rows: view } = await admin.query('select id::int, owner, balance_cents::int, note from account where id = any($1)', [[...expected.keys()]]);
  const { rows: modern } = await admin.query(
    'select account_id::int as id, owner_name as owner, (balance * 100)::int as balance_cents, note from ledger_account where account_id = any($1)',
    [[...expected.keys()]],
  );
  const wanted = [...expected].filter(([, row]) => row !== null).map(([id, row]) => ({ id, ...row }));
  const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
  expect(legacy.sort(byId)).toEqual(wanted.sort(byId));
  expect(view.sort(byId)).toEqual(wanted);
  expect(modern.sort(byId)).toEqual(wanted);
}

describe('concurrent writers on both sides, at every isolation level', () => {
  it('lose nothing through expand, backfill, verify, cutover and rollback: their record matches, and verification finds 0 differences', async () => {
    await admin.query(schema('account', 'ledger_account', 'accounts'));
    const expected: Expected = new Map();
    let fresh = 1_000_000;
    const nextKey = () => fresh++;
    // Each writer owns its own keys: legacy writers the ids ≡ 0, 1 (mod 4), modern writers ≡ 2, 3.
    const keysFor = (residue: number) => Array.from({ length: 200 }, (_, i) => i * 4 + residue + 4);
    for (const residue of [0, 1, 2, 3]) {
      for (const id of keysFor(residue)) expected.set(id, { owner: `owner-${id}`, balance_cents: id * 7, note: null });
    }
    const writers: Writer[] = [
      startWriter(db.url, 'legacy', keysFor(0), nextKey, expected, 1, 'read committed'),
      startWriter(db.url, 'legacy', keysFor(1), nextKey, expected, 2, 'repeatable read'),
    ];
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await admin.query(`select tandem.expand('accounts') as r`)).toMatchObject({ rows: [{ r: 'expanded' }] });
      // The modern side is written only once sync runs.
      writers.push(startWriter(db.url, 'modern', keysFor(2), nextKey, expected, 3, 'serializable'));
      writers.push(startWriter(db.url, 'modern', keysFor(3), nextKey, expected, 4, 'repeatable read'));

      const backfiller = new pg.Client({ connectionString: db.url });
      await backfiller.connect();
      await backfiller.query(`call tandem.backfill('accounts', batch_size => 500)`);
      await backfiller.end();
      expect(await phase(admin, 'accounts')).toBe('backfilled');

      // Verified while the writers go on: each of their transactions changed both sides or neither.
      expect(await failures(admin, 'accounts')).toEqual([]);
      expect(await phase(admin, 'accounts')).toBe('verified');
      expect(await admin.query(`select tandem.rollback('accounts') as r`)).toMatchObject({ rows: [{ r: 'rolled back from verified to backfilled' }] });
      expect(await failures(admin, 'accounts')).toEqual([]);

      // Cutover while they write: the legacy writers now write through the compatibility view.
      expect(await admin.query(`select tandem.cutover('accounts') as r`)).toMatchObject({ rows: [{ r: 'cut over' }] });
      expect((await admin.query(`select relkind from pg_class where oid = 'account'::regclass`)).rows[0].relkind).toBe('v');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await failures(admin, 'accounts')).toEqual([]);
      // Rollback: the table is back under its name, with every write made through the view.
      expect(await admin.query(`select tandem.rollback('accounts') as r`)).toMatchObject({ rows: [{ r: 'rolled back from cut_over to verified' }] });
      expect((await admin.query(`select relkind from pg_class where oid = 'account'::regclass`)).rows[0].relkind).toBe('r');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await failures(admin, 'accounts')).toEqual([]);
      expect(await admin.query(`select tandem.cutover('accounts') as r`)).toMatchObject({ rows: [{ r: 'cut over' }] });
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await Promise.all(writers.map((writer) => writer.stop()));
    }
    console.log(`writers committed: ${writers.map((writer) => writer.committed()).join(', ')}; cancelled by PostgreSQL: ${writers.map((writer) => writer.retried()).join(', ')}`);
    expect(writers.every((writer) => writer.committed() > 20)).toBe(true);
    await checkRecord(expected);
    expect(await failures(admin, 'accounts')).toEqual([]);
    const { rows } = await admin.query('select (select count(*) from account)::int as legacy, (select count(*) from ledger_account)::int as modern');
    expect(rows[0].legacy).toBe(rows[0].modern);
  });
});

describe('a backfill killed mid-run', () => {
  it('resumes from its cursor and ends with the same result as an uninterrupted one', async () => {
    await admin.query(schema('account_a', 'ledger_a', 'killed'));
    await admin.query(schema('account_b', 'ledger_b', 'uninterrupted'));
    await admin.query(`select tandem.expand('killed'), tandem.expand('uninterrupted')`);

    const victim = new pg.Client({ connectionString: db.url });
    await victim.connect();
    victim.on('error', () => {}); // its backend is about to be terminated
    const pid = (await victim.query('select pg_backend_pid() as pid')).rows[0].pid;
    const running = victim.query(`call tandem.backfill('killed', batch_size => 200, pause => '5 ms')`).catch((error: Error) => error);
    // Wait until some batches are committed, then kill the backend running it.
    for (;;) {
      const { rows } = await admin.query(
        `select s.rows_done from tandem.backfill_state s join tandem.bridge b on b.id = s.bridge_id where b.migration = 'killed'`,
      );
      if ((rows[0]?.rows_done ?? 0) >= 2_000) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await admin.query('select pg_terminate_backend($1)', [pid]);
    const outcome = await running;
    expect(outcome).toBeInstanceOf(Error);
    const { rows: stopped } = await admin.query(
      `select s.rows_done::int, s.cursor, s.finished_at from tandem.backfill_state s join tandem.bridge b on b.id = s.bridge_id where b.migration = 'killed'`,
    );
    expect(stopped[0].finished_at).toBeNull();
    expect(stopped[0].rows_done).toBeLessThan(ROWS);
    expect(stopped[0].cursor).toEqual([stopped[0].rows_done]); // ids are 1…n: the cursor is the last id copied
    expect((await admin.query('select count(*)::int as n from ledger_a')).rows[0].n).toBe(stopped[0].rows_done);

    await admin.query(`call tandem.backfill('killed', batch_size => 200)`);
    await admin.query(`call tandem.backfill('uninterrupted', batch_size => 200)`);
    const difference = await admin.query(`
      (select * from ledger_a except select * from ledger_b) union all (select * from ledger_b except select * from ledger_a)`);
    expect(difference.rows).toEqual([]);
    expect((await admin.query('select count(*)::int as n from ledger_a')).rows[0].n).toBe(ROWS);
    expect(await failures(admin, 'killed')).toEqual([]);
  });
});

describe('backfill rejects and dry run', () => {
  it('keeps rows whose mapping fails in tandem.reject and goes on; a dry run writes nothing', async () => {
    await admin.query(`
      create table public.raw_price (sku text primary key, amount text not null);
      create table public.price (sku text primary key, amount numeric(10, 2) not null);
      insert into raw_price select 'sku-' || lpad(g::text, 4, '0'), case when g % 100 = 0 then 'n/a' else (g / 4.0)::text end
        from generate_series(1, 1000) g;
      select tandem.create_migration('prices');
      select tandem.bridge(migration => 'prices', name => 'price', legacy => 'raw_price', modern => 'price',
        key => '{"sku": "sku"}', forward => '{"amount": "amount::numeric"}', backward => '{"amount": "amount::text"}',
        options => '{"on_error": "reject"}');
      select tandem.expand('prices');
    `);
    const dry = await admin.query(`select * from tandem.backfill_dry_run('prices', 64)`);
    expect(dry.rows).toEqual([{ bridge: 'price', rows_scanned: '1000', rows_to_write: '990', rows_rejected: '10' }]);
    expect((await admin.query('select count(*)::int as n from price')).rows[0].n).toBe(0);
    expect((await admin.query('select count(*)::int as n from tandem.reject')).rows[0].n).toBe(0);

    await admin.query(`call tandem.backfill('prices', batch_size => 64)`);
    expect((await admin.query('select count(*)::int as n from price')).rows[0].n).toBe(990);
    const { rows: rejects } = await admin.query(`select key, sqlstate, error from tandem.reject where direction = 'backfill' order by id`);
    expect(rejects).toHaveLength(10);
    expect(rejects[0]).toEqual({ key: { sku: 'sku-0100' }, sqlstate: '22P02', error: 'invalid input syntax for type numeric: "n/a"' });
    const { rows: state } = await admin.query(`
      select s.rows_done::int, s.rows_rejected::int, s.finished_at is not null as finished
      from tandem.backfill_state s join tandem.bridge b on b.id = s.bridge_id where b.migration = 'prices'`);
    expect(state).toEqual([{ rows_done: 1000, rows_rejected: 10, finished: true }]);
  });
});
