/*
 * 1. Sync trigger cost: insert, update and delete on the legacy table with the bridge expanded,
 * against (a) the same statements with no bridge (one write: the floor), (b) the same two writes done
 * by SQL in one statement, so one transaction (the unavoidable second write), and (c) the dual write
 * an application does by hand from Node: two statements per change, the new table first; and (d) empty
 * triggers of the bridge's kinds, to tell firing a trigger from its work. One row per
 * statement and many rows per statement are measured separately; every variant sends the same data
 * from Node, and the variants take turns in small blocks so that noise spreads over all.
 */
import type pg from 'pg';
import { count, type BenchContext } from './context.js';
import { times, type Figure, type SectionResult } from './report-types.js';
import { number } from './report.js';
import { createTables, copyToClients, customer, declareBridge, FORWARD_SELECT, loadCustomers, toClient, type CustomerRow } from './schema.js';
import { rates, seconds, summarise, type Summary } from './stats.js';

type Operation = 'insert' | 'update' | 'delete';
type Shape = 'single' | 'multi';
type VariantId = 'none' | 'empty' | 'bridge' | 'sql' | 'app';

const OPERATIONS: Operation[] = ['insert', 'update', 'delete'];
const VARIANTS: VariantId[] = ['none', 'empty', 'bridge', 'sql', 'app'];
const LABELS: Record<VariantId, string> = {
  none: '(a) no bridge: one write',
  empty: '(d) empty triggers where the bridge has its own',
  bridge: 'tandem bridge',
  sql: '(b) both writes in SQL, one transaction',
  app: '(c) dual write from Node, two statements',
};

/** One change applied by a variant: the rows, and the version they are updated to. */
type Apply = (client: pg.Client, rows: CustomerRow[]) => Promise<void>;

const columns = (rows: CustomerRow[]) => ({
  ids: rows.map((row) => row.id),
  names: rows.map((row) => row.full_name),
  emails: rows.map((row) => row.email),
  balances: rows.map((row) => row.balance),
});

const modernColumns = (rows: CustomerRow[]) => {
  const clients = rows.map(toClient);
  return {
    ids: clients.map((row) => row.client_id),
    first: clients.map((row) => row.first_name),
    last: clients.map((row) => row.last_name),
    emails: clients.map((row) => row.email),
    balances: clients.map((row) => row.balance),
  };
};

