/*
 * An example project (examples/<name>/): its own graphile-migrate folder (.gmrc, migrations/committed),
 * a data generator (data/generate.sql) and the queries of its legacy and modern apps (app/*.sql,
 * typed into generated/ by pgtyped).
 *
 * Its migrations are applied one release at a time, as a team deploys them: expand, then (after the
 * backfill and a verification) cutover, then contract. graphile-migrate applies every committed
 * migration it finds, so each release is staged in a folder that holds the migrations up to it.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { projectRoot, type DatabaseEnv } from '../db/provision.js';
import { codegen, codegenCheck, type DriftReport } from '../codegen.js';
import { withDatabase } from '../db/urls.js';
import { graphileMigrate } from '../migrate.js';

export const EXAMPLES_DIR = path.join(projectRoot, 'examples');

/** The example scenarios, and which committed migration each release ends with. */
export const EXAMPLES = {
  scout: { migration: 'medallion', legacy: 2, expand: 3, afterBackfill: 7, cutover: 8, contract: 9 },
  square: { migration: 'client_split', legacy: 2, expand: 3, afterBackfill: 3, cutover: 4, contract: 5 },
} as const;
export type ExampleName = keyof typeof EXAMPLES;

export function isExampleName(name: string): name is ExampleName {
  return Object.hasOwn(EXAMPLES, name);
}

export function exampleDir(name: string): string {
  return path.join(EXAMPLES_DIR, name);
}

/** The example's committed migrations, in order. */
export async function committedMigrations(name: string): Promise<string[]> {
  const dir = path.join(exampleDir(name), 'migrations', 'committed');
  return (await readdir(dir)).filter((file) => /^\d{6}.*\.sql$/.test(file)).sort();
}

/** Deploys an example's migrations release by release into one database. */
export class Releases {
  private constructor(
    private readonly name: string,
    private readonly stage: string,
    private readonly env: DatabaseEnv,
    private readonly files: string[],
  ) {}

  static async open(name: string, env: DatabaseEnv): Promise<Releases> {
    const stage = await mkdtemp(path.join(tmpdir(), `tandem-${name}-`));
    await mkdir(path.join(stage, 'migrations', 'committed'), { recursive: true });
    await copyFile(path.join(exampleDir(name), '.gmrc'), path.join(stage, '.gmrc'));
    return new Releases(name, stage, env, await committedMigrations(name));
  }

  /** Applies every committed migration up to and including the one whose number is `through` (e.g. 3). */
  async applyThrough(through: number): Promise<string[]> {
    const wanted = this.files.filter((file) => Number(file.slice(0, 6)) <= through);
    if (!wanted.some((file) => Number(file.slice(0, 6)) === through)) {
      throw new Error(`examples/${this.name} has no migration ${String(through).padStart(6, '0')}`);
    }
    const staged = new Set(await readdir(path.join(this.stage, 'migrations', 'committed')));
    const added = wanted.filter((file) => !staged.has(file));
    for (const file of added) {
      await copyFile(path.join(exampleDir(this.name), 'migrations', 'committed', file), path.join(this.stage, 'migrations', 'committed', file));
    }
    const { code, output } = await graphileMigrate(['migrate'], { cwd: this.stage, env: this.env, output: 'pipe' });
    if (code !== 0) throw new Error(`graphile-migrate migrate failed for examples/${this.name} (through ${through}):\n${output.trim()}`);
    return added;
  }

  async close(): Promise<void> {
    await rm(this.stage, { recursive: true, force: true });
  }
}

/** Loads the example's deterministic data (data/generate.sql) at `scale` (1: the sizes the plan describes). */
export async function generateData(client: pg.ClientBase, name: string, scale: number): Promise<void> {
  const sql = await readFile(path.join(exampleDir(name), 'data', 'generate.sql'), 'utf8');
  await client.query(`select set_config('example.scale', $1, false)`, [String(scale)]);
  await client.query(sql);
}

/**
 * Types the example's app queries (app/*.sql → generated/) against a scratch database at the cutover
 * release, where both apps' queries are valid: the legacy app's through the compatibility views.
 * With `check`, reports the generated files that changed.
 */
export async function exampleCodegen(name: ExampleName, env: DatabaseEnv, options: { check?: boolean } = {}): Promise<DriftReport> {
  const scratch = `tandem_codegen_${name}`;
  const admin = new pg.Client({ connectionString: env.ROOT_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${scratch} with (force)`);
    await admin.query(`create database ${scratch}`);
    const scratchEnv = { ...env, DATABASE_URL: withDatabase(env.ROOT_DATABASE_URL, scratch) };
    const releases = await Releases.open(name, scratchEnv);
    try {
      await releases.applyThrough(EXAMPLES[name].legacy);
      const client = new pg.Client({ connectionString: scratchEnv.DATABASE_URL });
      await client.connect();
      try {
        await generateData(client, name, 0.001);
      } finally {
        await client.end();
      }
      await releases.applyThrough(EXAMPLES[name].cutover);
    } finally {
      await releases.close();
    }
    const options_ = { cwd: exampleDir(name), databaseUrl: scratchEnv.DATABASE_URL };
    if (options.check) return await codegenCheck(options_);
    await codegen(options_);
    return { changes: [] };
  } finally {
    await admin.query(`drop database if exists ${scratch} with (force)`).catch(() => {});
    await admin.end();
  }
}
