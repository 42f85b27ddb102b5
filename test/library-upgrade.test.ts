/*
 * Upgrades of the SQL library: installing this source's release over every earlier release reaches the
 * migrations in flight. Each earlier release is a library migration in migrations/committed; a database
 * on it gets four migrations, left expanded, backfilled, verified and cut over, then the new release,
 * then writes on both sides, verification, and the rest of each lifecycle.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/db/provision.js';
import { applyAll, graphileMigrate } from '../src/migrate.js';
import { compareVersions, libraryVersion, releaseSql } from '../src/release.js';
import { gitEnvironment } from '../src/committed.js';
import { freshDatabase, withClient, type TestDatabase } from './support/database.js';
import { failures, phase } from './support/sql.js';

const run = promisify(execFile);
const COMMITTED = path.join(projectRoot, 'migrations', 'committed');
const PHASES = ['expanded', 'backfilled', 'verified', 'cut_over'] as const;
type Target = (typeof PHASES)[number];

/** The phases a release can leave a migration in: the first releases of 0.2.0 had no cutover yet. */
async function phasesOf(client: pg.Client): Promise<Target[]> {
  const { rows } = await client.query("select to_regproc('tandem.cutover') is not null as cutover");
  return PHASES.filter((target) => target !== 'cut_over' || rows[0].cutover);
}

interface Release {
  version: string;
  /** Where it comes from: a commit of this repository, or the working tree. */
  origin: string;
  /** The texts of the committed migrations a database on this release has applied, in order. */
  texts: string[];
}

const git = async (...args: string[]) =>
  (await run('git', args, { cwd: projectRoot, env: gitEnvironment(), maxBuffer: 256 * 1024 * 1024 })).stdout;

/**
 * Every release the committed migrations have ever installed: for each commit that changed them, the
 * migrations as they stood, up to the last that includes the library. A library migration rewritten
 * before releases were frozen counts once per text, since databases may have applied any of them.
 */
async function everyRelease(): Promise<Release[]> {
  const releases = new Map<string, Release>();
  const commits = (await git('log', '--reverse', '--format=%H', '--', 'migrations/committed')).split('\n').filter(Boolean);
  const states: { origin: string; texts: string[] }[] = [];
  for (const commit of commits) {
    const files = (await git('ls-tree', '--name-only', `${commit}:migrations/committed`)).split('\n').filter((f) => f.endsWith('.sql')).sort();
    states.push({ origin: `commit ${commit.slice(0, 10)}`, texts: await Promise.all(files.map((f) => git('show', `${commit}:migrations/committed/${f}`))) });
  }
  const files = (await readdir(COMMITTED)).filter((file) => file.endsWith('.sql')).sort();
  states.push({ origin: 'the working tree', texts: await Promise.all(files.map((f) => readFile(path.join(COMMITTED, f), 'utf8'))) });
  for (const state of states) {
    const last = state.texts.findLastIndex((text) => text.includes('--! Included tandem/install.sql'));
    if (last === -1) continue;
    const texts = state.texts.slice(0, last + 1);
    const key = texts.join('\u0000');
    if (!releases.has(key)) releases.set(key, { version: await libraryVersion(texts[last]!), origin: state.origin, texts });
  }
  return [...releases.values()];
}

const source = await releaseSql();
const earlier = (await everyRelease()).filter((release) => compareVersions(release.version, source.version) < 0);

