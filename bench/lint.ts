/*
 * 5. Lint throughput: tandem lint (src/lint, the function `tandem lint` calls) on a large generated
 * migration, against PostgreSQL's parser alone on the same text (libpg-query: the part no linter
 * that reads SQL as PostgreSQL does can skip).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lintFiles } from '../src/lint/lint.js';
import { parseStatements, ready } from '../src/lint/parse.js';
import { count, type BenchContext } from './context.js';
import { times, type Figure, type SectionResult } from './report-types.js';
import { rates, seconds } from './stats.js';

/** A migration of about `statements` statements of the kinds migrations hold, some of them findings, some suppressed. */
export function generateMigration(statements: number): string {
  const kinds = [
    (i: number) => `create table t${i} (id bigint primary key, name text not null, created_at timestamptz default now());`,
    (i: number) => `alter table t${i} add column note text;`,
    (i: number) => `create index concurrently if not exists t${i}_name_idx on t${i} (name);`,
    (i: number) => `-- a comment before an update\nupdate orders set status = 'done' where id between ${i} and ${i + 100};`,
    (i: number) => `insert into audit (id, message) values (${i}, 'row ${i}');`,
    (i: number) => `alter table orders add column c${i} integer default 0;`,
    (i: number) => `-- tandem-ignore set-not-null: the column has no nulls (checked by a constraint)\nalter table orders alter column c${i} set not null;`,
    (i: number) => `select tandem.create_migration('m${i}', 'generated ${i}');`,
    (i: number) => `comment on table t${i} is 'generated table ${i}';`,
    (i: number) => `create or replace view v${i} as select id, name from t${i} where name <> '';`,
  ];
  const lines = ["set lock_timeout = '2s';"];
  for (let i = 1; lines.length < statements; i++) lines.push(kinds[i % kinds.length]!(i));
  return `${lines.join('\n')}\n`;
}

export async function lintThroughput(context: BenchContext): Promise<SectionResult> {
  const sizes = context.sizes.lint;
  const dir = await mkdtemp(path.join(tmpdir(), 'tandem-bench-lint-'));
  try {
    const text = generateMigration(sizes.statements);
    const file = path.join('migrations', 'committed', '000001-generated.sql');
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
    await ready();
    const statements = parseStatements(file, text).length;
    // One run of each first, so that neither figure includes loading the parser.
    const findings = await lintFiles([file], { cwd: dir, pgVersion: 18 });
    parseStatements(file, text);
    const lint: number[] = [];
    const parse: number[] = [];
    for (let rep = 1; rep <= sizes.repetitions; rep++) {
      context.log(`lint: repetition ${rep}/${sizes.repetitions}`);
      parse.push(await seconds(async () => parseStatements(file, text)));
      lint.push(await seconds(() => lintFiles([file], { cwd: dir, pgVersion: 18 })));
    }
    const lintRate = rates(statements, lint);
    const parseRate = rates(statements, parse);
    const linted: Figure = {
      name: 'tandem lint (every rule)',
      unit: 'statements/s',
      summary: lintRate,
      ratio: `${times(parseRate.median / lintRate.median)} the time of parsing`,
      goal: { text: 'over 20,000 statements/s', met: lintRate.median > 20_000, measured: `${count(lintRate.median)} statements/s (median)` },
    };
    const figures: Figure[] = [
      { name: 'parse only (libpg-query, positions and comments)', unit: 'statements/s', summary: parseRate, ratio: 'baseline' },
      linted,
    ];
    if (!linted.goal!.met) {
      linted.goal!.explanation =
        `parsing alone reaches ${count(parseRate.median)} statements/s on the same text in this run; the rules take the rest (lint takes ${times(parseRate.median / lintRate.median)} the parse time).`;
    }
    return {
      title: '5. Lint',
      sizes: `one generated migration of ${count(statements)} statements (${count(text.length)} characters, ${count(findings.length)} findings), ${sizes.repetitions} repetitions after one warm-up run`,
      figures,
      notes: ['The migration mixes ten kinds of statements (new tables, added columns, indexes, updates, inserts, suppressed findings, tandem calls, views); the linter reads it from a file, as `tandem lint` does.'],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
