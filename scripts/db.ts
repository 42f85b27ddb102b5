import { chalk } from 'zx';
import { provideDatabase } from '../src/db/provision.js';
import { runMain, UserError } from '../src/cli/run-main.js';

const HELP = `
Usage: npm run db

Starts the embedded PostgreSQL server (data in .tandem/postgres) and prints the connection strings
to export; it stays up until Ctrl-C. Other commands borrow a running server. A server left behind by
a killed run is stopped and started afresh. With DATABASE_URL set, prints that instead.

Environment: DATABASE_URL (use that server), TANDEM_PG_VERSION (the PostgreSQL major, default 18; 15,
16 and 17 on linux-x64), TANDEM_PG_DIR (cluster folder, default .tandem/postgres, or
.tandem/postgres-<major> for another major).
Exit codes: 0 stopped by Ctrl-C or already running, 1 could not start or stopped unexpectedly.
`;

await runMain(HELP, async () => {
  const db = await provideDatabase({ purpose: 'dev' });
  const lines = Object.entries(db.env).map(([name, value]) => `  export ${name}=${value}`);
  console.log(`${chalk.bold('PostgreSQL')}: ${db.description}\n${lines.join('\n')}`);
  if (db.source === 'url') {
    console.log('DATABASE_URL is set, so tandem uses that server; unset it to use the embedded one.');
    return;
  }
  if (!db.started) {
    console.log('It is already running; it stops when the process that started it ends.');
    return;
  }
  console.log(chalk.dim('Running. Press Ctrl-C to stop.'));
  // The server runs detached; this wait is what keeps the command (and so the server) alive.
  let timer: NodeJS.Timeout | undefined;
  const reason = await new Promise<'signal' | 'gone'>((resolve) => {
    process.once('SIGINT', () => resolve('signal'));
    process.once('SIGTERM', () => resolve('signal'));
    timer = setInterval(() => db.alive() || resolve('gone'), 1_000);
  });
  clearInterval(timer);
  if (reason === 'gone') {
    throw new UserError(`The PostgreSQL server stopped unexpectedly; its log: ${db.logFile}`);
  }
  await db.release();
  console.log('Stopped.');
});
