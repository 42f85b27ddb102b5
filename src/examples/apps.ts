/*
 * The apps of a scenario, run as concurrent clients while the migration goes on: each on its own
 * connection, one unit of work (a transaction of a few statements, or a read) after another, as fast
 * as the database lets it. A unit that fails with a transient error (a deadlock, a serialization
 * failure, a lock timeout) is retried, as an application would; any other error is kept and reported.
 * Each app records every write the database acknowledged, so that at the end nothing can have been
 * lost unnoticed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/** One of a scenario's apps: its units of work, and the writes it saw committed. */
export interface App {
  readonly name: string;
  /**
   * Unit of work number `n`, on the app's own connection; resolves once it committed. Until the
   * backfill is done (`backfilled` false) the modern tables hold only part of the data, so a modern app
   * then does only work that needs no pre-existing row (it could not find, update or refer to one).
   */
  step(client: pg.Client, n: number, backfilled: boolean): Promise<'write' | 'read'>;
}

export interface AppStats {
  name: string;
  writes: number;
  reads: number;
  retries: number;
  /** Errors that were not transient (each with its unit of work). */
  errors: string[];
}

const TRANSIENT = new Set(['40001', '40P01', '55P03']);

/** Runs an app until stopped. */
export class AppRunner {
  private stopping = false;
  private loop: Promise<void> | undefined;
  private client: pg.Client | undefined;
  readonly stats: AppStats;
  /** Set once the backfill is done. */
  backfilled = false;

  constructor(private readonly app: App, private readonly url: string, private readonly pauseMs = 1) {
    this.stats = { name: app.name, writes: 0, reads: 0, retries: 0, errors: [] };
  }

  async start(): Promise<void> {
    this.client = new pg.Client({ connectionString: this.url, application_name: this.app.name });
    await this.client.connect();
    this.loop = this.run(this.client);
  }

  private async run(client: pg.Client): Promise<void> {
    for (let n = 0; !this.stopping; n++) {
      for (let attempt = 1; ; attempt++) {
        try {
          const kind = await this.app.step(client, n, this.backfilled);
          if (kind === 'write') this.stats.writes++;
          else this.stats.reads++;
          break;
        } catch (error) {
          await client.query('rollback').catch(() => {});
          const code = (error as { code?: string }).code ?? '';
          if (TRANSIENT.has(code) && attempt < 10) {
            this.stats.retries++;
            await sleep(5 * attempt);
            continue;
          }
          this.stats.errors.push(`unit ${n}: ${(error as Error).message}${code ? ` (SQLSTATE ${code})` : ''}`);
          break;
        }
      }
      if (this.stats.errors.length >= 20) break; // something is badly wrong: stop, and report
      if (this.pauseMs > 0) await sleep(this.pauseMs);
    }
  }

  /** Stops after the unit of work under way; resolves with the app's figures. */
  async stop(): Promise<AppStats> {
    this.stopping = true;
    await this.loop;
    await this.client?.end().catch(() => {});
    return this.stats;
  }
}

/** Runs `work` in one transaction on `client`. */
export async function transaction<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
  await client.query('begin');
  const result = await work();
  await client.query('commit');
  return result;
}

/** A legacy app's reads that must keep working after cutover, each with the rows it returned. */
export interface QueryCheck {
  query: string;
  rows: number;
}

/** A scenario: its apps, what the legacy app runs to prove the views work, and the final accounting. */
export interface Scenario {
  name: string;
  title: string;
  /** The legacy app (runs from the start until before contract). */
  legacy: App;
  /** The modern app (runs from expand on). */
  modern: App;
  /** How the legacy app reaches its data after cutover, in words. */
  legacyAccess: string;
  /** Every read query of the legacy app, once: after cutover they go through the compatibility views. */
  legacyQuerySet(client: pg.Client): Promise<QueryCheck[]>;
  /** Rows in each modern table (what the migration moved, plus what the apps added). */
  modernCounts(client: pg.Client): Promise<Record<string, number>>;
  /** Checks every write the apps saw committed against the contracted database: what is missing or wrong. */
  lostWrites(client: pg.Client): Promise<{ checked: number; lost: string[] }>;
}

/** `select count(*)` of each table, by name. */
export async function countRows(client: pg.Client, tables: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    counts[table] = Number((await client.query(`select count(*) as n from ${pg.escapeIdentifier(table)}`)).rows[0].n);
  }
  return counts;
}
