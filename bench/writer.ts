/*
 * A concurrent writer: one connection updating one random legacy row at a steady pace, as an
 * application does while a backfill runs, recording how long each write takes.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { quantile } from './stats.js';

export interface WriterOptions {
  /** The legacy table, schema-qualified. */
  table: string;
  /** Ids 1..rows exist. */
  rows: number;
  /** A write starts every this many milliseconds (or as soon as the previous one ends, when it took longer). */
  intervalMs: number;
}

export interface Latencies {
  writes: number;
  p50: number;
  p99: number;
  max: number;
}

export interface RunningWriter {
  /** Stops after the write under way and returns the latencies in milliseconds. */
  stop(): Promise<Latencies>;
}

export function latencies(samples: number[]): Latencies {
  const sorted = [...samples].sort((a, b) => a - b);
  return { writes: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN };
}

export function startWriter(client: pg.Client, options: WriterOptions): RunningWriter {
  const samples: number[] = [];
  let stopped = false;
  let version = 0;
  const loop = (async () => {
    let next = performance.now();
    while (!stopped) {
      const id = 1 + Math.floor(Math.random() * options.rows);
      const start = performance.now();
      await client.query({
        name: 'bench_writer',
        text: `update ${options.table} set email = $2 where id = $1`,
        values: [id, `writer${++version}@example.com`],
      });
      samples.push(performance.now() - start);
      // Paced, not flat out: a write that ran late is followed at once, but missed slots are not made up in a burst.
      next = Math.max(next + options.intervalMs, performance.now());
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return latencies(samples);
    },
  };
}
