// npm run release:sql: `tandem release-sql` (src/cli/verbs/release-sql.ts), for this repository's own project.
import { main } from '../src/cli/tandem.js';

process.exitCode = await main(['release-sql', ...process.argv.slice(2)]);
