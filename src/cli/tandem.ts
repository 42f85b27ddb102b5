/*
 * npx tandem <verb>: the command line. Each verb is a function in verbs/ that gets the project (and,
 * for the verbs that read the library, a connected client) and returns its exit code; this file only
 * parses arguments and registers the verbs. How errors print and which exit code they get is decided
 * in run-main.ts, for every verb alike.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { packageInfo } from '../paths.js';
import { projectContext, withContext, type ConnectionOptions, type Context, type ProjectContext } from './context.js';
import { commandLineVersion } from './library-version.js';
import { configureColor, reportError, USAGE_OR_CONNECTION } from './run-main.js';
import { backfill, INTERRUPTED } from './verbs/backfill.js';
import { ci } from './verbs/ci.js';
import { codegen } from './verbs/codegen.js';
import { db } from './verbs/db.js';
import { demo } from './verbs/demo.js';
import { dev } from './verbs/dev.js';
import { gm } from './verbs/gm.js';
import { init } from './verbs/init.js';
import { lint } from './verbs/lint.js';
import { log, rejects } from './verbs/log.js';
import { migrate } from './verbs/migrate.js';
import { plan } from './verbs/plan.js';
import { releaseSql } from './verbs/release-sql.js';
import { status } from './verbs/status.js';
import { transition } from './verbs/transition.js';
import { upgrade } from './verbs/upgrade.js';
import { verify } from './verbs/verify.js';

const EXIT_CODES = `
Exit codes:
  0  done (verify: every check passed)
  1  refused or failed: wrong phase, a failing check, a PostgreSQL error (shown with its SQLSTATE, detail and hint)
  2  usage error, or no database could be reached
  3  the database's tandem library is missing or older than this command line: apply the migrations (npx tandem migrate)
  4  the database's tandem library is newer than this command line: upgrade the command line`;

const CONNECTION = `
Connection: --database-url, else DATABASE_URL, else the project's embedded server in .tandem/postgres
(started for the command unless \`npx tandem db\` or \`npx tandem dev\` runs one). The project is the
nearest folder up from here with a .gmrc. NO_COLOR=1 turns colour off.`;

/** The exit codes of a verb that works on the project rather than on a migration. */
const projectExitCodes = (...lines: string[]) => `\nExit codes:\n${lines.map((line) => `  ${line}`).join('\n')}`;
const NO_DATABASE = '2  usage error, or no database could be reached';

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return number;
}

function milliseconds(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new InvalidArgumentError('milliseconds, 0 or more');
  return number;
}

function scale(value: string): number {
  const number = Number(value);
  if (!(number > 0 && number <= 20)) throw new InvalidArgumentError('a number above 0 and at most 20 (1 is the size the plan describes)');
  return number;
}

