/*
 * A scenario's whole migration on a fresh database, under live load: the legacy database with its
 * data, then expand, backfill, verify, cutover (the legacy app now going through the compatibility
 * views), rollback and cutover again, contract. The legacy app writes from the start until it is
 * retired before contract; the modern app from expand to the end. Every phase is timed, and at the end
 * every write either app saw committed is looked up in the contracted database.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { backfillBatch, verifyMigration, type BackfillBatchResult, type VerifyMigrationResult } from '../../generated/tandem.queries.js';
import type { DatabaseEnv } from '../db/provision.js';
import { withDatabase } from '../db/urls.js';
import { AppRunner, countRows, type AppStats, type QueryCheck, type Scenario } from './apps.js';
import { EXAMPLES, Releases, generateData, type ExampleName } from './project.js';
import { scoutScenario } from './scout.js';
import { squareScenario } from './square.js';

export const SCENARIOS: Record<ExampleName, () => Scenario> = { scout: scoutScenario, square: squareScenario };

/** What a run shows as it goes. */
export interface Reporter {
  /** A phase begins. */
  phase(name: string): void;
  /** A phase ended after `ms`, with what it did. */
  phaseDone(name: string, ms: number, note: string): void;
  /** Backfill progress, after each batch: every bridge's, as tandem.backfill_batch returns it. */
  progress(bridges: BackfillBatchResult[]): void;
  /** A verification's checks (the consistency row included). */
  verification(checks: VerifyMigrationResult[]): void;
  /** The legacy app's read queries run through the compatibility views. */
  legacyQueries(checks: QueryCheck[]): void;
}

export const silentReporter: Reporter = { phase() {}, phaseDone() {}, progress() {}, verification() {}, legacyQueries() {} };

export interface LifecycleOptions {
  name: ExampleName;
  /** 1: the sizes the scenario's plan describes. */
  scale: number;
  /** The server to run on (its ROOT_DATABASE_URL is used to create the run's database). */
  env: DatabaseEnv;
  /** The run's database, dropped and created again (default `tandem_demo_<name>`). */
  database?: string;
  reporter?: Reporter;
  batchSize?: number;
  /** How long the legacy app keeps going after cutover (and after rollback) before the next step, at most. */
  dwellMs?: number;
}

export interface LifecycleSummary {
  scenario: string;
  title: string;
  databaseUrl: string;
  phases: { name: string; ms: number; note: string }[];
  /** Rows the backfill went through. */
  rowsMoved: number;
  /** Rows in each modern table at the end. */
  counts: Record<string, number>;
  apps: AppStats[];
  /** The legacy app's writes and reads between cutover and its retirement. */
  legacyAfterCutover: { writes: number; reads: number };
  /** How the legacy app reaches its data after cutover. */
  legacyAccess: string;
  /** Failing checks of the verifications (0 when everything matched). */
  differences: number;
  writesChecked: number;
  lost: string[];
}

/** True when the run found nothing wrong: no differences, no app errors, nothing lost. */
export function succeeded(summary: LifecycleSummary): boolean {
  return summary.differences === 0 && summary.lost.length === 0 && summary.apps.every((app) => app.errors.length === 0);
}

const failed = (checks: VerifyMigrationResult[]) => checks.filter((check) => check.checkName !== 'consistency' && check.status === 'fail');

