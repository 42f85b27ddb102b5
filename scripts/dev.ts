// npm run dev: `tandem dev` (src/cli/verbs/dev.ts), for this repository's own project.
import { main } from '../src/cli/tandem.js';

process.exitCode = await main(['dev', ...process.argv.slice(2)]);
