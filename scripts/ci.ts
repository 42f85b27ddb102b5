import { argv } from 'zx';
import { runMain } from '../src/cli/run-main.js';
import { runPipeline, summarize } from '../src/ci.js';

const HELP = `
Usage: npm run ci [-- --with-tests]

The pipeline a project's CI runs, each step named with its duration:
  1. a fresh database (DATABASE_URL's server when set, else a throwaway embedded one);
  2. tandem lint of every committed migration and current.sql (an error-level finding fails);
  3. every committed migration, then current.sql, which must be empty or apply cleanly;
  4. the pgtyped drift check of generated/;
  5. for each migration with bridges: backfill and verify_migration, then a rehearsal on a copy of
     the database: roll back to planned, apply again, verify;
  6. with --with-tests, the test suite (npm test).

Exit codes: 0 every step passed, 1 a step failed (named in the last line).
`;

await runMain(HELP, async () => {
  const results = await runPipeline({ withTests: Boolean(argv['with-tests']), log: (line) => console.log(line) });
  const { code, line } = summarize(results);
  console.log(line);
  process.exitCode = code;
});
