/*
 * tandem init and tandem upgrade in a user's project: what they write, what they keep, that a second
 * run changes nothing, and that the migrations they write are ones graphile-migrate accepts and chains.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import JSON5 from 'json5';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../src/cli/run-main.js';
import { projectRoot } from '../src/db/provision.js';
import { graphileMigrate } from '../src/migrate.js';
import { AFTER_CURRENT_HOOK, initProject, SCRIPTS } from '../src/project/init.js';
import { commitLibraryMigration, committedRelease } from '../src/project/library.js';
import { upgradeProject } from '../src/project/upgrade.js';
import { libraryVersion, sourceVersion } from '../src/release.js';
import { freshDatabase, withClient } from './support/database.js';

const source = await sourceVersion();

/** Every file under `dir` with the hash of its content and its mode. */
async function tree(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: Record<string, string> = {};
  for (const entry of entries.filter((e) => e.isFile())) {
    const file = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, file)] = createHash('sha256').update(await readFile(file)).digest('hex');
  }
  return files;
}

let project: string;
beforeEach(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'tandem-init-'));
});
afterEach(async () => {
  await rm(project, { recursive: true, force: true });
});

const summary = (outcomes: { file: string; action: string }[]) => outcomes.map((outcome) => `${outcome.action} ${outcome.file}`);

describe('tandem init', () => {
  it('sets up an empty folder, and a second run changes nothing', async () => {
    const first = await initProject(project);
    expect(summary(first)).toEqual([
      'wrote .gmrc',
      'wrote migrations/fixtures/tandem/',
      `wrote migrations/committed/000001-tandem-library-${source.replaceAll('.', '-')}.sql`,
      'wrote migrations/current.sql',
      'wrote pgtyped.config.json',
      'wrote sql/README.md',
      'wrote package.json',
      'wrote .gitignore',
      'wrote .github/workflows/tandem.yml',
    ]);
    expect(JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8')).scripts).toEqual(SCRIPTS);
    expect(await readFile(path.join(project, '.gitignore'), 'utf8')).toMatch(/^\.tandem\/$/m);
    expect(JSON5.parse<{ afterCurrent: unknown[] }>(await readFile(path.join(project, '.gmrc'), 'utf8')).afterCurrent).toEqual([AFTER_CURRENT_HOOK]);
    expect(await readFile(path.join(project, '.github', 'workflows', 'tandem.yml'), 'utf8')).toContain('run: npx tandem ci');
    expect(await tree(path.join(project, 'migrations', 'fixtures'))).toEqual(await tree(path.join(projectRoot, 'migrations', 'fixtures')));

    const before = await tree(project);
    const second = await initProject(project);
    expect(second.every((outcome) => outcome.action === 'kept')).toBe(true);
    expect(await tree(project)).toEqual(before);
  });

  it('keeps what an existing project has, extending .gmrc, package.json and .gitignore in their own style', async () => {
    const gmrc = `// our settings\n{\n  'pgSettings': { search_path: 'app, public' }, // a comment to keep\n  afterCurrent: [\n    { _: 'command', command: 'echo ours' },\n  ],\n}\n`;
    await writeFile(path.join(project, '.gmrc'), gmrc);
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'app', scripts: { 'tandem:dev': 'our own dev' } }, null, 4));
    await writeFile(path.join(project, '.gitignore'), 'node_modules');
    await writeFile(path.join(project, 'pgtyped.config.json'), '{"srcDir": "./queries"}\n');
    await mkdir(path.join(project, 'migrations'));
    await writeFile(path.join(project, 'migrations', 'current.sql'), 'create table if not exists t (id int);\n');

    const outcomes = await initProject(project);
    expect(summary(outcomes)).toEqual([
      'extended .gmrc',
      'wrote migrations/fixtures/tandem/',
      `wrote migrations/committed/000001-tandem-library-${source.replaceAll('.', '-')}.sql`,
      'kept migrations/current.sql',
      'kept pgtyped.config.json',
      'wrote sql/README.md',
      'extended package.json',
      'extended .gitignore',
      'wrote .github/workflows/tandem.yml',
    ]);
    const text = await readFile(path.join(project, '.gmrc'), 'utf8');
    expect(text).toContain('// a comment to keep');
    expect(JSON5.parse(text)).toEqual({
      pgSettings: { search_path: 'app, public' },
      afterCurrent: [AFTER_CURRENT_HOOK, { _: 'command', command: 'echo ours' }],
    });
    const manifest = await readFile(path.join(project, 'package.json'), 'utf8');
    expect(manifest).toContain('\n    "scripts": {\n        "tandem:dev": "our own dev",\n        "tandem:db": "tandem db",');
    expect(outcomes.find((outcome) => outcome.file === 'package.json')!.note).toContain('kept your own tandem:dev');
    expect(await readFile(path.join(project, '.gitignore'), 'utf8')).toBe("node_modules\n\n# tandem's embedded PostgreSQL server: data, credentials, log\n.tandem/\n");
    expect(await readFile(path.join(project, 'pgtyped.config.json'), 'utf8')).toBe('{"srcDir": "./queries"}\n');
    expect(await readFile(path.join(project, 'migrations', 'current.sql'), 'utf8')).toBe('create table if not exists t (id int);\n');

    // --force writes the template files again, and still never a file only the user writes.
    const forced = await initProject(project, { force: true });
    expect(summary(forced)).toContain('wrote pgtyped.config.json');
    expect(summary(forced)).toContain('kept migrations/current.sql');
    expect(JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8')).scripts['tandem:dev']).toBe('our own dev');
    expect((await readdir(path.join(project, 'migrations', 'committed'))).length).toBe(1);
  });

  it('writes a migration graphile-migrate applies, and that its own commit chains after', async () => {
    await initProject(project);
    const db = await freshDatabase({ empty: true });
    try {
      const migrated = await graphileMigrate(['migrate'], { cwd: project, env: db.env, output: 'pipe' });
      expect(migrated.code, migrated.output).toBe(0);
      await withClient(db.url, async (client) => {
        expect((await client.query('select tandem.version() as v')).rows[0].v).toBe(source);
      });
      await writeFile(path.join(project, 'migrations', 'current.sql'), 'create table public.after_the_library (id int primary key);\n');
      const committed = await graphileMigrate(['commit', '-m', 'a table of ours'], { cwd: project, env: db.env, output: 'pipe' });
      expect(committed.code, committed.output).toBe(0);
      expect((await readdir(path.join(project, 'migrations', 'committed'))).sort()).toEqual([
        `000001-tandem-library-${source.replaceAll('.', '-')}.sql`,
        '000002-a-table-of-ours.sql',
      ]);
    } finally {
      await db.drop();
    }
  });
});

