import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPipeline, summarize } from '../src/ci.js';
import { projectRoot } from '../src/db/provision.js';

// current.sql as this repository has it while a library release is made: the library's source first.
const BRIDGED = (balance: string) => `--! include tandem/install.sql
create table if not exists public.customer (id int primary key, full_name text not null, balance text);
create table if not exists public.client (client_id int primary key, first_name text not null, balance numeric(12, 2));
insert into public.customer select g, 'Name' || g, ${balance} from generate_series(1, 500) g on conflict do nothing;
select tandem.create_migration('clients');
select tandem.bridge(migration => 'clients', name => 'client', legacy => 'public.customer', modern => 'public.client',
  key => '{"client_id": "id"}', forward => '{"first_name": "full_name", "balance": "balance::numeric"}',
  backward => '{"full_name": "first_name", "balance": "balance::text"}', options => '{"on_error": "reject"}');
select tandem.expand('clients');
`;

let project: string;
let lines: string[];
beforeEach(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'tandem-ci-'));
  for (const entry of ['migrations', 'sql', 'generated', '.gmrc', 'pgtyped.config.json', 'scripts/after-current.mjs']) {
    await cp(path.join(projectRoot, entry), path.join(project, entry), { recursive: true });
  }
  lines = [];
});
afterEach(async () => {
  await rm(project, { recursive: true, force: true });
});

const run = () => runPipeline({ cwd: project, log: (line) => lines.push(line) });

describe('the CI pipeline', () => {
  it('passes a good project: migrations, drift check, backfill and verify, rollback rehearsal, each step timed', async () => {
    await writeFile(path.join(project, 'migrations', 'current.sql'), BRIDGED(`(g * 1.5)::numeric(12, 2)::text`));
    const results = await run();
    expect(results.map((result) => [result.name, result.ok])).toEqual([
      ['fresh database', true],
      ['lint', true],
      ['migrations', true],
      ['codegen drift', true],
      ['backfill and verify clients', true],
      ['rollback rehearsal clients', true],
    ]);
    expect(lines).toContain('✔ rollback rehearsal clients (' + (results[5]!.ms / 1000).toFixed(1) + ' s): rolled back to planned and re-applied to expanded');
    expect(summarize(results)).toEqual({ code: 0, line: expect.stringMatching(/^CI passed: 6 steps in [\d.]+ s\.$/) });
  });

  it('fails at the verification step, naming it and the failing checks', async () => {
    await writeFile(path.join(project, 'migrations', 'current.sql'), BRIDGED(`case when g = 250 then 'n/a' else (g * 1.5)::numeric(12, 2)::text end`));
    const results = await run();
    expect(results.at(-1)).toMatchObject({ name: 'backfill and verify clients', ok: false });
    expect(results.at(-1)!.error).toBe(
      'verification of "clients" failed:\n  client count: 1 ()\n  client missing_in_modern: 1 (client_id=250)\n  client rejects: 1 ({"id": 250})',
    );
    expect(summarize(results)).toEqual({ code: 1, line: 'CI failed at step "backfill and verify clients".' });
  });

  it('fails at the drift check when generated code is out of date, naming the file', async () => {
    const wrapper = path.join(project, 'generated', 'tandem.queries.ts');
    await writeFile(wrapper, (await readFile(wrapper, 'utf8')).replace('export type phase', 'export type Phase'));
    const results = await run();
    expect(results.at(-1)).toMatchObject({ name: 'codegen drift', ok: false });
    expect(results.at(-1)!.error).toContain('generated/ is out of date:\n  M generated/tandem.queries.ts');
    expect(summarize(results).line).toBe('CI failed at step "codegen drift".');
  });

  it('fails at the lint step on an unsafe migration, naming the rule and the place', async () => {
    await writeFile(path.join(project, 'migrations', 'current.sql'), 'create table if not exists public.t (id int);\ndelete from public.customer;\n');
    const results = await run();
    expect(results.at(-1)).toMatchObject({ name: 'lint', ok: false });
    expect(results.at(-1)!.error).toBe('migrations/current.sql:2:1: error: DELETE FROM customer without WHERE [data-loss]');
  });

  it('fails at the migrations step when current.sql does not apply', async () => {
    await writeFile(path.join(project, 'migrations', 'current.sql'), 'select * from missing_table;\n');
    const results = await run();
    expect(results.at(-1)).toMatchObject({ name: 'migrations', ok: false });
    expect(results.at(-1)!.error).toContain('relation "missing_table" does not exist');
  });
});
