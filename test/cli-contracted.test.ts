/*
 * `npx tandem status` and `npx tandem verify` after contract, for every bridge shape: contract drops
 * one side of each bridge (the archive of a renamed table, the moved columns of a split, a distinct
 * bridge and a bridge of columns), and the operator's commands must still answer, in words and in
 * JSON, with exit code 0. Each shape's case (test/shapes) is taken the short way to contract on a
 * database of its own; the verbs run in this process, as the command line runs them (test/cli.test.ts
 * runs the command line itself).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from '../src/cli/context.js';
import { commandLineVersion } from '../src/cli/library-version.js';
import { configureColor } from '../src/cli/run-main.js';
import { status } from '../src/cli/verbs/status.js';
import { verify } from '../src/cli/verbs/verify.js';
import { columns } from './shapes/columns.js';
import { distinct } from './shapes/distinct.js';
import { tableGenerated } from './shapes/table-generated.js';
import { tablePartitioned } from './shapes/table-partitioned.js';
import { tableRename } from './shapes/table-rename.js';
import { tableSplit } from './shapes/table-split.js';
import { connectedDatabase, type ConnectedDatabase } from './support/database.js';
import { failures } from './support/sql.js';

configureColor({ NO_COLOR: '1' });

const SHAPES = [tableRename(), tableSplit(), distinct(), columns(), tableGenerated(), tablePartitioned('range'), tablePartitioned('list')];

/** A verb's context on `client`, its standard output collected in `out`. */
async function context(db: ConnectedDatabase, out: string[]): Promise<Context> {
  const never = () => Promise.reject(new Error('the verbs under test get their client from the context'));
  return {
    dir: process.cwd(),
    env: { ...process.env, ...db.env },
    out: (text) => out.push(text),
    err: (text) => out.push(text),
    interactive: false,
    provideDatabase: never,
    client: db.client,
    database: { source: 'url', databaseUrl: db.url, shadowDatabaseUrl: db.env.SHADOW_DATABASE_URL, rootDatabaseUrl: db.env.ROOT_DATABASE_URL, description: db.name, env: db.env, started: false, alive: () => true, release: async () => {} },
    libraryVersion: await commandLineVersion(),
  };
}

for (const shape of SHAPES) {
  describe(`after contract, ${shape.name}`, () => {
    let db: ConnectedDatabase;
    beforeAll(async () => {
      db = await connectedDatabase();
      const call = (sql: string) => db.client.query(sql, [shape.migration]);
      await db.client.query(`${shape.tables};\n${shape.bridges}`);
      await call('select tandem.expand($1)');
      await call('call tandem.backfill($1)');
      expect(await failures(db.client, shape.migration)).toEqual([]);
      await call('select tandem.cutover($1)');
      expect(await failures(db.client, shape.migration)).toEqual([]);
      await call('select tandem.contract($1)');
    });
    afterAll(async () => {
      await db?.close();
    });

    it('status answers: contracted, nothing left to do', async () => {
      const out: string[] = [];
      expect(await status(await context(db, out), shape.migration, {})).toBe(0);
      const bridges = (await db.client.query<{ name: string }>('select name from tandem.bridge where migration = $1', [shape.migration])).rows;
      const text = out.join('\n');
      for (const { name } of bridges) expect(text).toMatch(new RegExp(`│ ${shape.migration}\\s+│ contracted\\s+│ ${name}\\s+│.*│ done\\s+│`));

      const json: string[] = [];
      expect(await status(await context(db, json), shape.migration, { json: true })).toBe(0);
      const rows = JSON.parse(json.join('\n')) as { phase: string; nextStep: string }[];
      expect(rows).toHaveLength(bridges.length);
      for (const row of rows) expect(row).toMatchObject({ phase: 'contracted', nextStep: 'done' });
    });

    it('verify answers: passed, with nothing left to compare', async () => {
      const out: string[] = [];
      expect(await verify(await context(db, out), shape.migration, {})).toBe(0);
      expect(out.join('\n')).toMatch(/\nverified: consistency 100%$/);

      const json: string[] = [];
      expect(await verify(await context(db, json), shape.migration, { json: true })).toBe(0);
      expect(JSON.parse(json.join('\n'))).toMatchObject({ migration: shape.migration, passed: true });
    });
  });
}
