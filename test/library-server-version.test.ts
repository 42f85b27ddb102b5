/*
 * The oldest PostgreSQL the library installs on is 15 (cutover's compatibility views need
 * security_invoker). On PostgreSQL 14, whose binaries are pinned for linux-x64 beside the supported
 * majors, the install refuses at once with TD009, creating nothing; and a database already on an
 * earlier release (which had no such check) keeps that release instead of being upgraded half-way.
 */
import { mkdtemp, readdir, readFile, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureEmbeddedServer, type EmbeddedServer } from '../src/db/embedded.js';
import { embeddedBinariesAvailable, projectRoot } from '../src/db/provision.js';
import { releaseSql } from '../src/release.js';
import { sqlError } from './support/sql.js';

const OLD_MAJOR = 14;
const COMMITTED = path.join(projectRoot, 'migrations', 'committed');

describe.skipIf(!(await embeddedBinariesAvailable(OLD_MAJOR)))(`PostgreSQL ${OLD_MAJOR}`, () => {
  let dir: string;
  let server: EmbeddedServer;
  let install: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-pg14-'));
    await chmod(dir, 0o755); // the postgres user must reach it when we run as root
    server = await ensureEmbeddedServer({
      dir,
      major: OLD_MAJOR,
      databases: ['fresh', 'released'],
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
    });
    install = (await releaseSql()).sql;
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function connect(database: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: server.url(database) });
    await client.connect();
    return client;
  }

  function expectRefusal(error: { code: string; message: string; detail?: string; hint?: string }) {
    expect(error.code).toBe('TD009');
    expect(error.message).toMatch(/^the tandem SQL library needs PostgreSQL 15 or later; this server is PostgreSQL 14\.\d+/);
    expect(error.detail).toMatch(/security_invoker.*from PostgreSQL 15 on\. Nothing was installed\.$/);
    expect(error.hint).toMatch(/^Upgrade this server to PostgreSQL 15 or later/);
  }

  it('the install refuses, naming the server version, why and the fix, and creates nothing', async () => {
    const client = await connect('fresh');
    try {
      const { rows } = await client.query("select current_setting('server_version_num')::int as version");
      expect(Math.floor(rows[0].version / 10000)).toBe(OLD_MAJOR);
      expectRefusal(await sqlError(client, install));
      await client.query('rollback'); // the release file's own transaction, left aborted
      const after = await client.query("select to_regnamespace('tandem') as schema");
      expect(after.rows).toEqual([{ schema: null }]);
    } finally {
      await client.end();
    }
  });

  it('an upgrade over an earlier release is refused and leaves that release as it was', async () => {
    const client = await connect('released');
    try {
      // Every committed release in order, as graphile-migrate applies them, up to the first that refuses.
      const files = (await readdir(COMMITTED)).filter((file) => file.endsWith('.sql')).sort();
      for (const file of files) {
        await client.query('begin');
        const refused = await client.query(await readFile(path.join(COMMITTED, file), 'utf8')).then(
          () => false,
          (error: { code?: string }) => {
            if (error.code !== 'TD009') throw error;
            return true;
          },
        );
        await client.query(refused ? 'rollback' : 'commit');
        if (refused) break;
      }
      const before = (await client.query('select tandem.version() as version')).rows[0].version as string;
      expect(before).toMatch(/^\d+\.\d+\.\d+$/);
      expectRefusal(await sqlError(client, install));
      await client.query('rollback');
      expect((await client.query('select tandem.version() as version')).rows[0].version).toBe(before);
    } finally {
      await client.end();
    }
  });
});
