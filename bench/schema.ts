/*
 * The table pair every benchmark uses: the worked example of docs/sql.md. A legacy `customer` keeps
 * a full name and a balance as text; the modern `client` splits the name and stores a number. The
 * bridge is 1:1 with a few expression columns, in both directions.
 */
import type pg from 'pg';

/** One legacy row, as an application would hold it. */
export interface CustomerRow {
  id: number;
  full_name: string;
  email: string;
  balance: string;
}

/** Its modern twin, as the bridge maps it. */
export interface ClientRow {
  client_id: number;
  first_name: string;
  last_name: string | null;
  email: string;
  balance: string;
}

export const FORWARD = {
  first_name: "split_part(full_name, ' ', 1)",
  last_name: "nullif(split_part(full_name, ' ', 2), '')",
  email: 'email',
  balance: 'balance::numeric',
};

export const BACKWARD = {
  full_name: "concat_ws(' ', first_name, last_name)",
  email: 'email',
  balance: 'balance::text',
};

/** The forward mapping in SQL over a legacy row aliased `l`: what a hand-written second write computes. */
export const FORWARD_SELECT =
  "l.id, split_part(l.full_name, ' ', 1), nullif(split_part(l.full_name, ' ', 2), ''), l.email, l.balance::numeric";

/** The forward mapping in TypeScript: what an application that dual-writes computes. */
export function toClient(row: CustomerRow): ClientRow {
  const [first = '', last = ''] = row.full_name.split(' ');
  return { client_id: row.id, first_name: first, last_name: last === '' ? null : last, email: row.email, balance: row.balance };
}

/** Row `id` as the data generator writes it, and as an update rewrites it. */
export function customer(id: number, version = 0): CustomerRow {
  return version === 0
    ? { id, full_name: `First${id} Last${id}`, email: `user${id}@example.com`, balance: (id * 1.5).toFixed(2) }
    : { id, full_name: `Renamed${id} Person${version}`, email: `user${id}@example.com`, balance: (id * 2.5 + version).toFixed(2) };
}

/** Creates `<schema>.customer`, and `<schema>.client` unless `legacyOnly`. */
export async function createTables(client: pg.Client, schema: string, options: { legacyOnly?: boolean } = {}): Promise<void> {
  const s = client.escapeIdentifier(schema);
  await client.query(`create schema if not exists ${s}`);
  await client.query(`create table ${s}.customer (
    id         serial primary key,
    full_name  text not null,
    email      text,
    balance    text
  )`);
  if (options.legacyOnly) return;
  await client.query(`create table ${s}.client (
    client_id  int primary key,
    first_name text not null,
    last_name  text,
    email      text,
    balance    numeric(12, 2)
  )`);
}

/** Legacy rows `from`..`to` (the data generator, in SQL: the rows `customer(id)` describes). */
export async function loadCustomers(client: pg.Client, schema: string, from: number, to: number): Promise<void> {
  await client.query(
    `insert into ${client.escapeIdentifier(schema)}.customer (id, full_name, email, balance)
     select g, 'First' || g || ' Last' || g, 'user' || g || '@example.com', (g * 1.5)::numeric(12, 2)::text
     from pg_catalog.generate_series($1::int, $2::int) as g`,
    [from, to],
  );
}

/** The modern twins of every legacy row, written directly (no bridge involved). */
export async function copyToClients(client: pg.Client, schema: string): Promise<void> {
  const s = client.escapeIdentifier(schema);
  await client.query(`insert into ${s}.client (client_id, first_name, last_name, email, balance) select ${FORWARD_SELECT} from ${s}.customer as l`);
}

/** Declares migration `migration` with one bridge from `<schema>.customer` to `<schema>.client`. */
export async function declareBridge(client: pg.Client, migration: string, schema: string): Promise<void> {
  await client.query('select tandem.create_migration($1, $2)', [migration, 'benchmark: customer → client']);
  await client.query(
    `select tandem.bridge(migration => $1, name => 'client', legacy => $2, modern => $3,
                          key => '{"client_id": "id"}', forward => $4, backward => $5)`,
    [migration, `${schema}.customer`, `${schema}.client`, JSON.stringify(FORWARD), JSON.stringify(BACKWARD)],
  );
}
