/*
 * The one place that decides how an error prints and which exit code it ends with, for `npx tandem`
 * (cli/tandem.ts) and for the scripts alike; and whether output is coloured.
 */
import { chalk } from 'zx';

/** An error whose message is complete for a user (what, where, and the fix): printed without a stack. */
export class UserError extends Error {
  constructor(
    message: string,
    /** The exit code to end with. */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

const USER_ERROR_NAMES = new Set(['UserError', 'ProvisionError', 'EmbeddedServerError', 'MissingToolError']);

/** Exit code for a usage error, or when no database could be reached. */
export const USAGE_OR_CONNECTION = 2;

interface PgErrorFields {
  code?: string;
  detail?: string;
  hint?: string;
  where?: string;
  position?: string;
}

/** A PostgreSQL error with its SQLSTATE, detail and hint; `sql` (the statement) adds a caret under the position. */
export function formatPgError(error: Error & PgErrorFields, sql?: string): string {
  const lines = [`${error.message}${error.code ? ` (SQLSTATE ${error.code})` : ''}`];
  const position = Number(error.position);
  if (sql && Number.isInteger(position) && position > 0) {
    const before = sql.slice(0, position - 1);
    const lineStart = before.lastIndexOf('\n') + 1;
    const lineEnd = sql.indexOf('\n', position - 1);
    const lineNo = before.split('\n').length;
    const text = sql.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
    lines.push(`  ${lineNo} | ${text}`, `  ${' '.repeat(String(lineNo).length)} | ${' '.repeat(position - 1 - lineStart)}^`);
  }
  if (error.detail) lines.push(`DETAIL: ${error.detail}`);
  if (error.hint) lines.push(`HINT: ${error.hint}`);
  // The library's own errors (class TD) say where and what to do; their PL/pgSQL stack is noise.
  if (error.where && !error.code?.startsWith('TD')) lines.push(`CONTEXT: ${error.where}`);
  return lines.join('\n');
}

export function formatError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (USER_ERROR_NAMES.has(error.name)) return error.message;
  if ((error as PgErrorFields).code && error.constructor.name === 'DatabaseError') return formatPgError(error);
  return error.stack ?? error.message;
}

/** The exit code an error ends with: a UserError's own, 2 when no database could be reached, 1 otherwise. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UserError) return error.exitCode;
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  if (name === 'ProvisionError' || name === 'EmbeddedServerError') return USAGE_OR_CONNECTION;
  if (code && ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', '28P01', '28000', '3D000'].includes(code)) return USAGE_OR_CONNECTION;
  return 1;
}

/** Prints an error once, to standard error, and returns the exit code it ends with. */
export function reportError(error: unknown): number {
  process.stderr.write(`${chalk.red('error')}: ${formatError(error)}\n`);
  return exitCodeOf(error);
}

/**
 * No colour when NO_COLOR is set to anything but the empty string (https://no-color.org), even on a
 * terminal and even with FORCE_COLOR: chalk alone would honour FORCE_COLOR first.
 */
export function configureColor(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NO_COLOR) chalk.level = 0;
}

/**
 * Runs `main`, printing any error once to standard error and setting the exit code. With `--help`
 * (or `-h`) as the first argument, prints `help` instead.
 */
export async function runMain(help: string, main: () => Promise<void>): Promise<void> {
  configureColor();
  const first = process.argv[2];
  if (first === '--help' || first === '-h') {
    process.stdout.write(`${help.trim()}\n`);
    return;
  }
  try {
    await main();
  } catch (error) {
    process.exitCode = reportError(error);
  }
}
