/*
 * `tandem demo` for a person: every line of its output at most 100 columns wide (its summary at the
 * sizes of scale 1 too), the backfill's progress by bridge, and a last hint whose psql command, copied
 * as printed, reaches the demo's database. The whole demo runs once, at a small scale, in a new project
 * on an embedded server of its own, as `npx tandem demo` runs in a user's project.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columns } from '../src/cli/format.js';
import { configureColor } from '../src/cli/run-main.js';
import { DEMO_WIDTH, demoSummary, lookAtIt } from '../src/cli/verbs/demo.js';
import { projectRoot } from '../src/db/provision.js';
import type { LifecycleSummary } from '../src/examples/lifecycle.js';
import { envWithoutDatabase, hasExited, startScript, waitFor, type Script } from './support/processes.js';

configureColor({ NO_COLOR: '1' });

/** The lines wider than the demo's width, with their width. */
const tooWide = (text: string) => text.split('\n').filter((line) => columns(line) > DEMO_WIDTH).map((line) => `${columns(line)}: ${line}`);

/** A summary with the figures of a run at scale 1 (the README's), and notes as long as the demo's. */
const SCALE_1: LifecycleSummary = {
  scenario: 'scout',
  title: 'Scout medallion: geography/organization → stores/products/brands/categories',
  databaseUrl: 'postgres://postgres:secret@localhost:44025/tandem_demo_scout',
  phases: [
    ['legacy database', 4210, 'geography 2,400, organization 2,150, transactions 376,212, on tandem 0.6.0 from the source; the legacy app starts'],
    ['expand', 712, 'migration 000002 applied; the modern app starts'],
    ['backfill', 9650, '380,105 rows in 80 batches, 0 rejected, while both apps wrote'],
    ['index and validate', 3100, 'migrations 000003 to 000006 applied'],
    ['verify', 2890, '65 checks, 0 failed, consistency 100%'],
    ['cutover', 610, 'migration 000007 applied'],
    ['legacy app after cutover', 3020, '4 read queries answered; 1,208 writes and 301 reads by the legacy app so far'],
    ['rollback', 420, 'rolled back from cut_over to verified; the apps kept writing'],
    ['cutover again', 95, 'cut over'],
    ['verify after cutover', 2950, '65 checks, 0 failed, consistency 100%'],
    ['contract', 655, 'legacy app retired; migration 000008 applied'],
    ['account for every write', 310, '12,345 acknowledged writes looked up: 0 lost'],
  ].map(([name, ms, note]) => ({ name: name as string, ms: ms as number, note: note as string })),
  rowsMoved: 380_105,
  counts: { stores: 2400, brands: 1650, categories: 8, products: 5300, transactions: 389_000 },
  apps: [
    { name: 'legacy app', writes: 10_234, reads: 2_511, retries: 3, errors: [] },
    { name: 'modern app', writes: 11_020, reads: 3_403, retries: 0, errors: [] },
  ],
  legacyAfterCutover: { writes: 4_512, reads: 1_130 },
  legacyAccess: 'through the compatibility views geography and organization',
  differences: 0,
  writesChecked: 12_345,
  lost: [],
};

describe('the demo summary', () => {
  it('fits in 100 columns at the sizes of scale 1, wrapping what would not', () => {
    const summary = demoSummary(SCALE_1);
    expect(tooWide(summary)).toEqual([]);
    // Nothing is cut: each note is whole, wrapped inside its cell onto the lines below.
    const notes: string[] = [];
    for (const line of summary.split('\n').filter((text) => text.startsWith('│ '))) {
      const [, phase, , note] = line.split('│').map((cell) => cell.trim());
      if (phase) notes.push(note!);
      else notes[notes.length - 1] += ` ${note}`;
    }
    expect(notes.slice(1, SCALE_1.phases.length + 1)).toEqual(SCALE_1.phases.map((phase) => phase.note));
    expect(summary).toContain('Verification found 0 differences; 0 of 12,345 acknowledged writes were lost.');
  });

  it('wraps the errors of a run that failed, showing them whole', () => {
    const error = `unit of work 'sale' failed: ${'a very long message from PostgreSQL '.repeat(6)}(SQLSTATE 23505)`;
    const summary = demoSummary({ ...SCALE_1, apps: [{ ...SCALE_1.apps[0]!, errors: [error] }, SCALE_1.apps[1]!] });
    expect(tooWide(summary)).toEqual([]);
    expect(summary.replace(/\n\s+/g, ' ')).toContain(`legacy app: ${error}`);
  });
});

