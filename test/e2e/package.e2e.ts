/*
 * The package as a new user gets it: `npm pack` of this repository, installed with `npm install` into a
 * new project in a temporary folder, then `npx tandem …` there, as the README's "Use it in your
 * project" says. Nothing of this repository is reachable from that project: its PATH has no
 * node_modules/.bin of ours, no DATABASE_URL is set, and every command runs on the project's own
 * embedded server.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/db/provision.js';
import { sourceVersion } from '../../src/release.js';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

const manifest = JSON.parse(await readFile(path.join(projectRoot, 'package.json'), 'utf8')) as { name: string; version: string };
const library = await sourceVersion();

/** The environment of a user's shell: none of this repository's tools on PATH, no database, no npm script variables. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_|NODE_|VITEST|TANDEM_)|^(DATABASE_URL|SHADOW_DATABASE_URL|ROOT_DATABASE_URL|INIT_CWD|FORCE_COLOR)$/.test(name)) continue;
    env[name] = value;
  }
  env.PATH = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => !dir.includes('node_modules')).join(path.delimiter);
  env.NO_COLOR = '1';
  return env;
}

function run(command: string, args: string[], cwd: string): Promise<Result> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: userEnv(), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let folder: string;
let project: string;
/** `npx tandem <args>` in the project: the installed package's bin, never one fetched from the registry (--no; `--` keeps npx from reading --version as its own). */
const tandem = (...args: string[]) => run('npx', ['--no', '--', 'tandem', ...args], project);
/** Fails with everything the command printed. */
function ok(result: Result): Result {
  expect(result.code, `exit ${result.code}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
}

const CURRENT = `
create table if not exists public.customer (id int primary key, full_name text not null, balance text);
create table if not exists public.client (client_id int primary key, first_name text not null, balance numeric(12, 2));
insert into public.customer select g, 'Name' || g, (g * 1.5)::numeric(12, 2)::text from generate_series(1, 500) g on conflict do nothing;
select tandem.create_migration('clients', 'customer → client');
select tandem.bridge(migration => 'clients', name => 'client', legacy => 'public.customer', modern => 'public.client',
  key => '{"client_id": "id"}', forward => '{"first_name": "full_name", "balance": "balance::numeric"}',
  backward => '{"full_name": "first_name", "balance": "balance::text"}');
select tandem.expand('clients');
`;

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'tandem-package-'));
  // As root, the embedded server runs as postgres, which must reach the project to keep its data there.
  await chmod(folder, 0o755);
  project = path.join(folder, 'app');
  await mkdir(project);
});
afterAll(async () => {
  // The project's embedded server is stopped by each command that started it; only files remain.
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('the packed package in a new project', () => {
  let tarball: string;

  it('packs: compiled JavaScript and declarations, the bin, the library SQL and the templates, no TypeScript source', async () => {
    const packed = ok(await run('npm', ['pack', '--json', '--pack-destination', folder], projectRoot));
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const files = info!.files.map((file) => file.path);
    expect(files).toEqual(expect.arrayContaining(['bin/tandem.mjs', 'dist/src/cli/tandem.js', 'dist/src/index.d.ts', 'migrations/fixtures/tandem/install.sql', 'templates/gmrc', 'package.json']));
    expect(files.filter((file) => file.startsWith('src/') || file.startsWith('test/') || file.startsWith('migrations/committed/'))).toEqual([]);
    tarball = path.join(folder, info!.filename);
  });

  it('installs with npm into a new project', async () => {
    ok(await run('npm', ['init', '-y'], project));
    ok(await run('npm', ['install', '--save-dev', '--prefer-offline', '--no-audit', '--no-fund', tarball], project));
    expect(existsSync(path.join(project, 'node_modules', manifest.name, 'dist', 'src', 'cli', 'tandem.js'))).toBe(true);
    // The library entry, for a project's own scripts.
    const imported = ok(await run('node', ['--input-type=module', '-e', `const m = await import('${manifest.name}'); console.log(typeof m.provideDatabase, typeof m.queries.verifyMigration.run)`], project));
    expect(imported.stdout).toBe('function function\n');
  });

  it('tandem --version', async () => {
    expect(ok(await tandem('--version')).stdout).toBe(`${manifest.name} ${manifest.version} (SQL library ${library})\n`);
  });

  it('tandem init writes the project, and a second run changes nothing', async () => {
    const first = ok(await tandem('init')).stdout;
    expect(first).toContain(`wrote    migrations/committed/000001-tandem-library-${library.replaceAll('.', '-')}.sql`);
    expect(first).toContain('wrote    .github/workflows/tandem.yml');
    const second = ok(await tandem('init')).stdout;
    expect(second).toContain('Nothing to do: the project is set up.');
  });

  it('tandem migrate installs the library on the embedded server, its data in the project', async () => {
    const migrated = ok(await tandem('migrate')).stdout;
    expect(migrated).toContain('PostgreSQL: embedded PostgreSQL');
    expect(migrated).toContain(`tandem library: ${library}.`);
    expect(existsSync(path.join(project, '.tandem', 'postgres', 'data', 'PG_VERSION'))).toBe(true);
    expect(existsSync(path.join(project, 'node_modules', manifest.name, '.tandem'))).toBe(false);
  });

  it('tandem gm watch --once applies a legacy table and a bridge from current.sql', async () => {
    await writeFile(path.join(project, 'migrations', 'current.sql'), CURRENT);
    ok(await tandem('gm', 'watch', '--once'));
    const status = JSON.parse(ok(await tandem('status', '--json')).stdout) as { migration: string; phase: string }[];
    expect(status).toEqual([expect.objectContaining({ migration: 'clients', phase: 'expanded' })]);
  });

  it("tandem codegen types the user's own query, and --check finds no drift", async () => {
    await writeFile(path.join(project, 'sql', 'clients.sql'), '/* @name clientById */\nselect client_id, first_name from public.client where client_id = :id!;\n');
    ok(await tandem('codegen'));
    expect(await readFile(path.join(project, 'generated', 'clients.queries.ts'), 'utf8')).toContain('export interface ClientByIdResult {');
    expect(ok(await tandem('codegen', '--check')).stdout).toContain('ok: generated/ matches the queries and the schema.');
  });

  it('tandem lint, reading the database, finds the migrations to lint', async () => {
    const linted = await tandem('lint');
    expect(linted.stderr).not.toContain('ENOENT');
    expect([0, 1]).toContain(linted.code);
  });

  it('backfill, verify, cutover, verify, contract, and status --json', async () => {
    expect(ok(await tandem('backfill', 'clients')).stdout).toContain('backfilled clients: 500 rows');
    expect(ok(await tandem('verify', 'clients')).stdout).toContain('verified: consistency 100%');
    expect(ok(await tandem('cutover', 'clients', '--yes')).stdout).toBe('cut over: clients\n');
    expect(ok(await tandem('verify', 'clients')).stdout).toContain('verified: consistency 100%');
    expect(ok(await tandem('contract', 'clients', '--yes')).stdout).toBe('contracted: clients\n');
    const status = JSON.parse(ok(await tandem('status', '--json')).stdout) as { migration: string; phase: string }[];
    expect(status).toEqual([expect.objectContaining({ migration: 'clients', phase: 'contracted', nextStep: 'done' })]);
  });

  it('tandem ci passes on the project', async () => {
    const ci = ok(await tandem('ci')).stdout;
    expect(ci).toContain('✔ backfill and verify clients');
    expect(ci).toContain('✔ rollback rehearsal clients');
    expect(ci).toMatch(/CI passed: \d+ steps in [\d.]+ s\./);
  });

  it('tandem demo runs a worked scenario from the package on the project\'s server', async () => {
    const demo = ok(await tandem('demo', 'scout', '--scale', '0.01')).stdout;
    expect(demo).toContain('Verification found 0 differences; 0 of');
    expect(demo).toContain('ok: nothing differed and no write was lost.');
    expect(demo).toMatch(/^ {2}psql 'postgres:\/\/postgres:[\w-]+@localhost:\d+\/tandem_demo_scout'$/m);
  });
});
