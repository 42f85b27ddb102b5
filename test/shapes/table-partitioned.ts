/*
 * table, cut over as a rename, between partitioned tables: shipment (id, created, region, note) →
 * delivery (id, region, created, note, carrier), one partitioned by range of created and the other by
 * list of region, either way round. Each side's writers move a row to another partition (an update
 * of its partitioning column, which PostgreSQL does as a delete and an insert), and the twin follows
 * without losing what only the modern side holds (carrier).
 */
import type pg from 'pg';
import { expect } from 'vitest';
import { firstHeld, syncs, write, type ShapeCase, type Step } from '../support/harness.js';

interface Shipment {
  created: string;
  region: string;
  note: string;
}
interface Delivery extends Shipment {
  carrier: string;
}

const BY_RANGE = `partition by range (created)`;
const BY_LIST = `partition by list (region)`;
const RANGE_PARTITIONS = (table: string) => `
  create table ${table}_2024 partition of ${table} for values from ('2024-01-01') to ('2025-01-01');
  create table ${table}_2025 partition of ${table} for values from ('2025-01-01') to ('2026-01-01')`;
const LIST_PARTITIONS = (table: string) => `
  create table ${table}_eu partition of ${table} for values in ('eu');
  create table ${table}_us partition of ${table} for values in ('us')`;

/** The other partition's value of the partitioning column. */
const otherYear = (created: string) => (created.startsWith('2024') ? created.replace('2024', '2025') : created.replace('2025', '2024'));
const otherRegion = (region: string) => (region === 'eu' ? 'us' : 'eu');