describe('the hint at the end', () => {
  const url = 'postgres://postgres:s3cret@localhost:44025/tandem_demo_scout';
  it("gives the embedded server's whole connection string, and how to start the server the demo stopped", () => {
    expect(lookAtIt({ source: 'embedded', started: true }, url)).toBe(
      'Look at the result: the server stopped with the demo; `npx tandem db` starts it again (on port 44025 while that port is free) and, in another terminal:\n' +
        `  psql '${url}'`,
    );
    expect(lookAtIt({ source: 'embedded', started: false }, url)).toBe(`Look at the result (the server keeps running):\n  psql '${url}'`);
  });

  it("leaves DATABASE_URL's password out, and quotes for the shell", () => {
    expect(lookAtIt({ source: 'url', started: false }, "postgresql://app:pa'ss@db.example:5433/tandem_demo_square")).toBe(
      'Look at the result (psql asks for the password unless PGPASSWORD or ~/.pgpass has it):\n' +
        `  psql 'postgresql://app@db.example:5433/tandem_demo_square'`,
    );
  });
});

describe('npx tandem demo in a new project', () => {
  let project: string;
  let output: { code: number; stdout: string; stderr: string };
  let server: Script | undefined;
  const env = () => envWithoutDatabase({ NO_COLOR: '1' });

  beforeAll(async () => {
    project = await mkdtemp(path.join(tmpdir(), 'tandem-demo-'));
    // Run as root, the server runs as postgres, which must reach the project's .tandem/postgres.
    await chmod(project, 0o755);
    await writeFile(path.join(project, '.gmrc'), '{}\n');
    const run = () =>
      new Promise<typeof output>((resolve) => {
        execFile('node', [path.join(projectRoot, 'bin', 'tandem.mjs'), 'demo', 'scout', '--scale', '0.01'], { cwd: project, env: env(), maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
      });
    output = await run();
  }, 400_000);
  afterAll(async () => {
    if (server && !hasExited(server)) {
      process.kill(-server.pid!, 'SIGINT');
      await waitFor('the server to stop', () => hasExited(server!), 30_000).catch(() => process.kill(-server!.pid!, 'SIGKILL'));
    }
    await rm(project, { recursive: true, force: true });
  });

  it('runs, every line of its output at most 100 columns wide', () => {
    expect(output.code, output.stderr).toBe(0);
    // Standard error has at most the server's first start.
    expect(output.stderr).toMatch(/^(Creating a PostgreSQL \d+ cluster in .* \(first use\)\.\n)?$/);
    expect(tooWide(output.stdout)).toEqual([]);
  });

  it("shows the backfill by bridge, each with its own rows, which add up to the rows moved", () => {
    const bridges = [...output.stdout.matchAll(/^ {2}backfill medallion: bridge (\w+) \((\d) of 5\): ([\d,]+)\/([\d,]+) rows \(100%\), (?:[\d,]+ rows\/s, )?done$/gm)];
    expect(bridges.map((line) => line[1])).toEqual(['stores', 'brands', 'categories', 'transaction_refs', 'products']);
    const rows = bridges.map((line) => Number(line[3]!.replaceAll(',', '')));
    const moved = Number(/✓ backfill \([^)]+\): ([\d,]+) rows in/.exec(output.stdout)![1]!.replaceAll(',', ''));
    expect(rows.reduce((sum, n) => sum + n, 0)).toBe(moved);
    expect(new Set(rows).size).toBeGreaterThan(1);
  });

  it('ends with a psql command that, copied as printed, reaches the demo database once `npx tandem db` runs', async () => {
    const command = /^ {2}(psql '[^']+')$/m.exec(output.stdout)?.[1];
    expect(command).toBeDefined();
    const url = /^psql '(.+)'$/.exec(command!)![1]!;
    expect(url).toMatch(/^postgres:\/\/postgres:[\w-]+@localhost:\d+\/tandem_demo_scout$/);
    server = startScript('db.ts', { cwd: project, env: env() });
    await waitFor('the server', () => /Running\. Press Ctrl-C to stop\./.test(server!.output()) || hasExited(server!), 60_000);
    expect(server.output()).toContain(`:${new URL(url).port}/`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect((await client.query('select phase from tandem.migration')).rows).toEqual([{ phase: 'contracted' }]);
    } finally {
      await client.end();
    }
    // psql itself, where it is installed (tandem does not install it): the command as a shell reads it.
    if (spawnSync('psql', ['--version']).status === 0) {
      const psql = spawnSync('sh', ['-c', `${command} -XAtc 'select phase from tandem.migration'`], { encoding: 'utf8' });
      expect(psql.stderr).toBe('');
      expect(psql.stdout).toBe('contracted\n');
    }
  });
});
