import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/db/provision.js';
import { tandemKnowledge } from '../src/cli/verbs/lint.js';
import { lintFiles } from '../src/lint/lint.js';
import { freshDatabase, withClient } from './support/database.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tandem-lint-'));
  await mkdir(path.join(dir, 'migrations', 'fixtures', 'lib'), { recursive: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;

const SAFE_PREFIX = "set local lock_timeout = '2s';\n";

/** Lints `sql` as a migration file: its findings as `rule@line`, in order. */
async function found(sql: string, pgVersion = 18): Promise<string[]> {
  const file = `m${counter++}.sql`;
  await writeFile(path.join(dir, file), sql);
  return (await lintFiles([file], { cwd: dir, pgVersion })).map((finding) => `${finding.rule}@${finding.line}`);
}

// [a migration that must be flagged, exactly its findings (rule@line), a safe variant (no findings)]
const CORPUS: [string, string[], string][] = [
  ['alter table orders add column note text;', ['lock-timeout@1'], `${SAFE_PREFIX}alter table orders add column note text;`],
  [`${SAFE_PREFIX}create index i on orders (customer_id);`, ['index-concurrently@2'], '--! no-transaction\ncreate index concurrently i on orders (customer_id);'],
  [`${SAFE_PREFIX}drop index i;`, ['index-concurrently@2'], '--! no-transaction\ndrop index concurrently i;'],
  [`${SAFE_PREFIX}reindex index i;`, ['index-concurrently@2'], '--! no-transaction\nreindex index concurrently i;'],
  ['create index concurrently i on orders (customer_id);', ['concurrently-in-transaction@1'], '--! no-transaction\ncreate index concurrently i on orders (customer_id);'],
  ['--! no-transaction\ncreate index concurrently i on orders (a);\ncreate index concurrently j on orders (b);', ['no-transaction-single-statement@3'], '--! no-transaction\ncreate index concurrently i on orders (a);'],
  [`${SAFE_PREFIX}alter table orders add constraint u unique (code);`, ['constraint-using-index@2'], `${SAFE_PREFIX}alter table orders add constraint u unique using index orders_code_idx;`],
  [`${SAFE_PREFIX}alter table orders add constraint f foreign key (customer_id) references customer (id);`, ['constraint-not-valid@2'], `${SAFE_PREFIX}alter table orders add constraint f foreign key (customer_id) references customer (id) not valid;`],
  [`${SAFE_PREFIX}alter table orders add constraint c check (total >= 0);`, ['constraint-not-valid@2'], `${SAFE_PREFIX}alter table orders add constraint c check (total >= 0) not valid;`],
  [`${SAFE_PREFIX}alter table orders add constraint c check (total >= 0) not valid;\nalter table orders validate constraint c;`, ['validate-same-migration@3'], `${SAFE_PREFIX}alter table orders validate constraint c;`],
  [`${SAFE_PREFIX}alter table orders alter column total set not null;`, ['set-not-null@2'], `${SAFE_PREFIX}alter table orders add constraint total_nn check (total is not null) not valid;`],
  [`${SAFE_PREFIX}alter table orders add column token uuid default gen_random_uuid();`, ['add-column-volatile-default@2'], `${SAFE_PREFIX}alter table orders add column created timestamptz default now();`],
  [`${SAFE_PREFIX}alter table orders add column n bigserial;`, ['add-column-serial@2'], `${SAFE_PREFIX}alter table orders add column n bigint;`],
  [`${SAFE_PREFIX}alter table orders add column n int generated always as identity;`, ['add-column-serial@2'], `${SAFE_PREFIX}alter table orders add column n int;`],
  [`${SAFE_PREFIX}alter table orders add column t numeric generated always as (total * 2) stored;`, ['add-column-generated@2'], `${SAFE_PREFIX}alter table orders add column t numeric;`],
  [`${SAFE_PREFIX}alter table orders add column flag boolean not null;`, ['add-column-not-null@2'], `${SAFE_PREFIX}alter table orders add column flag boolean not null default false;`],
  [`${SAFE_PREFIX}alter table orders alter column total type bigint;`, ['alter-column-type@2'], `${SAFE_PREFIX}alter table orders alter column total set default 0;`],
  ['vacuum full orders;', ['table-rewrite@1'], 'vacuum orders;'],
  ['cluster orders using orders_pkey;', ['table-rewrite@1'], 'analyze orders;'],
  ['refresh materialized view sales;', ['table-rewrite@1'], '--! no-transaction\nrefresh materialized view concurrently sales;'],
  [`${SAFE_PREFIX}create index s on sales (day);`, ['index-concurrently@2'], 'create materialized view sales as select 1 as day with no data;\ncreate unique index s on sales (day);'],
  [`${SAFE_PREFIX}alter table orders set logged;`, ['table-rewrite@2'], `${SAFE_PREFIX}alter table orders set (fillfactor = 90);`],
  ['drop table orders;', ['data-loss@1'], 'create table scratch (id int);\ndrop table scratch;'],
  [`${SAFE_PREFIX}alter table orders drop column note;`, ['data-loss@2'], `${SAFE_PREFIX}alter table orders add column note2 text;`],
  [`${SAFE_PREFIX}truncate orders;`, ['data-loss@2'], 'create table scratch (id int);'],
  ['delete from orders;', ['data-loss@1'], 'delete from orders where id = 1;'],
  ['update orders set total = 0;', ['data-loss@1'], 'update orders set total = 0 where id = 1;'],
  ['begin;\nselect 1;\ncommit;', ['transaction-control@1', 'transaction-control@3'], 'select 1;'],
  [`${SAFE_PREFIX}alter table orders add column note text;\nupdate orders set note = 'x' where note is null;`, ['backfill-with-ddl@3'], `update orders set note = 'x' where note is null;`],
  [`${SAFE_PREFIX}alter table orders rename to purchases;`, ['rename@2'], `${SAFE_PREFIX}create table purchases (id int);\nalter table purchases rename to purchases2;`],
  [`${SAFE_PREFIX}alter table orders rename column amt to amount;`, ['rename@2'], `${SAFE_PREFIX}comment on column orders.amt is 'amount';`],
];

describe('tandem lint rules', () => {
  it.each(CORPUS)('%s', async (unsafe, expected, safe) => {
    expect(await found(unsafe)).toEqual(expected);
    expect(await found(safe)).toEqual([]);
  });

  it('knows a constant default rewrote the table before PostgreSQL 11', async () => {
    const sql = `${SAFE_PREFIX}alter table orders add column status text default 'new';`;
    expect(await found(sql, 10)).toEqual(['add-column-default-rewrite@2']);
    expect(await found(sql, 11)).toEqual([]);
  });

  it('knows SET NOT NULL uses a validated check from PostgreSQL 12, across the migrations of a run', async () => {
    await writeFile(path.join(dir, 'nn1.sql'), `${SAFE_PREFIX}alter table orders add constraint total_nn check (total is not null) not valid;\n`);
    await writeFile(path.join(dir, 'nn2.sql'), `${SAFE_PREFIX}alter table orders validate constraint total_nn;\n`);
    await writeFile(path.join(dir, 'nn3.sql'), `${SAFE_PREFIX}alter table orders alter column total set not null;\n`);
    const at = async (pgVersion: number) =>
      (await lintFiles(['nn1.sql', 'nn2.sql', 'nn3.sql'], { cwd: dir, pgVersion })).map((f) => `${f.file}:${f.rule}@${f.line}`);
    expect(await at(12)).toEqual([]);
    expect(await at(11)).toEqual(['nn3.sql:set-not-null@2']);
    expect((await lintFiles(['nn3.sql'], { cwd: dir, pgVersion: 18 })).map((f) => f.message)).toEqual([
      'SET NOT NULL on orders.total without a validated CHECK (… IS NOT NULL)',
    ]);
  });

  it('reports where: file, line and column, with the statement, the reason and the fix', async () => {
    await writeFile(path.join(dir, 'where.sql'), `${SAFE_PREFIX}\n-- a comment\n  create index i on orders (customer_id);\n`);
    const [finding] = await lintFiles(['where.sql'], { cwd: dir, pgVersion: 18 });
    expect(finding).toEqual({
      rule: 'index-concurrently',
      severity: 'error',
      file: 'where.sql',
      line: 4,
      column: 3,
      message: 'CREATE INDEX on orders without CONCURRENTLY',
      reason: 'without CONCURRENTLY, building or dropping an index blocks writes to the table for the whole build',
      fix: 'use CREATE/DROP INDEX CONCURRENTLY (or REINDEX … CONCURRENTLY) in a `--! no-transaction` migration of its own',
      statement: 'create index i on orders (customer_id)',
    });
  });

  it('follows --! include into fixtures and reports positions in the included file', async () => {
    await writeFile(path.join(dir, 'migrations', 'fixtures', 'lib', 'part.sql'), 'select 1;\n\ndelete from orders;\n');
    await writeFile(path.join(dir, 'current.sql'), `${SAFE_PREFIX}--! include lib/part.sql\nupdate orders set total = 1;\n`);
    const findings = await lintFiles(['current.sql'], { cwd: dir, pgVersion: 18 });
    expect(findings.map((f) => [f.file, f.line, f.rule])).toEqual([
      ['current.sql', 3, 'data-loss'],
      [path.join('migrations', 'fixtures', 'lib', 'part.sql'), 3, 'data-loss'],
    ]);
  });

  it('reads a migration that starts with an include, or is nothing but one (as current.sql is while a library release is made)', async () => {
    await writeFile(path.join(dir, 'migrations', 'fixtures', 'lib', 'only.sql'), 'select 1;\n\ndelete from orders;\n');
    await writeFile(path.join(dir, 'only-include.sql'), '--! include lib/only.sql\n');
    const findings = await lintFiles(['only-include.sql'], { cwd: dir, pgVersion: 18 });
    expect(findings.map((f) => [f.file, f.line, f.rule])).toEqual([[path.join('migrations', 'fixtures', 'lib', 'only.sql'), 3, 'data-loss']]);
  });

  it('honours suppressions with a reason, and reports those without one or that suppress nothing', async () => {
    expect(await found('-- tandem-ignore data-loss: the table was emptied by migration 12\ndelete from orders;')).toEqual([]);
    expect(await found('-- tandem-ignore-file data-loss: a throwaway cleanup\nselect 1;\ndelete from a;\ndelete from b;')).toEqual([]);
    expect(await found('-- tandem-ignore data-loss\ndelete from orders;')).toEqual(['ignore-without-reason@2', 'data-loss@2']);
    expect(await found('-- tandem-ignore rename: not needed\nselect 1;')).toEqual(['unused-ignore@2']);
  });

  it('names a syntax error with its position', async () => {
    await writeFile(path.join(dir, 'broken.sql'), 'select 1;\nselec 2;\n');
    await expect(lintFiles(['broken.sql'], { cwd: dir, pgVersion: 18 })).rejects.toMatchObject({ file: 'broken.sql', line: 2, column: 1 });
  });

  it('the project’s own migrations pass', async () => {
    const committed = (await readdir(path.join(projectRoot, 'migrations', 'committed'))).map((file) => path.join('migrations', 'committed', file));
    const findings = await lintFiles([...committed, 'migrations/current.sql'], { cwd: projectRoot, pgVersion: 18 });
    expect(findings).toEqual([]);
  });

  it.each(['scout', 'square'])('the %s example’s migrations pass', async (name) => {
    const cwd = path.join(projectRoot, 'examples', name);
    const committed = (await readdir(path.join(cwd, 'migrations', 'committed'))).map((file) => path.join('migrations', 'committed', file));
    expect(await lintFiles(committed, { cwd, pgVersion: 18 })).toEqual([]);
  });
});

describe('npx tandem lint', () => {
  it('prints gcc and JSON formats and exits 1 on an error finding, 0 on a clean file', async () => {
    await writeFile(path.join(dir, 'cli.sql'), `${SAFE_PREFIX}create index i on orders (x);\n`);
    const run = (...args: string[]) =>
      new Promise<{ code: number; stdout: string }>((resolve) =>
        execFile('node', [path.join(projectRoot, 'bin', 'tandem.mjs'), 'lint', ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout })));
    expect(await run('cli.sql', '--format', 'gcc')).toEqual({
      code: 1,
      stdout: 'cli.sql:2:1: error: CREATE INDEX on orders without CONCURRENTLY [index-concurrently]\n',
    });
    const json = await run('cli.sql', '--format', 'json');
    expect(JSON.parse(json.stdout)[0]).toMatchObject({ rule: 'index-concurrently', line: 2 });
    await writeFile(path.join(dir, 'clean.sql'), 'select 1;\n');
    expect(await run('clean.sql')).toEqual({ code: 0, stdout: 'No findings.\n' });
  });

  it('without files, lints current.sql and every committed migration the database has not applied', async () => {
    const db = await freshDatabase({ empty: true });
    try {
      const result = await new Promise<{ code: number; stdout: string }>((resolve) =>
        execFile('node', [path.join(projectRoot, 'bin', 'tandem.mjs'), 'lint', '--format', 'json'], { cwd: projectRoot, env: { ...process.env, ...db.env } }, (error, stdout) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout })));
      expect(result).toEqual({ code: 0, stdout: '[]\n' });
    } finally {
      await db.drop();
    }
  });
});

