import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/db/provision.js';
import { applyAll, describeStatus, graphileMigrate, migrationStatus } from '../src/migrate.js';
import { freshDatabase, withClient, type TestDatabase } from './support/database.js';

const run = promisify(execFile);

describe('committed migrations', () => {
  let db: TestDatabase;
  // This project's migrations with an empty current.sql (the repository's may hold the next release).
  let project: string;
  beforeAll(async () => {
    db = await freshDatabase({ empty: true });
    project = await mkdtemp(path.join(tmpdir(), 'tandem-project-'));
    await cp(path.join(projectRoot, 'migrations'), path.join(project, 'migrations'), { recursive: true });
    await cp(path.join(projectRoot, '.gmrc'), path.join(project, '.gmrc'));
    await writeFile(path.join(project, 'migrations', 'current.sql'), '-- Enter migration here\n');
  });
  afterAll(async () => {
    await db.drop();
    await rm(project, { recursive: true, force: true });
  });

  it('install the tandem library into an empty database, and a second run changes nothing', async () => {
    const first = await graphileMigrate(['migrate'], { cwd: project, env: db.env, output: 'pipe' });
    expect(first.code, first.output).toBe(0);
    const committed = (await readdir(path.join(projectRoot, 'migrations', 'committed'))).filter((f) => f.endsWith('.sql'));
    expect(first.output).toContain(`${committed.length} committed migrations executed`);

    const second = await graphileMigrate(['migrate'], { cwd: project, env: db.env, output: 'pipe' });
    expect(second.code).toBe(0);
    expect(second.output).toMatch(/Already up to date/);

    await withClient(db.url, async (client) => {
      const { rows } = await client.query('select tandem.version() as version');
      expect(rows[0].version).toMatch(/^\d+\.\d+\.\d+$/);
      // Each library version installs over the one before it, and says so in the event log.
      const events = await client.query("select event, detail->>'version' as version from tandem.event_log order by id");
      expect(events.rows.every((event) => event.event === 'install')).toBe(true);
      expect(events.rows.at(-1)).toEqual({ event: 'install', version: rows[0].version });
    });
  });

  it('reports the status in words', async () => {
    const status = await migrationStatus({ cwd: project, env: db.env });
    expect(status.pending).toEqual([]);
    expect(status.applied.map((migration) => migration.filename)).toEqual(status.committed);
    expect(status.currentHasChanges).toBe(false);
    const words = describeStatus(status);
    expect(words).toContain(`${status.committed.length} committed migration`);
    expect(words).toContain('none pending');
    expect(words).toMatch(/tandem library: \d+\.\d+\.\d+\./);
  });

  it('reports pending migrations of a database that has none applied', async () => {
    const empty = await freshDatabase({ empty: true });
    try {
      const status = await migrationStatus({ cwd: project, env: empty.env });
      expect(status.applied).toEqual([]);
      expect(status.pending).toEqual(status.committed);
      expect(describeStatus(status)).toContain(`${status.committed.length} pending (run \`npx tandem migrate\`)`);
      expect(describeStatus(status)).toContain('tandem library: not installed.');
    } finally {
      await empty.drop();
    }
  });
});

describe('a project whose current.sql fails', () => {
  let project: string;
  let db: TestDatabase;
  beforeAll(async () => {
    project = await mkdtemp(path.join(tmpdir(), 'tandem-project-'));
    await cp(path.join(projectRoot, 'migrations'), path.join(project, 'migrations'), { recursive: true });
    await cp(path.join(projectRoot, '.gmrc'), path.join(project, '.gmrc'));
    await cp(path.join(projectRoot, 'scripts', 'after-current.mjs'), path.join(project, 'scripts', 'after-current.mjs'));
    await writeFile(path.join(project, 'migrations', 'current.sql'), 'select * from no_such_table;\n');
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db.drop();
    await rm(project, { recursive: true, force: true });
  });

  it('makes applyAll fail with graphile-migrate’s error', async () => {
    await expect(applyAll({ cwd: project, env: db.env })).rejects.toThrow(/relation "no_such_table" does not exist/);
  });

  it('is reported as work in progress', async () => {
    const status = await migrationStatus({ cwd: project, env: db.env });
    expect(status.currentHasChanges).toBe(true);
    expect(describeStatus(status)).toContain('current.sql: has work in progress');
  });
});

describe('npm run migrate', () => {
  it('applies the migrations to DATABASE_URL and prints the status', async () => {
    const db = await freshDatabase({ empty: true });
    try {
      const { stdout } = await run('npx', ['tsx', 'scripts/migrate.ts'], {
        cwd: projectRoot,
        env: { ...process.env, ...db.env },
      });
      expect(stdout).toContain(`PostgreSQL: DATABASE_URL postgres://`);
      expect(stdout).toContain('none pending');
      expect(stdout).not.toContain(new URL(db.url).password);
    } finally {
      await db.drop();
    }
  });
});
