/*
 * npx tandem checks the database's library version before a verb does anything: an older library
 * (a real earlier release, from the committed migrations) or a missing one exits 3, a newer one
 * exits 4, each naming both versions and the fix, and nothing in the database changes.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/db/provision.js';
import { libraryVersion, sourceVersion } from '../src/release.js';
import { connectedDatabase, type ConnectedDatabase, type TestDatabase } from './support/database.js';
import { phase } from './support/sql.js';

const COMMITTED = path.join(projectRoot, 'migrations', 'committed');
const source = await sourceVersion();

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npx tandem <args>` against `db`, output not a terminal. */
function tandem(db: TestDatabase, ...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile('node', [path.join(projectRoot, 'bin', 'tandem.mjs'), ...args], { cwd: projectRoot, env: { ...process.env, ...db.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A table pair with rows, and the migration `clients` expanded between them. */
const EXPANDED = `
  create table public.customer (id int primary key, full_name text not null);
  create table public.client (id int primary key, name text not null);
  insert into customer select g, 'customer ' || g from generate_series(1, 50) as g;
  select tandem.create_migration('clients');
  select tandem.bridge(migration => 'clients', name => 'client', legacy => 'public.customer', modern => 'public.client',
    key => '{"id": "id"}', forward => '{"name": "full_name"}', backward => '{"full_name": "name"}');
  select tandem.expand('clients');`;

/** What a refused verb must leave as it was. */
async function snapshot(db: ConnectedDatabase) {
  const { rows } = await db.client.query(`
    select (select count(*)::int from client) as modern_rows, (select count(*)::int from tandem.event_log) as events`);
  return { phase: await phase(db.client, 'clients'), ...rows[0] };
}

describe('the help', () => {
  it('documents exit codes 3 and 4', async () => {
    const db = { env: {} } as TestDatabase;
    for (const verb of ['status', 'lint']) {
      const help = await tandem(db, verb, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/\n  3  the database's tandem library .*older than this command line: apply the migrations \(npx tandem migrate\)\n/);
      expect(help.stdout).toContain("\n  4  the database's tandem library is newer than this command line: upgrade the command line");
    }
  });
});

describe('a database with an older library (the committed 0.3.0)', () => {
  let db: ConnectedDatabase;
  beforeAll(async () => {
    db = await connectedDatabase({ empty: true });
    const files = (await readdir(COMMITTED)).filter((file) => file.endsWith('.sql')).sort();
    for (const file of files) {
      const text = await readFile(path.join(COMMITTED, file), 'utf8');
      await db.client.query(`begin;\n${text}\ncommit;`);
      if (text.includes('--! Included tandem/install.sql') && (await libraryVersion(text)) === '0.3.0') break;
    }
    expect((await db.client.query('select tandem.version() as v')).rows[0].v).toBe('0.3.0');
    await db.client.query(EXPANDED);
  });
  afterAll(async () => {
    await db.close();
  });

  it('refuses every verb with exit 3, naming both versions and the upgrade, and changes nothing', async () => {
    const before = await snapshot(db);
    expect(before).toEqual({ phase: 'expanded', modern_rows: 0, events: expect.any(Number) });
    for (const args of [['status'], ['backfill', 'clients'], ['rollback', 'clients', '--yes'], ['cutover', 'clients', '--yes']]) {
      const result = await tandem(db, ...args);
      expect(result.code, args.join(' ')).toBe(3);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`error: the database has the tandem library 0.3.0; this command line is ${source} (database "${db.name}" on `);
      expect(result.stderr).toContain(`Fix: upgrade the database's library to ${source}: apply the committed migrations, which install it: \`npx tandem migrate\``);
      expect(result.stderr).toContain(`\`npx tandem release-sql\` then \`psql -v ON_ERROR_STOP=1 -f release/tandem-${source}.sql\``);
      expect(result.stderr).toContain('regenerates the sync code of the migrations in flight');
    }
    expect(await snapshot(db)).toEqual(before);
  });

  it('lint, reading the database, refuses too and names the files to lint without it', async () => {
    const result = await tandem(db, 'lint');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`the database has the tandem library 0.3.0; this command line is ${source}`);
    expect(result.stderr).toMatch(/Or lint them before applying them, without the database: npx tandem lint migrations\/committed\/000001-\S+ .* migrations\/current\.sql\n/);
  });
});

describe('a database with a newer library', () => {
  const [major] = source.split('.');
  const newer = `${Number(major) + 1}.0.0`;
  let db: ConnectedDatabase;
  beforeAll(async () => {
    db = await connectedDatabase();
    await db.client.query(EXPANDED);
    await db.client.query(`create or replace function tandem.version() returns text language sql stable as $$ select '${newer}' $$`);
  });
  afterAll(async () => {
    await db.close();
  });

  it('refuses every verb with exit 4, asking for a newer command line, and changes nothing', async () => {
    const before = await snapshot(db);
    for (const args of [['status'], ['backfill', 'clients'], ['rollback', 'clients', '--yes'], ['lint']]) {
      const result = await tandem(db, ...args);
      expect(result.code, args.join(' ')).toBe(4);
      expect(result.stderr).toContain(`error: the database has the tandem library ${newer}, newer than this command line (${source}), in the database "${db.name}" on `);
      expect(result.stderr).toContain(`: refused, since this command line cannot know what ${newer} changed. Nothing was changed.`);
      expect(result.stderr).toContain(`Fix: upgrade the command line to ${newer}: update the package (or pull the repository)`);
    }
    expect(await snapshot(db)).toEqual(before);
  });

  it('linting named files reads no database, so no version is checked', async () => {
    const result = await tandem(db, 'lint', 'migrations/current.sql');
    expect(result.stderr).not.toContain('tandem library');
    expect([0, 1]).toContain(result.code);
  });
});

describe('a database without the library', () => {
  let db: ConnectedDatabase;
  beforeAll(async () => {
    db = await connectedDatabase({ empty: true });
  });
  afterAll(async () => {
    await db.close();
  });

  it('says where the library is missing and how to install it, exit 3, without the password', async () => {
    const result = await tandem(db, 'status');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`error: the tandem library is not installed in the database "${db.name}" on `);
    expect(result.stderr).toContain(`Fix: install tandem ${source}: apply the committed migrations, which install it: \`npx tandem migrate\``);
    expect(result.stderr).toContain(`psql -v ON_ERROR_STOP=1 -f release/tandem-${source}.sql`);
    const password = new URL(db.url).password;
    if (password) expect(result.stderr).not.toContain(password);
    expect((await db.client.query(`select to_regnamespace('tandem') as schema`)).rows[0].schema).toBeNull();
  });

  it('lint still lints: the tandem-aware rules are skipped, no library is required', async () => {
    const result = await tandem(db, 'lint');
    expect(result.stderr).not.toContain('tandem library');
    expect([0, 1]).toContain(result.code);
  });
});
