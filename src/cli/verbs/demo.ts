import { chalk } from 'zx';
import type { ProvidedDatabase } from '../../db/provision.js';
import { runLifecycle, succeeded, type LifecycleSummary, type Reporter } from '../../examples/lifecycle.js';
import { EXAMPLES, isExampleName } from '../../examples/project.js';
import type { ProjectContext } from '../context.js';
import { count, duration, table, wrap } from '../format.js';
import { BackfillProgress } from '../progress.js';
import { UserError } from '../run-main.js';
import { verificationReport } from './verify.js';

export interface DemoOptions {
  /** Data size relative to the plan's. */
  scale: number;
}

/** The demo's output is read in a terminal: no line of it is wider than this. */
export const DEMO_WIDTH = 100;

/**
 * A worked scenario's whole migration under live load, on a new database tandem_demo_<scenario>:
 * expand, backfill, verify, cutover, rollback, cutover, contract; ends with what moved and whether
 * anything differed or was lost, and how to look at the result.
 */
export async function demo(project: ProjectContext, name: string, options: DemoOptions): Promise<number> {
  if (!isExampleName(name)) throw new UserError(`unknown scenario "${name}".\nFix: use one of ${Object.keys(EXAMPLES).join(', ')}.`, 2);
  const write = (text: string) => process.stdout.write(`${wrap(text, DEMO_WIDTH)}\n`);
  const interactive = Boolean(process.stderr.isTTY);
  let progress: BackfillProgress | undefined;
  const reporter: Reporter = {
    phase: (phase) => {
      if (!interactive) write(`${chalk.bold(phase)}…`);
    },
    phaseDone: (phase, ms, note) => {
      progress?.stop();
      progress = undefined;
      write(`${chalk.green('✓')} ${chalk.bold(phase)} ${chalk.dim(`(${duration(ms)})`)}: ${note}`);
    },
    progress: (bridges) => {
      progress ??= new BackfillProgress({ migration: EXAMPLES[name].migration, interactive, stream: process.stderr, line: write, indent: '  ' });
      progress.update(bridges);
    },
    verification: (checks) => write(verificationReport(checks)),
    legacyQueries: (checks) => write(table(['legacy query after cutover', 'rows'], checks.map((check) => [check.query, count(check.rows)]))),
  };

  const database = await project.provideDatabase();
  try {
    write(chalk.bold(`tandem demo: ${name}`) + ` at scale ${options.scale}, on ${database.description}`);
    const summary = await runLifecycle({ name, scale: options.scale, env: database.env, reporter });
    write(demoSummary(summary));
    if (!succeeded(summary)) throw new UserError('the demo found a problem (above).', 1);
    write(`${chalk.green('ok')}: nothing differed and no write was lost.\n${lookAtIt(database, summary.databaseUrl)}`);
    return 0;
  } finally {
    await database.release();
  }
}

/** What a run did, for a person, in lines of at most DEMO_WIDTH columns: phases, tables, apps, the outcome. */
export function demoSummary(summary: LifecycleSummary): string {
  const [legacyApp, modernApp] = summary.apps;
  const total = summary.phases.reduce((sum, phase) => sum + phase.ms, 0);
  const lines = [
    '',
    chalk.bold(summary.title),
    table(['phase', 'took', 'what happened'], summary.phases.map((phase) => [phase.name, duration(phase.ms), phase.note]), { width: DEMO_WIDTH }),
    table(['modern table', 'rows'], Object.entries(summary.counts).map(([t, n]) => [t, count(n)])),
    table(['app', 'writes', 'reads', 'retried', 'errors'], summary.apps.map((app) => [app.name, count(app.writes), count(app.reads), count(app.retries), app.errors.length])),
    ...summary.apps.flatMap((app) => app.errors.slice(0, 5).map((error) => `  ${chalk.red(app.name)}: ${error}`)),
    ...summary.lost.slice(0, 10).map((line) => `  ${chalk.red('lost')}: ${line}`),
    '',
    `${count(summary.rowsMoved)} rows moved in ${duration(total)}. After cutover the legacy app made ` +
      `${count(summary.legacyAfterCutover.writes)} writes and ${count(summary.legacyAfterCutover.reads)} reads ${summary.legacyAccess}; ` +
      `the two apps made ${count((legacyApp?.writes ?? 0) + (modernApp?.writes ?? 0))} writes in all.`,
    `Verification found ${summary.differences} differences; ${summary.lost.length} of ${count(summary.writesChecked)} acknowledged writes were lost.`,
  ];
  return wrap(lines.join('\n'), DEMO_WIDTH);
}

/**
 * How to look at the demo's database: a psql command to copy, with the connection string that reaches
 * it. The embedded server's password is the project's own (`npx tandem db` prints it too); a password
 * in DATABASE_URL is the user's, left out (psql asks for it, or reads PGPASSWORD or ~/.pgpass).
 */
export function lookAtIt(database: Pick<ProvidedDatabase, 'source' | 'started'>, databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (database.source === 'url') url.password = '';
  const command = `  psql ${shellQuote(url.toString())}`;
  if (database.source === 'url') return `Look at the result (psql asks for the password unless PGPASSWORD or ~/.pgpass has it):\n${command}`;
  if (database.started) {
    return `Look at the result: the server stopped with the demo; \`npx tandem db\` starts it again (on port ${url.port} while that port is free) and, in another terminal:\n${command}`;
  }
  return `Look at the result (the server keeps running):\n${command}`;
}

/** `text` single-quoted for the shell, which passes it on as it is. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
