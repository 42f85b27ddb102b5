/*
 * The files a lint reads, as graphile-migrate runs them: a migration is one transaction unless its
 * first line is `--! no-transaction`; `--! include <file>` lines bring in files from
 * migrations/fixtures/. The directives are graphile-migrate's comment syntax, not SQL.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseStatements, type Statement } from './parse.js';

export interface Migration {
  /** The file, relative to the project, as given. */
  file: string;
  /** Whether graphile-migrate runs it outside a transaction. */
  noTransaction: boolean;
  /** The statements in execution order, includes expanded. */
  statements: Statement[];
  /** Comments at file level (suppressions that apply to the whole file). */
  fileComments: string[];
}

const INCLUDE = /^--![ \t]*include[ \t]+(\S+\.sql)[ \t]*$/;

async function expand(file: string, text: string, fixtures: string, seen: Set<string>, cwd: string): Promise<Statement[]> {
  // Split the text at its include lines; each part is parsed on its own, so positions stay its file's.
  const lines = text.split('\n');
  const statements: Statement[] = [];
  let chunk: string[] = [];
  let chunkStart = 0;
  const flush = () => {
    if (chunk.length === 0) return; // an include on the first line, or right after another: nothing between
    const body = `${'\n'.repeat(chunkStart)}${chunk.join('\n')}`;
    statements.push(...parseStatements(file, body));
    chunk = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const include = INCLUDE.exec(lines[i]!.trim());
    if (!include) {
      if (chunk.length === 0) chunkStart = i;
      chunk.push(lines[i]!);
      continue;
    }
    flush();
    const target = path.join(fixtures, include[1]!);
    if (seen.has(target)) throw new Error(`${file}:${i + 1}: circular include of ${include[1]}`);
    const included = await readFile(target, 'utf8').catch(() => {
      throw new Error(`${file}:${i + 1}: cannot include ${include[1]}: no such file in ${path.relative(cwd, fixtures)}`);
    });
    statements.push(...(await expand(path.relative(cwd, target), included, fixtures, new Set([...seen, target]), cwd)));
    chunkStart = i + 1;
  }
  flush();
  return statements;
}

export async function readMigration(file: string, options: { cwd: string }): Promise<Migration> {
  const absolute = path.resolve(options.cwd, file);
  const text = await readFile(absolute, 'utf8');
  const fixtures = path.join(options.cwd, 'migrations', 'fixtures');
  const statements = await expand(path.relative(options.cwd, absolute), text, fixtures, new Set([absolute]), options.cwd);
  // graphile-migrate's directives are the leading `--!` lines of the body; a committed file starts
  // with its headers (Previous, Hash, Message) and a blank line before the body.
  let lines = text.split('\n');
  const headers = lines.findIndex((line) => !/^--![ \t]*(Previous|Hash|Message|AllowInvalidHash):/.test(line.trim()));
  if (headers > 0) lines = lines.slice(lines[headers]?.trim() === '' ? headers + 1 : headers);
  const directives = lines.slice(0, Math.max(0, lines.findIndex((line) => !line.trim().startsWith('--!'))));
  return {
    file: path.relative(options.cwd, absolute),
    noTransaction: directives.some((line) => /^--![ \t]*no-transaction\b/.test(line.trim())),
    statements,
    fileComments: statements.flatMap((statement) => statement.comments),
  };
}