/** A project whose migrations install the committed 0.4.0 release, made the way init makes one. */
async function projectAt040(): Promise<void> {
  const committed = path.join(projectRoot, 'migrations', 'committed');
  const file = (await readdir(committed)).find((name) => name.startsWith('000004-'))!;
  const text = await readFile(path.join(committed, file), 'utf8');
  expect(await libraryVersion(text)).toBe('0.4.0');
  // The release's text without graphile-migrate's include markers is the source it was made from.
  const body = text.split('\n\n').slice(1).join('\n\n').split('\n').filter((line) => !/^--! (End)?Included /.test(line)).join('\n');
  await mkdir(path.join(project, 'migrations', 'fixtures', 'tandem'), { recursive: true });
  await writeFile(path.join(project, 'migrations', 'fixtures', 'tandem', 'install.sql'), body);
  await writeFile(path.join(project, 'migrations', 'fixtures', 'tandem', 'obsolete.sql'), '-- a file a later release no longer has\n');
  await commitLibraryMigration(project, (version) => `tandem library ${version}`);
  await writeFile(path.join(project, '.gmrc'), '{}\n');
}

describe('tandem upgrade', () => {
  it("brings the project's library from 0.4.0 to this release with a new committed migration, which applies over the old one", async () => {
    await projectAt040();
    const result = await upgradeProject(project);
    expect(result).toEqual({ from: '0.4.0', to: source, migration: `000002-tandem-library-${source.replaceAll('.', '-')}-upgrade-from-0-4-0.sql` });
    expect(await tree(path.join(project, 'migrations', 'fixtures'))).toEqual(await tree(path.join(projectRoot, 'migrations', 'fixtures')));
    expect((await committedRelease(project))?.version).toBe(source);

    const db = await freshDatabase({ empty: true });
    try {
      const migrated = await graphileMigrate(['migrate'], { cwd: project, env: db.env, output: 'pipe' });
      expect(migrated.code, migrated.output).toBe(0);
      await withClient(db.url, async (client) => {
        const { rows } = await client.query("select detail->>'version' as version from tandem.event_log where event = 'install' order by id");
        expect(rows.map((row) => row.version)).toEqual(['0.4.0', source]);
      });
    } finally {
      await db.drop();
    }
    // Again: nothing to do.
    expect(await upgradeProject(project)).toEqual({ from: source, to: source });
    expect((await readdir(path.join(project, 'migrations', 'committed'))).length).toBe(2);
  });

  it('refuses fixtures edited since their release was committed, unless forced', async () => {
    await projectAt040();
    const install = path.join(project, 'migrations', 'fixtures', 'tandem', 'install.sql');
    await writeFile(install, `${await readFile(install, 'utf8')}\n-- a local change\n`);
    const refused = await upgradeProject(project).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).message).toContain('migrations/fixtures/tandem differs from the library 0.4.0 that 000001-tandem-library-0-4-0.sql installed');
    expect((await readdir(path.join(project, 'migrations', 'committed'))).length).toBe(1);
    expect((await upgradeProject(project, { force: true })).to).toBe(source);
  });

  it('refuses a project whose library is newer than the package (exit 4), and one without the library', async () => {
    await projectAt040();
    const install = path.join(project, 'migrations', 'fixtures', 'tandem', 'install.sql');
    await writeFile(install, (await readFile(install, 'utf8')).replace("select '0.4.0'", "select '99.0.0'"));
    await rm(path.join(project, 'migrations', 'committed'), { recursive: true });
    await commitLibraryMigration(project, (version) => `tandem library ${version}`);
    const newer = await upgradeProject(project).catch((error: unknown) => error);
    expect(newer).toMatchObject({ exitCode: 4, message: expect.stringContaining(`install the tandem library 99.0.0 (000001-tandem-library-99-0-0.sql), newer than this package's ${source}`) });

    await rm(path.join(project, 'migrations', 'committed'), { recursive: true });
    const none = await upgradeProject(project).catch((error: unknown) => error);
    expect(none).toMatchObject({ exitCode: 1, message: expect.stringContaining('Fix: `npx tandem init` adds the library') });
  });

  it("refuses to run in tandem's own repository", async () => {
    await expect(upgradeProject(projectRoot)).rejects.toThrow("this is tandem's own repository");
  });
});
