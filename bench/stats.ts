/** Small statistics over repeated measurements: these machines are noisy, so every figure is a spread. */
import { performance } from 'node:perf_hooks';

/** The spread of one figure over its runs. */
export interface Summary {
  min: number;
  median: number;
  max: number;
  /** How many runs it summarises. */
  runs: number;
}

export function summarise(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarise: no values');
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: quantile(sorted, 0.5), max: sorted.at(-1)!, runs: values.length };
}

/** The q-quantile of values already sorted ascending (linear interpolation between neighbours). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/** Seconds taken by `work`. */
export async function seconds(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

/** A summary of a rate (`count` per second) from the seconds each run took. */
export function rates(count: number, times: readonly number[]): Summary {
  return summarise(times.map((time) => count / time));
}
