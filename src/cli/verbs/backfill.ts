import { setTimeout as sleep } from 'node:timers/promises';
import { chalk } from 'zx';
import { backfillBatch, backfillDryRun } from '../../../generated/tandem.queries.js';
import type { Context } from '../context.js';
import { count, duration, table } from '../format.js';
import { BackfillProgress } from '../progress.js';

export interface BackfillOptions {
  batchSize: number;
  /** Milliseconds to wait between batches. */
  pause: number;
  dryRun?: boolean;
}

/** Exit code after Ctrl-C: the batch under way was finished and committed; the next run resumes. */
export const INTERRUPTED = 130;

/**
 * Runs the backfill one batch per transaction (each commits, so its row locks go and its cursor is
 * kept), drawing the progress of the bridge under way between batches (progress.ts). Ctrl-C stops
 * after the batch under way.
 */
export async function backfill(context: Context, migration: string, options: BackfillOptions): Promise<number> {
  if (options.dryRun) {
    const rows = await backfillDryRun.run({ migration, batchSize: options.batchSize }, context.client);
    context.out(table(['bridge', 'rows scanned', 'would write', 'would reject'], rows.map((r) => [r.bridge, count(r.rowsScanned), count(r.rowsToWrite), count(r.rowsRejected)])));
    context.out('Dry run: nothing was written.');
    return 0;
  }
  let stop = false;
  const onSignal = () => {
    if (stop) process.exit(INTERRUPTED); // a second Ctrl-C: do not wait
    stop = true;
    context.err('Stopping after the batch under way (Ctrl-C again to quit at once)…');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const started = Date.now();
  const drawn = new BackfillProgress({ migration, interactive: context.interactive, stream: process.stderr, line: context.err });
  try {
    for (;;) {
      const progress = await backfillBatch.run({ migration, batchSize: options.batchSize }, context.client);
      drawn.update(progress);
      if (progress.every((bridge) => bridge.finished)) {
        drawn.stop(progress);
        const done = progress.reduce((sum, bridge) => sum + bridge.rowsDone, 0);
        const rejected = progress.reduce((sum, bridge) => sum + bridge.rowsRejected, 0);
        context.out(
          `${chalk.green('backfilled')} ${migration}: ${count(done)} rows` +
            (progress.length > 1 ? ` (${progress.map((bridge) => `${bridge.bridge} ${count(bridge.rowsDone)}`).join(', ')})` : '') +
            ` in ${duration(Date.now() - started)}` +
            (rejected ? `, ${chalk.yellow(`${count(rejected)} rejected`)} (npx tandem rejects ${migration})` : '') +
            `. Next: npx tandem verify ${migration}`,
        );
        return 0;
      }
      if (stop) {
        drawn.stop(progress);
        // Where the next run resumes: the first bridge not finished.
        const next = progress.find((bridge) => !bridge.finished)!;
        const where = next.rowsDone > 0 || next.totalEstimate > 0
          ? `in bridge ${next.bridge} at ${count(next.rowsDone)}/${count(Math.max(next.rowsDone, next.totalEstimate))} rows`
          : `before bridge ${next.bridge}`;
        const bridges = progress.length > 1 ? ` (${progress.filter((bridge) => bridge.finished).length} of ${progress.length} bridges finished)` : '';
        context.out(`Stopped ${where}${bridges}; run the same command again to resume.`);
        return INTERRUPTED;
      }
      if (options.pause > 0) await sleep(options.pause);
    }
  } finally {
    drawn.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
