/*
 * Once per test run: a PostgreSQL server (see src/db/provision.ts for which), and on it a template
 * database with every committed migration applied, then migrations/current.sql (where the next
 * release of the library is included while it is made, so the tests run the library's source). Each test file then clones the template, which
 * takes milliseconds instead of re-running the migrations.
 */
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { provideDatabase, requestedPgMajor, type ProvidedDatabase } from '../../src/db/provision.js';
import { withDatabase } from '../../src/db/urls.js';
import { applyAll } from '../../src/migrate.js';

export const TEMPLATE_DATABASE = 'tandem_template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser connection to the test server's maintenance database. */
    testRootUrl: string;
    /** Name of the template database that has every committed migration applied. */
    testTemplate: string;
    /** Where the test server came from, for messages. */
    testServer: string;
  }
}

let database: ProvidedDatabase | undefined;

/**
 * The server's version; with TANDEM_PG_VERSION set (npm run test:matrix), a server of another major
 * (DATABASE_URL's, with TANDEM_TEST_DB=url) is refused, so that a run is never reported for a major it
 * did not test.
 */
async function checkServerVersion(root: pg.Client, description: string): Promise<string> {
  const { rows } = await root.query<{ version: string; num: number }>(
    "select current_setting('server_version') as version, current_setting('server_version_num')::int as num",
  );
  const { version, num } = rows[0]!;
  const major = Math.floor(num / 10000);
  const wanted = requestedPgMajor(process.env);
  if (process.env.TANDEM_PG_VERSION && major !== wanted) {
    throw new Error(
      `TANDEM_PG_VERSION is ${wanted}, but the test server (${description}) runs PostgreSQL ${version}.\n` +
        `Fix: unset TANDEM_TEST_DB=url (the tests then start a PostgreSQL ${wanted} server of their own), or unset TANDEM_PG_VERSION.`,
    );
  }
  return version;
}

export async function setup(project: TestProject): Promise<void> {
  database = await provideDatabase({ purpose: 'test', log: (message) => console.log(`[test db] ${message}`) });
  const root = new pg.Client({ connectionString: database.rootDatabaseUrl });
  await root.connect();
  let version: string;
  try {
    version = await checkServerVersion(root, database.description);
    await root.query(`drop database if exists ${TEMPLATE_DATABASE} with (force)`);
    await root.query(`create database ${TEMPLATE_DATABASE}`);
  } finally {
    await root.end();
  }
  const templateUrl = withDatabase(database.rootDatabaseUrl, TEMPLATE_DATABASE);
  await applyAll({ env: { ...database.env, DATABASE_URL: templateUrl } });
  console.log(`[test db] PostgreSQL ${version}: ${database.description}; template ${TEMPLATE_DATABASE} migrated`);
  project.provide('testRootUrl', database.rootDatabaseUrl);
  project.provide('testTemplate', TEMPLATE_DATABASE);
  project.provide('testServer', database.description);
}

export async function teardown(): Promise<void> {
  await database?.release();
}
