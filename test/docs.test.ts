import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/db/provision.js';
import { connectedDatabase, type ConnectedDatabase } from './support/database.js';

/** The worked example in docs/sql.md, run as a reader would run it: the docs must stay true. */
let db: ConnectedDatabase;
let client: pg.Client;
let blocks: string[];

beforeAll(async () => {
  const text = await readFile(path.join(projectRoot, 'docs', 'sql.md'), 'utf8');
  blocks = [...text.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => match[1]!);
  db = await connectedDatabase();
  client = db.client;
});
afterAll(async () => {
  await db.close();
});

describe('the worked example in docs/sql.md', () => {
  it('has the legacy table, expand, backfill and verify, cutover and contract', () => {
    expect(blocks).toHaveLength(5);
  });

  it('runs from start to end, the expand step twice as graphile-migrate watch would', async () => {
    const [legacy, expand, backfill, cutover, contract] = blocks as [string, string, string, string, string];
    await client.query(legacy);
    await client.query(expand);
    const events = (await client.query('select count(*)::int as n from tandem.event_log')).rows[0].n;
    await client.query(expand); // saved again, unchanged: nothing happens
    expect((await client.query('select count(*)::int as n from tandem.event_log')).rows[0].n).toBe(events);

    // CALL commits between batches: each statement on its own, as psql sends them.
    for (const statement of backfill.split(/;\n/).filter((s) => s.trim())) await client.query(statement);
    expect((await client.query(`select phase from tandem.migration where name = 'clients'`)).rows[0].phase).toBe('verified');

    await client.query(cutover);
    const inserted = await client.query(`insert into customer (full_name, balance) values ('Late Arrival', '9.90') returning id, balance`);
    expect(inserted.rows).toEqual([{ id: 1001, balance: '9.90' }]);

    await client.query(contract);
    expect((await client.query(`select phase from tandem.migration where name = 'clients'`)).rows[0].phase).toBe('contracted');
    expect((await client.query(`select count(*)::int as n, sum(balance)::text as total from client`)).rows[0])
      .toEqual({ n: 1001, total: ((1000 * 1001 * 1.5) / 2 + 9.9).toFixed(2) });
    expect((await client.query(`select full_name from customer where id = 7`)).rows).toEqual([{ full_name: 'First7 Last7' }]);
  });
});
