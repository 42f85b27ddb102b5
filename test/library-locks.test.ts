/*
 * Cutover, rollback and contract behind a long transaction: each try for their locks queues every
 * other query on the table behind it, so no try may wait longer than tandem.lock_timeout (100ms by
 * default); they try again with backoff until tandem.lock_patience, then fail with TD004 having changed
 * nothing. A writer measures its longest wait meanwhile. The bound asserted is the one that matters
 * on a shared, noisy machine: a stall of about one lock_timeout (0.1 s), not of seconds.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedDatabase, type ConnectedDatabase } from './support/database.js';
import { backfill, failures, phase, sqlError, type PgError } from './support/sql.js';

const LOCK_TIMEOUT_MS = 100;
/** Five lock timeouts: a writer that waited longer queued behind more than one try. */
const LONGEST_ACCEPTABLE_WAIT_MS = 5 * LOCK_TIMEOUT_MS;

let db: ConnectedDatabase;
let admin: pg.Client;

const relkind = async (name: string) => (await admin.query('select relkind from pg_class where oid = to_regclass($1)', [name])).rows[0]?.relkind;

beforeAll(async () => {
  db = await connectedDatabase();
  admin = db.client;
  await admin.query(`
    create table public.account (id int primary key, owner text not null, balance int not null);
    create table public.ledger (account_id int primary key, owner_name text not null, balance int not null);
    create table public.payment (id int primary key, account_id int not null references public.account (id), amount int);
    insert into account select g, 'owner-' || g, g from generate_series(1, 200) g;
    insert into payment select g, g, g from generate_series(1, 50) g;
    select tandem.create_migration('ledger');
    select tandem.bridge(migration => 'ledger', name => 'ledger', legacy => 'account', modern => 'ledger',
      key => '{"account_id": "id"}', forward => '{"owner_name": "owner", "balance": "balance"}',
      backward => '{"owner": "owner_name", "balance": "balance"}');
    select tandem.expand('ledger');
  `);
  await backfill(admin, 'ledger');
  expect(await failures(admin, 'ledger')).toEqual([]);
});
afterAll(async () => {
  await db.close();
});

/** A session that holds a lock on `table` (ACCESS SHARE, as a long report would) until released. */
async function holdLock(table: string): Promise<{ release(): Promise<void> }> {
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  await holder.query('begin');
  await holder.query(`select count(*) from ${table}`);
  return {
    release: async () => {
      await holder.query('commit');
      await holder.end();
    },
  };
}

/** An application writing `table` as fast as it can, one autocommitted update at a time, timing each. */
function startWriter(table: string): { stop(): Promise<{ writes: number; longestMs: number }> } {
  let running = true;
  const done = (async () => {
    const writer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    let writes = 0;
    let longestMs = 0;
    try {
      while (running) {
        const id = 1 + (writes % 200);
        const started = performance.now();
        await writer.query(`update ${table} set balance = balance + 1 where id = $1`, [id]);
        longestMs = Math.max(longestMs, performance.now() - started);
        writes++;
      }
    } finally {
      await writer.end();
    }
    return { writes, longestMs };
  })();
  return {
    stop: async () => {
      running = false;
      return done;
    },
  };
}

/**
 * Runs `sql` while another session holds a lock on `table` and an application writes the legacy name
 * (the table, or after cutover the compatibility view); returns what happened.
 */
async function whileLocked(table: string, sql: string, releaseAfterMs?: number) {
  const holder = await holdLock(table);
  const writer = startWriter('account');
  await new Promise((resolve) => setTimeout(resolve, 200));
  const started = performance.now();
  const releasing = releaseAfterMs === undefined ? undefined : new Promise((resolve) => setTimeout(resolve, releaseAfterMs)).then(() => holder.release());
  let error: PgError | undefined;
  let result: unknown;
  try {
    result = Object.values((await admin.query(sql)).rows[0] ?? {})[0];
  } catch (caught) {
    error = caught as PgError;
  }
  const seconds = (performance.now() - started) / 1000;
  await (releasing ?? holder.release());
  const written = await writer.stop();
  console.log(`${sql} with ${table} locked${releaseAfterMs === undefined ? '' : ` for ${releaseAfterMs} ms`}: ${error ? error.code : 'done'} after ${seconds.toFixed(1)} s; ` +
    `the writer's longest wait ${written.longestMs.toFixed(0)} ms over ${written.writes} writes`);
  return { error, result, seconds, ...written };
}

