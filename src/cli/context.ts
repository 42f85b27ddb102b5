/** What every verb gets: a connected client, where it is connected, and how to print. */
import pg from 'pg';
import { provideDatabase, type ProvidedDatabase } from '../db/provision.js';

export interface Context {
  client: pg.Client;
  database: ProvidedDatabase;
  /** Standard output: results. */
  out: (text: string) => void;
  /** Standard error: progress and messages. */
  err: (text: string) => void;
  /** Whether standard error is a terminal (progress bars, prompts). */
  interactive: boolean;
}

/** Connects to DATABASE_URL or the embedded server; `work` gets the context; everything is released after. */
export async function withContext<T>(work: (context: Context) => Promise<T>): Promise<T> {
  const database = await provideDatabase({ purpose: 'dev' });
  const client = new pg.Client({ connectionString: database.databaseUrl, application_name: 'tandem' });
  try {
    await client.connect();
    return await work({
      client,
      database,
      out: (text) => process.stdout.write(`${text}\n`),
      err: (text) => process.stderr.write(`${text}\n`),
      interactive: Boolean(process.stderr.isTTY && process.stdin.isTTY),
    });
  } finally {
    await client.end().catch(() => {});
    await database.release();
  }
}
