/*
 * The SQL library as a release: its version, and its text built into one file from
 * migrations/fixtures/tandem (by graphile-migrate's own include expansion, so the file holds exactly
 * what a committed migration that includes tandem/install.sql holds).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compileIncludes } from 'graphile-migrate/dist/migration.js';
import { loadModule, parseSync } from 'libpg-query';
import { packageRoot } from './paths.js';

/** Where the library's source lives: the fixtures folder graphile-migrate includes from, in tandem's package. */
export const LIBRARY_MIGRATIONS = path.join(packageRoot, 'migrations');
export const LIBRARY_ENTRY = 'tandem/install.sql';

/** The library's text with every `--! include` expanded, as a committed migration would hold it. */
export async function librarySql(migrationsFolder = LIBRARY_MIGRATIONS): Promise<string> {
  // compileIncludes reads only migrationsFolder from the settings.
  const settings = { migrationsFolder } as Parameters<typeof compileIncludes>[0];
  return compileIncludes(settings, `--! include ${LIBRARY_ENTRY}\n`, new Set());
}

/** The library as one file for `psql -f`: one transaction, so an install that fails leaves nothing behind. */
export async function releaseSql(migrationsFolder = LIBRARY_MIGRATIONS): Promise<{ version: string; sql: string }> {
  const body = await librarySql(migrationsFolder);
  const version = await libraryVersion(body);
  const sql = [
    `-- tandem SQL library ${version}, built from migrations/fixtures/${LIBRARY_ENTRY}.`,
    '-- Installs over any earlier release and regenerates the sync code of migrations in flight.',
    '-- psql -v ON_ERROR_STOP=1 -f <this file>',
    'begin;',
    body.trim(),
    'commit;',
    '',
  ].join('\n');
  return { version, sql };
}

let parserReady: Promise<void> | undefined;

interface Node {
  [key: string]: unknown;
}

/**
 * The version a text of the library installs: the constant returned by its `tandem.version()`,
 * read with PostgreSQL's parser. Undefined when the text defines no such function.
 */
export async function libraryVersion(sql: string): Promise<string> {
  await (parserReady ??= loadModule());
  let version: string | undefined;
  for (const { stmt } of parseSync(sql).stmts as { stmt: Node }[]) {
    const create = stmt.CreateFunctionStmt as Node | undefined;
    if (!create) continue;
    const name = (create.funcname as { String: { sval: string } }[]).map((part) => part.String.sval).join('.');
    if (name !== 'tandem.version') continue;
    const as = (create.options as { DefElem: Node }[]).find((option) => option.DefElem.defname === 'as');
    const body = (as?.DefElem.arg as { List: { items: { String: { sval: string } }[] } } | undefined)?.List.items[0]?.String.sval;
    if (body === undefined) continue;
    const [first] = parseSync(body).stmts as { stmt: Node }[];
    const select = first?.stmt['SelectStmt'] as { targetList?: { ResTarget: Node }[] } | undefined;
    const target = select?.targetList?.[0]?.ResTarget['val'] as { A_Const?: { sval?: { sval: string } } } | undefined;
    version = target?.A_Const?.sval?.sval;
  }
  if (!version) throw new Error('the library text defines no tandem.version() returning a constant');
  return version;
}

/** The version of the library this project's source installs. */
export async function sourceVersion(): Promise<string> {
  return libraryVersion(await readFile(path.join(LIBRARY_MIGRATIONS, 'fixtures', LIBRARY_ENTRY), 'utf8'));
}

/** Compares two versions of the form major.minor.patch: negative when a is older. */
export function compareVersions(a: string, b: string): number {
  const parts = (version: string) => version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const difference = (x[i] ?? 0) - (y[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
