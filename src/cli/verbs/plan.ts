import { chalk } from 'zx';
import { migrationPlan, type MigrationPlanResult } from '../../../generated/tandem.queries.js';
import type { Context } from '../context.js';
import { table } from '../format.js';

export interface PlanOptions {
  json?: boolean;
}

export type PlannedVerb = 'cutover' | 'rollback' | 'contract';

/** An action as a person reads it: refusals in red, changes in yellow, what stays as it is plain. */
function action(value: string): string {
  if (value === 'refused') return chalk.red(value);
  if (value === 'kept' || value === 'none') return value;
  return chalk.yellow(value);
}

/** The dependents (and dropped columns) a transition does something to, one a line, with why where it refuses. */
export function planLines(rows: MigrationPlanResult[], verb: PlannedVerb): string[] {
  return rows
    .filter((row) => row.kind !== 'bridge' && row[verb] !== 'kept')
    .map((row) => `  - ${row.kind} ${row.object}: ${action(row[verb])}${row[verb] === 'refused' ? ` (${row.reason})` : ''}`);
}

/** One line: how cutover takes each bridge, and how many dependents follow or refuse. */
export function planSummary(migration: string, rows: MigrationPlanResult[]): string {
  const bridges = rows.filter((row) => row.kind === 'bridge').map((row) => `${row.bridge} ${row.cutover === 'rename' ? 'renamed' : row.cutover === 'split' ? 'split' : row.cutover}`);
  const dependents = rows.filter((row) => row.kind.startsWith('legacy ') || row.kind.startsWith('modern '));
  const following = dependents.filter((row) => [row.cutover, row.rollback, row.contract].some((value) => value !== 'kept' && value !== 'refused')).length;
  const refused = dependents.filter((row) => [row.cutover, row.rollback, row.contract].includes('refused')).length;
  return `${migration}: ${bridges.join(', ')}; ${following} dependent${following === 1 ? '' : 's'} moved, redefined, carried or dropped` +
    (refused > 0 ? `, ${chalk.red(`${refused} refused`)}` : '') + ` (npx tandem plan ${migration})`;
}

/** What cutover, rollback and contract will do to each bridge and each dependent of its tables, and why. */
export async function plan(context: Context, migration: string, options: PlanOptions): Promise<number> {
  const rows = await migrationPlan.run({ migration }, context.client);
  // Exit 1 when a transition would be refused, so that a pipeline can stop before trying it.
  const status = rows.some((row) => [row.cutover, row.rollback, row.contract].includes('refused')) ? 1 : 0;
  if (options.json) {
    context.out(JSON.stringify({ migration, items: rows }, null, 2));
    return status;
  }
  const bridges = [...new Set(rows.map((row) => row.bridge))];
  for (const bridge of bridges) {
    const own = rows.filter((row) => row.bridge === bridge);
    const head = own.find((row) => row.kind === 'bridge')!;
    context.out(`${chalk.bold(`bridge ${bridge}`)}: ${head.object}, cutover: ${chalk.bold(head.cutover)}, contract ${head.contract}`);
    context.out(`  ${head.reason}`);
    const items = own.filter((row) => row.kind !== 'bridge');
    if (items.length > 0) {
      context.out(table(['', 'object', 'cutover', 'rollback', 'contract'],
        items.map((row) => [row.kind + (row.bestEffort ? ' *' : ''), row.object, action(row.cutover), action(row.rollback), action(row.contract)])));
    }
    const refused = items.filter((row) => [row.cutover, row.rollback, row.contract].includes('refused'));
    for (const row of refused) context.out(`${chalk.red('refused')}: ${row.kind} ${row.object}: ${row.reason}`);
    if (items.some((row) => row.bestEffort)) context.out('* found by name in a function\'s source text (best effort)');
  }
  if (bridges.length === 0) context.out(`Migration ${migration} has no bridges yet.`);
  else context.out(`Why each is done: npx tandem plan ${migration} --json (reason), or select * from tandem.plan('${migration}');`);
  return status;
}
