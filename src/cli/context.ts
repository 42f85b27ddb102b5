/** What every verb gets: the user's project, where the database is, and how to print. */
import pg from 'pg';
import { provideDatabase, type ProvidedDatabase } from '../db/provision.js';
import { findProjectRoot } from '../paths.js';
import { checkLibraryVersion, commandLineVersion } from './library-version.js';

/** The options every verb accepts. */
export interface ConnectionOptions {
  /** --database-url: used instead of DATABASE_URL. */
  databaseUrl?: string;
}

export interface ProjectContext {
  /** The user's project: the folder holding .gmrc and migrations/ (see paths.ts). */
  dir: string;
  /** The environment for the tools tandem runs: the process's, with DATABASE_URL from --database-url. */
  env: NodeJS.ProcessEnv;
  /** Standard output: results. */
  out: (text: string) => void;
  /** Standard error: progress and messages. */
  err: (text: string) => void;
  /** Whether standard error and input are a terminal (progress bars, prompts). */
  interactive: boolean;
  /** DATABASE_URL, or the project's embedded server (started for the command unless one runs). */
  provideDatabase(): Promise<ProvidedDatabase>;
}

export interface Context extends ProjectContext {
  client: pg.Client;
  database: ProvidedDatabase;
  /** The library release of this command line, which the database was checked to have. */
  libraryVersion: string;
}

/** The project found from the working directory, with the connection the options ask for. */
export function projectContext(options: ConnectionOptions = {}, cwd: string = process.cwd()): ProjectContext {
  const dir = findProjectRoot(cwd);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  return {
    dir,
    env,
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    interactive: Boolean(process.stderr.isTTY && process.stdin.isTTY),
    provideDatabase: () => provideDatabase({ purpose: 'dev', env, project: dir }),
  };
}

/**
 * Connects to the database (see ProjectContext.provideDatabase) and checks that its tandem library is
 * this command line's version (see library-version.ts); `work` gets the context; everything is
 * released after.
 */
export async function withContext<T>(options: ConnectionOptions, work: (context: Context) => Promise<T>): Promise<T> {
  // Parsing install.sql for the command line's version overlaps with connecting; its error, if any, is thrown by the check.
  commandLineVersion().catch(() => {});
  const project = projectContext(options);
  const database = await project.provideDatabase();
  const client = new pg.Client({ connectionString: database.databaseUrl, application_name: 'tandem' });
  try {
    await client.connect();
    await checkLibraryVersion(client);
    const libraryVersion = await commandLineVersion();
    return await work({ ...project, client, database, libraryVersion });
  } finally {
    await client.end().catch(() => {});
    await database.release();
  }
}
