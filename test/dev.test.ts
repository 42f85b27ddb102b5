import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/db/provision.js';
import { freshDatabase, withClient, type TestDatabase } from './support/database.js';
import { hasExited, startScript, waitFor, type Script } from './support/processes.js';

/** Pids of `graphile-migrate watch` processes running in `folder` (read from /proc). */
function watchersIn(folder: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return args.some((arg) => /graphile-migrate(\/dist\/cli\.js)?$/.test(arg)) && args.includes('watch') && readlinkSync(`/proc/${pid}/cwd`) === folder;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** Lines of the dev loop's output that match `pattern`. */
const count = (dev: Script, pattern: RegExp) => dev.output().split('\n').filter((line) => pattern.test(line)).length;

describe('npm run dev', () => {
  let project: string;
  let db: TestDatabase;
  let dev: Script;

  beforeAll(async () => {
    // The loop runs on a copy of the project, so the test edits no file of the real one.
    project = await mkdtemp(path.join(tmpdir(), 'tandem-dev-'));
    for (const entry of ['migrations', 'sql', 'generated', '.gmrc', 'pgtyped.config.json', 'scripts/after-current.mjs']) {
      await cp(path.join(projectRoot, entry), path.join(project, entry), { recursive: true });
    }
    db = await freshDatabase();
    dev = startScript('dev.ts', { cwd: project, env: { ...process.env, ...db.env } });
    await waitFor('the dev loop to start', () => /\[dev\] watching/.test(dev.output()) || hasExited(dev));
    expect(dev.output()).toContain('[dev] watching');
    expect(watchersIn(project)).toHaveLength(1);
  });

  afterAll(async () => {
    if (dev && !hasExited(dev)) process.kill(-dev.pid!, 'SIGKILL');
    await db?.drop();
    await rm(project, { recursive: true, force: true });
  });

  it('applies an edit to current.sql and regenerates the types after it', async () => {
    const regenerated = count(dev, /types regenerated \(current\.sql applied/);
    await writeFile(
      path.join(project, 'migrations', 'current.sql'),
      'drop table if exists public.dev_probe;\ncreate table public.dev_probe (id int primary key, note text);\n',
    );
    await waitFor('current.sql to be applied', () => count(dev, /types regenerated \(current\.sql applied/) > regenerated);
    await withClient(db.url, async (client) => {
      const { rows } = await client.query("select to_regclass('public.dev_probe') is not null as present");
      expect(rows[0].present).toBe(true);
    });
    // …and lints it: the drop of a table not created in this migration is data loss.
    await waitFor('the lint', () => /\[data-loss\] DROP TABLE public\.dev_probe/.test(dev.output()));
  });

  it('regenerates the types after an edit to a query file', async () => {
    await writeFile(path.join(project, 'sql', 'probe.sql'), '/* @name probe */\nselect id as "id!", note from public.dev_probe;\n');
    await waitFor('probe.sql to be typed', () => /types regenerated \(sql\/probe\.sql changed/.test(dev.output()));
    const generated = await readFile(path.join(project, 'generated', 'probe.queries.ts'), 'utf8');
    expect(generated).toMatch(/export interface ProbeResult \{\n {2}id: number;\n {2}note: string \| null;\n\}/);
  });

  it('keeps running when a query cannot be typed, and says why', async () => {
    await writeFile(path.join(project, 'sql', 'probe.sql'), '/* @name probe */\nselect nope from public.dev_probe;\n');
    await waitFor('the failure to be reported', () => /\[codegen\] failed/.test(dev.output()));
    expect(dev.output()).toContain('sql/probe.sql:1: query Probe');
    expect(dev.output()).toContain('column "nope" does not exist');
    expect(hasExited(dev)).toBe(false);
  });

  it('stops everything on Ctrl-C', async () => {
    process.kill(-dev.pid!, 'SIGINT');
    await waitFor('the dev loop to stop', () => hasExited(dev));
    expect(dev.exitCode).toBe(0);
    expect(dev.output()).toContain('[dev] stopped.');
    expect(watchersIn(project)).toEqual([]);
  });
});
