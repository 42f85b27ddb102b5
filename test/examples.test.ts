/*
 * The worked scenarios (examples/scout, examples/square) at a reduced scale: the whole lifecycle under
 * both apps' concurrent writes with every acknowledged write found at the end, a backfill killed with
 * SIGKILL and resumed, and planted inconsistencies reported by the checks the plans asked for. First,
 * that every example (each folder of examples/ with a .gmrc) runs on the library of this source, and
 * that none carries a copy of it.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../src/db/provision.js';
import { withDatabase } from '../src/db/urls.js';
import { runLifecycle, silentReporter, succeeded, type LifecycleSummary } from '../src/examples/lifecycle.js';
import { EXAMPLES, EXAMPLES_DIR, Releases, committedMigrations, exampleCodegen, exampleProjects, generateData, type ExampleName } from '../src/examples/project.js';
import { librarySql, sourceVersion } from '../src/release.js';
import { freshDatabase, type TestDatabase } from './support/database.js';
import { failures, unsynced } from './support/sql.js';

const rootEnv = () => {
  const root = inject('testRootUrl');
  return { DATABASE_URL: withDatabase(root, 'postgres'), SHADOW_DATABASE_URL: withDatabase(root, 'postgres'), ROOT_DATABASE_URL: root };
};

async function lifecycle(name: ExampleName, scale: number): Promise<{ summary: LifecycleSummary; legacyQueries: number[] }> {
  const legacyQueries: number[] = [];
  const summary = await runLifecycle({
    name, scale, env: rootEnv(), database: `test_lifecycle_${name}`, batchSize: 500,
    reporter: { ...silentReporter, legacyQueries: (checks) => legacyQueries.push(...checks.map((check) => check.rows)) },
  });
  return { summary, legacyQueries };
}

function expectNothingLost({ summary, legacyQueries }: { summary: LifecycleSummary; legacyQueries: number[] }) {
  expect(summary.apps.flatMap((app) => app.errors)).toEqual([]);
  expect(summary.lost).toEqual([]);
  expect(summary.differences).toBe(0);
  expect(succeeded(summary)).toBe(true);
  // Both apps really worked, and the legacy app kept working after cutover, its reads answered.
  for (const app of summary.apps) expect(app.writes).toBeGreaterThan(50);
  expect(summary.legacyAfterCutover.writes).toBeGreaterThan(20);
  expect(summary.writesChecked).toBeGreaterThan(100);
  expect(legacyQueries.length).toBeGreaterThan(1);
  expect(legacyQueries.every((rows) => rows > 0)).toBe(true);
  expect(summary.phases.map((phase) => phase.name)).toEqual(expect.arrayContaining(['expand', 'backfill', 'verify', 'cutover', 'rollback', 'cutover again', 'contract']));
}

/** A database with the example's data, expanded, backfilled and verified. */
async function verifiedExample(name: ExampleName, scale: number): Promise<{ db: TestDatabase; client: pg.Client }> {
  const db = await freshDatabase({ empty: true });
  const releases = await Releases.open(name, db.env);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await releases.applyThrough(EXAMPLES[name].legacy);
    await generateData(client, name, scale);
    await releases.applyThrough(EXAMPLES[name].expand);
    await client.query('call tandem.backfill($1, 1000)', [EXAMPLES[name].migration]);
    await releases.applyThrough(EXAMPLES[name].afterBackfill);
  } finally {
    await releases.close();
  }
  return { db, client };
}

/** The failing checks, as `bridge check mismatches`. */
async function failing(client: pg.Client, migration: string): Promise<string[]> {
  return (await failures(client, migration))
    .filter((check) => check.check_name !== 'consistency')
    .map((check) => `${check.bridge ?? ''} ${check.check_name} ${check.mismatches}`.trim());
}

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

