/*
 * npm run migrate — applies the committed migrations (starting the embedded server if none is
 * running) and prints the status in words. Exit codes: 0 up to date, 1 a migration failed or no
 * database could be reached.
 */
import { chalk } from 'zx';
import { runMain, UserError } from '../src/cli/run-main.js';
import { provideDatabase } from '../src/db/provision.js';
import { describeStatus, graphileMigrate, migrationStatus } from '../src/migrate.js';

await runMain(async () => {
  const db = await provideDatabase({ purpose: 'dev' });
  try {
    console.log(`${chalk.bold('PostgreSQL')}: ${db.description}`);
    const { code } = await graphileMigrate(['migrate'], { env: db.env });
    if (code !== 0) throw new UserError(`graphile-migrate migrate failed (exit code ${code}); its error is above.`);
    console.log(describeStatus(await migrationStatus({ env: db.env })));
    if (db.started) console.log(chalk.dim('The embedded server stops now; `npm run db` keeps one running.'));
  } finally {
    await db.release();
  }
});
