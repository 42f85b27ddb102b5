/*
 * columns: payment (id, amount_cents, note) gains amount numeric(12, 2), kept in step by a BEFORE
 * trigger in the same row: on insert the side left null is computed from the other, on update the
 * side that changed drives the other. Legacy and modern are one table, so a delete is both sides' at
 * once. Cutover changes nothing; contract drops amount_cents.
 */
import { expect } from 'vitest';
import { firstHeld, sorted, syncs, write, type ShapeCase, type Step } from '../support/harness.js';
import { rows } from '../support/sql.js';

interface Payment {
  cents: number | null;
  /** As PostgreSQL prints numeric(12, 2). */
  amount: string | null;
  note: string;
}

const amountOf = (cents: number) => (cents / 100).toFixed(2);

export function columns(): ShapeCase {
  const model = new Map<number, Payment>();
  for (let id = 1; id <= 40; id++) model.set(id, { cents: id * 125, amount: null, note: `n${id}` });
  const contracted = (step: Step) => step.phase === 'contracted';

  return {
    name: 'columns (new columns of the same table)',
    migration: 'amounts',
    tables: `
      create table payment (id int primary key, amount_cents int, note text not null);
      insert into payment select g, g * 125, 'n' || g from generate_series(1, 40) g;
      alter table payment add column amount numeric(12, 2)`,
    bridges: `
      select tandem.create_migration('amounts');
      select tandem.bridge(migration => 'amounts', name => 'amount', legacy => 'payment', modern => 'payment',
        forward => '{"amount": "amount_cents / 100.0"}', backward => '{"amount_cents": "(amount * 100)::integer"}')`,

    afterStep(step) {
      if (step.name === 'backfill') for (const p of model.values()) p.amount = p.cents === null ? null : amountOf(p.cents);
    },

    async writeLegacy(client, step) {
      const { n } = step;
      // After contract there is no legacy column left to write.
      if (contracted(step)) return;
      const on = syncs(step.phase);
      await write(client, 'insert into payment (id, amount_cents, note) values ($1, $2, $3)', [100 + n, 10_000 + n, `li${n}`]);
      model.set(100 + n, { cents: 10_000 + n, amount: on ? amountOf(10_000 + n) : null, note: `li${n}` });
      // The previous step's modern insert when there is one: while planned its amount goes stale until the backfill.
      const updated = firstHeld(model, 200 + n - 1, n + 1);
      await write(client, 'update payment set amount_cents = $2, note = $3 where id = $1', [updated, 5000 + n, `lu${n}`]);
      model.set(updated, { cents: 5000 + n, amount: on ? amountOf(5000 + n) : model.get(updated)!.amount, note: `lu${n}` });
      const deleted = firstHeld(model, 100 + n - 1, 40 - n);
      await write(client, 'delete from payment where id = $1', [deleted]);
      model.delete(deleted);
    },

    async writeModern(client, step) {
      const { n } = step;
      const on = syncs(step.phase);
      await write(client, 'insert into payment (id, amount, note) values ($1, $2, $3)', [200 + n, `${n}.75`, `mi${n}`]);
      model.set(200 + n, { cents: on ? n * 100 + 75 : null, amount: `${n}.75`, note: `mi${n}` });
      await write(client, 'update payment set amount = $2, note = $3 where id = $1', [n + 11, `${100 + n}.25`, `mu${n}`]);
      model.set(n + 11, { cents: on ? (100 + n) * 100 + 25 : model.get(n + 11)!.cents, amount: `${100 + n}.25`, note: `mu${n}` });
      await write(client, 'delete from payment where id = $1', [n + 21]);
      model.delete(n + 21);
    },

    async check(client, step) {
      expect(await rows(client, 'payment', 'id'), 'rows of payment, both sides').toEqual(
        sorted(model, (id, p) => (contracted(step) ? { id, note: p.note, amount: p.amount } : { id, amount_cents: p.cents, note: p.note, amount: p.amount })),
      );
    },
  };
}
