/*
 * A backfill's progress (src/cli/progress.ts) names the bridge under way and counts that bridge's own
 * rows: drawn from a sequence of backfill_batch results, on a terminal and off one, and from a real
 * `npx tandem backfill` of a migration with two bridges of different sizes.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackfillProgress, currentBridge, type BridgeProgress } from '../src/cli/progress.js';
import { projectRoot } from '../src/db/provision.js';
import { freshDatabase, type TestDatabase } from './support/database.js';

const bridge = (name: string, rowsDone: number, totalEstimate: number, finished = false): BridgeProgress => ({ bridge: name, rowsDone, rowsRejected: 0, totalEstimate, finished });

/** What backfill_batch returns after each batch of a migration with bridges big (3,000 rows) and small (500), 1,000 rows a batch. */
const BATCHES: BridgeProgress[][] = [
  [bridge('big', 1000, 3000), bridge('small', 0, 0)],
  [bridge('big', 2000, 3000), bridge('small', 0, 0)],
  [bridge('big', 3000, 3000), bridge('small', 0, 0)],
  [bridge('big', 3000, 3000, true), bridge('small', 0, 0)],
  [bridge('big', 3000, 3000, true), bridge('small', 500, 500)],
  [bridge('big', 3000, 3000, true), bridge('small', 500, 500, true)],
];

/** Feeds the batches one second apart; returns what was printed. */
function draw(interactive: boolean): { lines: string[]; terminal: string } {
  let now = 0;
  let terminal = '';
  const stream = Object.assign(
    new Writable({ write: (chunk: Buffer, _encoding, done) => ((terminal += chunk.toString()), done()) }),
    { isTTY: true, columns: 120 },
  );
  const lines: string[] = [];
  const progress = new BackfillProgress({ migration: 'orders', interactive, stream, line: (text) => lines.push(text), now: () => now, every: 1500 });
  for (const batch of BATCHES) {
    now += 1000;
    progress.update(batch);
  }
  progress.stop(BATCHES.at(-1));
  return { lines, terminal: stripVTControlCharacters(terminal) };
}

describe('backfill progress', () => {
  it('is the bridge the last batch worked on: the last one started', () => {
    expect(currentBridge([bridge('big', 0, 0), bridge('small', 0, 0)])).toBeUndefined();
    expect(currentBridge(BATCHES[0]!)).toMatchObject({ index: 0, bridge: { bridge: 'big' } });
    expect(currentBridge(BATCHES[3]!)).toMatchObject({ index: 0, bridge: { bridge: 'big', finished: true } });
    expect(currentBridge(BATCHES[4]!)).toMatchObject({ index: 1, bridge: { bridge: 'small' } });
    // A bridge with no rows starts and finishes in one batch.
    expect(currentBridge([bridge('big', 3000, 3000, true), bridge('empty', 0, 0, true), bridge('small', 0, 0)])).toMatchObject({ index: 1 });
  });

  it('off a terminal: a line now and then, and each bridge its last, with its own rows and rate', () => {
    expect(draw(false).lines).toEqual([
      'backfill orders: bridge big (1 of 2): 2,000/3,000 rows (66%), 1,000 rows/s, 1.0 s left',
      'backfill orders: bridge big (1 of 2): 3,000/3,000 rows (100%), 667 rows/s, done',
      'backfill orders: bridge small (2 of 2): 500/500 rows (100%), 250 rows/s, done',
    ]);
  });

  it('on a terminal: a bar per bridge, named, that stays drawn when the next starts', () => {
    const { lines, terminal } = draw(true);
    expect(lines).toEqual([]);
    expect(terminal).toMatch(/backfill orders: bridge big \(1 of 2\) \[[█░]+\] 1,000\/3,000 rows \| \? rows\/s \| \? left/);
    expect(terminal).toMatch(/backfill orders: bridge big \(1 of 2\) \[█+\] 3,000\/3,000 rows \| 667 rows\/s \| 0 s left\n/);
    expect(terminal).toMatch(/backfill orders: bridge small \(2 of 2\) \[█+\] 500\/500 rows \| 250 rows\/s \| 0 s left\n/);
    // Never the sum of both bridges.
    expect(terminal).not.toContain('3,500');
  });
});

describe('npx tandem backfill of two bridges', () => {
  let db: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    db = await freshDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`
      create table public.legacy_order (id int primary key, note text);
      create table public.modern_order (id int primary key, note text);
      create table public.legacy_line (id int primary key, qty text);
      create table public.modern_line (id int primary key, qty int);
      insert into legacy_order select g, 'order ' || g from generate_series(1, 1500) g;
      insert into legacy_line select g, g::text from generate_series(1, 300) g;
      select tandem.create_migration('orders', 'orders and lines');
      select tandem.bridge(migration => 'orders', name => 'big', legacy => 'legacy_order', modern => 'modern_order',
        key => '{"id": "id"}', forward => '{"note": "note"}', backward => '{"note": "note"}');
      select tandem.bridge(migration => 'orders', name => 'small', legacy => 'legacy_line', modern => 'modern_line',
        key => '{"id": "id"}', forward => '{"qty": "qty::int"}', backward => '{"qty": "qty::text"}');
      select tandem.expand('orders');
    `);
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it("names each bridge and counts its own rows, not the migration's", async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('node', [path.join(projectRoot, 'bin', 'tandem.mjs'), 'backfill', 'orders', '--batch-size', '100'], { env: { ...process.env, ...db.env, NO_COLOR: '1' } }, (error, out, err) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: out, stderr: err }));
    });
    expect(code).toBe(0);
    const lines = stderr.trim().split('\n');
    expect(lines.at(-2)).toMatch(/^backfill orders: bridge big \(1 of 2\): 1,500\/1,500 rows \(100%\), [\d,]+ rows\/s, done$/);
    expect(lines.at(-1)).toMatch(/^backfill orders: bridge small \(2 of 2\): 300\/300 rows \(100%\), [\d,]+ rows\/s, done$/);
    expect(stderr).not.toContain('1,800');
    expect(stdout).toMatch(/^backfilled orders: 1,800 rows \(big 1,500, small 300\) in [\d.]+ m?s\. Next: npx tandem verify orders\n$/);
  });
});
