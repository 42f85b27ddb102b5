// npm run demo: `tandem demo` (src/cli/verbs/demo.ts), for this repository's own project.
import { main } from '../src/cli/tandem.js';

process.exitCode = await main(['demo', ...process.argv.slice(2)]);
