/*
 * graphile-migrate, driven through its CLI (its JS API is exported but undocumented), with the
 * connection strings of a provided database, and its status put into words.
 */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { UserError } from './cli/run-main.js';
import type { DatabaseEnv } from './db/provision.js';
import { findProjectRoot, resolveBin } from './paths.js';

export interface GraphileMigrateOptions {
  /** The project folder holding .gmrc and migrations/ (default: the one found from the working directory). */
  cwd?: string;
  /** Connection strings for graphile-migrate. */
  env: DatabaseEnv & NodeJS.ProcessEnv;
  /** 'inherit' shows graphile-migrate's output as it comes; 'pipe' collects it. */
  output?: 'inherit' | 'pipe';
}

export interface CommandResult {
  code: number;
  output: string;
}

/** The command line that runs graphile-migrate (Node and its cli.js, wherever npm installed it), for spawn. */
export function graphileMigrateCommand(project: string, args: string[]): [string, string[]] {
  return [process.execPath, [resolveBin('graphile-migrate', 'graphile-migrate', project), ...args]];
}

/** Runs `graphile-migrate <args>`; resolves with its exit code and (when piped) its output. */
export function graphileMigrate(args: string[], options: GraphileMigrateOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const piped = options.output === 'pipe';
    const cwd = options.cwd ?? findProjectRoot();
    const [command, commandArgs] = graphileMigrateCommand(cwd, args);
    const child = spawn(command, commandArgs, {
      cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', piped ? 'pipe' : 'inherit', piped ? 'pipe' : 'inherit'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

export interface AppliedMigration {
  filename: string;
  appliedAt: Date;
}

export interface MigrationStatus {
  /** Files in migrations/committed, in order. */
  committed: string[];
  /** Migrations recorded as applied in the database, in order. */
  applied: AppliedMigration[];
  /** Committed but not yet applied. */
  pending: string[];
  /** Whether migrations/current.sql holds work in progress (graphile-migrate: non-empty once comments are stripped). */
  currentHasChanges: boolean;
  /** tandem.version() in the database, if the library is installed. */
  libraryVersion?: string;
}

/** Reads the state of the migrations: from disk, from the database, and from graphile-migrate's own status. */
export async function migrationStatus(options: GraphileMigrateOptions): Promise<MigrationStatus> {
  const cwd = options.cwd ?? findProjectRoot();
  const committed = (await readdir(path.join(cwd, 'migrations', 'committed')).catch(() => []))
    .filter((file) => file.endsWith('.sql'))
    .sort();
  const client = new pg.Client({ connectionString: options.env.DATABASE_URL });
  await client.connect();
  let applied: AppliedMigration[] = [];
  let libraryVersion: string | undefined;
  try {
    const { rows } = await client.query<{ graphile: boolean; tandem: boolean }>(
      `select to_regclass('graphile_migrate.migrations') is not null as graphile,
              to_regprocedure('tandem.version()') is not null as tandem`,
    );
    if (rows[0]?.graphile) {
      const result = await client.query<{ filename: string; date: Date }>(
        'select filename, date from graphile_migrate.migrations order by filename',
      );
      applied = result.rows.map((row) => ({ filename: row.filename, appliedAt: row.date }));
    }
    if (rows[0]?.tandem) {
      libraryVersion = (await client.query<{ version: string }>('select tandem.version() as version')).rows[0]?.version;
    }
  } finally {
    await client.end();
  }
  // graphile-migrate status: exit code bit 1 = committed migrations pending, bit 2 = current.sql not empty.
  const { code } = await graphileMigrate(['status'], { ...options, output: 'pipe' });
  // graphile-migrate records a migration by its number alone (`000001.sql`); show the file's full name.
  const number = (file: string) => /^\d+/.exec(file)?.[0] ?? file;
  const fileByNumber = new Map(committed.map((file) => [number(file), file]));
  const appliedNumbers = new Set(applied.map((migration) => number(migration.filename)));
  return {
    committed,
    applied: applied.map((migration) => ({
      ...migration,
      filename: fileByNumber.get(number(migration.filename)) ?? migration.filename,
    })),
    pending: committed.filter((file) => !appliedNumbers.has(number(file))),
    currentHasChanges: (code & 2) === 2,
    ...(libraryVersion === undefined ? {} : { libraryVersion }),
  };
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** The status in a few lines of plain words. */
export function describeStatus(status: MigrationStatus): string {
  const lines: string[] = [];
  const pending = status.pending.length;
  lines.push(
    `Migrations: ${plural(status.committed.length, 'committed migration')}, ${status.applied.length} applied, ` +
      (pending === 0 ? 'none pending.' : `${pending} pending (run \`npx tandem migrate\`).`),
  );
  for (const migration of status.applied) {
    lines.push(`  applied  ${migration.filename}  ${migration.appliedAt.toISOString()}`);
  }
  for (const file of status.pending) lines.push(`  pending  ${file}`);
  lines.push(
    status.currentHasChanges
      ? 'current.sql: has work in progress (`npx tandem dev` applies it on save; `npx tandem gm commit -m "…"` freezes it).'
      : 'current.sql: empty.',
  );
  lines.push(`tandem library: ${status.libraryVersion ?? 'not installed'}.`);
  return lines.join('\n');
}

/**
 * Brings the database to the schema the project describes: every committed migration, then
 * current.sql (a no-op when it is empty). What codegen types the queries against.
 */
export async function applyAll(options: GraphileMigrateOptions): Promise<void> {
  for (const args of [['migrate'], ['watch', '--once']]) {
    const { code, output } = await graphileMigrate(args, { ...options, output: 'pipe' });
    if (code !== 0) {
      throw new UserError(
        `graphile-migrate ${args.join(' ')} failed (exit code ${code}):\n${output.trim()}\n` +
          'Fix: correct the migration named above; committed migrations are never edited, so fix forward in current.sql.',
      );
    }
  }
}
