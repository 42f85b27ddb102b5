/*
 * The CI pipeline: what a project's CI runs to prove its migrations before they reach production.
 * Each step is named and timed; the first that fails ends the run and is named in the result.
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { codegenCheck, outputDirOf } from './codegen.js';
import { findProjectRoot } from './paths.js';
import { provideDatabase, type DatabaseEnv, type ProvidedDatabase } from './db/provision.js';
import { withClient } from './db/client.js';
import { withDatabase } from './db/urls.js';
import { lintFiles } from './lint/lint.js';
import { report } from './lint/report.js';
import { applyAll } from './migrate.js';
import { backfillBatch, cutover, expand, migrationStatus, rollback, serverMajorVersion, verifyMigration } from '../generated/tandem.queries.js';

export interface PipelineOptions {
  /** The project folder (default: the one found from the working directory). */
  cwd?: string;
  /** Run the project's test suite (`npm test`) as the last step. */
  withTests?: boolean;
  /** The environment that says where PostgreSQL is (default: process.env): DATABASE_URL's server, else a throwaway embedded one. */
  env?: NodeJS.ProcessEnv;
  /** Where step lines go. */
  log: (line: string) => void;
}

export interface StepResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

class StepFailure extends Error {}

/** A database of its own for the run: DATABASE_URL's server when set, else a throwaway embedded one. */
async function freshDatabase(environment: NodeJS.ProcessEnv): Promise<{ server: ProvidedDatabase; env: DatabaseEnv; drop: () => Promise<void> }> {
  const server = await provideDatabase({ purpose: environment.DATABASE_URL ? 'dev' : 'test', env: environment });
  const name = `tandem_ci_${randomBytes(5).toString('hex')}`;
  const root = new pg.Client({ connectionString: server.rootDatabaseUrl });
  await root.connect();
  try {
    await root.query(`create database ${name}`);
    await root.query(`create database ${name}_shadow`);
  } finally {
    await root.end();
  }
  const env = {
    DATABASE_URL: withDatabase(server.rootDatabaseUrl, name),
    SHADOW_DATABASE_URL: withDatabase(server.rootDatabaseUrl, `${name}_shadow`),
    ROOT_DATABASE_URL: server.rootDatabaseUrl,
  };
  return {
    server,
    env,
    drop: async () => {
      const client = new pg.Client({ connectionString: server.rootDatabaseUrl });
      await client.connect();
      try {
        for (const db of [name, `${name}_shadow`, `${name}_rehearsal`]) await client.query(`drop database if exists ${db} with (force)`);
      } finally {
        await client.end();
      }
      await server.release();
    },
  };
}

async function backfillAll(client: pg.Client, migration: string): Promise<void> {
  for (;;) {
    const progress = await backfillBatch.run({ migration, batchSize: 5000 }, client);
    if (progress.every((bridge) => bridge.finished)) return;
  }
}

/** Verifies and throws a StepFailure listing the failing checks. */
async function verifyOrFail(client: pg.Client, migration: string, where: string): Promise<void> {
  const failing = (await verifyMigration.run({ migration }, client)).filter((check) => check.status === 'fail' && check.checkName !== 'consistency');
  if (failing.length > 0) {
    throw new StepFailure(
      `verification of "${migration}" failed${where}:\n` +
        failing.map((check) => `  ${check.bridge ?? ''} ${check.checkName}: ${check.mismatches} (${check.sampleKeys.join(', ')})`).join('\n'),
    );
  }
}

