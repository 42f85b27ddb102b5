import { createInterface } from 'node:readline/promises';
import { chalk } from 'zx';
import { contract, cutover, lifecycleStep, migrationPlan, migrationStatus, rollback, validateForeignKeys } from '../../../generated/tandem.queries.js';
import { planLines } from './plan.js';
import { UserError } from '../run-main.js';
import type { Context } from '../context.js';

export type Transition = 'cutover' | 'rollback' | 'contract';

export interface TransitionOptions {
  yes?: boolean;
  keepRestoreCopy?: boolean;
}

/** What the transition will do, in words, for the confirmation. */
function plan(transition: Transition, migration: string, phase: string, next: string, bridges: string[], options: TransitionOptions): string {
  const list = bridges.map((bridge) => `  - ${bridge}`).join('\n');
  switch (transition) {
    case 'cutover':
      return `Cut over "${migration}" (${phase} → cut over): the modern tables become the source of truth; a legacy table fed by one bridge becomes a writable view, the table kept in sync as <name>__archive.\n${list}`;
    case 'rollback':
      return `Roll back "${migration}" one phase (${phase} → ${next}); no write made on either side is lost.\n${list}`;
    case 'contract':
      return `Contract "${migration}" (cut over → contracted): drop the sync triggers and ${options.keepRestoreCopy ? 'set the archives (or moved columns) aside as restore copies' : 'DROP the archives (or the moved legacy columns)'}. This cannot be rolled back.\n${list}`;
  }
}

async function confirm(context: Context, question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

/** cutover, rollback or contract: says what will happen, asks (unless --yes), then does it. */
export async function transition(context: Context, transition: Transition, migration: string, options: TransitionOptions): Promise<number> {
  // What the transition does in the migration's phase comes from the library's lifecycle.
  const [current] = await lifecycleStep.run({ migration, verb: transition }, context.client);
  if (!current) {
    throw new UserError(`migration "${migration}" does not exist.\nFix: check the name (npx tandem status lists them).`);
  }
  if (current.outcome !== 'moves') {
    // Refused or already done in this phase: the library says so, with the next step.
    return run(context, transition, migration, options);
  }
  const bridges = (await migrationStatus.run({ migration }, context.client))
    .filter((row) => row.bridge)
    .map((row) => `${row.bridge}: ${row.legacy} → ${row.modern}`);
  context.err(plan(transition, migration, current.phase, current.nextPhase ?? current.phase, bridges, options));
  // What it does to each dependent of the tables (tandem.plan, the same decision the transition acts on).
  const dependents = planLines(await migrationPlan.run({ migration }, context.client), transition);
  if (dependents.length > 0) context.err(`What it does besides (npx tandem plan ${migration} says why):\n${dependents.join('\n')}`);
  if (!options.yes) {
    if (!context.interactive) {
      throw new UserError('Not on a terminal, so nothing to confirm with.\nFix: pass --yes to confirm.', 2);
    }
    if (!(await confirm(context, 'Go ahead?'))) {
      context.err('Nothing done.');
      return 1;
    }
  }
  return run(context, transition, migration, options);
}

async function run(context: Context, transition: Transition, migration: string, options: TransitionOptions): Promise<number> {
  const query = transition === 'cutover' ? cutover : transition === 'rollback' ? rollback : undefined;
  const [result] = query
    ? await query.run({ migration }, context.client)
    : await contract.run({ migration, keepRestoreCopy: options.keepRestoreCopy ?? false }, context.client);
  context.out(`${chalk.green(result?.result ?? 'done')}: ${migration}`);
  if (query) {
    // Foreign keys the transition moved NOT VALID that were validated before, on tables too large to
    // scan under its locks: validated now that it has committed, in a transaction of their own.
    const [validated] = await validateForeignKeys.run({ migration }, context.client);
    if (validated && validated.result !== 'nothing to validate') context.out(`${chalk.green(validated.result)}: ${migration}`);
  }
  return 0;
}
