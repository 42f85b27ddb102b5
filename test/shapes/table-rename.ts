/*
 * table, cut over as a rename: person (id, full_name, email) → people (person_id, first_name,
 * last_name, email). The legacy table feeds only this bridge, unfiltered, and every legacy column has
 * a backward expression, so cutover renames it person__archive (still synced) and puts a writable
 * compatibility view named person over people; the view outlives contract, the archive does not.
 */
import type pg from 'pg';
import { expect } from 'vitest';
import { firstHeld, sorted, syncs, write, type ShapeCase, type Step } from '../support/harness.js';
import { rows } from '../support/sql.js';

interface Person {
  first: string;
  last: string;
  email: string;
}

export function tableRename(): ShapeCase {
  const legacy = new Map<number, Person>();
  const modern = new Map<number, Person>();
  for (let id = 1; id <= 40; id++) legacy.set(id, { first: `First${id}`, last: `Last${id}`, email: `u${id}@x.io` });
  // From cutover on, the legacy name is a view over people: the two sides are one set of rows, even after contract.
  const together = (step: Step) => syncs(step.phase) || step.phase === 'contracted';
  const put = (step: Step, side: Map<number, Person>, id: number, person: Person | null) => {
    for (const model of together(step) ? [legacy, modern] : [side]) {
      if (person) model.set(id, person);
      else model.delete(id);
    }
  };
  const asLegacy = (id: number, p: Person) => ({ id, full_name: `${p.first} ${p.last}`, email: p.email });
  const asModern = (id: number, p: Person) => ({ person_id: id, first_name: p.first, last_name: p.last, email: p.email });
  const cutOver = (step: Step) => step.phase === 'cut_over' || step.phase === 'contracted';

  return {
    name: 'table (cut over as a rename)',
    migration: 'people',
    tables: `
      create table person (id int primary key, full_name text not null, email text);
      create table people (person_id int primary key, first_name text not null, last_name text, email text);
      insert into person select g, 'First' || g || ' Last' || g, 'u' || g || '@x.io' from generate_series(1, 40) g`,
    bridges: `
      select tandem.create_migration('people');
      select tandem.bridge(migration => 'people', name => 'person', legacy => 'person', modern => 'people',
        key => '{"person_id": "id"}',
        forward => $$ {"first_name": "split_part(full_name, ' ', 1)", "last_name": "nullif(split_part(full_name, ' ', 2), '')",
                       "email": "email"} $$,
        backward => $$ {"full_name": "concat_ws(' ', first_name, last_name)", "email": "email"} $$)`,

    afterStep(step) {
      // Expand deletes the twins of the legacy rows that left while planned (none since: nothing synced).
      if (step.name === 'expand again') for (const id of [...modern.keys()]) if (!legacy.has(id)) modern.delete(id);
      // After the backfill the modern side holds exactly the legacy rows, whatever was written while planned.
      if (step.name === 'backfill') {
        modern.clear();
        for (const [id, person] of legacy) modern.set(id, person);
      }
    },


    async writeLegacy(client, step) {
      const { n } = step;
      const inserted = { first: `Legacy${n}`, last: 'Insert', email: `li${n}@x.io` };
      await write(client, 'insert into person (id, full_name, email) values ($1, $2, $3)', [100 + n, `${inserted.first} ${inserted.last}`, inserted.email]);
      put(step, legacy, 100 + n, inserted);
      // A key change too: the twin moves with it.
      const updated = { first: `Legacy${n}`, last: 'Update', email: `lu${n}@x.io` };
      await write(client, 'update person set id = $2, full_name = $3, email = $4 where id = $1', [n + 1, 300 + n, `${updated.first} ${updated.last}`, updated.email]);
      put(step, legacy, n + 1, null);
      put(step, legacy, 300 + n, updated);
      // The previous step's insert (its twin exists if that step synced), else a row from before expand.
      const deleted = firstHeld(legacy, 100 + n - 1, 40 - n);
      await write(client, 'delete from person where id = $1', [deleted]);
      put(step, legacy, deleted, null);
    },

    async writeModern(client, step) {
      const { n } = step;
      const inserted = { first: `Modern${n}`, last: 'Insert', email: `mi${n}@x.io` };
      await write(client, 'insert into people (person_id, first_name, last_name, email) values ($1, $2, $3, $4)', [200 + n, inserted.first, inserted.last, inserted.email]);
      put(step, modern, 200 + n, inserted);
      const updatedId = firstHeld(modern, 200 + n - 1, 300 + n);
      const updated = { first: `Modern${n}`, last: 'Update', email: `mu${n}@x.io` };
      await write(client, 'update people set first_name = $2, last_name = $3, email = $4 where person_id = $1', [updatedId, updated.first, updated.last, updated.email]);
      put(step, modern, updatedId, updated);
      // A row from before expand once backfilled, else this step's insert.
      const deleted = firstHeld(modern, 11 + n, 200 + n);
      await write(client, 'delete from people where person_id = $1', [deleted]);
      put(step, modern, deleted, null);
    },

    async check(client, step) {
      const relkind = async (name: string) => (await client.query('select relkind from pg_class where oid = to_regclass($1)', [name])).rows[0]?.relkind;
      expect(await relkind('person'), 'person is a view from cutover on').toBe(cutOver(step) ? 'v' : 'r');
      expect(await relkind('person__archive'), 'the archive exists while cut over').toBe(step.phase === 'cut_over' ? 'r' : undefined);
      // Through the legacy name: the table, or from cutover on the view computing legacy rows from people.
      expect(await rows(client, 'person', 'id'), 'legacy rows (person)').toEqual(sorted(cutOver(step) ? modern : legacy, asLegacy));
      if (step.phase === 'cut_over') expect(await rows(client, 'person__archive', 'id'), 'archived legacy rows').toEqual(sorted(legacy, asLegacy));
      expect(await rows(client, 'people', 'person_id'), 'modern rows (people)').toEqual(sorted(modern, asModern));
    },
  };
}
