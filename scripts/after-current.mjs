// graphile-migrate's afterCurrent hook (see .gmrc): `npm run dev` sets TANDEM_SCHEMA_SIGNAL to a
// file it watches, and regenerates the query types when this touches it. Elsewhere it does nothing.
import { writeFileSync } from 'node:fs';

const signal = process.env.TANDEM_SCHEMA_SIGNAL;
if (signal) writeFileSync(signal, `${Date.now()}\n`);