/** A table pair per phase, each with rows for the backfill, and a migration left in that phase. */
async function migrationsInEveryPhase(client: pg.Client, targets: Target[]): Promise<void> {
  for (const target of targets) {
    const m = `m_${target}`;
    await client.query(`
      create table legacy_${target} (id int primary key, name text not null, amount numeric(12,2));
      create table modern_${target} (id int primary key, label text not null, cents bigint);
      insert into legacy_${target} select g, 'row ' || g, g * 1.25 from generate_series(1, 40) as g;
      select tandem.create_migration('${m}');
      select tandem.bridge(migration => '${m}', name => 'b', legacy => 'public.legacy_${target}', modern => 'public.modern_${target}',
        key => '{"id": "id"}', forward => '{"label": "name", "cents": "(amount * 100)::bigint"}',
        backward => '{"name": "label", "amount": "cents / 100.0"}');
      select tandem.expand('${m}');`);
    if (target === 'expanded') continue;
    await client.query(`call tandem.backfill('${m}')`);
    if (target === 'backfilled') continue;
    expect(await failures(client, m)).toEqual([]);
    if (target === 'verified') continue;
    await client.query('select tandem.cutover($1)', [m]);
  }
  for (const target of targets) expect(await phase(client, `m_${target}`)).toBe(target);
}

/** Inserts, updates and deletes on both sides of every pair; `round` keeps the keys apart. */
async function writeBothSides(client: pg.Client, round: number, targets: readonly string[]): Promise<void> {
  for (const target of targets) {
    const base = 1000 * round;
    // The legacy name: a table, or after cutover the compatibility view.
    await client.query(`insert into legacy_${target} values (${base + 1}, 'legacy ${round}', 3.5), (${base + 2}, 'legacy ${round}b', 4)`);
    await client.query(`update legacy_${target} set name = name || ' changed', amount = amount + 1 where id in (${round}, ${base + 2})`);
    await client.query(`delete from legacy_${target} where id = ${round + 10}`);
    await client.query(`insert into modern_${target} values (${base + 500}, 'modern ${round}', 1234)`);
    await client.query(`update modern_${target} set label = label || ' modern', cents = cents + 7 where id = ${round + 20}`);
    await client.query(`delete from modern_${target} where id = ${round + 30}`);
  }
}

/** Both sides hold the same rows, as the mapping says, and verification agrees. */
async function expectInSync(client: pg.Client, target: string): Promise<void> {
  const legacy = await client.query(`select id, name as label, (amount * 100)::bigint as cents from legacy_${target} order by id`);
  const modern = await client.query(`select id, label, cents from modern_${target} order by id`);
  expect(modern.rows, `modern_${target}`).toEqual(legacy.rows);
  expect(legacy.rows.length).toBeGreaterThan(30);
}

/** The sync code of every migration in flight names the source release as its generator. */
async function expectRegenerated(client: pg.Client, targets: Target[]): Promise<void> {
  const byName = targets.map((target) => `m_${target}`).sort();
  const { rows: status } = await client.query('select distinct migration, generated_version from tandem.status() order by 1');
  expect(status).toEqual(byName.map((migration) => ({ migration, generated_version: source.version })));
  const { rows: functions } = await client.query(
    `select p.proname, pg_catalog.obj_description(p.oid, 'pg_proc') as comment
     from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'tandem_sync' order by 1`,
  );
  // Forward (row and statement), backward and truncate per bridge, and the compatibility view's function.
  expect(functions.length).toBe(targets.length * 4 + (targets.includes('cut_over') ? 1 : 0));
  for (const fn of functions) expect(fn.comment, fn.proname).toContain(`Generated by tandem ${source.version};`);
  const { rows: events } = await client.query(
    "select migration, detail->>'to' as version from tandem.event_log where event = 'regenerate' order by migration",
  );
  expect(events).toEqual(byName.map((migration) => ({ migration, version: source.version })));
}

/** Takes every migration the rest of the way: backfill, verify, cut over, verify, contract. */
async function completeLifecycles(client: pg.Client, targets: Target[]): Promise<void> {
  for (const target of targets) {
    const m = `m_${target}`;
    if (target === 'expanded') await client.query(`call tandem.backfill('${m}')`);
    expect(await failures(client, m), m).toEqual([]);
    await client.query('select tandem.cutover($1)', [m]);
    await writeBothSides(client, 9, [target]);
    expect(await failures(client, m), m).toEqual([]);
    expect((await client.query('select tandem.contract($1) as result', [m])).rows[0].result).toBe('contracted');
    // Legacy code still reads and writes through the view, now over the modern table alone.
    await client.query(`insert into legacy_${target} values (99999, 'after contract', 1)`);
    expect((await client.query(`select label from modern_${target} where id = 99999`)).rows).toEqual([{ label: 'after contract' }]);
  }
}

