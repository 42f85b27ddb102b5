/*
 * The lifecycle every bridge shape must survive, after pgroll's ExecuteTests
 * (pkg/migrations/op_common_test.go): on a fresh database each case is defined, then taken
 *
 *   expand → rollback → expand → backfill → verify → cutover → rollback → cutover → contract
 *
 * and after every step (the definition included) both sides are written and the data is checked
 * against the case's own model of what each side must hold.
 *
 * Who writes, phase by phase (docs/sql.md):
 *   planned      the legacy side only. No sync exists, before the first expand and after a rollback
 *                from expanded (which drops it): a modern write would stay on the modern side, and
 *                backfill only copies legacy → modern, so nothing would ever put the legacy side right.
 *                Legacy writes must survive: the next expand deletes the twins of the rows that left
 *                meanwhile, and by the end of the backfill after it the modern side holds exactly
 *                what they left.
 *   expanded, backfilled, verified, cut_over
 *                both sides; every write reaches the other side in the same transaction. After a
 *                rename cutover the legacy name is the compatibility view, written as legacy code would.
 *   contracted   both sides, whatever still exists there: the case decides (a renamed table's view
 *                outlives contract; the moved legacy columns of a split, a distinct bridge or a bridge of
 *                columns are dropped, and nothing syncs any more).
 *
 * Verification: after the writes of each step in phase verified or cut_over, verify_migration must
 * find no failing check (a passing run leaves those phases as they are; contract needs one since
 * cutover). Not in planned (refused), not in expanded (rows written before expand are legitimately
 * missing until the backfill), not in backfilled (a pass would move the migration to verified, the
 * verify step's work), not in contracted (the sync and the legacy columns are gone).
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { phase as Phase } from '../../generated/tandem.queries.js';
import { connectedDatabase, type ConnectedDatabase } from './database.js';
import { failures, phase, unsynced } from './sql.js';

export type { Phase };

/** Where a case is in the lifecycle, as the harness hands it to the case's writers and check. */
export interface Step {
  /** The step just taken ('define', 'expand', 'rollback to planned', …): what failure messages name. */
  name: string;
  /** Its position in the lifecycle, 0 for 'define': written values carry it, so each is unique to its step. */
  n: number;
  /** The phase the step leaves the migration in. */
  phase: Phase;
}

/** One bridge shape: its schema, its bridges, its writers, and a model of what each side must hold. */
export interface ShapeCase {
  /** The shape as test names and failure messages show it, e.g. 'table (cut over as a rename)'. */
  name: string;
  /** The migration `bridges` creates. */
  migration: string;
  /** The legacy and modern tables, with legacy rows already in them so that the backfill has work. */
  tables: string;
  /** tandem.create_migration and the tandem.bridge calls. */
  bridges: string;
  /** Brings the model up to date with what the step itself did to the data (backfill copies rows, contract drops columns). */
  afterStep(step: Step): void;
  /** Inserts, updates and deletes legacy rows with values unique to the step, through the legacy name; recorded in the model. */
  writeLegacy(client: pg.ClientBase, step: Step): Promise<void>;
  /** The same on the modern side; never called while planned. */
  writeModern(client: pg.ClientBase, step: Step): Promise<void>;
  /** Asserts the exact contents of both sides, from the model. */
  check(client: pg.ClientBase, step: Step): Promise<void>;
  /** A library bug the case runs into, not yet fixed: see KnownBug. */
  knownBug?: KnownBug;
}

/**
 * A library bug, pinned: at `step` the check must fail (once the bug is fixed it passes, and the test
 * fails until this is removed from the case); then `repair`, what an operator would run by hand,
 * is run with the sync off, and the check must pass, so the rest of the lifecycle is still tested.
 */
export interface KnownBug {
  /** The step whose check shows it. */
  step: string;
  /** What goes wrong, as the test's name shows it. */
  bug: string;
  /** SQL that puts the data right, run with the sync off. */
  repair: string;
}

interface LifecycleStep {
  name: string;
  /** Takes the step (the case's definition for 'define') and returns what the call returned. */
  take(client: pg.ClientBase, shape: ShapeCase): Promise<unknown>;
  returns?: unknown;
  phase: Phase;
}

const scalar = (sql: string) => async (client: pg.ClientBase, shape: ShapeCase) =>
  Object.values((await client.query(sql, [shape.migration])).rows[0] ?? {})[0];

