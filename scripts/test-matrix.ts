import path from 'node:path';
import { chalk } from 'zx';
import { runMain, UserError } from '../src/cli/run-main.js';
import { DEFAULT_PG_MAJOR } from '../src/db/embedded.js';
import { projectRoot } from '../src/db/provision.js';
import { parseMajors, resultLine, runMajor, SUPPORTED_PG_MAJORS, VERSION_INDEPENDENT_TESTS } from '../src/test-matrix.js';

const LOG_DIR = path.join(projectRoot, '.tandem', 'matrix');

const HELP = `
Usage: npm run test:matrix [-- <major> ...]

Runs the test suite once for each supported PostgreSQL major (${SUPPORTED_PG_MAJORS.join(', ')}), or for
those named, one after another, each on an embedded server of its own (TANDEM_PG_VERSION=<major>, in a
temporary folder thrown away afterwards; TANDEM_TEST_DB chooses otherwise, as for npm test), and prints
one line per version:
  PostgreSQL 15: 250 passed, 0 failed, 1 skipped (3m 05s)
with the failing tests under a version that failed. Each run's whole output is in
.tandem/matrix/pg<major>.log. The binaries of majors other than ${DEFAULT_PG_MAJOR} are installed on linux-x64 only.

On ${DEFAULT_PG_MAJOR} the whole suite runs. On the others, the test files whose subject does not depend
on the server's version are left out, since the run on ${DEFAULT_PG_MAJOR} covers them:
${VERSION_INDEPENDENT_TESTS.map((test) => `  ${test.file.padEnd(36)}${test.why}`).join('\n')}
The type-check (npm test runs it first) does not depend on the server either: run it once yourself.

Exit codes: 0 every version passed, 1 a version failed or did not finish, 2 bad arguments.
`;

await runMain(HELP, async () => {
  const { majors, problems } = parseMajors(process.argv.slice(2));
  if (problems.length > 0) {
    throw new UserError(`${problems.join('\n')}.\nFix: name majors among ${SUPPORTED_PG_MAJORS.join(', ')}, or none for all of them.`, 2);
  }
  let failed = 0;
  for (const major of majors) {
    console.log(chalk.dim(`PostgreSQL ${major}: running the tests…`));
    const result = await runMajor(major, { logDir: LOG_DIR });
    console.log(result.ok ? resultLine(result) : chalk.red(resultLine(result)));
    for (const failure of result.failures) console.log(`  ${failure}`);
    if (result.error) console.log(result.error.replace(/^/gm, '  '));
    if (!result.ok) failed++;
  }
  if (majors.length > 1) console.log(failed === 0 ? `All ${majors.length} versions passed.` : `${failed} of ${majors.length} versions failed.`);
  process.exitCode = failed === 0 ? 0 : 1;
});
