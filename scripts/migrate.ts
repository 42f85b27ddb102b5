// npm run migrate: `tandem migrate` (src/cli/verbs/migrate.ts), for this repository's own project.
import { main } from '../src/cli/tandem.js';

process.exitCode = await main(['migrate', ...process.argv.slice(2)]);