/** The statements of each variant, for one row per statement and for many (arrays through unnest). */
function statements(schema: string, variant: VariantId): Record<Shape, Record<Operation, Apply>> {
  const legacy = `${schema}.customer`;
  const modern = `${schema}.client`;
  const q = (name: string, text: string, values: unknown[]) => ({ name: `${schema}_${variant}_${name}`, text, values });

  const legacySingle = {
    insert: `insert into ${legacy} (id, full_name, email, balance) values ($1, $2, $3, $4)`,
    update: `update ${legacy} set full_name = $2, balance = $3 where id = $1`,
    delete: `delete from ${legacy} where id = $1`,
  };
  const legacyMulti = {
    insert: `insert into ${legacy} (id, full_name, email, balance) select * from unnest($1::int[], $2::text[], $3::text[], $4::text[])`,
    update: `update ${legacy} as c set full_name = u.full_name, balance = u.balance
             from unnest($1::int[], $2::text[], $3::text[]) as u(id, full_name, balance) where c.id = u.id`,
    delete: `delete from ${legacy} where id = any($1::int[])`,
  };
  // (b): the second write in the same statement, mapped in SQL exactly as the bridge maps it.
  const mapped = `split_part(l.full_name, ' ', 1), nullif(split_part(l.full_name, ' ', 2), ''), l.email, l.balance::numeric`;
  const sqlSecond = {
    insert: `insert into ${modern} (client_id, first_name, last_name, email, balance) select ${FORWARD_SELECT} from l`,
    update: `update ${modern} as m set (first_name, last_name, email, balance) = (${mapped}) from l where m.client_id = l.id`,
    delete: `delete from ${modern} as m using l where m.client_id = l.id`,
  };
  const returning = { insert: 'returning *', update: 'returning *', delete: 'returning id' };
  const sqlSingle = (op: Operation) => `with l as (${legacySingle[op]} ${returning[op]}) ${sqlSecond[op]}`;
  // The multi-row update joins unnest(): return the legacy row's columns only.
  const sqlMulti = (op: Operation) => `with l as (${legacyMulti[op]} ${op === 'update' ? 'returning c.*' : returning[op]}) ${sqlSecond[op]}`;
  // (c): the application maps the row itself and writes the new table, then the old one.
  const appSingle = {
    insert: `insert into ${modern} (client_id, first_name, last_name, email, balance) values ($1, $2, $3, $4, $5)`,
    update: `update ${modern} set first_name = $2, last_name = $3, balance = $4 where client_id = $1`,
    delete: `delete from ${modern} where client_id = $1`,
  };
  const appMulti = {
    insert: `insert into ${modern} (client_id, first_name, last_name, email, balance)
             select * from unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::numeric[])`,
    update: `update ${modern} as m set first_name = u.first_name, last_name = u.last_name, balance = u.balance
             from unnest($1::int[], $2::text[], $3::text[], $4::numeric[]) as u(client_id, first_name, last_name, balance)
             where m.client_id = u.client_id`,
    delete: `delete from ${modern} where client_id = any($1::int[])`,
  };

  const legacyValues = (op: Operation, row: CustomerRow) =>
    op === 'insert' ? [row.id, row.full_name, row.email, row.balance] : op === 'update' ? [row.id, row.full_name, row.balance] : [row.id];
  const legacyArrays = (op: Operation, rows: CustomerRow[]) => {
    const c = columns(rows);
    return op === 'insert' ? [c.ids, c.names, c.emails, c.balances] : op === 'update' ? [c.ids, c.names, c.balances] : [c.ids];
  };

  const single = {} as Record<Operation, Apply>;
  const multi = {} as Record<Operation, Apply>;
  for (const op of OPERATIONS) {
    switch (variant) {
      case 'none':
      case 'empty':
      case 'bridge':
        single[op] = async (client, [row]) => void (await client.query(q(`s_${op}`, legacySingle[op], legacyValues(op, row!))));
        multi[op] = async (client, rows) => void (await client.query(q(`m_${op}`, legacyMulti[op], legacyArrays(op, rows))));
        break;
      case 'sql':
        single[op] = async (client, [row]) => void (await client.query(q(`s_${op}`, sqlSingle(op), legacyValues(op, row!))));
        multi[op] = async (client, rows) => void (await client.query(q(`m_${op}`, sqlMulti(op), legacyArrays(op, rows))));
        break;
      case 'app':
        single[op] = async (client, [row]) => {
          const m = toClient(row!);
          const values =
            op === 'insert' ? [m.client_id, m.first_name, m.last_name, m.email, m.balance]
            : op === 'update' ? [m.client_id, m.first_name, m.last_name, m.balance]
            : [m.client_id];
          await client.query(q(`s_${op}_modern`, appSingle[op], values));
          await client.query(q(`s_${op}`, legacySingle[op], legacyValues(op, row!)));
        };
        multi[op] = async (client, rows) => {
          const m = modernColumns(rows);
          const values =
            op === 'insert' ? [m.ids, m.first, m.last, m.emails, m.balances]
            : op === 'update' ? [m.ids, m.first, m.last, m.balances]
            : [m.ids];
          await client.query(q(`m_${op}_modern`, appMulti[op], values));
          await client.query(q(`m_${op}`, legacyMulti[op], legacyArrays(op, rows)));
        };
        break;
    }
  }
  return { single, multi };
}

/*
 * (d) measures what firing a trigger costs at all: PL/pgSQL functions that do nothing, on the same
 * events and at the same level as the bridge's (per statement with a transition table for inserts
 * and deletes, per row for updates).
 */
async function createEmptyTriggers(client: pg.Client, schema: string): Promise<void> {
  await client.query(`create function ${schema}.nothing() returns trigger language plpgsql as $$ begin return null; end $$`);
  await client.query(`create trigger nothing_insert after insert on ${schema}.customer referencing new table as inserted
                      for each statement execute function ${schema}.nothing()`);
  await client.query(`create trigger nothing_update after update on ${schema}.customer for each row execute function ${schema}.nothing()`);
  await client.query(`create trigger nothing_delete after delete on ${schema}.customer referencing old table as deleted
                      for each statement execute function ${schema}.nothing()`);
}

/** Creates a schema per variant, each with the table (pair) loaded; the bridge expanded in one. */
async function prepare(client: pg.Client, tableRows: number): Promise<void> {
  for (const variant of VARIANTS) {
    const legacyOnly = variant === 'none' || variant === 'empty';
    await createTables(client, variant, { legacyOnly });
    await loadCustomers(client, variant, 1, tableRows);
    if (!legacyOnly) await copyToClients(client, variant);
  }
  await createEmptyTriggers(client, 'empty');
  await declareBridge(client, 'bench_sync', 'bridge');
  await client.query("select tandem.expand('bench_sync')");
  await client.query('vacuum analyze');
}

