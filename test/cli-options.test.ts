/*
 * What every verb of npx tandem shares: --version, --database-url, NO_COLOR, and one way to print an
 * error and choose its exit code.
 */
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/db/provision.js';
import { sourceVersion } from '../src/release.js';
import { freshDatabase, type TestDatabase } from './support/database.js';
import { envWithoutDatabase } from './support/processes.js';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function tandem(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile('node', [path.join(projectRoot, 'bin', 'tandem.mjs'), ...args], { cwd: projectRoot, env }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const ESCAPE = '\u001b[';
let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('npx tandem', () => {
  it('--version prints the package and its SQL library release', async () => {
    const { name, version } = JSON.parse(await readFile(path.join(projectRoot, 'package.json'), 'utf8')) as { name: string; version: string };
    for (const flag of ['--version', '-V']) {
      const result = await tandem(process.env, flag);
      expect(result).toEqual({ code: 0, stdout: `${name} ${version} (SQL library ${await sourceVersion()})\n`, stderr: '' });
    }
  });

  it('--database-url on any verb is used instead of DATABASE_URL', async () => {
    const unreachable = 'postgres://nobody:secret@localhost:1/nowhere';
    const env = { ...envWithoutDatabase(), DATABASE_URL: unreachable, NO_COLOR: '1' };
    expect((await tandem(env, 'status')).code).toBe(2);
    const status = await tandem(env, 'status', '--database-url', db.url);
    expect(status.stderr).toBe('');
    expect(status).toMatchObject({ code: 0, stdout: expect.stringContaining('No migrations yet.') });
    const lint = await tandem(env, 'lint', '--database-url', db.url, '--format', 'json');
    expect(lint.stderr).toBe('');
    expect(lint.code).toBe(0);
    for (const verb of ['status', 'plan', 'backfill', 'verify', 'cutover', 'rollback', 'contract', 'log', 'rejects', 'lint']) {
      expect((await tandem(env, verb, '--help')).stdout, verb).toContain('--database-url <url>');
    }
  });

  it('refuses a --database-url that is not a PostgreSQL connection string, with exit 2', async () => {
    const result = await tandem(envWithoutDatabase(), 'status', '--database-url', 'mysql://localhost/x');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('expected a PostgreSQL connection string');
  });

  it('colours its messages only without NO_COLOR, even where colour is forced', async () => {
    const env = { ...envWithoutDatabase(), ...db.env, FORCE_COLOR: '1' };
    const coloured = await tandem(env, 'status', 'nope');
    expect(coloured.code).toBe(1);
    expect(coloured.stderr).toContain(ESCAPE);
    const plain = await tandem({ ...env, NO_COLOR: '1' }, 'status', 'nope');
    expect(plain).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: migration "nope" does not exist.\nFix: check the name (npx tandem status lists them), or create it: select tandem.create_migration('nope');\n`,
    });
  });

  it('prints a provisioning error once and exits 2, from npx tandem and from the npm scripts alike', async () => {
    const env = { ...envWithoutDatabase(), DATABASE_URL: 'postgres://nobody:secret@localhost:1/nowhere', NO_COLOR: '1' };
    const viaTandem = await tandem(env, 'migrate');
    expect(viaTandem.code).toBe(2);
    expect(viaTandem.stderr).toMatch(/^error: Cannot connect to DATABASE_URL \(postgres:\/\/nobody:\*\*\*@localhost:1\/nowhere\)/);
    expect(viaTandem.stderr.match(/^error:/gm)).toHaveLength(1);
    // The scripts as npm runs them: scripts/migrate.ts is `tandem migrate`; scripts/examples.ts has a runMain of its own.
    const tsx = pathToFileURL(path.join(projectRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    for (const script of ['migrate.ts', 'examples.ts']) {
      const result = await new Promise<Result>((resolve) => {
        execFile(process.execPath, ['--import', tsx, path.join(projectRoot, 'scripts', script)], { cwd: projectRoot, env }, (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
      });
      expect(result, script).toEqual({ code: 2, stdout: '', stderr: viaTandem.stderr });
    }
  });
});