function runCommand(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

export async function runPipeline(options: PipelineOptions): Promise<StepResult[]> {
  const cwd = options.cwd ?? findProjectRoot();
  const results: StepResult[] = [];
  let database: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  const step = async (name: string, work: () => Promise<string | void>) => {
    const started = Date.now();
    options.log(`▶ ${name}`);
    try {
      const note = await work();
      const ms = Date.now() - started;
      results.push({ name, ok: true, ms });
      options.log(`✔ ${name} (${(ms / 1000).toFixed(1)} s)${note ? `: ${note}` : ''}`);
    } catch (error) {
      const ms = Date.now() - started;
      const message = error instanceof Error ? error.message : String(error);
      results.push({ name, ok: false, ms, error: message });
      options.log(`✖ ${name} failed (${(ms / 1000).toFixed(1)} s):\n${message}`);
      throw new StepFailure(name);
    }
  };
  try {
    await step('fresh database', async () => {
      database = await freshDatabase(options.env ?? process.env);
      return database.server.description;
    });
    const env = database!.env;
    await step('lint', async () => {
      // On a fresh database every committed migration is unapplied: all of them, and current.sql.
      const committed = (await readdir(path.join(cwd, 'migrations', 'committed')).catch(() => []))
        .filter((file) => file.endsWith('.sql'))
        .sort()
        .map((file) => path.join('migrations', 'committed', file));
      const pgVersion = await withClient(env.DATABASE_URL, async (client) => (await serverMajorVersion.run(undefined, client))[0]!.major);
      const findings = await lintFiles([...committed, path.join('migrations', 'current.sql')], { cwd, pgVersion });
      const errors = findings.filter((finding) => finding.severity === 'error');
      if (errors.length > 0) throw new StepFailure(report(errors, 'gcc'));
      return findings.length > 0 ? `${findings.length} warning${findings.length === 1 ? '' : 's'}:\n${report(findings, 'gcc')}` : undefined;
    });
    await step('migrations', async () => {
      // Every committed migration, then current.sql, which must be empty or apply cleanly.
      await applyAll({ cwd, env });
    });
    await step('codegen drift', async () => {
      const generated = await outputDirOf(cwd);
      if (generated === undefined) return 'skipped: no pgtyped.config.json';
      const { changes } = await codegenCheck({ cwd, databaseUrl: env.DATABASE_URL });
      if (changes.length > 0) {
        throw new StepFailure(
          `${generated}/ is out of date:\n${changes.map((line) => `  ${line}`).join('\n')}\nFix: run \`npx tandem codegen\` and commit ${generated}/.`,
        );
      }
    });
    const migrations = await withClient(env.DATABASE_URL, async (client) => {
      const rows = await migrationStatus.run({ migration: null }, client);
      const phases = new Map<string, string>();
      for (const row of rows) if (row.bridge) phases.set(row.migration, row.phase);
      return phases;
    });
    for (const [migration, phase] of migrations) {
      if (phase === 'planned' || phase === 'contracted') continue;
      await step(`backfill and verify ${migration}`, () =>
        withClient(env.DATABASE_URL, async (client) => {
          if (phase !== 'cut_over') await backfillAll(client, migration);
          await verifyOrFail(client, migration, '');
        }),
      );
      await step(`rollback rehearsal ${migration}`, async () => {
        // On a copy: roll all the way back, apply again, verify; the real database is left alone.
        const rehearsal = `${new URL(env.DATABASE_URL).pathname.slice(1)}_rehearsal`;
        await withClient(env.ROOT_DATABASE_URL, (client) =>
          client.query(`create database ${rehearsal} template ${new URL(env.DATABASE_URL).pathname.slice(1)}`));
        await withClient(withDatabase(env.ROOT_DATABASE_URL, rehearsal), async (client) => {
          const [current] = (await migrationStatus.run({ migration }, client));
          const reached = current!.phase;
          for (let guard = 0; guard < 6; guard++) {
            const [{ result } = { result: '' }] = await rollback.run({ migration }, client);
            if (result === 'nothing to roll back') break;
          }
          await expand.run({ migration }, client);
          await backfillAll(client, migration);
          await verifyOrFail(client, migration, ' after re-applying');
          if (reached === 'cut_over') {
            await cutover.run({ migration }, client);
            await verifyOrFail(client, migration, ' after cutting over again');
          }
        });
        await withClient(env.ROOT_DATABASE_URL, (client) => client.query(`drop database ${rehearsal} with (force)`));
        return `rolled back to planned and re-applied to ${phase.replace('_', ' ')}`;
      });
    }
    if (options.withTests) {
      await step('tests', async () => {
        const code = await runCommand('npm', ['test'], cwd, process.env);
        if (code !== 0) throw new StepFailure(`npm test exited with code ${code}.`);
      });
    }
  } catch (error) {
    if (!(error instanceof StepFailure)) throw error;
  } finally {
    await database?.drop();
  }
  return results;
}

/** The exit code and last line for a run. */
export function summarize(results: StepResult[]): { code: number; line: string } {
  const failed = results.find((result) => !result.ok);
  const total = results.reduce((sum, result) => sum + result.ms, 0);
  if (failed) return { code: 1, line: `CI failed at step "${failed.name}".` };
  return { code: 0, line: `CI passed: ${results.length} steps in ${(total / 1000).toFixed(1)} s.` };
}
