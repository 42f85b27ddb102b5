import { chalk } from 'zx';
import { runMain, UserError } from '../src/cli/run-main.js';
import { provideDatabase } from '../src/db/provision.js';
import { describeStatus, graphileMigrate, migrationStatus } from '../src/migrate.js';

const HELP = `
Usage: npm run migrate

Applies every committed migration in migrations/committed to DATABASE_URL, or to the embedded server
(started for the command and stopped after it, unless \`npm run db\` or \`npm run dev\` runs one),
then prints the status: migrations applied and pending, current.sql, the tandem library version.

Exit codes: 0 up to date, 1 a migration failed or no database could be reached.
`;

await runMain(HELP, async () => {
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
