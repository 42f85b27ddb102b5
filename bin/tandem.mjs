#!/usr/bin/env node
// npx tandem. The published package runs the compiled command line (dist/). A checkout of the
// repository (src/ beside bin/, tsx installed) runs the TypeScript source instead, so that no build
// can go stale while tandem itself is being worked on.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/tandem.ts', import.meta.url);
let entry = new URL('../dist/src/cli/tandem.js', import.meta.url).href;
if (existsSync(source)) {
  try {
    const { register } = await import('tsx/esm/api');
    register();
    entry = source.href;
  } catch {
    // No tsx (a production install of a checkout): the compiled command line, when built.
  }
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
