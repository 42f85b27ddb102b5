import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/db/provision.js';
import { lintFiles } from '../src/lint/lint.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tandem-lint-'));
  await mkdir(path.join(dir, 'migrations', 'fixtures', 'lib'), { recursive: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
/** Lints `sql` as a migration file; the rule ids found, in order. */
async function rulesOf(sql: string, pgVersion = 18): Promise<string[]> {
  const file = `m${counter++}.sql`;
  await writeFile(path.join(dir, file), sql);
  return (await lintFiles([file], { cwd: dir, pgVersion })).map((finding) => finding.rule);
}

const SAFE_PREFIX = "set local lock_timeout = '2s';\n";

// [rule, a migration that must be flagged, one that must not be]
const CORPUS: [string, string, string][] = [
  ['lock-timeout', 'alter table orders add column note text;', `${SAFE_PREFIX}alter table orders add column note text;`],
  ['index-concurrently', `${SAFE_PREFIX}create index i on orders (customer_id);`, '--! no-transaction\ncreate index concurrently i on orders (customer_id);'],
  ['index-concurrently', `${SAFE_PREFIX}drop index i;`, '--! no-transaction\ndrop index concurrently i;'],
  ['index-concurrently', `${SAFE_PREFIX}reindex index i;`, '--! no-transaction\nreindex index concurrently i;'],
  ['concurrently-in-transaction', 'create index concurrently i on orders (customer_id);', '--! no-transaction\ncreate index concurrently i on orders (customer_id);'],
  ['no-transaction-single-statement', '--! no-transaction\ncreate index concurrently i on orders (a);\ncreate index concurrently j on orders (b);', '--! no-transaction\ncreate index concurrently i on orders (a);'],
  ['constraint-using-index', `${SAFE_PREFIX}alter table orders add constraint u unique (code);`, `${SAFE_PREFIX}alter table orders add constraint u unique using index orders_code_idx;`],
  ['constraint-not-valid', `${SAFE_PREFIX}alter table orders add constraint f foreign key (customer_id) references customer (id);`, `${SAFE_PREFIX}alter table orders add constraint f foreign key (customer_id) references customer (id) not valid;`],
  ['constraint-not-valid', `${SAFE_PREFIX}alter table orders add constraint c check (total >= 0);`, `${SAFE_PREFIX}alter table orders add constraint c check (total >= 0) not valid;`],
  ['validate-same-migration', `${SAFE_PREFIX}alter table orders add constraint c check (total >= 0) not valid;\nalter table orders validate constraint c;`, `${SAFE_PREFIX}alter table orders validate constraint c;`],
  ['set-not-null', `${SAFE_PREFIX}alter table orders alter column total set not null;`, `${SAFE_PREFIX}alter table orders add constraint total_nn check (total is not null) not valid;`],
  ['add-column-volatile-default', `${SAFE_PREFIX}alter table orders add column token uuid default gen_random_uuid();`, `${SAFE_PREFIX}alter table orders add column created timestamptz default now();`],
  ['add-column-serial', `${SAFE_PREFIX}alter table orders add column n bigserial;`, `${SAFE_PREFIX}alter table orders add column n bigint;`],
  ['add-column-serial', `${SAFE_PREFIX}alter table orders add column n int generated always as identity;`, `${SAFE_PREFIX}alter table orders add column n int;`],
  ['add-column-generated', `${SAFE_PREFIX}alter table orders add column t numeric generated always as (total * 2) stored;`, `${SAFE_PREFIX}alter table orders add column t numeric;`],
  ['add-column-not-null', `${SAFE_PREFIX}alter table orders add column flag boolean not null;`, `${SAFE_PREFIX}alter table orders add column flag boolean not null default false;`],
  ['alter-column-type', `${SAFE_PREFIX}alter table orders alter column total type bigint;`, `${SAFE_PREFIX}alter table orders alter column total set default 0;`],
  ['table-rewrite', 'vacuum full orders;', 'vacuum orders;'],
  ['table-rewrite', 'cluster orders using orders_pkey;', 'analyze orders;'],
  ['table-rewrite', 'refresh materialized view sales;', '--! no-transaction\nrefresh materialized view concurrently sales;'],
  ['table-rewrite', `${SAFE_PREFIX}alter table orders set logged;`, `${SAFE_PREFIX}alter table orders set (fillfactor = 90);`],
  ['data-loss', 'drop table orders;', 'create table scratch (id int);\ndrop table scratch;'],
  ['data-loss', `${SAFE_PREFIX}alter table orders drop column note;`, `${SAFE_PREFIX}alter table orders add column note2 text;`],
  ['data-loss', `${SAFE_PREFIX}truncate orders;`, 'create table scratch (id int);'],
  ['data-loss', 'delete from orders;', 'delete from orders where id = 1;'],
  ['data-loss', 'update orders set total = 0;', 'update orders set total = 0 where id = 1;'],
  ['transaction-control', 'begin;\nselect 1;\ncommit;', 'select 1;'],
  ['backfill-with-ddl', `${SAFE_PREFIX}alter table orders add column note text;\nupdate orders set note = 'x' where note is null;`, `update orders set note = 'x' where note is null;`],
  ['rename', `${SAFE_PREFIX}alter table orders rename to purchases;`, `${SAFE_PREFIX}create table purchases (id int);\nalter table purchases rename to purchases2;`],
  ['rename', `${SAFE_PREFIX}alter table orders rename column amt to amount;`, `${SAFE_PREFIX}comment on column orders.amt is 'amount';`],
];

describe('tandem lint rules', () => {
  it.each(CORPUS)('%s: flags the unsafe migration and passes the safe one', async (rule, unsafe, safe) => {
    expect(await rulesOf(unsafe)).toContain(rule);
    expect(await rulesOf(safe)).toEqual([]);
  });

  it('knows a constant default rewrote the table before PostgreSQL 11', async () => {
    const sql = `${SAFE_PREFIX}alter table orders add column status text default 'new';`;
    expect(await rulesOf(sql, 10)).toEqual(['add-column-default-rewrite']);
    expect(await rulesOf(sql, 11)).toEqual([]);
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

  it('honours suppressions with a reason, and reports those without one or that suppress nothing', async () => {
    expect(await rulesOf('-- tandem-ignore data-loss: the table was emptied by migration 12\ndelete from orders;')).toEqual([]);
    expect(await rulesOf('-- tandem-ignore-file data-loss: a throwaway cleanup\nselect 1;\ndelete from a;\ndelete from b;')).toEqual([]);
    expect(await rulesOf('-- tandem-ignore data-loss\ndelete from orders;')).toEqual(['ignore-without-reason', 'data-loss']);
    expect(await rulesOf('-- tandem-ignore rename: not needed\nselect 1;')).toEqual(['unused-ignore']);
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
});