describe('installing this release over an earlier one', () => {
  it('has earlier releases to upgrade from: every text of every library migration ever committed', () => {
    expect(earlier.map((release) => release.version)).toEqual(expect.arrayContaining(['0.1.0', '0.2.0', '0.3.0']));
  });

  describe.each(earlier)('from $version as in $origin', (release) => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await freshDatabase({ empty: true });
    });
    afterAll(async () => {
      await db.drop();
    });

    it('regenerates every migration in flight, which then syncs, verifies and completes', async () => {
      await withClient(db.url, async (client) => {
        for (const text of release.texts) await client.query(`begin;\n${text}\ncommit;`);
        expect((await client.query('select tandem.version() as v')).rows[0].v).toBe(release.version);
        if (release.version === '0.1.0') {
          // 0.1.0 had the event log and nothing to migrate with.
          await client.query(source.sql);
          expect((await client.query('select tandem.version() as v')).rows[0].v).toBe(source.version);
          return;
        }
        const targets = await phasesOf(client);
        await migrationsInEveryPhase(client, targets);

        await client.query(source.sql);
        expect((await client.query('select tandem.version() as v')).rows[0].v).toBe(source.version);
        await expectRegenerated(client, targets);
        for (const target of targets) expect(await phase(client, `m_${target}`)).toBe(target);

        await writeBothSides(client, 1, targets);
        await client.query(`call tandem.backfill('m_expanded')`);
        for (const target of targets) {
          await expectInSync(client, target);
          expect(await failures(client, `m_${target}`), target).toEqual([]);
        }
        // A second install of the same release regenerates nothing.
        await client.query(source.sql);
        expect((await client.query("select count(*)::int as n from tandem.event_log where event = 'regenerate'")).rows[0].n).toBe(targets.length);

        await completeLifecycles(client, targets);
        for (const target of targets) expect(await phase(client, `m_${target}`)).toBe('contracted');
      });
    });

    // Bridges of columns came with 0.3.0; from 0.6.0 the side written decides their direction.
    it.skipIf(compareVersions(release.version, '0.3.0') < 0)('regenerates a bridge of columns in flight, whose writers are then told apart', async () => {
      const columnsDb = await freshDatabase({ empty: true });
      try {
        await withClient(columnsDb.url, async (client) => {
          for (const text of release.texts) await client.query(`begin;\n${text}\ncommit;`);
          await client.query(`
            create table payment (id int primary key, amount_cents int, note text);
            insert into payment select g, g * 100, 'n' || g from generate_series(1, 10) as g;
            alter table payment add column amount numeric(12, 2) default 0;
            select tandem.create_migration('amounts');
            select tandem.bridge(migration => 'amounts', name => 'amount', legacy => 'public.payment', modern => 'public.payment',
              forward => '{"amount": "amount_cents / 100.0"}', backward => '{"amount_cents": "(amount * 100)::integer"}');
            select tandem.expand('amounts');`);
          await client.query(`call tandem.backfill('amounts')`);
          await client.query(source.sql);
          // An old client's insert: amount's own default no longer stops the forward mapping.
          expect((await client.query(`insert into payment (id, amount_cents) values (101, 250) returning amount`)).rows[0].amount).toBe('2.50');
          expect((await client.query(`insert into payment (id, amount) values (102, 1.5) returning amount_cents`)).rows[0].amount_cents).toBe(150);
          expect(await failures(client, 'amounts')).toEqual([]);
          await client.query(`select tandem.cutover('amounts')`);
          expect(await failures(client, 'amounts')).toEqual([]);
          expect((await client.query(`select tandem.contract('amounts') as result`)).rows[0].result).toBe('contracted');
          const { rows } = await client.query(`select pg_get_expr(adbin, adrelid) as expr from pg_attrdef where adrelid = 'payment'::regclass`);
          expect(rows).toEqual([{ expr: '0' }]);
        });
      } finally {
        await columnsDb.drop();
      }
    });
  });
});

