/*
 * The benchmark's databases: one server (the embedded one in a cluster of its own, so that it never
 * shares a server with `npm run dev`, or DATABASE_URL when set), a template database with the
 * committed migrations applied (the tandem library), and a fresh clone of it for each part of the
 * run, so that every part starts from the same state and its temporary-file statistics are its own.
 */
import path from 'node:path';
import pg from 'pg';
import { projectRoot, provideDatabase, type ProvidedDatabase } from '../src/db/provision.js';
import { withDatabase } from '../src/db/urls.js';
import { applyAll } from '../src/migrate.js';

/** Where the embedded cluster of the benchmark lives (git-ignored, like the development cluster). */
export const BENCH_CLUSTER_DIR = path.join(projectRoot, '.tandem', 'bench-postgres');
const TEMPLATE = 'tandem_bench_template';

/*
 * Commits do not wait for the WAL to reach the disk: every variant compared here commits the same
 * way, and a flush per commit would add the disk's latency to each of them and hide the work being
 * compared. The cost of the flush on this machine is measured and reported beside the figures.
 */
const SESSION_OPTIONS = '-c synchronous_commit=off';

export interface BenchServer {
  provided: ProvidedDatabase;
  /** A new database cloned from the migrated template; dropped by `release`. */
  fresh(label: string): Promise<BenchDatabase>;
  /** Stops what was started and drops the databases made. */
  release(): Promise<void>;
}

export interface BenchDatabase {
  name: string;
  url: string;
  /** A client connected to this database (closed by the caller). */
  connect(options?: { synchronousCommit?: boolean }): Promise<pg.Client>;
  /** Bytes of temporary files written by queries in this database so far (pg_stat_database; see `flushStatistics`). */
  tempBytes(): Promise<number>;
  drop(): Promise<void>;
}

/**
 * A backend reports its statistics (temporary files among them) to pg_stat_database only now and then
 * when it goes idle; this makes the next report immediate, before this call returns.
 */
export async function flushStatistics(client: pg.Client): Promise<void> {
  await client.query('select pg_catalog.pg_stat_force_next_flush()');
}

/**
 * Writes out what earlier steps left in memory (a checkpoint), so that a timed step does not pay for
 * them. Skipped where the role may not checkpoint (a DATABASE_URL without the privilege).
 */
export async function settle(client: pg.Client): Promise<void> {
  await client.query('checkpoint').catch((error: { code?: string }) => {
    if (error.code !== '42501') throw error;
  });
}

async function withRoot<T>(rootUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: rootUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Provides the server and migrates the template database the parts of the run are cloned from. */
export async function startServer(log: (message: string) => void): Promise<BenchServer> {
  const provided = await provideDatabase({ purpose: 'dev', embeddedDir: BENCH_CLUSTER_DIR, database: 'tandem_bench', log });
  const root = provided.rootDatabaseUrl;
  const made = new Set<string>();
  try {
    await withRoot(root, async (client) => {
      await client.query(`drop database if exists ${TEMPLATE} with (force)`);
      await client.query(`create database ${TEMPLATE}`);
    });
    // The committed migrations, then current.sql: the library's source when its next release is being made.
    await applyAll({ env: { ...provided.env, DATABASE_URL: withDatabase(root, TEMPLATE) } });
  } catch (error) {
    await provided.release();
    throw error;
  }

  const dropDatabase = (name: string) =>
    withRoot(root, async (client) => {
      await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`);
      made.delete(name);
    });

  return {
    provided,
    async fresh(label) {
      const name = `tandem_bench_${label}`;
      await withRoot(root, async (client) => {
        await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`);
        await client.query(`create database ${client.escapeIdentifier(name)} template ${TEMPLATE}`);
      });
      made.add(name);
      const url = withDatabase(root, name);
      return {
        name,
        url,
        async connect(options = {}) {
          const client = new pg.Client({
            connectionString: url,
            application_name: 'tandem-bench',
            ...(options.synchronousCommit ? {} : { options: SESSION_OPTIONS }),
          });
          await client.connect();
          return client;
        },
        tempBytes: () =>
          withRoot(root, async (client) => {
            const { rows } = await client.query<{ bytes: string }>(
              'select temp_bytes::text as bytes from pg_catalog.pg_stat_database where datname = $1',
              [name],
            );
            return Number(rows[0]?.bytes ?? 0);
          }),
        drop: () => dropDatabase(name),
      };
    },
    async release() {
      try {
        for (const name of [...made]) await dropDatabase(name);
        await withRoot(root, (client) => client.query(`drop database if exists ${TEMPLATE} with (force)`));
      } finally {
        await provided.release();
      }
    },
  };
}