describe('transitions behind a long transaction', () => {
  it('cutover waits for the lock without stalling writers, then fails with TD004 and changes nothing', async () => {
    await admin.query(`set tandem.lock_patience = '1.5s'`);
    const run = await whileLocked('account', `select tandem.cutover('ledger')`);
    await admin.query('reset tandem.lock_patience');
    // The writer went on, never queued behind a try for much longer than one lock_timeout.
    expect(run.writes).toBeGreaterThan(10);
    expect(run.longestMs, `the writer's longest wait, in ms, over ${run.writes} writes`).toBeLessThan(LONGEST_ACCEPTABLE_WAIT_MS);
    expect(run.error?.code).toBe('TD004');
    expect(run.error?.message).toBe('could not lock public.account, public.ledger, public.payment in time');
    expect(run.error?.detail).toMatch(
      /^\d+ tr(y|ies) in \d+\.\d s, none waiting longer than tandem\.lock_timeout \(0\.1 s\), until tandem\.lock_patience \(1\.5 s\) ran out\. Held by .*pid \d+ \(AccessShareLock on public\.account\).*\.$/,
    );
    expect(run.error?.hint).toBe(
      `A long transaction holds a lock on it (see pg_stat_activity for those pids); let it finish, then call again, or allow more time: set tandem.lock_patience = '2min'. Nothing was changed.`,
    );
    expect(run.seconds).toBeGreaterThan(1.4);
    expect(run.seconds).toBeLessThan(10);
    // Nothing changed.
    expect(await phase(admin, 'ledger')).toBe('verified');
    expect(await relkind('account')).toBe('r');
    expect(await relkind('account__archive')).toBeUndefined();
  });

  it('cutover succeeds once the long transactions end, one after the other, the writer never stalled meanwhile', async () => {
    // A second one takes the lock before the first lets go, and holds it a while longer.
    const second = new Promise<{ release(): Promise<void> }>((resolve) => setTimeout(() => resolve(holdLock('account')), 500))
      .then((holder) => new Promise((resolve) => setTimeout(resolve, 1300)).then(() => holder.release()));
    const run = await whileLocked('account', `select tandem.cutover('ledger')`, 1000);
    await second;
    expect(run.error).toBeUndefined();
    expect(run.result).toBe('cut over');
    expect(run.seconds).toBeGreaterThan(1.3);
    expect(run.longestMs, `the writer's longest wait, in ms, over ${run.writes} writes`).toBeLessThan(LONGEST_ACCEPTABLE_WAIT_MS);
    expect(await relkind('account')).toBe('v');
    expect(await failures(admin, 'ledger')).toEqual([]);
  });

  it('rollback behaves the same: TD004 with nothing changed while the lock never comes, done once it does', async () => {
    await admin.query(`set tandem.lock_patience = '1s'`);
    const refused = await whileLocked('ledger', `select tandem.rollback('ledger')`);
    await admin.query('reset tandem.lock_patience');
    expect(refused.error?.code).toBe('TD004');
    expect(refused.error?.message).toBe('could not lock public.account__archive, public.ledger, public.payment, public.account in time');
    expect(refused.longestMs, `the writer's longest wait, in ms, over ${refused.writes} writes`).toBeLessThan(LONGEST_ACCEPTABLE_WAIT_MS);
    expect(await phase(admin, 'ledger')).toBe('cut_over');
    expect(await relkind('account')).toBe('v');

    const run = await whileLocked('ledger', `select tandem.rollback('ledger')`, 600);
    expect(run.result).toBe('rolled back from cut_over to verified');
    expect(run.longestMs, `the writer's longest wait, in ms, over ${run.writes} writes`).toBeLessThan(LONGEST_ACCEPTABLE_WAIT_MS);
    expect(await relkind('account')).toBe('r');
  });

  it('contract behaves the same', async () => {
    expect(await Object.values((await admin.query(`select tandem.cutover('ledger')`)).rows[0])[0]).toBe('cut over');
    expect(await failures(admin, 'ledger')).toEqual([]);
    await admin.query(`set tandem.lock_patience = '1s'`);
    const refused = await whileLocked('ledger', `select tandem.contract('ledger')`);
    await admin.query('reset tandem.lock_patience');
    expect(refused.error?.code).toBe('TD004');
    expect(refused.longestMs, `the writer's longest wait, in ms, over ${refused.writes} writes`).toBeLessThan(LONGEST_ACCEPTABLE_WAIT_MS);
    expect(await phase(admin, 'ledger')).toBe('cut_over');
    expect(await relkind('account__archive')).toBe('r');

    const run = await whileLocked('ledger', `select tandem.contract('ledger')`, 600);
    expect(run.result).toBe('contracted');
    expect(run.longestMs, `the writer's longest wait, in ms, over ${run.writes} writes`).toBeLessThan(LONGEST_ACCEPTABLE_WAIT_MS);
    expect(await relkind('account__archive')).toBeUndefined();
  });

  it('refuses a lock timeout or patience that is not a duration', async () => {
    await admin.query(`
      create table public.tiny_old (id int primary key);
      create table public.tiny_new (id int primary key);
      select tandem.create_migration('tiny');
      select tandem.bridge(migration => 'tiny', name => 'tiny', legacy => 'tiny_old', modern => 'tiny_new', key => '{"id": "id"}');
      select tandem.expand('tiny');
    `);
    await admin.query(`set tandem.lock_timeout = 'soon'`);
    const error = await sqlError(admin, `select tandem.rollback('tiny')`);
    await admin.query('reset tandem.lock_timeout');
    expect(error.code).toBe('TD007');
    expect(error.message).toBe(`setting tandem.lock_timeout is 'soon', which is not a duration the library can wait`);
    expect(error.hint).toBe(`Set it to a duration of at least 1ms, such as '100ms', or reset it: reset tandem.lock_timeout;`);
    await admin.query(`set tandem.lock_patience = '-1s'`);
    const negative = await sqlError(admin, `select tandem.rollback('tiny')`);
    await admin.query('reset tandem.lock_patience');
    expect(negative.code).toBe('TD007');
    expect(negative.message).toBe(`setting tandem.lock_patience is '-1s', which is not a duration the library can wait`);
    expect(await phase(admin, 'tiny')).toBe('expanded');
    // A bare number is milliseconds, as PostgreSQL's lock_timeout reads it.
    await admin.query(`set tandem.lock_timeout = '250'`);
    expect(Object.values((await admin.query(`select tandem.rollback('tiny')`)).rows[0])[0]).toBe('rolled back from expanded to planned');
    await admin.query('reset tandem.lock_timeout');
  });
});

