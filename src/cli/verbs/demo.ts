import { chalk } from 'zx';
import { redact } from '../../db/urls.js';
import { runLifecycle, succeeded, type Reporter } from '../../examples/lifecycle.js';
import { EXAMPLES, isExampleName } from '../../examples/project.js';
import type { ProjectContext } from '../context.js';
import { count, duration, table } from '../format.js';
import { BackfillProgress } from '../progress.js';
import { UserError } from '../run-main.js';
import { verificationReport } from './verify.js';

export interface DemoOptions {
  /** Data size relative to the plan's. */
  scale: number;
}

/**
 * A worked scenario's whole migration under live load, on a new database tandem_demo_<scenario>:
 * expand, backfill, verify, cutover, rollback, cutover, contract; ends with what moved and whether
 * anything differed or was lost.
 */
export async function demo(project: ProjectContext, name: string, options: DemoOptions): Promise<number> {
  if (!isExampleName(name)) throw new UserError(`unknown scenario "${name}".\nFix: use one of ${Object.keys(EXAMPLES).join(', ')}.`, 2);
  const write = (text: string) => process.stdout.write(text);
  const interactive = Boolean(process.stderr.isTTY);
  let progress: BackfillProgress | undefined;
  const reporter: Reporter = {
    phase: (phase) => {
      if (!interactive) write(`${chalk.bold(phase)}…\n`);
    },
    phaseDone: (phase, ms, note) => {
      progress?.stop();
      progress = undefined;
      write(`${chalk.green('✓')} ${chalk.bold(phase)} ${chalk.dim(`(${duration(ms)})`)}: ${note}\n`);
    },
    progress: (bridges) => {
      progress ??= new BackfillProgress({ migration: EXAMPLES[name].migration, interactive, stream: process.stderr, line: (text) => write(`${text}\n`), indent: '  ' });
      progress.update(bridges);
    },
    verification: (checks) => {
      write(`${verificationReport(checks)}\n`);
    },
    legacyQueries: (checks) => {
      write(`${table(['legacy query after cutover', 'rows'], checks.map((check) => [check.query, count(check.rows)]))}\n`);
    },
  };

  const database = await project.provideDatabase();
  try {
    write(`${chalk.bold(`tandem demo: ${name}`)} at scale ${options.scale}, on ${database.description}\n`);
    const summary = await runLifecycle({ name, scale: options.scale, env: database.env, reporter });
    const [legacyApp, modernApp] = summary.apps;
    write(`\n${chalk.bold(summary.title)}\n`);
    write(`${table(['phase', 'took', 'what happened'], summary.phases.map((phase) => [phase.name, duration(phase.ms), phase.note]))}\n`);
    write(`${table(['modern table', 'rows'], Object.entries(summary.counts).map(([t, n]) => [t, count(n)]))}\n`);
    write(`${table(['app', 'writes', 'reads', 'retried', 'errors'], summary.apps.map((app) => [app.name, count(app.writes), count(app.reads), count(app.retries), app.errors.length]))}\n`);
    for (const app of summary.apps) for (const error of app.errors.slice(0, 5)) write(`  ${chalk.red(app.name)}: ${error}\n`);
    for (const line of summary.lost.slice(0, 10)) write(`  ${chalk.red('lost')}: ${line}\n`);
    const total = summary.phases.reduce((sum, phase) => sum + phase.ms, 0);
    write(
      `\n${count(summary.rowsMoved)} rows moved in ${duration(total)}; ` +
        `after cutover the legacy app made ${count(summary.legacyAfterCutover.writes)} writes and ${count(summary.legacyAfterCutover.reads)} reads ${summary.legacyAccess}; ` +
        `${count((legacyApp?.writes ?? 0) + (modernApp?.writes ?? 0))} writes by the two apps in all.\n` +
        `Verification found ${summary.differences} differences; ${summary.lost.length} of ${count(summary.writesChecked)} acknowledged writes were lost.\n`,
    );
    if (!succeeded(summary)) throw new UserError('the demo found a problem (above).', 1);
    write(`${chalk.green('ok')}: explore the result with \`npx tandem db\` and psql ${redact(summary.databaseUrl)}\n`);
    return 0;
  } finally {
    await database.release();
  }
}
