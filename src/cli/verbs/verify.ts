import { chalk } from 'zx';
import { verifyMigration, type VerifyMigrationResult } from '../../../generated/tandem.queries.js';
import type { Context } from '../context.js';
import { count, duration, table } from '../format.js';

export interface VerifyOptions {
  json?: boolean;
}

/** Runs verify_migration; 0 when every check passes, 1 when one fails. */
export async function verify(context: Context, migration: string, options: VerifyOptions): Promise<number> {
  const checks = await verifyMigration.run({ migration }, context.client);
  const consistency = checks.find((check) => check.checkName === 'consistency');
  const others = checks.filter((check) => check !== consistency);
  const passed = others.every((check) => check.status === 'pass');
  if (options.json) {
    context.out(JSON.stringify({ migration, passed, consistency: consistency?.actual ?? null, checks: others }, null, 2));
    return passed ? 0 : 1;
  }
  context.out(verificationReport(checks));
  const failed = others.filter((check) => check.status === 'fail').length;
  context.out(
    `${passed ? chalk.green('verified') : chalk.red(`${failed} check${failed === 1 ? '' : 's'} failed`)}: ` +
      `consistency ${consistency?.actual ?? 100}%${passed ? '' : ` (see the sample keys above; npx tandem rejects ${migration} lists rows that failed to map)`}`,
  );
  return passed ? 0 : 1;
}

/**
 * verify_migration's checks for a person: the passing ones folded into one line, the failing ones in a
 * table with their sample keys. The consistency row, when among them, is not a check of its own: its
 * duration is the whole verification's (each check carries that of the statement it came from, which
 * several checks share).
 */
export function verificationReport(checks: VerifyMigrationResult[]): string {
  const consistency = checks.find((check) => check.checkName === 'consistency' && !check.bridge);
  const others = checks.filter((check) => check !== consistency);
  const failing = others.filter((check) => check.status !== 'pass');
  const passing = others.filter((check) => check.status === 'pass');
  if (others.length === 0) return `${chalk.green('✓')} no checks to run: no bridge to compare (contract leaves none) and no custom check`;
  const lines: string[] = [];
  if (passing.length > 0) {
    const bridges = new Set(passing.filter((check) => check.bridge).map((check) => check.bridge));
    const custom = passing.filter((check) => !check.bridge).length;
    const took = consistency?.durationMs ?? Math.max(...others.map((check) => check.durationMs ?? 0));
    const over = [
      bridges.size > 0 ? `${bridges.size === 1 ? 'bridge' : 'bridges'} ${[...bridges].join(', ')}` : '',
      custom > 0 ? `${custom} custom check${custom === 1 ? '' : 's'}` : '',
    ].filter(Boolean);
    lines.push(`${chalk.green('✓')} ${passing.length} check${passing.length === 1 ? '' : 's'} passed${over.length ? ` (${over.join('; ')})` : ''} in ${duration(took)}`);
  }
  if (failing.length > 0) lines.push(verificationTable(failing));
  return lines.join('\n');
}

/** verify_migration's checks as a table (without the consistency row). */
export function verificationTable(checks: VerifyMigrationResult[]): string {
  return table(
    ['bridge', 'check', 'status', 'expected', 'actual', 'mismatches', 'sample keys', 'took'],
    checks.map((check) => [
      check.bridge ?? '',
      check.checkName,
      check.status === 'pass' ? chalk.green('pass') : chalk.red('fail'),
      count(check.expected),
      count(check.actual),
      count(check.mismatches),
      check.sampleKeys.join(', '),
      duration(check.durationMs),
    ]),
  );
}
