import { argv, chalk } from 'zx';
import { runMain, UserError } from '../src/cli/run-main.js';
import { provideDatabase } from '../src/db/provision.js';
import { EXAMPLES, exampleCodegen, isExampleName } from '../src/examples/project.js';

const HELP = `
Usage: npm run examples:codegen [-- --check] [scenario…]

Types the queries of each example's legacy and modern apps (examples/<scenario>/app/*.sql) into
examples/<scenario>/generated/ with pgtyped, against a scratch database (on DATABASE_URL's server or
the embedded one) brought to the example's cutover release on the tandem library of this source.
With --check, fails when a generated file changed. Scenarios: ${Object.keys(EXAMPLES).join(', ')} (default: all).

Exit codes: 0 done (no drift), 1 a query could not be typed or a generated file was out of date,
2 no database could be reached (as for every tandem command: src/cli/run-main.ts decides).
`;

await runMain(HELP, async () => {
  const names = argv._.length > 0 ? argv._.map(String) : Object.keys(EXAMPLES);
  const unknown = names.filter((name) => !isExampleName(name));
  if (unknown.length > 0) throw new UserError(`unknown scenario ${unknown.join(', ')}. Fix: use one of ${Object.keys(EXAMPLES).join(', ')}.`);
  const db = await provideDatabase({ purpose: 'dev' });
  try {
    for (const name of names.filter(isExampleName)) {
      const { changes } = await exampleCodegen(name, db.env, { check: Boolean(argv.check) });
      if (changes.length > 0) {
        throw new UserError(`examples/${name}/generated is out of date:\n${changes.map((line) => `  ${line}`).join('\n')}\nFix: run \`npm run examples:codegen\` and commit it.`);
      }
      console.log(`${chalk.green('ok')}: examples/${name}/generated ${argv.check ? 'matches its queries' : 'regenerated'}.`);
    }
  } finally {
    await db.release();
  }
});