/** The median time of a round trip to the server (a prepared `select 1`), in seconds. */
async function roundTrip(client: pg.Client): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 2_000; i++) samples.push(await seconds(() => client.query({ name: 'bench_round_trip', text: 'select 1' })));
  return summarise(samples).median;
}

/** Runs `apply` over `rows` in statements of `perStatement` rows; returns the seconds taken. */
async function drive(client: pg.Client, apply: Apply, rows: CustomerRow[], perStatement: number): Promise<number> {
  return seconds(async () => {
    for (let i = 0; i < rows.length; i += perStatement) await apply(client, rows.slice(i, i + perStatement));
  });
}

export async function syncCost(context: BenchContext): Promise<SectionResult> {
  const sizes = context.sizes.sync;
  const database = await context.server.fresh('sync');
  const client = await database.connect();
  try {
    context.log(`sync: loading ${VARIANTS.length} × ${count(sizes.tableRows)} rows`);
    await prepare(client, sizes.tableRows);
    const variants = VARIANTS.map((id) => ({ id, run: statements(id, id) }));
    // Seconds per (shape, operation, variant), one entry per repetition.
    const taken = new Map<string, number[]>();
    const key = (shape: Shape, op: Operation, variant: VariantId) => `${shape}/${op}/${variant}`;

    for (let rep = 1; rep <= sizes.repetitions; rep++) {
      for (const shape of ['single', 'multi'] as Shape[]) {
        const changes = shape === 'single' ? sizes.singleRowChanges : sizes.multiRowChanges;
        const perStatement = shape === 'single' ? 1 : sizes.rowsPerStatement;
        // New rows after the loaded ones; updated to a new version each repetition; then deleted.
        const ids = Array.from({ length: changes }, (_, i) => sizes.tableRows + 1 + i);
        const inserted = ids.map((id) => customer(id));
        const updated = ids.map((id) => customer(id, rep));
        context.log(`sync: repetition ${rep}/${sizes.repetitions}, ${shape === 'single' ? 'one row' : 'many rows'} per statement`);
        for (const op of OPERATIONS) {
          const rows = op === 'update' ? updated : inserted;
          // The variants take turns in blocks of rows, each block starting with the next variant, so
          // that a burst of load from elsewhere on the machine falls on all of them alike.
          const blockRows = perStatement * (shape === 'single' ? 250 : 10);
          const total = new Map<VariantId, number>();
          for (let block = 0, first = 0; first < rows.length; block++, first += blockRows) {
            const part = rows.slice(first, first + blockRows);
            for (let turn = 0; turn < variants.length; turn++) {
              const variant = variants[(block + turn) % variants.length]!;
              const time = await drive(client, variant.run[shape][op], part, perStatement);
              total.set(variant.id, (total.get(variant.id) ?? 0) + time);
            }
          }
          for (const [id, time] of total) taken.set(key(shape, op, id), [...(taken.get(key(shape, op, id)) ?? []), time]);
        }
        // Dead rows from this round should not slow the next one down unevenly.
        await client.query('vacuum analyze');
      }
    }

    const trip = await roundTrip(client);
    const figures: Figure[] = [];
    const median = (shape: Shape, op: Operation, variant: VariantId) => summarise(taken.get(key(shape, op, variant))!).median;
    for (const shape of ['single', 'multi'] as Shape[]) {
      const changes = shape === 'single' ? sizes.singleRowChanges : sizes.multiRowChanges;
      const perStatement = shape === 'single' ? 1 : sizes.rowsPerStatement;
      for (const op of OPERATIONS) {
        const label = `${op}, ${shape === 'single' ? '1 row' : `${count(perStatement)} rows`}/statement`;
        const rate = (variant: VariantId): Summary => rates(changes, taken.get(key(shape, op, variant))!);
        const m = (variant: VariantId) => median(shape, op, variant);
        // Microseconds per changed row that a variant adds to (a), the single write.
        const extra = (variant: VariantId) => ((m(variant) - m('none')) / changes) * 1e6;
        // Differences of noisy medians can come out below zero: those are shown as about nothing.
        const us = (value: number) => (value > 0 ? `${number(value)} µs` : '≈ 0 µs');
        const bridgeVsSql = m('bridge') / m('sql');
        const appVsBridge = m('app') / m('bridge');
        const bridge: Figure = {
          name: `${label}: ${LABELS.bridge}`,
          unit: 'rows/s',
          summary: rate('bridge'),
          ratio: `${times(bridgeVsSql)} the time of (b); ${times(m('bridge') / m('none'))} of (a)`,
          goal: { text: 'within 1.3× of (b)', met: bridgeVsSql <= 1.3 },
        };
        const app: Figure = {
          name: `${label}: ${LABELS.app}`,
          unit: 'rows/s',
          summary: rate('app'),
          ratio: `${times(appVsBridge)} the time of the bridge; ${times(m('app') / m('sql'))} of (b)`,
          goal: { text: 'bridge at least 1.5× faster than (c)', met: appVsBridge >= 1.5 },
        };
        if (!bridge.goal!.met) {
          const how =
            op === 'update'
              ? 'updates sync row by row (a PL/pgSQL call and a one-row upsert per changed row, so that a key change can move its twin)'
              : op === 'delete'
                ? 'deletes sync a statement at a time from a transition table, removing the twins in one `= any(array)` index scan (never a join with the modern table, which would be planned once, for the first statement\'s size, and kept)'
                : 'inserts sync a statement at a time from a transition table';
          bridge.goal!.explanation =
            `${how}. Per changed row, measured in this run against (a): the bridge adds ${us(extra('bridge'))}; ` +
            `firing empty triggers of the same kinds (d) adds ${us(extra('empty'))}; the second write itself ((b) − (a)) adds ${us(extra('sql'))}; ` +
            `the rest, ${us(extra('bridge') - Math.max(0, extra('empty')) - Math.max(0, extra('sql')))}, is the sync function's own work (recursion guard, mapping, ` +
            `${op === 'delete' ? 'one DELETE per row' : 'the upsert'}).`;
        }
        if (!app.goal!.met) {
          // What (c) would cost with slower round trips: each of its statements pays one, the bridge's one.
          const perStatementBridge = m('bridge') / (changes / perStatement);
          const perStatementApp = m('app') / (changes / perStatement);
          const neededTrip = trip + Math.max(0, (1.5 * perStatementBridge - perStatementApp) / 0.5);
          app.goal!.explanation =
            shape === 'multi'
              ? `with ${count(perStatement)} rows per statement, (c) is two set-based statements, the same work as (b) plus one round trip per ` +
                `${count(perStatement)} rows: it took ${times(m('app') / m('sql'))} the time of (b). No sync inside the database can do less work ` +
                `than (b), so against a set-based dual write the goal is out of reach: even a sync that cost nothing beyond (b) would leave ` +
                `(c) at ${times(m('app') / m('sql'))} its time, not 1.5×.`
              : `(c) costs (a) plus a second statement from Node: ${us(extra('app'))} per change here, of which one round trip to this server ` +
                `(a prepared \`select 1\`) is ${us(trip * 1e6)}, on a local connection; the bridge adds ${us(extra('bridge'))}. Each statement of (c) ` +
                `pays a round trip and the bridge's one statement pays one: by that arithmetic (c) would take 1.5× the bridge's time ` +
                `from a round trip of about ${us(neededTrip * 1e6)}, as between an application and a database on another host (not measured here).`;
        }
        figures.push(
          { name: `${label}: ${LABELS.none}`, unit: 'rows/s', summary: rate('none'), ratio: 'baseline (the floor)' },
          { name: `${label}: ${LABELS.empty}`, unit: 'rows/s', summary: rate('empty'), ratio: `${times(m('empty') / m('none'))} the time of (a)` },
          bridge,
          { name: `${label}: ${LABELS.sql}`, unit: 'rows/s', summary: rate('sql'), ratio: `${times(m('sql') / m('none'))} the time of (a)` },
          app,
        );
      }
    }
    return {
      title: '1. Sync trigger cost',
      sizes:
        `tables of ${count(sizes.tableRows)} rows; per operation ${count(sizes.singleRowChanges)} single-row statements and ` +
        `${count(sizes.multiRowChanges)} rows in statements of ${count(sizes.rowsPerStatement)}; ${sizes.repetitions} repetitions`,
      figures,
      notes: [
        `A round trip to the server (a prepared \`select 1\` from Node) took ${number(trip * 1e6)} µs (median of 2,000).`,
        '(d) is not an alternative: it measures what firing a PL/pgSQL trigger of the kinds the bridge uses costs before it does anything.',
        'Every variant runs prepared statements from one Node connection, one statement at a time, each in its own transaction (autocommit); (c) sends two statements per change, the modern table first, as hand-written dual writes do.',
        '(b) is one statement: a data-modifying CTE writes the legacy row and its mapped twin, the least work two writes can be.',
      ],
    };
  } finally {
    await client.end();
    await database.drop();
  }
}
