import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/db/provision.js';
import { freshDatabase, withClient, type TestDatabase } from './support/database.js';
import { waitFor } from './support/processes.js';

const ROWS = 20_000;
let db: TestDatabase;
let client: pg.Client;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npx tandem <args>` against the test database, output not a terminal (as in CI). */
function tandem(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile('node', [path.join(projectRoot, 'bin', 'tandem.mjs'), ...args], { env: { ...process.env, ...db.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  db = await freshDatabase();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(`
    create table public.customer (id serial primary key, full_name text not null, balance text);
    create table public.client (client_id int primary key, first_name text not null, last_name text, balance numeric(12, 2));
    insert into customer (full_name, balance) select 'First' || g || ' Last' || g, case when g % 5000 = 0 then 'n/a' else (g * 1.5)::numeric(12, 2)::text end
      from generate_series(1, ${ROWS}) g;
    create view public.customer_names as select id, full_name from public.customer;
    select tandem.create_migration('clients', 'customer → client');
    select tandem.bridge(migration => 'clients', name => 'client', legacy => 'customer', modern => 'client',
      key => '{"client_id": "id"}',
      forward => $$\{"first_name": "split_part(full_name, ' ', 1)", "last_name": "nullif(split_part(full_name, ' ', 2), '')", "balance": "balance::numeric"}$$,
      backward => $$\{"full_name": "concat_ws(' ', first_name, last_name)", "balance": "balance::text"}$$,
      options => '{"on_error": "reject"}');
    select tandem.expand('clients');
  `);
});
afterAll(async () => {
  await client.end();
  await db.drop();
});

describe('npx tandem', () => {
  it('prints help with the exit codes, and exits 2 on a usage error', async () => {
    const help = await tandem('verify', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: tandem verify [options] <migration>');
    expect(help.stdout).toContain('2  usage error, or no database could be reached');
    const usage = await tandem('backfill');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain(`error: missing required argument 'migration'`);
    const bad = await tandem('backfill', 'clients', '--batch-size', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('a whole number of at least 1');
  });

  it('status: the phase, counts and next step, as a table or JSON', async () => {
    const text = await tandem('status');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/clients\s+│ expanded\s+│ client\s+│ customer → client\s+│ 20,000 \/ 0/);
    expect(text.stdout).toContain(`call tandem.backfill('clients')`);
    const json = await tandem('status', 'clients', '--json');
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ migration: 'clients', phase: 'expanded', bridge: 'client', legacyRows: ROWS, modernRows: 0 }),
    ]);
    const missing = await tandem('status', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('migration "nope" does not exist.');
  });

  it('plan: what cutover, rollback and contract do to each dependent, at a glance or as JSON; status sums it up', async () => {
    const text = await tandem('plan', 'clients');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('bridge client: public.customer → public.client, cutover: rename, contract drops the archive\n');
    expect(text.stdout).toContain('written through INSTEAD OF triggers (its columns are computed): INSERT … ON CONFLICT does not work through it');
    expect(text.stdout).toMatch(/legacy view\s+│ public\.customer_names\s+│ kept\s+│ kept\s+│ redefined/);
    expect(text.stdout).toMatch(/table\s+│ public\.customer\s+│ moved\s+│ moved\s+│ dropped/);
    const json = JSON.parse((await tandem('plan', 'clients', '--json')).stdout);
    expect(json.migration).toBe('clients');
    expect(json.items).toContainEqual({
      bridge: 'client', kind: 'legacy view', object: 'public.customer_names', cutover: 'kept', rollback: 'kept', contract: 'redefined', bestEffort: false,
      reason: "reads public.customer with its owner's rights: it keeps reading the table (the archive from cutover on, kept in sync), so that its readers keep exactly the rights and rows they had; contract puts in the archive's place a view of public.client with the owner's rights, and redefines it over that",
    });
    expect((await tandem('status')).stdout).toContain('clients: client renamed; 1 dependent moved, redefined, carried or dropped (npx tandem plan clients)\n');
    // A dependent cutover would refuse (a publication of the legacy table): exit 1, and why.
    await withClient(db.url, (client) => client.query('create publication tandem_cli_pub for table public.customer'));
    const refused = await tandem('plan', 'clients');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('refused: legacy publication tandem_cli_pub');
    expect((await tandem('plan', 'clients', '--json')).code).toBe(1);
    await withClient(db.url, (client) => client.query('drop publication tandem_cli_pub'));
    const missing = await tandem('plan', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('migration "nope" does not exist (SQLSTATE TD001)');
  });

  it('backfill --dry-run counts without writing', async () => {
    const dry = await tandem('backfill', 'clients', '--dry-run', '--batch-size', '5000');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/client\s+│ 20,000\s+│ 19,996\s+│ 4/);
    expect((await client.query('select count(*)::int as n from client')).rows[0].n).toBe(0);
  });

  it('backfill stops after a batch on SIGINT and the next run resumes, without duplicates or gaps', async () => {
    const child = spawn('node', [path.join(projectRoot, 'bin', 'tandem.mjs'), 'backfill', 'clients', '--batch-size', '200', '--pause', '20'], {
      env: { ...process.env, ...db.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor('some batches', () => /backfill clients: bridge client \(1 of 1\): [1-9]/.test(output));
    child.kill('SIGINT');
    await waitFor('the backfill to stop', () => child.exitCode !== null);
    expect(child.exitCode).toBe(130);
    expect(output).toContain('Stopping after the batch under way');
    expect(output).toMatch(/Stopped in bridge client at [\d,]+\/20,000 rows; run the same command again to resume\./);
    // Plain progress lines, not a bar, since the output is not a terminal: the bridge's own rows.
    expect(output).toMatch(/backfill clients: bridge client \(1 of 1\): [\d,]+\/20,000 rows \(\d+%\), [\d,]+ rows\/s, .* left/);
    const copied = (await client.query('select count(*)::int as n from client')).rows[0].n;
    expect(copied).toBeGreaterThan(0);
    expect(copied).toBeLessThan(ROWS);

    const resumed = await tandem('backfill', 'clients', '--batch-size', '2000');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('backfilled clients: 20,000 rows');
    expect(resumed.stdout).toContain('4 rejected (npx tandem rejects clients)');
    const { rows } = await client.query(`
      select count(*)::int as n, count(distinct client_id)::int as keys, min(client_id) as first, max(client_id) as last from client`);
    expect(rows[0]).toEqual({ n: ROWS - 4, keys: ROWS - 4, first: 1, last: ROWS - 1 });
  });

  it('rejects: the rows that failed to map, with their errors', async () => {
    const text = await tandem('rejects', 'clients');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/client\s+│ backfill\s+│ \{"id":5000\}\s+│ 22P02\s+│ invalid input syntax for type numeric: "n\/a"/);
    const json = JSON.parse((await tandem('rejects', 'clients', '--json')).stdout);
    expect(json).toHaveLength(4);
  });

  it('verify: a table of checks, --json, and exit 1 when one fails', async () => {
    const failing = await tandem('verify', 'clients');
    expect(failing.code).toBe(1);
    // The checks that pass are one line above the table of those that fail.
    expect(failing.stdout).toMatch(/^✓ \d+ checks passed \(bridge client\) in /);
    expect(failing.stdout).not.toMatch(/│ pass /);
    expect(failing.stdout).toMatch(/client\s+│ missing_in_modern\s+│ fail\s+│ 0\s+│ 4\s+│ 4\s+│ client_id=5000, client_id=10000, client_id=15000, client_id=20000/);
    expect(failing.stdout).toContain('3 checks failed: consistency 99.98% (see the sample keys above; npx tandem rejects clients lists rows that failed to map)');
    const json = await tandem('verify', 'clients', '--json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ migration: 'clients', passed: false, consistency: 99.98 });
    expect(report.checks.find((check: { checkName: string }) => check.checkName === 'rejects')).toMatchObject({ status: 'fail', mismatches: 4 });

    // Fix the data, mark the rejects resolved: verification passes.
    await client.query(`update customer set balance = '0.00' where balance = 'n/a'`);
    await client.query(`update tandem.reject set resolved_at = now()`);
    const passing = await tandem('verify', 'clients');
    expect(passing.code).toBe(0);
    // Passing checks fold into one line; no table of them.
    expect(passing.stdout).toMatch(/^✓ \d+ checks passed \(bridge client\) in [\d.]+ (ms|s)\nverified: consistency 100%\n$/);
  });

  it('cutover, rollback and contract: say what they will do, need --yes off a terminal, and refuse clearly', async () => {
    const unconfirmed = await tandem('cutover', 'clients');
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('Cut over "clients" (verified → cut over)');
    expect(unconfirmed.stderr).toContain('What it does besides (npx tandem plan clients says why):\n  - table public.customer: moved\n');
    // A view with its owner's rights keeps reading the table (the archive) until contract: not a change of cutover's.
    expect(unconfirmed.stderr).not.toContain('customer_names');
    expect(unconfirmed.stderr).toContain('Fix: pass --yes to confirm.');
    expect((await client.query(`select phase from tandem.migration`)).rows[0].phase).toBe('verified');

    const early = await tandem('contract', 'clients', '--yes');
    expect(early.code).toBe(1);
    expect(early.stderr).toBe(`error: cannot contract migration "clients": it is verified (SQLSTATE TD002)\nHINT: Cut it over first: select tandem.cutover('clients');\n`);

    expect(await tandem('cutover', 'clients', '--yes')).toMatchObject({ code: 0, stdout: 'cut over: clients\n' });
    expect((await tandem('cutover', 'clients'))).toMatchObject({ code: 0, stdout: 'already cut over: clients\n' });
    const refused = await tandem('contract', 'clients', '--yes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('cannot contract migration "clients": no passing verification since cutover (SQLSTATE TD005)');
    expect(await tandem('rollback', 'clients', '--yes')).toMatchObject({ code: 0, stdout: 'rolled back from cut_over to verified: clients\n' });
    expect(await tandem('cutover', 'clients', '--yes')).toMatchObject({ code: 0 });
    expect((await tandem('verify', 'clients')).code).toBe(0);
    expect(await tandem('contract', 'clients', '--yes')).toMatchObject({ code: 0, stdout: 'contracted: clients\n' });
    // After contract: the archive is gone, and status and verify still answer.
    const status = await tandem('status', 'clients', '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)[0]).toMatchObject({ phase: 'contracted', legacy: '(dropped by contract)', legacyRows: null, nextStep: 'done' });
    expect(await tandem('status', 'clients')).toMatchObject({ code: 0 });
    expect(await tandem('verify', 'clients')).toMatchObject({
      code: 0,
      stdout: '✓ no checks to run: no bridge to compare (contract leaves none) and no custom check\nverified: consistency 100%\n',
    });
  });

  it('log: the events with their durations', async () => {
    const json = JSON.parse((await tandem('log', 'clients', '--json', '--limit', '200')).stdout) as { event: string; durationMs: number | null }[];
    const events = json.map((event) => event.event);
    for (const event of ['create_migration', 'bridge', 'expand', 'backfill', 'verify', 'cutover', 'rollback', 'contract']) expect(events).toContain(event);
    expect(json.find((event) => event.event === 'cutover')!.durationMs).toBeGreaterThan(0);
    const text = await tandem('log', 'clients', '--limit', '3');
    expect(text.stdout).toMatch(/clients\s+│ contract\s+│ \d+ ms/);
  });

  it('exits 2 when the database cannot be reached', async () => {
    const result = await new Promise<Result>((resolve) => {
      execFile('node', [path.join(projectRoot, 'bin', 'tandem.mjs'), 'status'], { env: { ...process.env, DATABASE_URL: 'postgres://u:p@localhost:1/x' } }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Cannot connect to DATABASE_URL (postgres://u:***@localhost:1/x)');
  });
});
