import { runMain, UserError } from '../src/cli/run-main.js';
import { provideDatabase } from '../src/db/provision.js';
import { graphileMigrate } from '../src/migrate.js';

const HELP = `
Usage: npm run gm -- <graphile-migrate command and options>

Runs graphile-migrate with DATABASE_URL, SHADOW_DATABASE_URL and ROOT_DATABASE_URL set for the
embedded server (started for the command unless one runs), or as given in the environment.
Examples:
  npm run gm -- commit -m "Add stores"     freeze current.sql into migrations/committed
  npm run gm -- uncommit                   move the last commit back into current.sql
  npm run gm -- status
  npm run gm -- commit --help              graphile-migrate's own help for a command

Exit codes: graphile-migrate's own; 1 when no database could be reached.
`;

await runMain(HELP, async () => {
  const args = process.argv.slice(2);
  if (args.length === 0) {
    throw new UserError('name a graphile-migrate command, e.g. `npm run gm -- status` (`npm run gm -- --help` for more).', 2);
  }
  const db = await provideDatabase({ purpose: 'dev' });
  try {
    const { code } = await graphileMigrate(args, { env: db.env });
    process.exitCode = code;
  } finally {
    await db.release();
  }
});