const LIFECYCLE: LifecycleStep[] = [
  { name: 'define', take: async (client, shape) => { await client.query(shape.tables + ';\n' + shape.bridges); }, phase: 'planned' },
  { name: 'expand', take: scalar('select tandem.expand($1)'), returns: 'expanded', phase: 'expanded' },
  { name: 'rollback to planned', take: scalar('select tandem.rollback($1)'), returns: 'rolled back from expanded to planned', phase: 'planned' },
  { name: 'expand again', take: scalar('select tandem.expand($1)'), returns: 'expanded', phase: 'expanded' },
  // The procedure commits between batches, so it runs outside any transaction; small batches so there are several.
  { name: 'backfill', take: async (client, shape) => { await client.query('call tandem.backfill($1, batch_size => 7)', [shape.migration]); }, phase: 'backfilled' },
  { name: 'verify', take: (client, shape) => failures(client, shape.migration), returns: [], phase: 'verified' },
  { name: 'cutover', take: scalar('select tandem.cutover($1)'), returns: 'cut over', phase: 'cut_over' },
  { name: 'rollback to verified', take: scalar('select tandem.rollback($1)'), returns: 'rolled back from cut_over to verified', phase: 'verified' },
  { name: 'cutover again', take: scalar('select tandem.cutover($1)'), returns: 'cut over', phase: 'cut_over' },
  { name: 'contract', take: scalar('select tandem.contract($1)'), returns: 'contracted', phase: 'contracted' },
];

const VERIFIED_AFTER_WRITES = new Set<Phase>(['verified', 'cut_over']);

/** Whether the sync machinery is in place in this phase (both sides change together). */
export const syncs = (phase: Phase): boolean => phase !== 'planned' && phase !== 'contracted';

/**
 * Registers the case's lifecycle: one test per step, in order, on a database of its own. Once a
 * step fails, the later ones are skipped (they would only report the same damage).
 */
export function describeShape(shape: ShapeCase): void {
  describe(`lifecycle of ${shape.name}`, () => {
    let db: ConnectedDatabase;
    let broken: string | undefined;
    beforeAll(async () => {
      db = await connectedDatabase();
    });
    afterAll(async () => {
      await db?.close();
    });

    LIFECYCLE.forEach((lifecycleStep, n) => {
      const step: Step = { name: lifecycleStep.name, n, phase: lifecycleStep.phase };
      const known = shape.knownBug?.step === step.name ? shape.knownBug : undefined;
      it(`${n} ${step.name} → ${step.phase}, then writes and checks${known ? ` (known bug: ${known.bug})` : ''}`, async (context) => {
        if (broken) context.skip(`step "${broken}" failed`);
        const client = db.client;
        try {
          const returned = await lifecycleStep.take(client, shape);
          if ('returns' in lifecycleStep) expect(returned, `what ${step.name} returned`).toEqual(lifecycleStep.returns);
          expect(await phase(client, shape.migration), `phase after ${step.name}`).toBe(step.phase);
          shape.afterStep(step);
          await shape.writeLegacy(client, step);
          if (step.phase !== 'planned') await shape.writeModern(client, step);
          if (known) {
            await expect(shape.check(client, step), `the known bug (${known.bug}) no longer shows: remove knownBug from the case`).rejects.toThrow();
            await unsynced(client, known.repair);
          }
          await shape.check(client, step);
          // Status answers in every phase, and for every bridge (contract drops one side of some).
          const { rows: status } = await client.query('select * from tandem.status($1)', [shape.migration]);
          expect(status.length, `tandem.status rows after ${step.name}`).toBeGreaterThan(0);
          expect(status.every((row) => row.phase === step.phase && row.next_step), `tandem.status after ${step.name}`).toBe(true);
          if (step.phase === 'contracted') {
            // Nothing is left to compare, and verification says so rather than failing.
            expect(await failures(client, shape.migration), `verify_migration after contract`).toEqual([]);
          }
          if (VERIFIED_AFTER_WRITES.has(step.phase)) {
            expect(await failures(client, shape.migration), `verify_migration's failing checks after the writes of ${step.name}`).toEqual([]);
            expect(await phase(client, shape.migration), `phase after verifying`).toBe(step.phase);
          }
        } catch (error) {
          broken = step.name;
          throw error;
        }
      });
    });
  });
}

/** Runs one write and fails, naming it, unless it touched exactly one row (a write that misses its row proves nothing). */
export async function write(client: pg.ClientBase, sql: string, params: unknown[]): Promise<void> {
  const result = await client.query(sql, params);
  expect(result.rowCount, `rows written by: ${sql} [${params.join(', ')}]`).toBe(1);
}

/** The first of `keys` that `model` holds: how writers pick an existing row deterministically. */
export function firstHeld<K>(model: { has(key: K): boolean }, ...keys: K[]): K {
  const key = keys.find((candidate) => model.has(candidate));
  if (key === undefined) throw new Error(`the model holds none of ${keys.join(', ')}: the case's writers need another candidate`);
  return key;
}

/** A model's rows as a table reads them: ordered by key, each row built by `row`. */
export function sorted<K extends number | string, V, R>(model: Map<K, V>, row: (key: K, value: V) => R): R[] {
  return [...model].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, value]) => row(key, value));
}
