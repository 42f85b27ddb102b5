/** What every verb gets: a connected client, where it is connected, and how to print. */
import pg from 'pg';
import { provideDatabase, type ProvidedDatabase } from '../db/provision.js';
import { checkLibraryVersion, commandLineVersion } from './library-version.js';

export interface Context {
  client: pg.Client;
  database: ProvidedDatabase;
  /** Standard output: results. */
  out: (text: string) => void;
  /** Standard error: progress and messages. */
  err: (text: string) => void;
  /** Whether standard error is a terminal (progress bars, prompts). */
  interactive: boolean;
  /** The library release of this command line, which the database was checked to have. */
  libraryVersion: string;
}

/**
 * Connects to DATABASE_URL or the embedded server and checks that its tandem library is this command
 * line's version (see library-version.ts); `work` gets the context; everything is released after.
 */
export async function withContext<T>(work: (context: Context) => Promise<T>): Promise<T> {
  // Parsing install.sql for the command line's version overlaps with connecting; its error, if any, is thrown by the check.
  commandLineVersion().catch(() => {});
  const database = await provideDatabase({ purpose: 'dev' });
  const client = new pg.Client({ connectionString: database.databaseUrl, application_name: 'tandem' });
  try {
    await client.connect();
    await checkLibraryVersion(client);
    const libraryVersion = await commandLineVersion();
    return await work({
      client,
      database,
      out: (text) => process.stdout.write(`${text}\n`),
      err: (text) => process.stderr.write(`${text}\n`),
      interactive: Boolean(process.stderr.isTTY && process.stdin.isTTY),
      libraryVersion,
    });
  } finally {
    await client.end().catch(() => {});
    await database.release();
  }
}
