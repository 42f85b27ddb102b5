/** A database of its own for each test file, cloned from the migrated template (see global-setup.ts). */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { DatabaseEnv } from '../../src/db/provision.js';
import { withDatabase } from '../../src/db/urls.js';

export interface TestDatabase {
  name: string;
  url: string;
  /** DATABASE_URL, SHADOW_DATABASE_URL and ROOT_DATABASE_URL for child processes (graphile-migrate, scripts). */
  env: DatabaseEnv;
  /** Drops the database (and its shadow). */
  drop(): Promise<void>;
}

export interface FreshOptions {
  /** An empty database instead of a clone of the migrated template. */
  empty?: boolean;
}

async function withRoot<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('testRootUrl') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function freshDatabase(options: FreshOptions = {}): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const template = options.empty ? 'template0' : inject('testTemplate');
  await withRoot(async (client) => {
    await client.query(`create database ${name} template ${template}`);
    await client.query(`create database ${name}_shadow template template0`);
  });
  const rootUrl = inject('testRootUrl');
  const url = withDatabase(rootUrl, name);
  return {
    name,
    url,
    env: { DATABASE_URL: url, SHADOW_DATABASE_URL: withDatabase(rootUrl, `${name}_shadow`), ROOT_DATABASE_URL: rootUrl },
    drop: () =>
      withRoot(async (client) => {
        await client.query(`drop database if exists ${name} with (force)`);
        await client.query(`drop database if exists ${name}_shadow with (force)`);
      }),
  };
}

export { withClient } from '../../src/db/client.js';

/** A client connected to the database at `url` as another role (a test's application role). */
export async function connectAs(url: string, role: string, password: string): Promise<pg.Client> {
  const as = new URL(url);
  as.username = role;
  as.password = password;
  const client = new pg.Client({ connectionString: as.toString() });
  await client.connect();
  return client;
}

export interface ConnectedDatabase extends TestDatabase {
  /** A client connected to the database for the whole file. */
  client: pg.Client;
  /** Closes the client and drops the database. */
  close(): Promise<void>;
}

/** A fresh database with a client connected to it: what most test files start from. */
export async function connectedDatabase(options: FreshOptions = {}): Promise<ConnectedDatabase> {
  const db = await freshDatabase(options);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  return {
    ...db,
    client,
    close: async () => {
      await client.end();
      await db.drop();
    },
  };
}
