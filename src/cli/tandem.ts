/*
 * npx tandem <verb>: the command line. Each verb is a function in verbs/ that gets the project (and,
 * for the verbs that read the library, a connected client) and returns its exit code; this file only
 * parses arguments and registers the verbs. How errors print and which exit code they get is decided
 * in run-main.ts, for every verb alike.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { packageInfo } from '../paths.js';
import { projectContext, withContext, type ConnectionOptions, type Context } from './context.js';
import { commandLineVersion } from './library-version.js';
import { configureColor, reportError, USAGE_OR_CONNECTION } from './run-main.js';
import { backfill, INTERRUPTED } from './verbs/backfill.js';
import { lint } from './verbs/lint.js';
import { log, rejects } from './verbs/log.js';
import { status } from './verbs/status.js';
import { transition } from './verbs/transition.js';
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
    .exitOverride();
  // Every verb takes --database-url, and ends through `main` on a usage error as on any other.
  const command = (spec: string) => withConnection(program.command(spec).exitOverride());

  command('status [migration]')
    .description('every migration (or one) with its phase, bridges, row counts, backfill progress, last verification and next step')
    .option('--json', 'print JSON')
    .addHelpText('after', EXIT_CODES)
    .action((migration: string | undefined, options) => run(options, (context) => status(context, migration, options)));

  command('backfill <migration>')
    .description('copy the legacy rows that existed before expand, in keyset batches with a progress bar; Ctrl-C stops after the batch under way and the next run resumes')
    .addOption(new Option('--batch-size <rows>', 'rows per batch (each its own transaction)').default(1000).argParser(positiveInteger))
    .addOption(new Option('--pause <ms>', 'wait between batches, to leave room for the application').default(0).argParser(milliseconds))
    .option('--dry-run', 'count what would be written and rejected, writing nothing')
    .addHelpText('after', `${EXIT_CODES}\n  ${INTERRUPTED}  stopped by Ctrl-C after a batch: run again to resume`)
    .action((migration: string, options) => run(options, (context) => backfill(context, migration, options)));

  command('verify <migration>')
    .description('compare every legacy row with its modern twin on every mapped column, in one snapshot, and run the custom checks')
    .option('--json', 'print JSON: { migration, passed, consistency, checks }')
    .addHelpText('after', EXIT_CODES)
    .action((migration: string, options) => run(options, (context) => verify(context, migration, options)));

  for (const [verb, description] of [
    ['cutover', 'make the modern side the source of truth; refused unless the latest verification passed'],
    ['rollback', 'go back one phase, from any phase before contract, losing no write'],
    ['contract', 'drop the sync machinery and the archives or moved columns; refused unless a verification after cutover passed'],
  ] as const) {
    const transitionCommand = command(`${verb} <migration>`)
      .description(description)
      .option('-y, --yes', 'do not ask for confirmation (needed when not on a terminal)');
    if (verb === 'contract') transitionCommand.option('--keep-restore-copy', 'keep the archives (or moved columns) aside instead of dropping them');
    transitionCommand
      .addHelpText('after', EXIT_CODES)
      .action((migration: string, options) => run(options, (context) => transition(context, verb, migration, options)));
  }

  command('log [migration]')
    .description('the event log, newest first, with durations')
    .addOption(new Option('--limit <n>', 'how many events').default(50).argParser(positiveInteger))
    .option('--json', 'print JSON')
    .addHelpText('after', EXIT_CODES)
    .action((migration: string | undefined, options) => run(options, (context) => log(context, migration, options)));

  command('rejects <migration>')
    .description('rows that failed to map, with their errors')
    .addOption(new Option('--limit <n>', 'how many rows').default(100).argParser(positiveInteger))
    .option('--json', 'print JSON')
    .addHelpText('after', EXIT_CODES)
    .action((migration: string, options) => run(options, (context) => rejects(context, migration, options)));

  command('lint [files...]')
    .description('check migrations for locks, rewrites and data loss before they run: the files given, or current.sql and the committed migrations not yet applied')
    .addOption(new Option('--format <format>', 'human, json or gcc').choices(['human', 'json', 'gcc']).default('human'))
    .addOption(new Option('--pg-version <major>', 'target PostgreSQL major version (default: the database\'s, or 18)').argParser(positiveInteger))
    .addHelpText('after', `
Suppress a finding with a reason: \`-- tandem-ignore <rule>: <why>\` before the statement, or
\`-- tandem-ignore-file <rule>: <why>\` for the whole file.
${EXIT_CODES.replace('done (verify: every check passed)', 'no error-level finding').replace('refused or failed: wrong phase, a failing check, a PostgreSQL error (shown with its SQLSTATE, detail and hint)', 'an error-level finding, or SQL that does not parse').replace('library is missing or older', 'library (when linting without files) is older')}`)
    .action(async (files: string[], options) => done(await lint(projectContext(options), files, options)));

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
