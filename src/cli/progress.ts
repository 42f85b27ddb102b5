/*
 * A backfill's progress for a person: the bridge under way, by name, with its own rows (done of its
 * total) and its own rate. tandem.backfill_batch copies the bridges one after another, each from 0 to
 * its own total, so a sum over the bridges would be a total that grows as each bridge starts; a bar of
 * it would sit near 100 % all along. On a terminal each bridge gets a bar that stays drawn, complete,
 * once the next one starts; elsewhere (a CI log) a plain line now and then, and each bridge's last.
 */
import cliProgress from 'cli-progress';
import type { BackfillBatchResult } from '../../generated/tandem.queries.js';
import { count, duration } from './format.js';

/** One bridge's progress, as tandem.backfill_batch returns it after each batch. */
export type BridgeProgress = BackfillBatchResult;

const started = (bridge: BridgeProgress) => bridge.finished || bridge.rowsDone > 0 || bridge.totalEstimate > 0;

/**
 * The bridge the last batch worked on, and its place among them. Each batch works on the first bridge
 * not finished (in the order backfill_batch returns them), and a bridge's progress starts with its
 * first batch: so the one worked on is the last that has started. Undefined before any has.
 */
export function currentBridge(progress: BridgeProgress[]): { bridge: BridgeProgress; index: number } | undefined {
  for (let index = progress.length - 1; index >= 0; index--) if (started(progress[index]!)) return { bridge: progress[index]!, index };
  return undefined;
}

export interface BackfillProgressOptions {
  /** The migration, which each line names. */
  migration: string;
  /** A terminal: draw bars on `stream`. Otherwise plain lines through `line`. */
  interactive: boolean;
  /** Where bars are drawn (standard error). */
  stream?: NodeJS.WritableStream;
  /** Prints a plain line (not a terminal). */
  line: (text: string) => void;
  /** Put before each line and bar (the demo indents them under its phase). */
  indent?: string;
  /** Milliseconds between plain lines, besides each bridge's last (default 2000). */
  every?: number;
  /** The clock (tests). */
  now?: () => number;
}

interface Shown {
  name: string;
  /** When and at how many rows this run first saw the bridge under way: its rate is counted from there. */
  since: number;
  doneSince: number;
  /** When it was first seen finished: its rate ends there. */
  until?: number;
  bar?: cliProgress.SingleBar;
  /** The last plain line printed for it: its last line is not printed twice. */
  printed?: string;
}

/** Draws a backfill's progress from each batch's result; `stop` after the last. */
export class BackfillProgress {
  private shown: Shown | undefined;
  private previous: BridgeProgress[] | undefined;
  private lastUpdate: number;
  private lastLine: number;
  private readonly now: () => number;

  constructor(private readonly options: BackfillProgressOptions) {
    this.now = options.now ?? Date.now;
    this.lastUpdate = this.now();
    // The first plain line after `every`, not at once: a short bridge gets only its last.
    this.lastLine = this.lastUpdate;
  }

  /** After a batch: every bridge's progress, as backfill_batch returned it. */
  update(progress: BridgeProgress[]): void {
    const now = this.now();
    const current = currentBridge(progress);
    if (!current) return;
    const { bridge, index } = current;
    if (this.shown?.name !== bridge.bridge) {
      // The bridge before it is finished: its last line (or its complete bar) stays.
      if (this.shown) this.finish(this.shown, progress.find((other) => other.bridge === this.shown!.name));
      // Its rate counts from the batch before this one, when it was known how far it was; on the
      // first batch of the run that is not known (a resumed backfill), so from now.
      const before = this.previous?.find((other) => other.bridge === bridge.bridge);
      this.shown = this.previous ? { name: bridge.bridge, since: this.lastUpdate, doneSince: before?.rowsDone ?? 0 } : { name: bridge.bridge, since: now, doneSince: bridge.rowsDone };
    }
    this.previous = progress;
    this.lastUpdate = now;
    const shown = this.shown!;
    if (bridge.finished) shown.until ??= now;
    const label = this.label(bridge, index, progress.length);
    const { rate, left } = this.speed(shown, bridge, now);
    if (this.options.interactive) {
      if (!shown.bar) {
        shown.bar = new cliProgress.SingleBar(
          { format: `${label} [{bar}] {value}/{total} rows | {rate} rows/s | {left} left`, stream: this.options.stream ?? process.stderr, hideCursor: true, formatValue: (value, _options, type) => (type === 'value' || type === 'total' ? count(value) : String(value)) },
          cliProgress.Presets.shades_classic,
        );
        shown.bar.start(this.total(bridge), bridge.rowsDone, { rate: rate === undefined ? '?' : count(rate), left });
      }
      shown.bar.setTotal(this.total(bridge));
      shown.bar.update(bridge.rowsDone, { rate: rate === undefined ? '?' : count(rate), left });
      return;
    }
    if (now - this.lastLine >= (this.options.every ?? 2000)) this.print(shown, label, bridge, rate, left, now);
  }

