// npm run ci: `tandem ci` (src/cli/verbs/ci.ts), for this repository's own project.
import { main } from '../src/cli/tandem.js';

process.exitCode = await main(['ci', ...process.argv.slice(2)]);
