/*
 * pgtyped, wrapped so that a query that cannot be typed fails the run.
 *
 * pgtyped's CLI exits 0 even when a query fails to type (with failOnError too: the error is thrown
 * from an un-awaited promise). It does, however, write every query it could not type into its
 * output file with the marker "Query 'Name' is invalid", and prints the database's error. So the
 * wrapper runs the CLI with failOnError off (every file is processed and every error printed), then
 * reads the output files for that marker. It also removes output files whose query file is gone,
 * which pgtyped leaves behind.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from './cli/run-main.js';
import { findProjectRoot, resolveBin } from './paths.js';

export interface CodegenOptions {
  /** The project folder holding the pgtyped config (default: the one found from the working directory). */
  cwd?: string;
  /** pgtyped config file, relative to cwd (default `pgtyped.config.json`). */
  config?: string;
  /** Folder the config's emitTemplate writes to, relative to cwd (default: read from the config; see outputDirOf). */
  outputDir?: string;
  /** Database that has the schema the queries are typed against. */
  databaseUrl: string;
  /** Where pgtyped's own output goes as it comes (default: discarded, but kept in errors). */
  onOutput?: (text: string) => void;
  /** Give up after this long (default 5 minutes): pgtyped can hang on some failures. */
  timeoutMs?: number;
}

export interface InvalidQuery {
  /** The query file, relative to the project, with the line of the query's `@name` when found. */
  file: string;
  /** The query's name as pgtyped writes it (PascalCase). */
  query: string;
}

export interface CodegenResult {
  /** Output files whose query file no longer exists, removed. */
  removed: string[];
  /** Everything pgtyped printed. */
  output: string;
}

const INVALID_MARKER = /^\/\*\* Query '([^']+)' is invalid, so its result/gm;
const SOURCE_HEADER = /^\/\*\* Types generated for queries found in "([^"]+)" \*\//;

function runPgtyped(options: CodegenOptions, cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const pgtyped = resolveBin('@pgtyped/cli', 'pgtyped', cwd);
    const child = spawn(process.execPath, [pgtyped, '-c', options.config ?? 'pgtyped.config.json'], {
      cwd,
      // pgtyped reads DATABASE_URL, and lets PG* variables override it: drop those.
      env: { ...withoutPgVariables(process.env), DATABASE_URL: options.databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      options.onOutput?.(text);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      output += `\n(pgtyped did not finish within ${(options.timeoutMs ?? 300_000) / 1000} s and was stopped)\n`;
    }, options.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

function withoutPgVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^PG(HOST|PORT|USER|PASSWORD|DATABASE|URI)$/.test(name)));
}

async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

export const PGTYPED_CONFIG = 'pgtyped.config.json';

interface PgtypedConfig {
  srcDir?: string;
  transforms?: { emitTemplate?: string }[];
}

/**
 * The folder pgtyped writes to, relative to the project, from the config's first emitTemplate: what
 * comes before its first placeholder (`generated/{{name}}.queries.ts` → `generated`), or the query
 * folder itself when the files are written beside the queries (`{{dir}}/…`). Undefined without a config.
 */
export async function outputDirOf(cwd: string, config = PGTYPED_CONFIG): Promise<string | undefined> {
  let parsed: PgtypedConfig;
  try {
    parsed = JSON.parse(await readFile(path.join(cwd, config), 'utf8')) as PgtypedConfig;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`${config}: ${(error as Error).message}.\nFix: correct the JSON (see https://pgtyped.dev/docs/cli).`);
  }
  const template = parsed.transforms?.find((transform) => transform.emitTemplate)?.emitTemplate;
  const fixed = template?.split('{{')[0]?.split('/').slice(0, -1).join('/');
  return path.normalize(fixed || parsed.srcDir || '.');
}

