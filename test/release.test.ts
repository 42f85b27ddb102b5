/*
 * Releases of the SQL library: a change to its source is a new version, made in current.sql until it
 * is committed; and the release is also one SQL file that installs into any database.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../src/db/provision.js';
import { compareVersions, librarySql, libraryVersion, releaseSql } from '../src/release.js';
import { connectedDatabase } from './support/database.js';

const run = promisify(execFile);
const COMMITTED = path.join(projectRoot, 'migrations', 'committed');
const INCLUDED = '--! Included tandem/install.sql';

/** The library text of the latest committed release, as graphile-migrate froze it. */
async function latestRelease(): Promise<{ file: string; text: string; version: string }> {
  const files = (await readdir(COMMITTED)).filter((file) => file.endsWith('.sql')).sort().reverse();
  for (const file of files) {
    const text = await readFile(path.join(COMMITTED, file), 'utf8');
    const start = text.indexOf(INCLUDED);
    if (start === -1) continue;
    const end = text.indexOf('--! EndIncluded tandem/install.sql', start);
    const included = text.slice(start, end + '--! EndIncluded tandem/install.sql'.length);
    return { file, text: included, version: await libraryVersion(included) };
  }
  throw new Error('no committed migration installs the library');
}

describe('the library source', () => {
  it('is the latest release, or a later version that current.sql installs', async () => {
    const source = (await librarySql()).trim();
    const release = await latestRelease();
    if (source === release.text.trim()) return;
    const version = await libraryVersion(source);
    expect(compareVersions(version, release.version), `the source differs from ${release.file} (${release.version}): raise tandem.version() in install.sql`).toBeGreaterThan(0);
    const current = await readFile(path.join(projectRoot, 'migrations', 'current.sql'), 'utf8');
    expect(current, 'current.sql must include the library while its next release is made').toMatch(/^--![ \t]*include[ \t]+tandem\/install\.sql[ \t]*$/m);
  });

  it('reads the version of every release with the PostgreSQL parser', async () => {
    const versions: string[] = [];
    for (const file of (await readdir(COMMITTED)).sort()) {
      const text = await readFile(path.join(COMMITTED, file), 'utf8');
      if (text.includes(INCLUDED)) versions.push(await libraryVersion(text));
    }
    expect(versions.slice(0, 3)).toEqual(['0.1.0', '0.2.0', '0.3.0']);
    expect([...versions].sort(compareVersions)).toEqual(versions);
    await expect(libraryVersion('select 1;')).rejects.toThrow(/defines no tandem.version/);
  });
});

describe('npm run release:sql', () => {
  it('prints one file that installs the release into an empty database in one transaction', async () => {
    const { stdout } = await run('npx', ['tsx', 'scripts/release-sql.ts', '--stdout'], { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 });
    const { version, sql } = await releaseSql();
    expect(stdout).toBe(sql);
    expect(sql).toMatch(new RegExp(`^-- tandem SQL library ${version.replaceAll('.', '\\.')}`));
    expect(sql).toContain('\nbegin;\n');
    expect(sql.trimEnd().endsWith('commit;')).toBe(true);
    expect(sql).not.toMatch(/^--![ \t]*include/m);

    const db = await connectedDatabase({ empty: true });
    try {
      await db.client.query(sql);
      expect((await db.client.query('select tandem.version() as v')).rows[0].v).toBe(version);
      // Again over itself: nothing to regenerate, nothing broken.
      await db.client.query(sql);
      const { rows } = await db.client.query("select detail->'regenerated' as regenerated from tandem.event_log where event = 'install' order by id");
      expect(rows).toEqual([{ regenerated: [] }, { regenerated: [] }]);
    } finally {
      await db.close();
    }
  });

  it('refuses an unknown option with exit code 2', async () => {
    const error = await run('npx', ['tsx', 'scripts/release-sql.ts', '--nope'], { cwd: projectRoot }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 2 });
    expect((error as { stderr: string }).stderr).toContain("unknown option '--nope'");
  });
});
