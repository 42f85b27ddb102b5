import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { codegen, codegenCheck } from '../src/codegen.js';
import { projectRoot } from '../src/db/provision.js';
import { freshDatabase, type TestDatabase } from './support/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await db.drop();
});

/** A copy of the project's query files, generated files and pgtyped config in a folder of its own. */
let project: string;
beforeEach(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'tandem-codegen-'));
  for (const entry of ['sql', 'generated', 'pgtyped.config.json']) {
    await cp(path.join(projectRoot, entry), path.join(project, entry), { recursive: true });
  }
});
afterEach(async () => {
  await rm(project, { recursive: true, force: true });
});

describe('codegen', () => {
  it('fails on a query that cannot be typed, naming the file, the line and the query, with pgtyped’s error', async () => {
    await writeFile(
      path.join(project, 'sql', 'broken.sql'),
      '/* @name countEvents */\nselect count(*) as "n!" from tandem.event_log;\n\n' +
        '/* @name misspelt */\nselect evnt from tandem.event_log;\n',
    );
    const failure = codegen({ cwd: project, databaseUrl: db.url });
    await expect(failure).rejects.toThrow(/pgtyped could not type a query:\n  sql\/broken\.sql:4: query Misspelt\n/);
    await expect(failure).rejects.toThrow(/column "evnt" does not exist/);
  });

  it('fails when pgtyped cannot reach the database', async () => {
    const unreachable = new URL(db.url);
    unreachable.port = '1';
    await expect(codegen({ cwd: project, databaseUrl: unreachable.toString() })).rejects.toThrow(/pgtyped failed \(exit code [1-9]/);
  });

  it('regenerates the committed wrappers unchanged', async () => {
    expect(await codegenCheck({ cwd: project, databaseUrl: db.url })).toEqual({ changes: [] });
  });

  it('reports drift: a changed, a missing and an orphaned generated file', async () => {
    const wrapper = path.join(project, 'generated', 'tandem.queries.ts');
    await writeFile(wrapper, `${await readFile(wrapper, 'utf8')}// edited by hand\n`);
    await writeFile(path.join(project, 'sql', 'extra.sql'), '/* @name one */\nselect 1 as "one!";\n');
    await mkdir(path.join(project, 'generated'), { recursive: true });
    await writeFile(
      path.join(project, 'generated', 'gone.queries.ts'),
      '/** Types generated for queries found in "sql/gone.sql" */\nexport {};\n',
    );
    const { changes } = await codegenCheck({ cwd: project, databaseUrl: db.url });
    expect(changes).toEqual(['A generated/extra.queries.ts', 'D generated/gone.queries.ts', 'M generated/tandem.queries.ts']);
    // The tree now holds the regenerated files: a second check finds nothing.
    expect(await codegenCheck({ cwd: project, databaseUrl: db.url })).toEqual({ changes: [] });
  });
});