/** legacy: 'range' (shipment by created, delivery by region) or 'list' (the other way round). */
export function tablePartitioned(legacyBy: 'range' | 'list'): ShapeCase {
  const legacyColumn = legacyBy === 'range' ? 'created' : 'region';
  const modernColumn = legacyBy === 'range' ? 'region' : 'created';
  const legacy = new Map<number, Shipment>();
  const modern = new Map<number, Delivery>();
  for (let id = 1; id <= 40; id++) {
    legacy.set(id, { created: `${id % 2 ? 2024 : 2025}-0${1 + (id % 9)}-1${id % 10}`, region: id % 3 ? 'eu' : 'us', note: `n${id}` });
  }
  const together = (step: Step) => syncs(step.phase) || step.phase === 'contracted';
  const cutOver = (step: Step) => step.phase === 'cut_over' || step.phase === 'contracted';
  /** A legacy row written: with the sync on, its twin follows, keeping its carrier. */
  const putLegacy = (step: Step, id: number, row: Shipment | null) => {
    if (row) legacy.set(id, row);
    else legacy.delete(id);
    if (!together(step)) return;
    if (row) modern.set(id, { ...row, carrier: modern.get(id)?.carrier ?? 'auto' });
    else modern.delete(id);
  };
  const putModern = (step: Step, id: number, row: Delivery | null) => {
    if (row) modern.set(id, row);
    else modern.delete(id);
    if (!together(step)) return;
    if (row) legacy.set(id, { created: row.created, region: row.region, note: row.note });
    else legacy.delete(id);
  };
  const moved = <T extends Shipment>(row: T, column: string, note: string): T =>
    ({ ...row, note, ...(column === 'created' ? { created: otherYear(row.created) } : { region: otherRegion(row.region) }) });
  const partition = (table: string, row: Shipment, column: string) =>
    column === 'created' ? `${table}_${row.created.slice(0, 4)}` : `${table}_${row.region}`;
  const sortedRows = <T>(model: Map<number, T>) => [...model].sort(([a], [b]) => a - b);
  const read = async (client: pg.ClientBase, table: string, carrier: boolean) =>
    (await client.query(`select id, created::text, region, note${carrier ? ', carrier' : ''} from ${table} order by id`)).rows;

  return {
    name: `table between partitioned tables, legacy by ${legacyBy} and modern by ${legacyBy === 'range' ? 'list' : 'range'} (cut over as a rename)`,
    migration: 'deliveries',
    tables: `
      create table shipment (id int, created date not null, region text not null, note text, primary key (id, ${legacyColumn})) ${legacyBy === 'range' ? BY_RANGE : BY_LIST};
      ${legacyBy === 'range' ? RANGE_PARTITIONS('shipment') : LIST_PARTITIONS('shipment')};
      create table delivery (id int, region text not null, created date not null, note text, carrier text not null default 'auto',
                             primary key (id, ${modernColumn})) ${legacyBy === 'range' ? BY_LIST : BY_RANGE};
      ${legacyBy === 'range' ? LIST_PARTITIONS('delivery') : RANGE_PARTITIONS('delivery')};
      insert into shipment (id, created, region, note) values
        ${sortedRows(legacy).map(([id, row]) => `(${id}, '${row.created}', '${row.region}', '${row.note}')`).join(', ')}`,
    bridges: `
      select tandem.create_migration('deliveries');
      select tandem.bridge(migration => 'deliveries', name => 'shipment', legacy => 'shipment', modern => 'delivery',
        key => '{"id": "id", "${modernColumn}": "${modernColumn}"}',
        forward => '{"${legacyColumn}": "${legacyColumn}", "note": "note"}',
        backward => '{"${legacyColumn}": "${legacyColumn}", "note": "note"}')`,

    afterStep(step) {
      // Expand deletes the twins of the legacy rows that left while planned (none since: nothing synced).
      if (step.name === 'expand again') for (const id of [...modern.keys()]) if (!legacy.has(id)) modern.delete(id);
      if (step.name === 'backfill') {
        for (const id of [...modern.keys()]) if (!legacy.has(id)) modern.delete(id);
        for (const [id, row] of legacy) modern.set(id, { ...row, carrier: modern.get(id)?.carrier ?? 'auto' });
      }
    },


    async writeLegacy(client, step) {
      const { n } = step;
      const inserted = { created: '2024-06-01', region: 'eu', note: `legacy insert ${n}` };
      await write(client, 'insert into shipment (id, created, region, note) values ($1, $2, $3, $4)', [100 + n, inserted.created, inserted.region, inserted.note]);
      putLegacy(step, 100 + n, inserted);
      // To another partition (until cutover, when shipment becomes a view): a delete and an insert.
      const id = firstHeld(legacy, n + 2, 100 + n);
      const row = moved(legacy.get(id)!, legacyColumn, `legacy move ${n}`);
      await write(client, `update shipment set ${legacyColumn} = $2, note = $3 where id = $1`, [id, row[legacyColumn as keyof Shipment], row.note]);
      putLegacy(step, id, row);
      if (!cutOver(step)) {
        expect((await client.query('select tableoid::regclass::text as partition from shipment where id = $1', [id])).rows, `the row moved`)
          .toEqual([{ partition: partition('shipment', row, legacyColumn) }]);
      }
      const deleted = firstHeld(legacy, 100 + n - 1, 40 - n);
      await write(client, 'delete from shipment where id = $1', [deleted]);
      putLegacy(step, deleted, null);
    },

    async writeModern(client, step) {
      const { n } = step;
      const inserted = { created: '2025-02-01', region: 'us', note: `modern insert ${n}`, carrier: `c${n}` };
      await write(client, 'insert into delivery (id, created, region, note, carrier) values ($1, $2, $3, $4, $5)',
        [200 + n, inserted.created, inserted.region, inserted.note, inserted.carrier]);
      putModern(step, 200 + n, inserted);
      // The carrier of the row the legacy writers move next: only the modern side has it.
      const next = firstHeld(modern, n + 3, 200 + n);
      await write(client, 'update delivery set carrier = $2 where id = $1', [next, `carrier ${n}`]);
      putModern(step, next, { ...modern.get(next)!, carrier: `carrier ${n}` });
      const id = firstHeld(modern, 20 + n, 200 + n);
      const row = moved(modern.get(id)!, modernColumn, `modern move ${n}`);
      await write(client, `update delivery set ${modernColumn} = $2, note = $3 where id = $1`, [id, row[modernColumn as keyof Shipment], row.note]);
      putModern(step, id, row);
      expect((await client.query('select tableoid::regclass::text as partition from delivery where id = $1', [id])).rows, `the row moved`)
        .toEqual([{ partition: partition('delivery', row, modernColumn) }]);
      const deleted = firstHeld(modern, 30 + n, 200 + n);
      await write(client, 'delete from delivery where id = $1', [deleted]);
      putModern(step, deleted, null);
    },

    async check(client, step) {
      const relkind = async (name: string) => (await client.query('select relkind from pg_class where oid = to_regclass($1)', [name])).rows[0]?.relkind;
      expect(await relkind('shipment'), 'shipment is a view from cutover on').toBe(cutOver(step) ? 'v' : 'p');
      const asLegacy = ([id, row]: [number, Shipment]) => ({ id, created: row.created, region: row.region, note: row.note });
      expect(await read(client, 'shipment', false), 'legacy rows (shipment)').toEqual(sortedRows(cutOver(step) ? modern : legacy).map(asLegacy));
      if (step.phase === 'cut_over') expect(await read(client, 'shipment__archive', false), 'archived legacy rows').toEqual(sortedRows(legacy).map(asLegacy));
      expect(await read(client, 'delivery', true), 'modern rows (delivery)').toEqual(sortedRows(modern).map(([id, row]) => ({ id, ...row })));
    },
  };
}