describe('a graphile-migrate project on 0.3.0 with a migration expanded', () => {
  let db: TestDatabase;
  let project: string;
  beforeAll(async () => {
    db = await freshDatabase({ empty: true });
    project = await mkdtemp(path.join(tmpdir(), 'tandem-upgrade-'));
  });
  afterAll(async () => {
    await db.drop();
    await rm(project, { recursive: true, force: true });
  });

  it("takes the new release from this repository's migrations and syncs through it without another expand", async () => {
    // The committed migrations up to the one that installs 0.3.0.
    const files = (await readdir(COMMITTED)).filter((file) => file.endsWith('.sql')).sort();
    const upTo = files.findIndex((file) => file.startsWith('000003-'));
    expect(await libraryVersion(await readFile(path.join(COMMITTED, files[upTo]!), 'utf8'))).toBe('0.3.0');
    await writeFile(path.join(project, '.gmrc'), JSON.stringify({ pgSettings: { search_path: 'public' } }));
    await cp(path.join(projectRoot, 'migrations', 'fixtures'), path.join(project, 'migrations', 'fixtures'), { recursive: true });
    for (const file of files.slice(0, upTo + 1)) await cp(path.join(COMMITTED, file), path.join(project, 'migrations', 'committed', file));
    await writeFile(path.join(project, 'migrations', 'current.sql'), '');
    const first = await graphileMigrate(['migrate'], { cwd: project, env: db.env, output: 'pipe' });
    expect(first.code, first.output).toBe(0);

    await withClient(db.url, async (client) => {
      expect((await client.query('select tandem.version() as v')).rows[0].v).toBe('0.3.0');
      await client.query(`
        create table customer (id int primary key, full_name text not null);
        create table client (id int primary key, name text not null);
        insert into customer select g, 'customer ' || g from generate_series(1, 20) as g;
        select tandem.create_migration('clients');
        select tandem.bridge(migration => 'clients', name => 'client', legacy => 'public.customer', modern => 'public.client',
          key => '{"id": "id"}', forward => '{"name": "full_name"}', backward => '{"full_name": "name"}');
        select tandem.expand('clients');`);
    });

    // Everything the repository has now: later committed migrations, and current.sql.
    await cp(COMMITTED, path.join(project, 'migrations', 'committed'), { recursive: true });
    await cp(path.join(projectRoot, 'migrations', 'current.sql'), path.join(project, 'migrations', 'current.sql'));
    await applyAll({ cwd: project, env: db.env });

    await withClient(db.url, async (client) => {
      expect((await client.query('select tandem.version() as v')).rows[0].v).toBe(source.version);
      const { rows } = await client.query("select distinct phase, generated_version from tandem.status('clients')");
      expect(rows).toEqual([{ phase: 'expanded', generated_version: source.version }]);
      expect((await client.query("select count(*)::int as n from tandem.event_log where event = 'expand'")).rows[0].n).toBe(1);
      await client.query("insert into customer values (100, 'new legacy'); update client set name = 'renamed' where id = 100");
      await client.query("insert into client values (200, 'new modern'); delete from customer where id = 1");
      await client.query(`call tandem.backfill('clients')`);
      expect(await failures(client, 'clients')).toEqual([]);
      expect((await client.query('select full_name from customer where id in (100, 200) order by id')).rows).toEqual([
        { full_name: 'renamed' },
        { full_name: 'new modern' },
      ]);
    });
  });
});
