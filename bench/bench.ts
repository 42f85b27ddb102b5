/*
 * npm run bench: measures tandem against the physical limit and the hand-written alternatives, in
 * one run, as ratios; prints a table per part and writes BENCHMARKS.md. See --help.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runMain } from '../src/cli/run-main.js';
import { projectRoot } from '../src/db/provision.js';
import type { BenchContext } from './context.js';
import { startServer } from './db.js';
import { machine, postgres } from './environment.js';
import { parseOptions, sizesFor, type Part } from './options.js';
import { markdown, terminalTable } from './report.js';
import type { SectionResult } from './report-types.js';
import { seconds } from './stats.js';
import { backfill } from './backfill.js';
import { growth } from './growth.js';
import { wholeLifecycle } from './lifecycle.js';
import { lintThroughput } from './lint.js';
import { syncCost } from './sync.js';
import { verification } from './verify.js';

const HELP = `
Usage: npm run bench [-- --scale <factor>] [--only <parts>] [--out <file>]

Measures tandem on a PostgreSQL server of its own (the embedded one, in .tandem/bench-postgres;
DATABASE_URL instead when set, on which it creates and drops databases named tandem_bench_*), and
compares each figure with a baseline measured in the same run:

  sync       sync trigger cost: insert, update and delete with the bridge, against no bridge, both
             writes in SQL in one transaction, and a dual write from Node
  backfill   the online backfill against one offline INSERT … SELECT, with a concurrent writer's
             latency, and throughput against batch size
  verify     verify_migration against a bare FULL OUTER JOIN count and a row-by-row check from Node
  lifecycle  expand + backfill + verify + cutover at 300k rows
  lint       tandem lint's throughput on a large generated migration
  growth     backfill, verify and sync at three sizes, with memory and temporary files

Prints a table per part and writes BENCHMARKS.md (machine, PostgreSQL version, sizes, min/median/max
of the runs, ratios, goals met or missed with what limits them). Default sizes take under 15 minutes
on a 2-core machine.

Options:
  --scale <factor>  multiply every row count (default 1; e.g. 0.01 for a quick run)
  --only <parts>    run only these parts, comma-separated (the report then holds only them)
  --out <file>      where to write the report (default BENCHMARKS.md)

Exit codes: 0 done (a missed goal is reported, not an error), 1 the benchmark failed, 2 usage.
`;

const PART_RUNNERS: Record<Part, (context: BenchContext) => Promise<SectionResult>> = {
  sync: syncCost,
  backfill,
  verify: verification,
  lifecycle: wholeLifecycle,
  lint: lintThroughput,
  growth,
};

await runMain(HELP, async () => {
  const options = parseOptions(process.argv.slice(2));
  const sizes = sizesFor(options.scale);
  const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
  const started = Date.now();
  const machineLines = machine();
  const server = await startServer(log);
  const sections: SectionResult[] = [];
  let postgresLines: string[];
  try {
    log(`PostgreSQL: ${server.provided.description}`);
    const probe = await server.fresh('probe');
    postgresLines = await postgres(probe, server.provided.source === 'embedded' ? 'the embedded server' : `from ${server.provided.source}`);
    await probe.drop();
    const context: BenchContext = { server, sizes, log };
    for (const part of options.parts) {
      const run = PART_RUNNERS[part];
      let result: SectionResult | undefined;
      const took = await seconds(async () => (result = await run(context)));
      log(`${part}: ${took.toFixed(1)} s`);
      sections.push(result!);
      process.stdout.write(`\n${terminalTable(result!)}\n`);
    }
  } finally {
    await server.release();
  }
  const command = `npm run bench${options.scale === 1 ? '' : ` -- --scale ${options.scale}`}`;
  const report = markdown(
    { date: new Date().toISOString().slice(0, 10), command, machine: machineLines, postgres: postgresLines, totalSeconds: (Date.now() - started) / 1000 },
    sections,
  );
  await writeFile(options.out, report);
  process.stdout.write(`\nWrote ${path.relative(projectRoot, options.out) || options.out}.\n`);
});
