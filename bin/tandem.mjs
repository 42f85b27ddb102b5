#!/usr/bin/env node
// npx tandem: runs the TypeScript command line through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/tandem.ts');
process.exitCode = await main(process.argv.slice(2));