/** What only the library's text holds: graphile-migrate's mark of an expanded include, and the function that names the version. */
const LIBRARY_MARKS = [/^--! Included tandem\//m, /create\s+or\s+replace\s+function\s+tandem\.version\s*\(/i];

const projects = await exampleProjects();

describe('every example, on the current release', () => {
  it('is found on disk', () => {
    expect(projects.length).toBeGreaterThan(0);
    expect(projects).toEqual(expect.arrayContaining(Object.keys(EXAMPLES)));
  });

  it.each(projects)('%s: staged into a fresh database, installs the library of this source and applies every migration on it', async (name) => {
    const db = await freshDatabase({ empty: true });
    try {
      const releases = await Releases.open(name, db.env);
      let applied: string[];
      try {
        applied = await releases.applyAll();
      } finally {
        await releases.close();
      }
      expect(applied).toEqual(await committedMigrations(name));
      expect(releases.library).toBe(await sourceVersion());
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        expect((await client.query('select tandem.version() as v')).rows[0].v).toBe(await sourceVersion());
        const recorded = await client.query<{ filename: string }>('select filename from graphile_migrate.migrations order by filename');
        // graphile-migrate records a migration by its number.
        expect(recorded.rows.map((row) => row.filename)).toEqual(applied.map((file) => `${file.slice(0, 6)}.sql`));
        // Every tandem migration the example declares got to its end.
        const phases = await client.query<{ name: string; phase: string }>('select name, phase::text from tandem.migration order by name');
        expect(phases.rows.length).toBeGreaterThan(0);
        expect(phases.rows.filter((row) => row.phase !== 'contracted')).toEqual([]);
      } finally {
        await client.end();
      }
    } finally {
      await db.drop();
    }
  });

  it('carry no copy of the library: no file under examples/ holds its text', async () => {
    // The marks are the library's own, so this would see a copy.
    const library = await librarySql();
    for (const mark of LIBRARY_MARKS) expect(library).toMatch(mark);
    const files = await filesUnder(EXAMPLES_DIR);
    expect(files.length).toBeGreaterThan(0);
    const copies: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(EXAMPLES_DIR, file), 'utf8');
      if (LIBRARY_MARKS.some((mark) => mark.test(text))) copies.push(`examples/${file}`);
    }
    expect(copies).toEqual([]);
  });
});

describe('Scout medallion', () => {
  it('runs the whole lifecycle under both apps’ writes, losing nothing, rolling back and forward again', async () => {
    expectNothingLost(await lifecycle('scout', 0.02));
  });

  describe('on a verified copy', () => {
    let db: TestDatabase;
    let client: pg.Client;
    beforeAll(async () => {
      ({ db, client } = await verifiedExample('scout', 0.01));
    });
    afterAll(async () => {
      await client.end();
      await db.drop();
    });

    it('passes verification, the plan’s integrity query included', async () => {
      expect(await failing(client, 'medallion')).toEqual([]);
    });

    it('reports each planted inconsistency under the check that covers it', async () => {
      await unsynced(client, `delete from stores where store_id = '47'`);
      await unsynced(client, `update products set brand_id = (select brand_id from brands where name = 'Oishi') where product_id = '2' and brand_id <> (select brand_id from brands where name = 'Oishi')`);
      await unsynced(client, `update transactions set store_id = '48' where id = 10 and geography_id <> 48`);
      const found = await failing(client, 'medallion');
      expect(found).toEqual(expect.arrayContaining([
        'stores count 1', 'stores missing_in_modern 1',
        'products column:brand_id 1', 'products legacy_column:brand 1',
        'transaction_refs column:store_id 1', 'transaction_refs legacy_column:geography_id 1',
        expect.stringMatching(/^check:stores_cover_geography 1$/),
        expect.stringMatching(/^check:revenue_by_region_and_brand [1-9]\d*$/),
      ]));
      // Cutover is refused while they stand.
      await expect(client.query(`select tandem.cutover('medallion')`)).rejects.toMatchObject({ code: 'TD005' });
    });
  });

  it('types both apps’ queries against the example’s schema, matching the committed generated code', async () => {
    expect((await exampleCodegen('scout', rootEnv(), { check: true })).changes).toEqual([]);
  });
});

