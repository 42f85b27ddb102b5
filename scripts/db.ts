// npm run db: `tandem db` (src/cli/verbs/db.ts), for this repository's own project.
import { main } from '../src/cli/tandem.js';

process.exitCode = await main(['db', ...process.argv.slice(2)]);