export async function runLifecycle(options: LifecycleOptions): Promise<LifecycleSummary> {
  const reporter = options.reporter ?? silentReporter;
  const release = EXAMPLES[options.name];
  const scenario = SCENARIOS[options.name]();
  const database = options.database ?? `tandem_demo_${options.name}`;
  const env: DatabaseEnv = {
    ...options.env,
    DATABASE_URL: withDatabase(options.env.ROOT_DATABASE_URL, database),
    SHADOW_DATABASE_URL: withDatabase(options.env.ROOT_DATABASE_URL, `${database}_shadow`),
  };
  const admin = new pg.Client({ connectionString: env.ROOT_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${pg.escapeIdentifier(database)} with (force)`);
    await admin.query(`create database ${pg.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }

  const summary: LifecycleSummary = {
    scenario: scenario.name, title: scenario.title, databaseUrl: env.DATABASE_URL, phases: [], rowsMoved: 0, counts: {},
    apps: [], legacyAfterCutover: { writes: 0, reads: 0 }, legacyAccess: scenario.legacyAccess, differences: 0, writesChecked: 0, lost: [],
  };
  const timed = async (name: string, work: () => Promise<string>) => {
    reporter.phase(name);
    const started = performance.now();
    const note = await work();
    const ms = performance.now() - started;
    summary.phases.push({ name, ms, note });
    reporter.phaseDone(name, ms, note);
  };
  const verify = async (client: pg.Client) => {
    const checks = await verifyMigration.run({ migration: release.migration }, client);
    reporter.verification(checks);
    summary.differences += failed(checks).length;
    const consistency = checks.find((check) => check.checkName === 'consistency');
    return `${checks.length - 1} checks, ${failed(checks).length} failed, consistency ${consistency?.actual ?? 100}%`;
  };
  const dwell = async (app: AppRunner, writes: number) => {
    // Let the apps work in this phase: until the app made `writes` more writes, or dwellMs passed.
    const target = app.stats.writes + writes;
    const until = Date.now() + (options.dwellMs ?? 3000);
    while (app.stats.writes < target && Date.now() < until && app.stats.errors.length === 0) await sleep(20);
  };

  const releases = await Releases.open(options.name, env);
  const client = new pg.Client({ connectionString: env.DATABASE_URL, application_name: 'tandem demo' });
  await client.connect();
  const legacy = new AppRunner(scenario.legacy, env.DATABASE_URL);
  legacy.backfilled = true; // the legacy tables are complete from the start
  const modern = new AppRunner(scenario.modern, env.DATABASE_URL);
  const running = new Set<AppRunner>();
  try {
    await timed('legacy database', async () => {
      await releases.applyThrough(release.legacy);
      await generateData(client, options.name, options.scale);
      const counts = await legacyCounts(client);
      return `${Object.entries(counts).map(([table, n]) => `${table} ${n.toLocaleString('en-US')}`).join(', ')}, on tandem ${releases.library} from the source; the legacy app starts`;
    });
    await legacy.start();
    running.add(legacy);

    await timed('expand', async () => {
      return `${appliedNote(await releases.applyThrough(release.expand))}; the modern app starts`;
    });
    await modern.start();
    running.add(modern);

    await timed('backfill', async () => {
      for (let batches = 1; ; batches++) {
        const progress = await backfillBatch.run({ migration: release.migration, batchSize: options.batchSize ?? 5000 }, client);
        reporter.progress(progress);
        if (progress.every((bridge) => bridge.finished)) {
          const done = progress.reduce((sum, bridge) => sum + bridge.rowsDone, 0);
          summary.rowsMoved = done;
          modern.backfilled = true;
          const rejected = progress.reduce((sum, bridge) => sum + bridge.rowsRejected, 0);
          return `${done.toLocaleString('en-US')} rows in ${batches} batches, ${rejected} rejected, while both apps wrote`;
        }
      }
    });
    if (release.afterBackfill > release.expand) {
      await timed('index and validate', async () => appliedNote(await releases.applyThrough(release.afterBackfill)));
    }
    await timed('verify', () => verify(client));

    await timed('cutover', async () => appliedNote(await releases.applyThrough(release.cutover)));
    const atCutover = { writes: legacy.stats.writes, reads: legacy.stats.reads };
    await timed('legacy app after cutover', async () => {
      const checks = await scenario.legacyQuerySet(client);
      reporter.legacyQueries(checks);
      await dwell(legacy, 200);
      return `${checks.length} read queries answered; ${legacy.stats.writes - atCutover.writes} writes and ${legacy.stats.reads - atCutover.reads} reads by the legacy app so far`;
    });
    await timed('rollback', async () => {
      const result = (await client.query('select tandem.rollback($1) as result', [release.migration])).rows[0].result as string;
      await dwell(legacy, 100);
      return `${result}; the apps kept writing`;
    });
    await timed('cutover again', async () => (await client.query('select tandem.cutover($1) as result', [release.migration])).rows[0].result as string);
    await dwell(legacy, 100);
    await timed('verify after cutover', () => verify(client));

    const legacyStats = await legacy.stop();
    running.delete(legacy);
    summary.legacyAfterCutover = { writes: legacyStats.writes - atCutover.writes, reads: legacyStats.reads - atCutover.reads };
    await timed('contract', async () => `legacy app retired; ${appliedNote(await releases.applyThrough(release.contract))}`);
    await dwell(modern, 100);
    const modernStats = await modern.stop();
    running.delete(modern);
    summary.apps = [legacyStats, modernStats];

    await timed('account for every write', async () => {
      const { checked, lost } = await scenario.lostWrites(client);
      summary.writesChecked = checked;
      summary.lost = lost;
      summary.counts = await scenario.modernCounts(client);
      return `${checked.toLocaleString('en-US')} acknowledged writes looked up: ${lost.length} lost`;
    });
    return summary;
  } finally {
    for (const app of running) {
      const stats = await app.stop();
      if (!summary.apps.includes(stats)) summary.apps.push(stats);
    }
    await client.end().catch(() => {});
    await releases.close();
  }
}

/**
 * The example's committed migrations a step applied, by number (their files are in
 * examples/<name>/migrations/committed): graphile-migrate's names of them run to 70 characters.
 */
function appliedNote(files: string[]): string {
  const numbers = files.map((file) => file.slice(0, 6));
  if (numbers.length === 0) return 'no migration to apply';
  return numbers.length === 1 ? `migration ${numbers[0]} applied` : `migrations ${numbers[0]} to ${numbers.at(-1)} applied`;
}

/** Rows of each table in the public schema (the legacy database before migration). */
async function legacyCounts(client: pg.Client): Promise<Record<string, number>> {
  const { rows } = await client.query(`select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' order by relname`);
  return countRows(client, rows.map((row) => row.relname as string));
}
