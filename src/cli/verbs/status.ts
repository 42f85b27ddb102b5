import { chalk } from 'zx';
import { migrationPlan, migrationStatus, type MigrationStatusResult } from '../../../generated/tandem.queries.js';
import type { Context } from '../context.js';
import { UserError } from '../run-main.js';
import { count, table } from '../format.js';
import { planSummary } from './plan.js';

export interface StatusOptions {
  json?: boolean;
}

/** Every migration (or one) with its phase, bridges, row counts, backfill progress, last verification and next step. */
export async function status(context: Context, migration: string | undefined, options: StatusOptions): Promise<number> {
  const rows: MigrationStatusResult[] = await migrationStatus.run({ migration: migration ?? null }, context.client);
  if (migration && rows.length === 0) {
    throw new UserError(`migration "${migration}" does not exist.\nFix: check the name (npx tandem status lists them), or create it: select tandem.create_migration('${migration}');`);
  }
  if (options.json) {
    context.out(JSON.stringify(rows, null, 2));
    return 0;
  }
  if (rows.length === 0) {
    context.out(`No migrations yet. Declare one in migrations/current.sql: select tandem.create_migration('name', 'what it does');`);
    return 0;
  }
  context.out(
    table(
      ['migration', 'phase', 'bridge', 'legacy → modern', 'rows (legacy / modern)', 'backfill', 'last verification', 'next step'],
      rows.map((row) => [
        row.migration,
        // Sync code another release generated (the database was not upgraded through an install) is worth a look.
        row.phase.replace('_', ' ') + (row.generatedVersion && row.generatedVersion !== context.libraryVersion ? ` (sync by ${row.generatedVersion})` : ''),
        row.bridge,
        row.legacy ? `${row.legacy} → ${row.modern}` : '',
        row.bridge ? `${count(row.legacyRows)} / ${count(row.modernRows)}` : '',
        row.backfillDone === null ? '' : `${count(row.backfillDone)} / ${count(row.backfillTotal)}${row.backfillRowsPerSecond ? ` (${count(row.backfillRowsPerSecond)}/s)` : ''}`,
        row.lastVerifiedAt ? `${row.lastVerificationPassed ? 'passed' : 'failed'} ${row.lastVerifiedAt.toISOString()}` : '',
        row.nextStep,
      ]),
    ),
  );
  // What cutover and contract will do, in a line per migration still to go through them.
  const pending = [...new Set(rows.filter((row) => row.bridge && ['expanded', 'backfilled', 'verified', 'cut_over', 'planned'].includes(row.phase)).map((row) => row.migration))];
  for (const name of pending) context.out(planSummary(name, await migrationPlan.run({ migration: name }, context.client)));
  return 0;
}
