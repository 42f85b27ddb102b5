/*
 * npx tandem <verb>: the operator's command line. Each verb is a function in verbs/ that gets a
 * connected client and returns its exit code; this file only parses arguments and prints errors.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { chalk } from 'zx';
import { withContext, type Context } from './context.js';
import { formatError, UserError } from './run-main.js';
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
  3  the database's tandem library is missing or older than this command line: apply the migrations (npm run migrate)
  4  the database's tandem library is newer than this command line: upgrade the command line`;

const CONNECTION = `
Connection: DATABASE_URL when set, otherwise the embedded server (started for the command unless
\`npm run db\` or \`npm run dev\` runs one).`;

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

/** The exit code a verb's error ends with: a UserError's own, 2 when no database could be reached, 1 otherwise. */
function exitCodeOf(error: unknown): number {
  if (error instanceof UserError) return error.exitCode;
  const { name, code } = error as { name?: string; code?: string };
  if (name === 'ProvisionError' || name === 'EmbeddedServerError') return 2;
  if (code && ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', '28P01', '28000', '3D000'].includes(code)) return 2;
  return 1;
}

export function buildProgram(run: (verb: (context: Context) => Promise<number>) => Promise<void>): Command {
  const program = new Command('tandem')
    .description('Drive tandem migrations: legacy and modern tables kept in sync until the modern side takes over.')
    .addHelpText('after', `${CONNECTION}\n${EXIT_CODES}\n\nThe lifecycle: expand (in a migration) → backfill → verify → cutover → verify → contract; rollback steps back.`)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();

  program
    .command('status [migration]')
    .description('every migration (or one) with its phase, bridges, row counts, backfill progress, last verification and next step')
    .option('--json', 'print JSON')
    .addHelpText('after', EXIT_CODES)
    .action((migration: string | undefined, options) => run((context) => status(context, migration, options)));

  program
    .command('backfill <migration>')
    .description('copy the legacy rows that existed before expand, in keyset batches with a progress bar; Ctrl-C stops after the batch under way and the next run resumes')
    .addOption(new Option('--batch-size <rows>', 'rows per batch (each its own transaction)').default(1000).argParser(positiveInteger))
    .addOption(new Option('--pause <ms>', 'wait between batches, to leave room for the application').default(0).argParser(milliseconds))
    .option('--dry-run', 'count what would be written and rejected, writing nothing')
    .addHelpText('after', `${EXIT_CODES}\n  ${INTERRUPTED}  stopped by Ctrl-C after a batch: run again to resume`)
    .action((migration: string, options) => run((context) => backfill(context, migration, options)));

  program
    .command('verify <migration>')
    .description('compare every legacy row with its modern twin on every mapped column, in one snapshot, and run the custom checks')
    .option('--json', 'print JSON: { migration, passed, consistency, checks }')
    .addHelpText('after', EXIT_CODES)
    .action((migration: string, options) => run((context) => verify(context, migration, options)));

  for (const [verb, description] of [
    ['cutover', 'make the modern side the source of truth; refused unless the latest verification passed'],
    ['rollback', 'go back one phase, from any phase before contract, losing no write'],
    ['contract', 'drop the sync machinery and the archives or moved columns; refused unless a verification after cutover passed'],
  ] as const) {
    const command = program
      .command(`${verb} <migration>`)
      .description(description)
      .option('-y, --yes', 'do not ask for confirmation (needed when not on a terminal)');
    if (verb === 'contract') command.option('--keep-restore-copy', 'keep the archives (or moved columns) aside instead of dropping them');
    command
      .addHelpText('after', EXIT_CODES)
      .action((migration: string, options) => run((context) => transition(context, verb, migration, options)));
  }

  program
    .command('log [migration]')
    .description('the event log, newest first, with durations')
    .addOption(new Option('--limit <n>', 'how many events').default(50).argParser(positiveInteger))
    .option('--json', 'print JSON')
    .addHelpText('after', EXIT_CODES)
    .action((migration: string | undefined, options) => run((context) => log(context, migration, options)));

  program
    .command('rejects <migration>')
    .description('rows that failed to map, with their errors')
    .addOption(new Option('--limit <n>', 'how many rows').default(100).argParser(positiveInteger))
    .option('--json', 'print JSON')
    .addHelpText('after', EXIT_CODES)
    .action((migration: string, options) => run((context) => rejects(context, migration, options)));

  program
    .command('lint [files...]')
    .description('check migrations for locks, rewrites and data loss before they run: the files given, or current.sql and the committed migrations not yet applied')
    .addOption(new Option('--format <format>', 'human, json or gcc').choices(['human', 'json', 'gcc']).default('human'))
    .addOption(new Option('--pg-version <major>', 'target PostgreSQL major version (default: the database\'s, or 18)').argParser(positiveInteger))
    .addHelpText('after', `
Suppress a finding with a reason: \`-- tandem-ignore <rule>: <why>\` before the statement, or
\`-- tandem-ignore-file <rule>: <why>\` for the whole file.
${EXIT_CODES.replace('done (verify: every check passed)', 'no error-level finding').replace('refused or failed: wrong phase, a failing check, a PostgreSQL error (shown with its SQLSTATE, detail and hint)', 'an error-level finding, or SQL that does not parse').replace('library is missing or older', 'library (when linting without files) is older')}`)
    .action(async (files: string[], options) => {
      lintExit = await lint(files, options);
    });

  return program;
}

let lintExit: number | undefined;

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(async (verb) => {
    exitCode = await withContext(verb);
  });
  lintExit = undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
    if (lintExit !== undefined) return lintExit;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`${chalk.red('error')}: ${formatError(error)}\n`);
    return exitCodeOf(error);
  }
  return exitCode;
}
