/** What every part of the run shares: the server, the sizes, progress output. */
import type { BenchServer } from './db.js';
import type { Sizes } from './options.js';

export interface BenchContext {
  server: BenchServer;
  sizes: Sizes;
  /** Progress, on standard error (the table and the report go to standard output and BENCHMARKS.md). */
  log(message: string): void;
}

/** 1234567 → "1,234,567". */
export const count = (value: number): string => Math.round(value).toLocaleString('en-US');
