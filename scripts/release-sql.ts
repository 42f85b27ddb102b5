import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runMain, UserError } from '../src/cli/run-main.js';
import { projectRoot } from '../src/db/provision.js';
import { releaseSql } from '../src/release.js';

const HELP = `
Usage: npm run release:sql [-- --out <file> | --stdout]

Builds the tandem SQL library of this source (migrations/fixtures/tandem) into one SQL file, for a
database that graphile-migrate does not manage: psql -v ON_ERROR_STOP=1 -f release/tandem-<version>.sql
It installs over any earlier release in one transaction and regenerates the sync code of the
migrations in flight.

  --out <file>   where to write it (default release/tandem-<version>.sql)
  --stdout       print it instead

Exit codes: 0 written, 2 bad arguments.
`;

await runMain(HELP, async () => {
  let values: { out?: string; stdout?: boolean };
  try {
    ({ values } = parseArgs({ options: { out: { type: 'string' }, stdout: { type: 'boolean' } } }));
  } catch (error) {
    throw new UserError(`${(error as Error).message}\nFix: see npm run release:sql -- --help.`, 2);
  }
  const { version, sql } = await releaseSql();
  if (values.stdout) {
    process.stdout.write(sql);
    return;
  }
  const out = path.resolve(values.out ?? path.join(projectRoot, 'release', `tandem-${version}.sql`));
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, sql);
  console.log(`tandem ${version}: ${path.relative(process.cwd(), out) || out}`);
});