async function outputDir(options: CodegenOptions, cwd: string): Promise<string> {
  const dir = options.outputDir ?? (await outputDirOf(cwd, options.config));
  if (dir === undefined) {
    throw new UserError(
      `no ${options.config ?? PGTYPED_CONFIG} in ${cwd}: nothing tells pgtyped which queries to type.\n` +
        'Fix: `npx tandem init` writes one for the queries in sql/ (it keeps every file you have).',
    );
  }
  return path.join(cwd, dir);
}

/** Runs pgtyped; throws a UserError naming every query that could not be typed, with pgtyped's errors. */
export async function codegen(options: CodegenOptions): Promise<CodegenResult> {
  const cwd = options.cwd ?? findProjectRoot();
  const outputFolder = await outputDir(options, cwd);
  const { code, output } = await runPgtyped(options, cwd);
  if (code !== 0) {
    throw new UserError(
      `pgtyped failed (exit code ${code}):\n${output.trim()}\n` +
        'Fix: the error is above; a connection error means the database is not reachable.',
    );
  }

  const invalid: InvalidQuery[] = [];
  const removed: string[] = [];
  for (const file of await listFiles(outputFolder)) {
    if (!/\.[cm]?ts$/.test(file)) continue; // queries written beside their output are not output
    const text = await readFile(file, 'utf8');
    const source = SOURCE_HEADER.exec(text)?.[1];
    if (source && !existsSync(path.join(cwd, source))) {
      await rm(file);
      removed.push(path.relative(cwd, file));
      continue;
    }
    for (const match of text.matchAll(INVALID_MARKER)) {
      const query = match[1] ?? '?';
      invalid.push({ file: source ? await locate(cwd, source, query) : path.relative(cwd, file), query });
    }
  }
  if (invalid.length > 0) {
    const errors = output
      .split('\n')
      .filter((line) => !/^(Using a pool|Processing |Saved |Skipped )/.test(line))
      .join('\n')
      .trim();
    const list = invalid.map((entry) => `  ${entry.file}: query ${entry.query}`).join('\n');
    throw new UserError(
      `pgtyped could not type ${invalid.length === 1 ? 'a query' : `${invalid.length} queries`}:\n${list}\n` +
        `pgtyped said:\n${errors}\n` +
        'Fix: correct the query (or the schema it reads) and run `npx tandem codegen` again.',
    );
  }
  return { removed, output };
}

/** `file:line` of the query's `@name` annotation (pgtyped PascalCases names: compare loosely). */
async function locate(cwd: string, source: string, query: string): Promise<string> {
  const loose = (name: string) => name.replace(/[^a-z0-9]/gi, '').toLowerCase();
  const lines = (await readFile(path.join(cwd, source), 'utf8')).split('\n');
  const index = lines.findIndex((line) => {
    const name = /@name\s+(\S+)/.exec(line)?.[1];
    return name !== undefined && loose(name) === loose(query);
  });
  return index === -1 ? source : `${source}:${index + 1}`;
}

async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const file of await listFiles(dir)) {
    files.set(file, createHash('sha256').update(await readFile(file)).digest('hex'));
  }
  return files;
}

export interface DriftReport {
  /** Files that changed, were added or were removed, relative to the project: `M path`, `A path`, `D path`. */
  changes: string[];
}

/** Regenerates and reports every output file that differs from what was there before. */
export async function codegenCheck(options: CodegenOptions): Promise<DriftReport> {
  const cwd = options.cwd ?? findProjectRoot();
  const dir = await outputDir(options, cwd);
  const before = await snapshot(dir);
  await codegen({ ...options, cwd });
  const after = await snapshot(dir);
  const changes: string[] = [];
  for (const [file, hash] of after) {
    const old = before.get(file);
    if (old === undefined) changes.push(`A ${path.relative(cwd, file)}`);
    else if (old !== hash) changes.push(`M ${path.relative(cwd, file)}`);
  }
  for (const file of before.keys()) {
    if (!after.has(file)) changes.push(`D ${path.relative(cwd, file)}`);
  }
  return { changes: changes.sort((a, b) => a.slice(2).localeCompare(b.slice(2))) };
}
