import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { chalk } from 'zx';
import { runMain, UserError } from '../src/cli/run-main.js';
import { count, duration, table } from '../src/cli/format.js';
import { verificationTable } from '../src/cli/verbs/verify.js';
import { provideDatabase } from '../src/db/provision.js';
import { redact } from '../src/db/urls.js';
import { runLifecycle, succeeded, type Reporter } from '../src/examples/lifecycle.js';
import { EXAMPLES, isExampleName } from '../src/examples/project.js';

const HELP = `
Usage: npm run demo [scenario] [-- --scale <n>]

Runs a worked scenario's whole migration on a new database (tandem_demo_<scenario>, on DATABASE_URL's
server or the embedded one), the tandem library of this source installed first, while its legacy app
and its modern app keep reading and writing: expand, backfill, verify, cutover (the legacy app then
goes through compatibility views), rollback and cutover again, contract. Ends with what moved, how
long each phase took, what each app wrote, and whether any difference was found or any acknowledged
write lost.

Scenarios: scout (default; examples/scout, 376,212 transactions at scale 1), square (examples/square).
  --scale <n>   data size relative to the plan's (default 1)

Exit codes: 0 nothing differed and nothing was lost, 1 otherwise (or the run failed), 2 bad arguments.
`;

const parseScale = (value: string) => {
  const scale = Number(value);
  if (!(scale > 0 && scale <= 20)) throw new InvalidArgumentError('a number above 0 and at most 20 (1 is the size the plan describes)');
  return scale;
};

await runMain(HELP, async () => {
  const program = new Command()
    .argument('[scenario]', 'scout or square', 'scout')
    .option('--scale <n>', 'data size relative to the plan', parseScale, 1)
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  try {
    program.parse(process.argv);
  } catch (error) {
    throw new UserError(`${(error as Error).message.replace(/^error: /, '')}\nFix: npm run demo [scout|square] [-- --scale <n>]; see npm run demo -- --help.`, 2);
  }
  const name = program.args[0] ?? 'scout';
  if (!isExampleName(name)) throw new UserError(`unknown scenario "${name}". Fix: use one of ${Object.keys(EXAMPLES).join(', ')}.`, 2);
  const { scale } = program.opts<{ scale: number }>();

  const interactive = Boolean(process.stderr.isTTY);
  let bar: cliProgress.SingleBar | undefined;
  let lastLine = 0;
  const reporter: Reporter = {
    phase: (phase) => {
      if (!interactive) process.stdout.write(`${chalk.bold(phase)}…\n`);
    },
    phaseDone: (phase, ms, note) => {
      bar?.stop();
      bar = undefined;
      process.stdout.write(`${chalk.green('✓')} ${chalk.bold(phase)} ${chalk.dim(`(${duration(ms)})`)}: ${note}\n`);
    },
    progress: (done, total) => {
      if (interactive) {
        bar ??= new cliProgress.SingleBar(
          { format: '  backfill [{bar}] {value}/{total} rows', stream: process.stderr, hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        if (!bar.isActive) bar.start(total, done);
        bar.setTotal(total);
        bar.update(done);
      } else if (Date.now() - lastLine > 2000 || done >= total) {
        lastLine = Date.now();
        process.stdout.write(`  backfill ${count(done)}/${count(total)} rows\n`);
      }
    },
    verification: (checks) => {
      const others = checks.filter((check) => check.checkName !== 'consistency');
      process.stdout.write(`${verificationTable(others)}\n`);
    },
    legacyQueries: (checks) => {
      process.stdout.write(`${table(['legacy query after cutover', 'rows'], checks.map((check) => [check.query, count(check.rows)]))}\n`);
    },
  };

  const db = await provideDatabase({ purpose: 'dev' });
  try {
    process.stdout.write(`${chalk.bold(`tandem demo: ${name}`)} at scale ${scale}, on ${db.description}\n`);
    const summary = await runLifecycle({ name, scale, env: db.env, reporter });
    const [legacyApp, modernApp] = summary.apps;
    process.stdout.write(`\n${chalk.bold(summary.title)}\n`);
    process.stdout.write(`${table(['phase', 'took', 'what happened'], summary.phases.map((phase) => [phase.name, duration(phase.ms), phase.note]))}\n`);
    process.stdout.write(`${table(['modern table', 'rows'], Object.entries(summary.counts).map(([t, n]) => [t, count(n)]))}\n`);
    process.stdout.write(
      `${table(['app', 'writes', 'reads', 'retried', 'errors'], summary.apps.map((app) => [app.name, count(app.writes), count(app.reads), count(app.retries), app.errors.length]))}\n`,
    );
    for (const app of summary.apps) for (const error of app.errors.slice(0, 5)) process.stdout.write(`  ${chalk.red(app.name)}: ${error}\n`);
    for (const line of summary.lost.slice(0, 10)) process.stdout.write(`  ${chalk.red('lost')}: ${line}\n`);
    const total = summary.phases.reduce((sum, phase) => sum + phase.ms, 0);
    process.stdout.write(
      `\n${count(summary.rowsMoved)} rows moved in ${duration(total)}; ` +
        `after cutover the legacy app made ${count(summary.legacyAfterCutover.writes)} writes and ${count(summary.legacyAfterCutover.reads)} reads ${summary.legacyAccess}; ` +
        `${count((legacyApp?.writes ?? 0) + (modernApp?.writes ?? 0))} writes by the two apps in all.\n` +
        `Verification found ${summary.differences} differences; ${summary.lost.length} of ${count(summary.writesChecked)} acknowledged writes were lost.\n`,
    );
    if (!succeeded(summary)) throw new UserError('the demo found a problem (above).', 1);
    process.stdout.write(`${chalk.green('ok')}: explore the result with \`npm run db\` and psql ${redact(summary.databaseUrl)}\n`);
  } finally {
    await db.release();
  }
});
