/*
 * The SQL library in a user's project, kept the way this repository keeps its own releases: the
 * source in migrations/fixtures/tandem/, and each release installed by one committed migration that
 * includes tandem/install.sql, frozen once written.
 *
 * That migration is written here exactly as `graphile-migrate commit` writes a current.sql holding
 * `--! include tandem/install.sql` (with graphile-migrate's own functions: the include expanded, the
 * hash chained to the previous migration, the file made read-only), but without a database: commit
 * would reset the shadow database and run every migration, and it commits whatever current.sql holds,
 * which is the user's work in progress. graphile-migrate checks the chain when it next migrates.
 */
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { calculateHash } from 'graphile-migrate/dist/hash.js';
import { compileIncludes, parseMigrationText, serializeMigration } from 'graphile-migrate/dist/migration.js';
import { sluggify } from 'graphile-migrate/dist/sluggify.js';
import { LIBRARY_ENTRY, LIBRARY_MIGRATIONS, libraryVersion } from '../release.js';

/** What a committed migration that installs a release says about it (graphile-migrate writes this line for an include). */
const INCLUDED = `--! Included ${LIBRARY_ENTRY}`;
const MIGRATION_FILE = /^(\d+)(-[-_a-zA-Z0-9]*)?\.sql$/;

export interface CommittedRelease {
  /** The committed migration's file name. */
  file: string;
  /** The release it installs. */
  version: string;
  /** Its body: the library's text, as included when it was committed. */
  body: string;
}

interface Committed {
  file: string;
  text: string;
}

/** The project's committed migrations, in graphile-migrate's order. */
async function committedMigrations(project: string): Promise<Committed[]> {
  const folder = path.join(project, 'migrations', 'committed');
  if (!existsSync(folder)) return [];
  const files = (await readdir(folder)).filter((file) => MIGRATION_FILE.test(file));
  files.sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(path.join(folder, file), 'utf8') })));
}

/** The library's text with its includes expanded, as a migration that includes it would hold it. */
export async function compiledLibrary(migrationsFolder: string): Promise<string> {
  // compileIncludes reads only migrationsFolder from the settings.
  const settings = { migrationsFolder } as Parameters<typeof compileIncludes>[0];
  const text = await compileIncludes(settings, `--! include ${LIBRARY_ENTRY}\n`, new Set());
  return parseMigrationText(path.join(migrationsFolder, 'current.sql'), text, false).body;
}

/** The last committed migration of the project that installs the library, and the release it installs. */
export async function committedRelease(project: string): Promise<CommittedRelease | undefined> {
  const releases = (await committedMigrations(project)).filter((migration) => migration.text.includes(INCLUDED));
  const last = releases.at(-1);
  if (!last) return undefined;
  const { body } = parseMigrationText(last.file, last.text, true);
  return { file: last.file, version: await libraryVersion(body), body };
}

/** The release the project's fixtures hold, or undefined when the project has none. */
export async function fixturesVersion(project: string): Promise<string | undefined> {
  const entry = path.join(project, 'migrations', 'fixtures', LIBRARY_ENTRY);
  return existsSync(entry) ? libraryVersion(await readFile(entry, 'utf8')) : undefined;
}

/** Whether the project's fixtures are tandem's own source (this repository), which its releases are made from. */
export function isPackageSource(project: string): boolean {
  return path.resolve(project, 'migrations') === path.resolve(LIBRARY_MIGRATIONS);
}

/** Replaces the project's migrations/fixtures/tandem with this package's. */
export async function copyLibrary(project: string): Promise<void> {
  const target = path.join(project, 'migrations', 'fixtures', 'tandem');
  await rm(target, { recursive: true, force: true });
  await cp(path.join(LIBRARY_MIGRATIONS, 'fixtures', 'tandem'), target, { recursive: true });
}

/**
 * Commits a migration that installs the library of the project's fixtures, after its last committed
 * migration; returns its file name (in migrations/committed) and the release it installs.
 */
export async function commitLibraryMigration(project: string, message: (version: string) => string): Promise<{ file: string; version: string }> {
  const migrations = path.join(project, 'migrations');
  const body = await compiledLibrary(migrations);
  const version = await libraryVersion(body);
  const last = (await committedMigrations(project)).at(-1);
  const previousHash = last ? parseMigrationText(last.file, last.text, true).headers.Hash ?? undefined : undefined;
  if (last && !previousHash) {
    throw new Error(`migrations/committed/${last.file} has no --! Hash header, so no migration can follow it; graphile-migrate would refuse it too.`);
  }
  const text = message(version);
  const file = `${String(last ? Number.parseInt(last.file, 10) + 1 : 1).padStart(6, '0')}-${sluggify(text)}.sql`;
  const migration = serializeMigration(body, {
    Previous: previousHash ?? '-',
    Hash: calculateHash(body, previousHash ?? null),
    Message: text,
  });
  const target = path.join(migrations, 'committed', file);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, migration, { flag: 'wx' });
  await chmod(target, 0o440); // as graphile-migrate leaves a committed migration: not to be edited
  return { file, version };
}
