// npm run codegen and npm run codegen:check: `tandem codegen` (src/cli/verbs/codegen.ts), for this repository's own project.
import { main } from '../src/cli/tandem.js';

process.exitCode = await main(['codegen', ...process.argv.slice(2)]);
