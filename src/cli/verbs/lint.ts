import { existsSync } from 'node:fs';
import type pg from 'pg';
import { bridgedColumns, contractable, libraryInstalled, serverMajorVersion, triggerWrittenLegacyTables } from '../../../generated/tandem.queries.js';
import type { TandemKnowledge } from '../../lint/rules.js';
import path from 'node:path';
import { withClient } from '../../db/client.js';
import { lintFiles } from '../../lint/lint.js';
import { LintParseError } from '../../lint/parse.js';
import { report, type Format } from '../../lint/report.js';
import { migrationStatus } from '../../migrate.js';
import type { ProjectContext } from '../context.js';
import { checkLibraryVersion, LIBRARY_OLDER } from '../library-version.js';
import { UserError } from '../run-main.js';

export interface LintCommandOptions {
  format: Format;
  pgVersion?: number;
}

/**
 * The bridges and verifications the tandem-aware rules need; none when the library is not installed.
 * A library of another version than the command line's is refused (see library-version.ts).
 */
export async function tandemKnowledge(client: pg.Client): Promise<TandemKnowledge | undefined> {
  const [library] = await libraryInstalled.run(undefined, client);
  if (!library?.installed) return undefined;
  await checkLibraryVersion(client);
  const bridged = await bridgedColumns.run(undefined, client);
  const verified = await contractable.run(undefined, client);
  const triggerWritten = await triggerWrittenLegacyTables.run(undefined, client);
  return {
    triggerWritten,
    bridged: bridged.map((row) => ({ migration: row.migration, phase: row.phase, bridge: row.bridge, table: row.table, columns: new Set(row.columns) })),
    verifiedAfterCutover: new Map(verified.map((row) => [row.migration, row.verifiedAfterCutover])),
  };
}

/**
 * Lints the files given, or else migrations/current.sql and every committed migration the database
 * has not applied yet (the target version then comes from the database). 1 on any error finding.
 */
export async function lint(project: ProjectContext, files: string[], options: LintCommandOptions): Promise<number> {
  // Files named on the command line are the user's, relative to where they typed it; found ones are the project's.
  const cwd = files.length === 0 ? project.dir : process.cwd();
  let targets = files;
  let pgVersion = options.pgVersion;
  let tandem: TandemKnowledge | undefined;
  if (targets.length === 0) {
    const database = await project.provideDatabase();
    try {
      const status = await migrationStatus({ cwd, env: { ...project.env, ...database.env } });
      targets = [...status.pending.map((file) => path.join('migrations', 'committed', file)), path.join('migrations', 'current.sql')];
      await withClient(database.databaseUrl, async (client) => {
        pgVersion ??= (await serverMajorVersion.run(undefined, client))[0]!.major;
        try {
          tandem = await tandemKnowledge(client);
        } catch (error) {
          // The usual case: the pending migrations are the ones that upgrade the library. Naming the files reads no database.
          if (error instanceof UserError && error.exitCode === LIBRARY_OLDER) {
            throw new UserError(`${error.message}\nOr lint them before applying them, without the database: npx tandem lint ${targets.join(' ')}`, error.exitCode);
          }
          throw error;
        }
      });
    } finally {
      await database.release();
    }
  }
  for (const file of targets) {
    if (!existsSync(path.resolve(cwd, file))) throw new UserError(`${file}: no such file.\nFix: name a migration file, or run without files to lint current.sql and the unapplied migrations.`, 2);
  }
  try {
    const findings = await lintFiles(targets, { cwd, pgVersion: pgVersion ?? 18, ...(tandem ? { tandem } : {}) });
    const output = report(findings, options.format);
    if (output) project.out(output);
    return findings.some((finding) => finding.severity === 'error') ? 1 : 0;
  } catch (error) {
    if (error instanceof LintParseError) {
      throw new UserError(`${error.file}:${error.line}:${error.column}: ${error.message}\nFix: correct the SQL; the file is parsed by PostgreSQL's own parser.`);
    }
    throw error;
  }
}