describe('tandem-aware rules, against a database', () => {
  it('flag a change to a bridged table or column before contract, and a contract with no passing verification', async () => {
    const db = await freshDatabase();
    try {
      const knowledge = await withClient(db.url, async (client) => {
        await client.query(`
          create table public.customer (id int primary key, full_name text not null, email text, note text);
          create table public.client (client_id int primary key, full_name text not null, email text);
          select tandem.create_migration('clients');
          select tandem.bridge(migration => 'clients', name => 'client', legacy => 'customer', modern => 'client',
            key => '{"client_id": "id"}', forward => '{"full_name": "full_name", "email": "email"}',
            backward => '{"full_name": "full_name", "email": "email"}');
          select tandem.expand('clients');
        `);
        return tandemKnowledge(client);
      });
      expect(knowledge).toBeDefined();
      const lint = async (sql: string) => {
        const file = `t${counter++}.sql`;
        await writeFile(path.join(dir, file), sql);
        return (await lintFiles([file], { cwd: dir, pgVersion: 18, tandem: knowledge! })).map((f) => `${f.rule}@${f.line}`);
      };
      expect(await lint(`${SAFE_PREFIX}alter table customer drop column email;`)).toEqual(['data-loss@2', 'bridged-object@2']);
      expect(await lint(`${SAFE_PREFIX}alter table client rename column full_name to name;`)).toEqual(['rename@2', 'bridged-object@2']);
      expect(await lint(`${SAFE_PREFIX}alter table client alter column email type varchar(200);`)).toEqual(['alter-column-type@2', 'bridged-object@2']);
      expect(await lint('drop table client;')).toEqual(['data-loss@1', 'bridged-object@1']);
      // A column no bridge maps is not the bridge's business.
      expect(await lint(`${SAFE_PREFIX}alter table customer drop column note;`)).toEqual(['data-loss@2']);
      expect(await lint(`select tandem.contract('clients');`)).toEqual(['contract-unverified@1']);
      expect(await lint(`select tandem.contract(migration => 'clients', keep_restore_copy => true);`)).toEqual(['contract-unverified@1']);
      const [finding] = await lintFiles([`t${counter - 1}.sql`], { cwd: dir, pgVersion: 18, tandem: knowledge! });
      expect(finding!.message).toBe('contracts migration clients, which has no passing verification since cutover');
    } finally {
      await db.drop();
    }
  });

  it('flag INSERT … ON CONFLICT into a legacy table whose compatibility view is written through INSTEAD OF triggers, not into a plain rename', async () => {
    const db = await freshDatabase();
    try {
      const knowledge = await withClient(db.url, async (client) => {
        await client.query(`
          create table public.customer (id int primary key, full_name text not null);
          create table public.client (client_id int primary key, first_name text not null, last_name text);
          create table public.shelf (id int primary key, label text);
          create table public.rack (rack_id int primary key, label text);
          select tandem.create_migration('clients');
          select tandem.bridge(migration => 'clients', name => 'client', legacy => 'customer', modern => 'client',
            key => '{"client_id": "id"}', forward => $$\{"first_name": "split_part(full_name, ' ', 1)", "last_name": "substr(full_name, strpos(full_name, ' ') + 1)"}$$,
            backward => $$\{"full_name": "concat_ws(' ', first_name, last_name)"}$$);
          select tandem.bridge(migration => 'clients', name => 'rack', legacy => 'shelf', modern => 'rack',
            key => '{"rack_id": "id"}', forward => '{"label": "label"}', backward => '{"label": "label"}');
          select tandem.expand('clients');
        `);
        return tandemKnowledge(client);
      });
      const lint = async (sql: string) => {
        const file = `t${counter++}.sql`;
        await writeFile(path.join(dir, file), sql);
        return lintFiles([file], { cwd: dir, pgVersion: 18, tandem: knowledge! });
      };
      const [finding, ...others] = await lint(`insert into customer (id, full_name) values (1, 'A B') on conflict (id) do nothing;`);
      expect(others).toEqual([]);
      expect(finding).toMatchObject({ rule: 'on-conflict-compat-view', line: 1,
        message: 'INSERT … ON CONFLICT into customer, whose bridge clients.client makes it a compatibility view written through INSTEAD OF triggers' });
      expect(await lint(`insert into shelf (id, label) values (1, 'a') on conflict (id) do update set label = excluded.label;`)).toEqual([]);
      expect(await lint(`insert into customer (id, full_name) values (2, 'C D');`)).toEqual([]);
    } finally {
      await db.drop();
    }
  });
});
