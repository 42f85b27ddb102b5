/*
 * An example project (examples/<name>/): its own graphile-migrate folder (.gmrc, migrations/committed),
 * a data generator (data/generate.sql) and the queries of its legacy and modern apps (app/*.sql,
 * typed into generated/ by pgtyped).
 *
 * Its migrations are applied one release at a time, as a team deploys them: expand, then (after the
 * backfill and a verification) cutover, then contract. graphile-migrate applies every committed
 * migration it finds, so each release is staged in a folder that holds the migrations up to it.
 *
 * An example carries no copy of the tandem SQL library: staging installs the library of this source
 * (src/release.ts, the file `npm run release:sql` writes) before the example's first migration, so
 * every example runs on the current release, as a team's database would run on the release it installed.
 */
import { access, copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DatabaseEnv } from '../db/provision.js';
import { packageRoot } from '../paths.js';
import { formatPgError, UserError } from '../cli/run-main.js';
import { codegen, codegenCheck, type DriftReport } from '../codegen.js';
import { withDatabase } from '../db/urls.js';
import { graphileMigrate } from '../migrate.js';
import { releaseSql } from '../release.js';

export const EXAMPLES_DIR = path.join(packageRoot, 'examples');

/** The example scenarios, and which committed migration each release ends with. */
export const EXAMPLES = {
  scout: { migration: 'medallion', legacy: 1, expand: 2, afterBackfill: 6, cutover: 7, contract: 8 },
  square: { migration: 'client_split', legacy: 1, expand: 2, afterBackfill: 2, cutover: 3, contract: 4 },
} as const;
export type ExampleName = keyof typeof EXAMPLES;

export function isExampleName(name: string): name is ExampleName {
  return Object.hasOwn(EXAMPLES, name);
}

export function exampleDir(name: string): string {
  return path.join(EXAMPLES_DIR, name);
}

/** Every example project, found on disk (not from EXAMPLES): each folder of examples/ that holds a .gmrc. */
export async function exampleProjects(): Promise<string[]> {
  const entries = await readdir(EXAMPLES_DIR, { withFileTypes: true });
  const projects = await Promise.all(
    entries.filter((entry) => entry.isDirectory()).map(async (entry) => ((await exists(path.join(EXAMPLES_DIR, entry.name, '.gmrc'))) ? entry.name : undefined)),
  );
  return projects.filter((name): name is string => name !== undefined).sort();
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

/**
 * Installs the tandem SQL library of this source into the database, in one transaction, and returns
 * its version: the same file `npm run release:sql` writes for a database installed by hand.
 */
export async function installLibrary(databaseUrl: string, example: string): Promise<string> {
  const { version, sql } = await releaseSql();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } catch (error) {
    throw new UserError(
      `installing tandem ${version} from the source for examples/${example} failed (lines as in \`npm run release:sql -- --stdout\`):\n` +
        `${formatPgError(error as Error, sql)}\nFix: correct the statement above in migrations/fixtures/tandem; the library's own tests (npx vitest run test/library-) show it without the example.`,
    );
  } finally {
    await client.end();
  }
  return version;
}

/** The example's committed migrations, in order. */
export async function committedMigrations(name: string): Promise<string[]> {
  const dir = path.join(exampleDir(name), 'migrations', 'committed');
  return (await readdir(dir)).filter((file) => /^\d{6}.*\.sql$/.test(file)).sort();
}

/** Deploys an example's migrations release by release into one database, on the library of this source. */
export class Releases {
  private constructor(
    private readonly name: string,
    private readonly stage: string,
    private readonly env: DatabaseEnv,
    private readonly files: string[],
    /** The version of the tandem library installed when the example was staged. */
    readonly library: string,
  ) {}

  /** Stages the example into the database of `env.DATABASE_URL`: installs the library of this source first. */
  static async open(name: string, env: DatabaseEnv): Promise<Releases> {
    const library = await installLibrary(env.DATABASE_URL, name);
    const stage = await mkdtemp(path.join(tmpdir(), `tandem-${name}-`));
    await mkdir(path.join(stage, 'migrations', 'committed'), { recursive: true });
    await copyFile(path.join(exampleDir(name), '.gmrc'), path.join(stage, '.gmrc'));
    return new Releases(name, stage, env, await committedMigrations(name), library);
  }

  /** Applies every committed migration of the example. */
  async applyAll(): Promise<string[]> {
    const last = this.files.at(-1);
    if (!last) throw new Error(`examples/${this.name}/migrations/committed holds no migration`);
    return this.applyThrough(Number(last.slice(0, 6)));
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
    for (let attempt = 1; ; attempt++) {
      const { code, output } = await graphileMigrate(['migrate'], { cwd: this.stage, env: this.env, output: 'pipe' });
      if (code === 0) return added;
      // A migration that locks a table before its tandem call (as 000002 and 000007 here do) can meet an
      // app's query that holds another table it needs and waits behind that lock: tandem gives up at
      // once (TD004), nothing applied, and the migration is run again, as an operator would.
      if (attempt < 5 && /code: 'TD004'/.test(output)) {
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
        continue;
      }
      // graphile-migrate's output says what failed; a stack of this function would only hide it.
      throw new UserError(`graphile-migrate migrate failed for examples/${this.name} (through ${through}):\n${output.trim()}`);
    }
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
