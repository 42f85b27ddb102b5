/*
 * 6. How cost grows: backfill, verification and multi-row sync through the bridge at three table
 * sizes, one run each, with the time per row relative to the smallest size (linear growth keeps it
 * near 1×), the peak memory of the Node side, and the temporary files the database wrote.
 */
import type pg from 'pg';
import { count, type BenchContext } from './context.js';
import { times, type Figure, type SectionResult } from './report-types.js';
import { number } from './report.js';
import { batchPlan, preparePair, timedBackfill } from './backfill.js';
import { flushStatistics } from './db.js';
import { mib, peakRss } from './memory.js';
import { customer } from './schema.js';
import { seconds, summarise } from './stats.js';
import { timedVerify } from './verify.js';

interface Point {
  rows: number;
  backfillSeconds: number;
  medianBatchMs: number;
  batchSeqScan: boolean;
  verifySeconds: number;
  /** Seconds for the multi-row insert, update and delete of `syncRows` rows through the bridge. */
  sync: { insert: number; update: number; delete: number };
  peakRssBytes: number;
  backfillTempBytes: number;
  verifyTempBytes: number;
}

const SYNC_ROWS = 20_000;
const PER_STATEMENT = 1_000;

/** The multi-row writes of part 1, through the bridge, on rows after the loaded ones. */
async function syncThroughBridge(client: pg.Client, rows: number): Promise<Point['sync']> {
  const ids = Array.from({ length: SYNC_ROWS }, (_, i) => rows + 1 + i);
  const chunks = Array.from({ length: SYNC_ROWS / PER_STATEMENT }, (_, i) => ids.slice(i * PER_STATEMENT, (i + 1) * PER_STATEMENT));
  const insert = await seconds(async () => {
    for (const chunk of chunks) {
      const rowsOut = chunk.map((id) => customer(id));
      await client.query(
        'insert into g.customer (id, full_name, email, balance) select * from unnest($1::int[], $2::text[], $3::text[], $4::text[])',
        [chunk, rowsOut.map((r) => r.full_name), rowsOut.map((r) => r.email), rowsOut.map((r) => r.balance)],
      );
    }
  });
  const update = await seconds(async () => {
    for (const chunk of chunks) {
      const rowsOut = chunk.map((id) => customer(id, 1));
      await client.query(
        `update g.customer as c set full_name = u.full_name, balance = u.balance
         from unnest($1::int[], $2::text[], $3::text[]) as u(id, full_name, balance) where c.id = u.id`,
        [chunk, rowsOut.map((r) => r.full_name), rowsOut.map((r) => r.balance)],
      );
    }
  });
  const remove = await seconds(async () => {
    for (const chunk of chunks) await client.query('delete from g.customer where id = any($1::int[])', [chunk]);
  });
  return { insert, update, delete: remove };
}

async function measure(context: BenchContext, rows: number): Promise<Point> {
  const database = await context.server.fresh('growth');
  const client = await database.connect();
  try {
    context.log(`growth: ${count(rows)} rows: loading`);
    await preparePair(client, 'g', 'bench_growth', rows);
    const plan = await batchPlan(client, 'bench_growth', 1_000, rows / 2);
    await flushStatistics(client);
    const start = await database.tempBytes();
    const measured = await peakRss(async () => {
      context.log(`growth: ${count(rows)} rows: backfill`);
      const backfill = await timedBackfill(client, 'bench_growth', 1_000);
      await flushStatistics(client);
      const afterBackfill = await database.tempBytes();
      context.log(`growth: ${count(rows)} rows: verify`);
      const verifySeconds = await timedVerify(client, 'bench_growth');
      await flushStatistics(client);
      const afterVerify = await database.tempBytes();
      context.log(`growth: ${count(rows)} rows: sync`);
      const sync = await syncThroughBridge(client, rows);
      return { backfill, verifySeconds, sync, backfillTempBytes: afterBackfill - start, verifyTempBytes: afterVerify - afterBackfill };
    });
    const { backfill, verifySeconds, sync, backfillTempBytes, verifyTempBytes } = measured.result;
    return {
      rows,
      backfillSeconds: backfill.seconds,
      medianBatchMs: summarise(backfill.batchesMs).median,
      batchSeqScan: plan.seqScan,
      verifySeconds,
      sync,
      peakRssBytes: measured.peakBytes,
      backfillTempBytes,
      verifyTempBytes,
    };
  } finally {
    await client.end();
    await database.drop();
  }
}

export async function growth(context: BenchContext): Promise<SectionResult> {
  const points: Point[] = [];
  for (const rows of context.sizes.growth.sizes) points.push(await measure(context, rows));
  const first = points[0]!;
  const one = (value: number) => summarise([value]);
  // Time per row relative to the smallest size: 1× is linear growth.
  const perRow = (point: Point, pick: (p: Point) => number, rowsOf: (p: Point) => number) =>
    times(pick(point) / rowsOf(point) / (pick(first) / rowsOf(first)));
  const figures: Figure[] = [];
  for (const point of points) {
    const at = `${count(point.rows)} rows`;
    figures.push(
      {
        name: `${at}: backfill (batch 1,000)`,
        unit: 'rows/s',
        summary: one(point.rows / point.backfillSeconds),
        ratio: `time per row ${perRow(point, (p) => p.backfillSeconds, (p) => p.rows)}; median batch ${number(point.medianBatchMs)} ms${point.batchSeqScan ? ', batch plan: Seq Scan' : ''}`,
      },
      {
        name: `${at}: verify_migration`,
        unit: 's',
        summary: one(point.verifySeconds),
        ratio: `time per row ${perRow(point, (p) => p.verifySeconds, (p) => p.rows)}`,
      },
      ...(['insert', 'update', 'delete'] as const).map((op) => ({
        name: `${at}: ${op} through the bridge, ${count(PER_STATEMENT)} rows/statement`,
        unit: 'rows/s',
        summary: one(SYNC_ROWS / point.sync[op]),
        ratio: `time per row ${perRow(point, (p) => p.sync[op], () => SYNC_ROWS)}`,
      })),
      { name: `${at}: peak RSS of the Node process`, unit: 'MiB', summary: one(mib(point.peakRssBytes)) },
      {
        name: `${at}: database temporary files`,
        unit: 'MiB',
        summary: one(mib(point.backfillTempBytes + point.verifyTempBytes)),
        ratio: `backfill ${number(mib(point.backfillTempBytes))} MiB, verify ${number(mib(point.verifyTempBytes))} MiB`,
      },
    );
  }
  return {
    title: '6. How cost grows',
    sizes: `${points.map((p) => count(p.rows)).join(', ')} rows, one run each (repetitions cut to fit the run in 15 minutes); sync: ${count(SYNC_ROWS)} rows written into the table of that size`,
    figures,
    notes: [
      '"time per row" is relative to the smallest size: 1× means the cost grows linearly with the rows; above 1× it grows faster.',
      'Temporary files: pg_stat_database.temp_bytes of the run\'s database, before and after each step (work_mem is the server default).',
      `A batch whose plan is "Seq Scan" reads the whole legacy table (the planner's choice at that size, from EXPLAIN in this run): its time per row grows with the table.`,
    ],
  };
}