  /** After the last batch, or when stopping early: the bridge under way keeps its last line. */
  stop(progress?: BridgeProgress[]): void {
    if (!this.shown) return;
    this.finish(this.shown, (progress ?? this.previous)?.find((other) => other.bridge === this.shown!.name));
    this.shown = undefined;
  }

  private finish(shown: Shown, bridge: BridgeProgress | undefined): void {
    if (shown.bar) {
      if (bridge) {
        shown.bar.setTotal(this.total(bridge));
        shown.bar.update(bridge.rowsDone, { rate: this.rate(shown, bridge), left: bridge.finished ? '0 s' : '?' });
      }
      shown.bar.stop();
      return;
    }
    if (!bridge || !this.previous) return;
    const index = this.previous.findIndex((other) => other.bridge === bridge.bridge);
    const { rate, left } = this.speed(shown, bridge, this.now());
    this.print(shown, this.label(bridge, index, this.previous.length), bridge, rate, left, this.now());
  }

  /** What each line and bar begins with: the migration, and the bridge by name and place. */
  private label(bridge: BridgeProgress, index: number, of: number): string {
    return `${this.options.indent ?? ''}backfill ${this.options.migration}: bridge ${bridge.bridge} (${index + 1} of ${of})`;
  }

  private print(shown: Shown, label: string, bridge: BridgeProgress, rate: number | undefined, left: string, now: number): void {
    const total = this.total(bridge);
    const percent = total ? Math.floor((100 * bridge.rowsDone) / total) : 100;
    const rows = `${label}: ${count(bridge.rowsDone)}/${count(total)} rows (${percent}%)`;
    const key = `${rows} ${bridge.finished}`;
    if (shown.printed === key) return;
    shown.printed = key;
    this.lastLine = now;
    const speed = rate === undefined ? '' : `${count(rate)} rows/s, `;
    this.options.line(`${rows}, ${bridge.finished ? `${speed}done` : `${speed || '? rows/s, '}${left} left`}`);
  }

  private rate(shown: Shown, bridge: BridgeProgress): string {
    const { rate } = this.speed(shown, bridge, this.now());
    return rate === undefined ? '?' : count(rate);
  }

  /** The bridge's total: its estimate, which rows written since it was made can outgrow. */
  private total(bridge: BridgeProgress): number {
    return Math.max(bridge.rowsDone, bridge.totalEstimate);
  }

  /** Rows per second since the bridge was first seen under way; undefined until a batch after that copied some. */
  private speed(shown: Shown, bridge: BridgeProgress, now: number): { rate: number | undefined; left: string } {
    const seconds = ((shown.until ?? now) - shown.since) / 1000;
    const rate = seconds > 0 && bridge.rowsDone > shown.doneSince ? (bridge.rowsDone - shown.doneSince) / seconds : undefined;
    const remaining = this.total(bridge) - bridge.rowsDone;
    return { rate, left: remaining === 0 ? '0 s' : rate ? duration((remaining / rate) * 1000) : '?' };
  }
}
