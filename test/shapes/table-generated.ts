/*
 * table, cut over as a rename, with generated columns on both sides: invoice (id, net, tax, gross
 * generated from net + tax) → bill (bill_id, net, tax, and total and label that bill computes itself).
 * Neither side's generated columns are mapped: each table computes its own. From cutover on the
 * compatibility view named invoice computes gross as the table did, RETURNING included.
 */
import type pg from 'pg';
import { expect } from 'vitest';
import { firstHeld, sorted, syncs, write, type ShapeCase, type Step } from '../support/harness.js';
import { rows } from '../support/sql.js';

interface Amounts {
  net: number;
  tax: number;
}

/** Runs one write with RETURNING and checks it touched one row, returning what it returned. */
async function writeReturning(client: pg.ClientBase, sql: string, params: unknown[]): Promise<Record<string, unknown>> {
  const result = await client.query(sql, params);
  expect(result.rowCount, `rows written by: ${sql} [${params.join(', ')}]`).toBe(1);
  return result.rows[0];
}

export function tableGenerated(): ShapeCase {
  const legacy = new Map<number, Amounts>();
  const modern = new Map<number, Amounts>();
  for (let id = 1; id <= 40; id++) legacy.set(id, { net: id * 10, tax: id });
  const together = (step: Step) => syncs(step.phase) || step.phase === 'contracted';
  const put = (step: Step, side: Map<number, Amounts>, id: number, amounts: Amounts | null) => {
    for (const model of together(step) ? [legacy, modern] : [side]) {
      if (amounts) model.set(id, amounts);
      else model.delete(id);
    }
  };
  const asLegacy = (id: number, a: Amounts) => ({ id, net: a.net, tax: a.tax, gross: a.net + a.tax });
  const asModern = (id: number, a: Amounts) => ({ bill_id: id, net: a.net, tax: a.tax, total: a.net + a.tax, label: `bill ${id}` });
  const cutOver = (step: Step) => step.phase === 'cut_over' || step.phase === 'contracted';

  return {
    name: 'table with generated columns on both sides (cut over as a rename)',
    migration: 'bills',
    tables: `
      create table invoice (id int primary key, net int not null, tax int not null, gross int generated always as (net + tax) stored);
      create table bill (bill_id int primary key, net int not null, tax int not null,
                         total int generated always as (net + tax) stored, label text generated always as ('bill ' || bill_id::text) stored);
      insert into invoice (id, net, tax) select g, g * 10, g from generate_series(1, 40) g`,
    bridges: `
      select tandem.create_migration('bills');
      select tandem.bridge(migration => 'bills', name => 'invoice', legacy => 'invoice', modern => 'bill',
        key => '{"bill_id": "id"}', forward => '{"net": "net", "tax": "tax"}', backward => '{"net": "net", "tax": "tax"}')`,

    afterStep(step) {
      // Expand deletes the twins of the legacy rows that left while planned (none since: nothing synced).
      if (step.name === 'expand again') for (const id of [...modern.keys()]) if (!legacy.has(id)) modern.delete(id);
      if (step.name === 'backfill') {
        modern.clear();
        for (const [id, amounts] of legacy) modern.set(id, amounts);
      }
    },


    async writeLegacy(client, step) {
      const { n } = step;
      // RETURNING shows the generated column, computed by the table or, from cutover on, by the view.
      const inserted = { net: 1000 + n, tax: n };
      expect(await writeReturning(client, 'insert into invoice (id, net, tax) values ($1, $2, $3) returning gross', [100 + n, inserted.net, inserted.tax]))
        .toEqual({ gross: inserted.net + inserted.tax });
      put(step, legacy, 100 + n, inserted);
      const updated = { net: 2000 + n, tax: 2 * n };
      expect(await writeReturning(client, 'update invoice set id = $2, net = $3, tax = $4 where id = $1 returning id, gross', [n + 1, 300 + n, updated.net, updated.tax]))
        .toEqual({ id: 300 + n, gross: updated.net + updated.tax });
      put(step, legacy, n + 1, null);
      put(step, legacy, 300 + n, updated);
      const deleted = firstHeld(legacy, 100 + n - 1, 40 - n);
      await write(client, 'delete from invoice where id = $1', [deleted]);
      put(step, legacy, deleted, null);
    },

    async writeModern(client, step) {
      const { n } = step;
      const inserted = { net: 5000 + n, tax: 5 * n };
      await write(client, 'insert into bill (bill_id, net, tax) values ($1, $2, $3)', [200 + n, inserted.net, inserted.tax]);
      put(step, modern, 200 + n, inserted);
      const updatedId = firstHeld(modern, 200 + n - 1, 300 + n);
      const updated = { net: 6000 + n, tax: 6 * n };
      await write(client, 'update bill set net = $2, tax = $3 where bill_id = $1', [updatedId, updated.net, updated.tax]);
      put(step, modern, updatedId, updated);
      const deleted = firstHeld(modern, 11 + n, 200 + n);
      await write(client, 'delete from bill where bill_id = $1', [deleted]);
      put(step, modern, deleted, null);
    },

    async check(client, step) {
      const relkind = async (name: string) => (await client.query('select relkind from pg_class where oid = to_regclass($1)', [name])).rows[0]?.relkind;
      expect(await relkind('invoice'), 'invoice is a view from cutover on').toBe(cutOver(step) ? 'v' : 'r');
      expect(await rows(client, 'invoice', 'id'), 'legacy rows (invoice)').toEqual(sorted(cutOver(step) ? modern : legacy, asLegacy));
      if (step.phase === 'cut_over') expect(await rows(client, 'invoice__archive', 'id'), 'archived legacy rows').toEqual(sorted(legacy, asLegacy));
      expect(await rows(client, 'bill', 'bill_id'), 'modern rows (bill)').toEqual(sorted(modern, asModern));
    },
  };
}
