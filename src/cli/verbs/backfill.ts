import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import { chalk } from 'zx';
import { backfillBatch, backfillDryRun } from '../../../generated/tandem.queries.js';
import type { Context } from '../context.js';
import { count, duration, table } from '../format.js';

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
 * kept), drawing the progress between batches. Ctrl-C stops after the batch under way.
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
  let firstDone: number | undefined;
  let lastLine = 0;
  const bar = context.interactive
    ? new cliProgress.SingleBar(
        { format: `backfill ${migration} [{bar}] {value}/{total} rows | {rate} rows/s | {left} left`, stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  try {
    for (;;) {
      const progress = await backfillBatch.run({ migration, batchSize: options.batchSize }, context.client);
      const done = progress.reduce((sum, bridge) => sum + bridge.rowsDone, 0);
      const total = Math.max(done, progress.reduce((sum, bridge) => sum + bridge.totalEstimate, 0));
      firstDone ??= done;
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? (done - firstDone) / seconds : 0;
      const left = rate > 0 ? duration(((total - done) / rate) * 1000) : '?';
      const finished = progress.every((bridge) => bridge.finished);
      if (bar) {
        if (!bar.isActive) bar.start(total, done, { rate: '0', left: '?' });
        bar.setTotal(total);
        bar.update(done, { rate: count(rate), left });
      } else if (finished || stop || Date.now() - lastLine > 2000) {
        // Not a terminal (a CI log): a plain line now and then.
        lastLine = Date.now();
        context.err(`backfill ${migration}: ${count(done)}/${count(total)} rows (${total ? Math.floor((100 * done) / total) : 100}%), ${count(rate)} rows/s, ${left} left`);
      }
      if (finished) {
        bar?.stop();
        const rejected = progress.reduce((sum, bridge) => sum + bridge.rowsRejected, 0);
        context.out(
          `${chalk.green('backfilled')} ${migration}: ${count(done)} rows in ${duration(Date.now() - started)}` +
            (rejected ? `, ${chalk.yellow(`${count(rejected)} rejected`)} (npx tandem rejects ${migration})` : '') +
            `. Next: npx tandem verify ${migration}`,
        );
        return 0;
      }
      if (stop) {
        bar?.stop();
        context.out(`Stopped at ${count(done)}/${count(total)} rows; run the same command again to resume.`);
        return INTERRUPTED;
      }
      if (options.pause > 0) await sleep(options.pause);
    }
  } finally {
    bar?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