function postgresUrl(value: string): string {
  try {
    const url = new URL(value);
    if ((url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.pathname.length > 1) return value;
  } catch {
    // not a URL at all: the same message
  }
  throw new InvalidArgumentError('expected a PostgreSQL connection string, postgres://user:password@host:port/database.');
}

/** --database-url, which every verb takes. */
function withConnection(command: Command): Command {
  return command.addOption(
    new Option('--database-url <url>', 'the database to use (default: DATABASE_URL, else the embedded server)').argParser(postgresUrl),
  );
}

/** The line `tandem --version` prints: the package's release and its SQL library's. */
export async function versionLine(): Promise<string> {
  return `${packageInfo.name} ${packageInfo.version} (SQL library ${await commandLineVersion()})`;
}

/**
 * The command line. `done` receives each verb's exit code; a verb's error propagates to `main`, which
 * prints it. `version` is what --version prints (computed only when asked: it parses the library).
 */
export function buildProgram(done: (exitCode: number) => void, version = `${packageInfo.name} ${packageInfo.version}`): Command {
  const run = (options: ConnectionOptions, verb: (context: Context) => Promise<number>) => withContext(options, verb).then(done);
  const program = new Command('tandem')
    .description('Drive tandem migrations: legacy and modern tables kept in sync until the modern side takes over.')
    .version(version, '-V, --version', 'print the package and SQL library versions')
    .addHelpText('after', `${CONNECTION}\n${EXIT_CODES}\n\nThe lifecycle: expand (in a migration) → backfill → verify → cutover → verify → contract; rollback steps back.`)
    .showHelpAfterError('(add --help for usage)')
    // `tandem gm <graphile-migrate command and its options>` passes everything after the command on.
    .enablePositionalOptions()
    .exitOverride();
  // Every verb takes --database-url, and ends through `main` on a usage error as on any other.
  const command = (spec: string) => withConnection(program.command(spec).exitOverride());

  program.commandsGroup('A migration through its lifecycle:');
  command('status [migration]')
    .summary('phase, rows, backfill, last verification and next step of each migration')
    .description('every migration (or one) with its phase, bridges, row counts, backfill progress, last verification and next step')
    .option('--json', 'print JSON')
    .addHelpText('after', EXIT_CODES)
    .action((migration: string | undefined, options) => run(options, (context) => status(context, migration, options)));

  command('plan <migration>')
    .summary('what cutover, rollback and contract will do, to every dependent, and why')
    .description('what cutover, rollback and contract will do: each bridge a rename (with which compatibility view) or a split (and which mapping makes it so), what contract drops, legacy columns no bridge maps, and every view, function, trigger, policy, foreign key, publication and grant of its tables with what each transition does to it (moved, redefined, carried over, kept, dropped, refused) and why')
    .option('--json', 'print JSON: { migration, items: [{ bridge, kind, object, cutover, rollback, contract, reason, bestEffort }] }')
    .addHelpText('after', `${EXIT_CODES}\n  (plan exits 1 when a transition would refuse a dependent)`)
    .action((migration: string, options) => run(options, (context) => plan(context, migration, options)));

  command('backfill <migration>')
    .summary('copy the legacy rows in keyset batches; Ctrl-C stops, the next run resumes')
    .description('copy the legacy rows that existed before expand, in keyset batches with a progress bar; Ctrl-C stops after the batch under way and the next run resumes')
    .addOption(new Option('--batch-size <rows>', 'rows per batch (each its own transaction)').default(1000).argParser(positiveInteger))
    .addOption(new Option('--pause <ms>', 'wait between batches, to leave room for the application').default(0).argParser(milliseconds))
    .option('--dry-run', 'count what would be written and rejected, writing nothing')
    .addHelpText('after', `${EXIT_CODES}\n  ${INTERRUPTED}  stopped by Ctrl-C after a batch: run again to resume`)
    .action((migration: string, options) => run(options, (context) => backfill(context, migration, options)));

  command('verify <migration>')
    .summary('compare every row and column of both sides, and run the custom checks')
    .description('compare every legacy row with its modern twin on every mapped column, in one snapshot, and run the custom checks')
    .option('--json', 'print JSON: { migration, passed, consistency, checks }')
    .addHelpText('after', EXIT_CODES)
    .action((migration: string, options) => run(options, (context) => verify(context, migration, options)));

  for (const [verb, summary, description] of [
    ['cutover', 'make the modern side the source of truth', 'make the modern side the source of truth; refused unless the latest verification passed'],
    ['rollback', 'go back one phase, losing no write', 'go back one phase, from any phase before contract, losing no write'],
    ['contract', 'drop the sync machinery and the legacy side', 'drop the sync machinery and the archives or moved columns; refused unless a verification after cutover passed'],
  ] as const) {
    const transitionCommand = command(`${verb} <migration>`)
      .summary(summary)
      .description(description)
      .option('-y, --yes', 'do not ask for confirmation (needed when not on a terminal)');
    if (verb === 'contract') transitionCommand.option('--keep-restore-copy', 'keep the archives (or moved columns) aside instead of dropping them');
    transitionCommand
      .addHelpText('after', EXIT_CODES)
      .action((migration: string, options) => run(options, (context) => transition(context, verb, migration, options)));
  }

  command('log [migration]')
    .summary('the event log with durations')
    .description('the event log, newest first, with durations')
    .addOption(new Option('--limit <n>', 'how many events').default(50).argParser(positiveInteger))
    .option('--json', 'print JSON')
    .addHelpText('after', EXIT_CODES)
    .action((migration: string | undefined, options) => run(options, (context) => log(context, migration, options)));

  command('rejects <migration>')
    .summary('rows that failed to map, with their errors')
    .description('rows that failed to map, with their errors')
    .addOption(new Option('--limit <n>', 'how many rows').default(100).argParser(positiveInteger))
    .option('--json', 'print JSON')
    .addHelpText('after', EXIT_CODES)
    .action((migration: string, options) => run(options, (context) => rejects(context, migration, options)));

  command('lint [files...]')
    .summary('locks, rewrites and data loss in migrations, before they run')
    .description('check migrations for locks, rewrites and data loss before they run: the files given, or current.sql and the committed migrations not yet applied')
    .addOption(new Option('--format <format>', 'human, json or gcc').choices(['human', 'json', 'gcc']).default('human'))
    .addOption(new Option('--pg-version <major>', 'target PostgreSQL major version (default: the database\'s, or 18)').argParser(positiveInteger))
    .addHelpText('after', `
Suppress a finding with a reason: \`-- tandem-ignore <rule>: <why>\` before the statement, or
\`-- tandem-ignore-file <rule>: <why>\` for the whole file.
${EXIT_CODES.replace('done (verify: every check passed)', 'no error-level finding').replace('refused or failed: wrong phase, a failing check, a PostgreSQL error (shown with its SQLSTATE, detail and hint)', 'an error-level finding, or SQL that does not parse').replace('library is missing or older', 'library (when linting without files) is older')}`)
    .action(async (files: string[], options) => done(await lint(projectContext(options), files, options)));

  // The project: its database, its migrations, its queries, its pipeline.
  program.commandsGroup('The project:');
  const projectVerb = (options: ConnectionOptions, verb: (project: ProjectContext) => Promise<number>) => verb(projectContext(options)).then(done);

  command('init')
    .summary('set this project up for tandem (writes only what is missing)')
    .description('set this folder up for tandem: .gmrc, migrations/ with the SQL library and a committed migration that installs it, current.sql, sql/ with a pgtyped config, package.json scripts, .tandem/ in .gitignore, a GitHub Actions workflow. Writes only what is missing; lists what it wrote and kept')
    .option('--force', "write tandem's template files (.gmrc, pgtyped.config.json, sql/README.md, the workflow) over yours")
    .addHelpText('after', projectExitCodes('0  done, also when nothing was missing', '1  a file could not be read or written', '2  usage error'))
    .action((options) => projectVerb(options, (project) => init(project, options)));

  command('upgrade')
    .summary("bring the project's SQL library to this package's release")
    .description("bring the project's SQL library to this package's release: migrations/fixtures/tandem replaced and a committed migration that installs it added; prints both versions")
    .option('--force', 'replace migrations/fixtures/tandem even if it was edited since its release was committed')
    .addHelpText('after', projectExitCodes('0  upgraded, or already at this release', '1  refused: no library in the migrations (run init), or the fixtures were edited', '2  usage error', "4  the project's migrations install a newer library than this package's: update the package"))
    .action((options) => projectVerb(options, (project) => upgrade(project, options)));

  command('db')
    .summary("start the project's embedded PostgreSQL until Ctrl-C")
    .description("start the project's embedded PostgreSQL (.tandem/postgres) and print its connection strings; Ctrl-C stops it, other commands borrow it meanwhile")
    .addHelpText(
      'after',
      `\nEnvironment: DATABASE_URL (use that server), TANDEM_PG_VERSION (the PostgreSQL major, default 18; 15, 16 and 17\n` +
        'on linux-x64), TANDEM_PG_DIR (cluster folder, default .tandem/postgres, or .tandem/postgres-<major> for another major).\n' +
        projectExitCodes('0  stopped by Ctrl-C, or already running, or DATABASE_URL is set', '1  could not start, or stopped unexpectedly', NO_DATABASE),
    )
    .action((options) => projectVerb(options, db));

  command('migrate')
    .summary('apply the committed migrations and print the status')
    .description("apply the project's committed migrations (migrations/committed) and print the status: applied, pending, current.sql, the library release")
    .addHelpText('after', projectExitCodes('0  up to date', '1  a migration failed (graphile-migrate\'s error is shown)', NO_DATABASE))
    .action((options) => projectVerb(options, migrate));

  command('dev')
    .summary('apply, lint and retype on every save of current.sql')
    .description('the local loop: committed migrations applied, then current.sql applied and linted on every save, and the queries in sql/ retyped after each apply or edit; Ctrl-C stops it')
    .addHelpText('after', projectExitCodes('0  stopped by Ctrl-C', '1  could not start, or graphile-migrate watch stopped', NO_DATABASE))
    .action((options) => projectVerb(options, dev));

  command('codegen')
    .summary('type the queries in sql/ into generated/ (--check: fail on drift)')
    .description("type the project's queries with pgtyped (pgtyped.config.json: sql/ into generated/) against the database brought up to date with the migrations and current.sql")
    .option('--check', 'fail, naming the files, when a generated file changed (the drift check CI runs)')
    .addHelpText('after', projectExitCodes('0  done (--check: nothing changed)', '1  a query could not be typed (file, line, query and the database\'s error), or --check found drift', NO_DATABASE))
    .action((options) => projectVerb(options, (project) => codegen(project, options)));

  command('gm')
    .summary('graphile-migrate with the connection set (gm watch --once, gm commit)')
    .description('graphile-migrate with the connection strings set: `tandem gm watch --once` applies current.sql, `tandem gm commit -m "…"` freezes it')
    .argument('[command...]', "graphile-migrate's command and its options (`tandem gm commit --help` for graphile-migrate's help)")
    .allowUnknownOption()
    .passThroughOptions()
    .addHelpText('after', `\n--database-url goes before graphile-migrate's command: tandem gm --database-url <url> migrate\n${projectExitCodes("graphile-migrate's own", NO_DATABASE)}`)
    .action((args: string[], options) => projectVerb(options, (project) => gm(project, args)));

  command('ci')
    .summary('the CI pipeline on a fresh database')
    .description("the pipeline a project's CI runs, each step named and timed: a fresh database, tandem lint of every migration, every migration, the codegen drift check, backfill and verification of every migration with bridges, a rollback rehearsal")
    .option('--with-tests', 'run the project\'s tests (npm test) as the last step')
    .addHelpText('after', projectExitCodes('0  every step passed', '1  a step failed (named in the last line)', NO_DATABASE))
    .action((options) => projectVerb(options, (project) => ci(project, options)));

  command('demo')
    .summary("a worked scenario's whole migration under live load")
    .description("a worked scenario's whole migration under live load, on a new database tandem_demo_<scenario>: expand, backfill, verify, cutover, rollback, cutover, contract")
    .argument('[scenario]', 'scout (376,212 transactions at scale 1) or square', 'scout')
    .addOption(new Option('--scale <n>', 'data size relative to the plan\'s').default(1).argParser(scale))
    .addHelpText('after', projectExitCodes('0  nothing differed and no write was lost', '1  a difference or a lost write (or the run failed)', '2  bad arguments, or no database could be reached'))
    .action((scenario: string, options) => projectVerb(options, (project) => demo(project, scenario, options)));

  command('release-sql')
    .summary('the SQL library as one file for psql')
    .description("this package's SQL library as one file, release/tandem-<version>.sql, for a database graphile-migrate does not manage (psql -v ON_ERROR_STOP=1 -f …)")
    .option('--out <file>', 'where to write it')
    .option('--stdout', 'print it instead')
    .addHelpText('after', projectExitCodes('0  written', '2  bad arguments'))
    .action((options) => projectVerb(options, (project) => releaseSql(project, options)));

  return program;
}

/** Runs the command line with `argv` (the arguments after `tandem`) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  configureColor();
  let exitCode = 0;
  const asksVersion = argv[0] === '--version' || argv[0] === '-V';
  const program = buildProgram((code) => (exitCode = code), asksVersion ? await versionLine() : undefined);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    // Commander has printed its own message; --help and --version end here too, with code 0.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : USAGE_OR_CONNECTION;
    return reportError(error);
  }
  return exitCode;
}