describe('Square client split', () => {
  it('runs the whole lifecycle under both apps’ writes, losing nothing, rolling back and forward again', async () => {
    expectNothingLost(await lifecycle('square', 0.1));
  });

  describe('on a verified copy', () => {
    let db: TestDatabase;
    let client: pg.Client;
    beforeAll(async () => {
      ({ db, client } = await verifiedExample('square', 0.05));
    });
    afterAll(async () => {
      await client.end();
      await db.drop();
    });

    it('passes verification, the custom checks included', async () => {
      expect(await failing(client, 'client_split')).toEqual([]);
    });

    it('reports what the plan’s validation script looked for, each under its check', async () => {
      const card = (n: number) => `(select gift_card_id from square_existing_clients where gift_card_id is not null order by id offset ${n} limit 1)`;
      // Referrers nobody used the code of, so that each plant shows in exactly the checks named.
      const referrer = (n: number) => `(select customer_id from referral_profiles where personal_code is not null and total_referrals = 0 order by customer_id offset ${n} limit 1)`;
      // 1. a gift card in square_existing_clients that is not in gift_cards
      await unsynced(client, `delete from gift_cards where gift_card_id = ${card(0)}`);
      // 2. a gift card in gift_cards that does not match square_existing_clients
      await unsynced(client, `update gift_cards set gan = 'x' || gan where gift_card_id = ${card(1)}`);
      // 3. a client with referral data missing from referral_profiles
      await unsynced(client, `delete from referral_profiles where customer_id = ${referrer(0)}`);
      // 4. a mismatched personal_code, 5. a mismatched used_referral_code
      await unsynced(client, `update referral_profiles set personal_code = personal_code || 'X' where customer_id = ${referrer(1)}`);
      await unsynced(client, `update referral_profiles set used_referral_code = 'NOSUCHCODE' where customer_id = (select customer_id from referral_profiles where used_referral_code is not null order by customer_id limit 1)`);
      // and what no single row shows: a total that does not count its referrals
      await unsynced(client, `update square_existing_clients set total_referrals = total_referrals + 3 where personal_code = (select personal_code from referral_profiles where customer_id = ${referrer(2)})`);
      await unsynced(client, `update referral_profiles set total_referrals = total_referrals + 3 where customer_id = ${referrer(2)}`);
      const found = await failing(client, 'client_split');
      expect(found).toEqual(expect.arrayContaining([
        'gift_cards missing_in_modern 1',
        'gift_cards column:gan 1', 'gift_cards legacy_column:gift_card_gan 1',
        'referral_profiles missing_in_modern 1',
        'referral_profiles column:personal_code 1',
        'referral_profiles column:used_referral_code 1',
        'check:used_codes_exist 1',
        expect.stringMatching(/^check:referral_totals [1-9]\d*$/),
      ]));
      expect(found.filter((check) => check.includes('column:total_referrals'))).toEqual([]);
    });
  });

  it('resumes a backfill whose process was killed (SIGKILL) mid-way, and it verifies', async () => {
    const db = await freshDatabase({ empty: true });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const releases = await Releases.open('square', db.env);
    try {
      await releases.applyThrough(EXAMPLES.square.legacy);
      await generateData(client, 'square', 0.1);
      await releases.applyThrough(EXAMPLES.square.expand);
      const done = async () => Number((await client.query('select coalesce(sum(rows_done), 0) as n from tandem.backfill_state')).rows[0].n);
      const backfill = () => spawn(process.execPath, [path.join(projectRoot, 'bin', 'tandem.mjs'), 'backfill', 'client_split', '--batch-size', '100', '--pause', '20'], {
        cwd: projectRoot, env: { ...process.env, ...db.env }, stdio: 'ignore',
      });
      const first = backfill();
      let rows = 0;
      for (let i = 0; i < 1200 && rows <= 1000; i++) {
        rows = await done();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      const atKill = await done();
      expect(atKill).toBeGreaterThan(1000);
      expect(atKill).toBeLessThan(10_000); // 5,000 clients through two bridges: it was killed mid-way
      const second = backfill();
      const code = await new Promise((resolve) => second.once('exit', resolve));
      expect(code).toBe(0);
      expect(await failing(client, 'client_split')).toEqual([]);
      expect(Number((await client.query('select count(*) as n from gift_cards')).rows[0].n))
        .toBe(Number((await client.query('select count(*) as n from square_existing_clients where gift_card_id is not null')).rows[0].n));
    } finally {
      await releases.close();
      await client.end();
      await db.drop();
    }
  });

  it('types both apps’ queries against the example’s schema, matching the committed generated code', async () => {
    expect((await exampleCodegen('square', rootEnv(), { check: true })).changes).toEqual([]);
  });
});
