// npm run gm: `tandem gm` (src/cli/verbs/gm.ts), for this repository's own project.
import { main } from '../src/cli/tandem.js';

process.exitCode = await main(['gm', ...process.argv.slice(2)]);
