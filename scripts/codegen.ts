import { argv, chalk } from 'zx';
import { runMain, UserError } from '../src/cli/run-main.js';
import { codegen, codegenCheck } from '../src/codegen.js';
import { provideDatabase } from '../src/db/provision.js';
import { applyAll } from '../src/migrate.js';

const HELP = `
Usage: npm run codegen
       npm run codegen:check

Regenerates generated/ from the queries in sql/ with pgtyped, against DATABASE_URL (or the embedded
server) brought up to date with the committed migrations and current.sql. Fails, naming the file,
line and query with the database's error, when a query cannot be typed. With --check
(codegen:check), also fails when generated/ changed, naming the files.

Exit codes: 0 done (no drift), 1 a query could not be typed, generated/ was out of date, or the
database could not be reached.
`;

await runMain(HELP, async () => {
  const db = await provideDatabase({ purpose: 'dev' });
  try {
    await applyAll({ env: db.env });
    if (argv.check) {
      const { changes } = await codegenCheck({ databaseUrl: db.databaseUrl });
      if (changes.length > 0) {
        throw new UserError(
          `generated/ is out of date with sql/ and the schema:\n${changes.map((line) => `  ${line}`).join('\n')}\n` +
            'Fix: run `npm run codegen` and commit generated/ (the files above are now regenerated).',
        );
      }
      console.log(`${chalk.green('ok')}: generated/ matches sql/ and the schema.`);
    } else {
      const { removed } = await codegen({ databaseUrl: db.databaseUrl });
      for (const file of removed) console.log(`removed ${file} (its query file is gone)`);
      console.log(`${chalk.green('ok')}: generated/ regenerated from sql/.`);
    }
  } finally {
    await db.release();
  }
});
