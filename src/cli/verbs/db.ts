import { chalk } from 'zx';
import type { ProjectContext } from '../context.js';
import { UserError } from '../run-main.js';

/**
 * Starts the project's embedded server and prints its connection strings; stays up until Ctrl-C, so
 * that other commands borrow it. With DATABASE_URL (or --database-url), prints that instead.
 */
export async function db(project: ProjectContext): Promise<number> {
  const database = await project.provideDatabase();
  const lines = Object.entries(database.env).map(([name, value]) => `  export ${name}=${value}`);
  project.out(`${chalk.bold('PostgreSQL')}: ${database.description}\n${lines.join('\n')}`);
  if (database.source === 'url') {
    project.out('DATABASE_URL is set, so tandem uses that server; unset it to use the embedded one.');
    return 0;
  }
  if (!database.started) {
    project.out('It is already running; it stops when the process that started it ends.');
    return 0;
  }
  project.out(chalk.dim('Running. Press Ctrl-C to stop.'));
  // The server runs detached; this wait is what keeps the command (and so the server) alive.
  let timer: NodeJS.Timeout | undefined;
  const reason = await new Promise<'signal' | 'gone'>((resolve) => {
    process.on('SIGINT', () => resolve('signal'));
    process.on('SIGTERM', () => resolve('signal'));
    timer = setInterval(() => database.alive() || resolve('gone'), 1_000);
  });
  clearInterval(timer);
  if (reason === 'gone') throw new UserError(`The PostgreSQL server stopped unexpectedly; its log: ${database.logFile}`);
  await database.release();
  project.out('Stopped.');
  return 0;
}