describe('a transition after other DDL of its own transaction', () => {
  it('gives up at once (TD004, naming the session) when a session that holds a table it needs waits for a lock the transaction took before', async () => {
    await admin.query(`
      create table public.shop (id int primary key, name text not null);
      create table public.store (store_id int primary key, name text not null);
      create table public.sale (id int primary key, shop_id int not null);
      insert into shop select g, 's' || g from generate_series(1, 20) g;
      select tandem.create_migration('stores');
      select tandem.bridge(migration => 'stores', name => 'store', legacy => 'shop', modern => 'store',
        key => '{"store_id": "id"}', forward => '{"name": "name"}', backward => '{"id": "store_id", "name": "name"}');
      select tandem.expand('stores');`);
    await backfill(admin, 'stores');
    expect(await failures(admin, 'stores')).toEqual([]);
    const migration = new pg.Client({ connectionString: db.url });
    const reader = new pg.Client({ connectionString: db.url });
    await migration.connect();
    await reader.connect();
    try {
      const readerPid = (await reader.query('select pg_backend_pid() as pid')).rows[0].pid;
      // The migration changes another table first; a report then reads store, and sale behind that lock.
      await migration.query('begin');
      await migration.query('alter table public.sale add column note text');
      await reader.query('begin');
      await reader.query('select count(*) from public.store');
      const queued = reader.query('select count(*) from public.sale');
      for (let waited = 0; ; waited += 20) {
        const { rows } = await admin.query(`select wait_event_type from pg_stat_activity where pid = $1`, [readerPid]);
        if (rows[0]?.wait_event_type === 'Lock') break;
        if (waited > 10_000) throw new Error('the report never queued behind the migration');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Patience to spare: only seeing the cycle ends the wait before the test's own time runs out.
      await migration.query(`set local tandem.lock_patience = '10min'`);
      const error = await sqlError(migration, `select tandem.cutover('stores')`);
      expect(error.code).toBe('TD004');
      expect(error.message).toBe('could not lock public.store : a session that holds it waits for this transaction');
      expect(error.detail).toBe(`pid ${readerPid} holds a lock on public.store and waits for public.sale, which this transaction locked before the transition (an earlier statement of the same transaction): neither can go on. Nothing was changed.`);
      await migration.query('rollback');
      await queued;
      await reader.query('commit');
      expect(await phase(admin, 'stores')).toBe('verified');
    } finally {
      await migration.end();
      await reader.end();
    }
  });
});
