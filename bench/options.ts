/*
 * Command-line options and the sizes they imply. Default sizes are the ones the project's goals are
 * stated for, cut where needed to finish in under 15 minutes on a 2-core machine (the report states
 * every size used); --scale multiplies every row count, for a quick run.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { projectRoot } from '../src/db/provision.js';
import { UserError } from '../src/cli/run-main.js';

export const PARTS = ['sync', 'backfill', 'verify', 'lifecycle', 'lint', 'growth'] as const;
export type Part = (typeof PARTS)[number];

export interface BenchOptions {
  scale: number;
  /** Where the report goes (default BENCHMARKS.md at the project root). */
  out: string;
  /** The parts to run (default: all). */
  parts: Part[];
}

export interface Sizes {
  scale: number;
  sync: {
    /** Rows in the legacy (and modern) table before the writes. */
    tableRows: number;
    /** Changes made one row per statement, per operation (insert, update, delete). */
    singleRowChanges: number;
    /** Changes made many rows per statement, per operation. */
    multiRowChanges: number;
    rowsPerStatement: number;
    repetitions: number;
  };
  backfill: {
    rows: number;
    batchSize: number;
    repetitions: number;
    /** The concurrent writer updates one random row every this many milliseconds. */
    writerIntervalMs: number;
    /** How long the writer runs alone, for its baseline latency. */
    writerAloneSeconds: number;
    curveBatchSizes: number[];
  };
  verify: {
    /** Rows per side (the backfill's table pair is verified). */
    rows: number;
    repetitions: number;
    /** Rows compared one by one from Node, then extrapolated to the whole table. */
    clientSampleRows: number;
    /** Rows changed before the re-check. */
    smallChangeRows: number;
  };
  lifecycle: { rows: number; repetitions: number };
  lint: { statements: number; repetitions: number };
  growth: { sizes: number[] };
}

const scaled = (rows: number, scale: number, floor: number) => Math.max(floor, Math.round(rows * scale));

export function sizesFor(scale: number): Sizes {
  return {
    scale,
    sync: {
      tableRows: scaled(100_000, scale, 1_000),
      singleRowChanges: scaled(5_000, scale, 200),
      multiRowChanges: scaled(100_000, scale, 2_000),
      rowsPerStatement: 1_000,
      repetitions: 3,
    },
    backfill: {
      rows: scaled(1_000_000, scale, 5_000),
      batchSize: 1_000,
      repetitions: 3,
      writerIntervalMs: 5,
      writerAloneSeconds: scale >= 0.5 ? 5 : 2,
      curveBatchSizes: [100, 300, 1_000, 3_000, 10_000],
    },
    verify: {
      rows: scaled(1_000_000, scale, 5_000),
      repetitions: 3,
      clientSampleRows: scaled(5_000, scale, 500),
      smallChangeRows: 10,
    },
    lifecycle: { rows: scaled(300_000, scale, 3_000), repetitions: 3 },
    lint: { statements: scaled(20_000, scale, 1_000), repetitions: 5 },
    growth: { sizes: [100_000, 1_000_000, 3_000_000].map((rows) => scaled(rows, scale, 1_000)) },
  };
}

export function parseOptions(argv: string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        scale: { type: 'string', default: '1' },
        out: { type: 'string' },
        only: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UserError(`${(error as Error).message}\nFix: see npm run bench -- --help.`, 2);
  }
  const scale = Number(values.scale);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 10) {
    throw new UserError(`--scale ${values.scale}: not a number in (0, 10].\nFix: e.g. --scale 0.01 for a quick run.`, 2);
  }
  const parts = values.only === undefined ? [...PARTS] : values.only.split(',').map((part) => part.trim());
  const unknown = parts.filter((part) => !(PARTS as readonly string[]).includes(part));
  if (unknown.length > 0) {
    throw new UserError(`--only ${values.only}: no part named ${unknown.join(', ')}.\nFix: choose among ${PARTS.join(', ')}.`, 2);
  }
  return {
    scale,
    out: path.resolve(values.out ?? path.join(projectRoot, 'BENCHMARKS.md')),
    parts: parts as Part[],
  };
}
