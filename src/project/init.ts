/*
 * tandem init: what a project needs to use tandem, written into it without touching what it has.
 * Each file is written only when it is missing (with `force`, the template files are written again);
 * a file that exists is kept, or, for .gmrc, package.json and .gitignore, extended by the lines tandem
 * needs when they are missing. Running it twice changes nothing. Every file is reported: written,
 * extended or kept, and why.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import detectIndent from 'detect-indent';
import JSON5 from 'json5';
import { SCHEMA_SIGNAL } from '../cli/verbs/dev.js';
import { packageRoot } from '../paths.js';
import { commitLibraryMigration, committedRelease, copyLibrary, fixturesVersion, isPackageSource } from './library.js';
import { sourceVersion } from '../release.js';

export interface InitOptions {
  /** Write the template files again over the project's own (.gmrc, pgtyped.config.json, the workflow, sql/README.md). */
  force?: boolean;
}

export interface Outcome {
  /** The file or folder, relative to the project. */
  file: string;
  action: 'wrote' | 'extended' | 'kept';
  /** What was done or why not. */
  note: string;
}

/** graphile-migrate's afterCurrent hook that tells `tandem dev` when current.sql was applied (a no-op elsewhere). */
export const AFTER_CURRENT_HOOK = {
  _: 'command',
  command: `node -e "process.env.${SCHEMA_SIGNAL} && require('fs').writeFileSync(process.env.${SCHEMA_SIGNAL}, String(Date.now()))"`,
};

/** The scripts tandem adds to package.json, under names unlikely to be taken. */
export const SCRIPTS: Record<string, string> = {
  'tandem:db': 'tandem db',
  'tandem:migrate': 'tandem migrate',
  'tandem:dev': 'tandem dev',
  'tandem:codegen': 'tandem codegen',
  'tandem:ci': 'tandem ci',
};

const TEMPLATES = path.join(packageRoot, 'templates');

async function template(name: string): Promise<string> {
  return readFile(path.join(TEMPLATES, name), 'utf8');
}

/** Writes a template file where none is (or over it with force). */
async function writeTemplate(project: string, file: string, text: string, force: boolean, why: string): Promise<Outcome> {
  const target = path.join(project, file);
  const exists = existsSync(target);
  if (exists && !force) return { file, action: 'kept', note: 'exists (--force writes tandem\'s over it)' };
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, text);
  return { file, action: 'wrote', note: exists ? `over the existing one (--force): ${why}` : why };
}

async function gmrc(project: string, force: boolean): Promise<Outcome> {
  const text = (await template('gmrc')).replace('HOOK', JSON.stringify(AFTER_CURRENT_HOOK));
  const why = 'graphile-migrate settings, connection strings from the environment';
  const other = ['.gmrc.js', '.gmrc.cjs'].find((file) => existsSync(path.join(project, file)));
  if (other) {
    return { file: other, action: 'kept', note: `a JavaScript settings file, not extended: add ${JSON.stringify(AFTER_CURRENT_HOOK)} to its afterCurrent for \`tandem dev\`` };
  }
  const file = path.join(project, '.gmrc');
  if (!existsSync(file) || force) return writeTemplate(project, '.gmrc', text, force, why);
  const existing = await readFile(file, 'utf8');
  if (existing.includes(SCHEMA_SIGNAL)) return { file: '.gmrc', action: 'kept', note: "has tandem's afterCurrent hook" };
  // Extended in place, its comments and layout kept: the hook goes first in afterCurrent.
  const manual = { file: '.gmrc', action: 'kept' as const, note: `not extended: add ${JSON.stringify(AFTER_CURRENT_HOOK)} to its afterCurrent for \`tandem dev\`` };
  let settings: { afterCurrent?: unknown[] };
  try {
    settings = JSON5.parse(existing) as typeof settings;
  } catch (error) {
    return { ...manual, note: `${manual.note} (it does not parse: ${(error as Error).message})` };
  }
  const hook = JSON.stringify(AFTER_CURRENT_HOOK);
  let extended: string | undefined;
  const list = /(["']?)afterCurrent\1\s*:\s*\[/.exec(existing);
  if (list) {
    const at = list.index + list[0].length;
    const empty = /^\s*\]/.test(existing.slice(at));
    extended = `${existing.slice(0, at)}\n    ${hook}${empty ? '\n  ' : ','}${existing.slice(at)}`;
  } else if (settings.afterCurrent === undefined) {
    const open = existing.indexOf('{', existing.search(/^\s*\{/m));
    if (open !== -1) extended = `${existing.slice(0, open + 1)}\n  "afterCurrent": [${hook}],${existing.slice(open + 1)}`;
  }
  // Only if the result reads as the same settings with the hook first in afterCurrent.
  if (extended === undefined) return manual;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  try {
    const parsed = JSON5.parse<Record<string, unknown>>(extended);
    const afterCurrent = [AFTER_CURRENT_HOOK, ...(settings.afterCurrent ?? [])];
    if (!same({ ...parsed, afterCurrent: undefined }, { ...settings, afterCurrent: undefined }) || !same(parsed.afterCurrent, afterCurrent)) return manual;
  } catch {
    return manual;
  }
  await writeFile(file, extended);
  return { file: '.gmrc', action: 'extended', note: 'kept as it was, with the afterCurrent hook that tells `tandem dev` when current.sql was applied' };
}

async function library(project: string): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const available = await sourceVersion();
  const fixtures = await fixturesVersion(project);
  if (fixtures === undefined) {
    await copyLibrary(project);
    outcomes.push({ file: 'migrations/fixtures/tandem/', action: 'wrote', note: `the SQL library ${available}'s source, which migrations include` });
  } else {
    const note = fixtures === available || isPackageSource(project) ? `the library ${fixtures}` : `the library ${fixtures}; \`npx tandem upgrade\` brings it to ${available}`;
    outcomes.push({ file: 'migrations/fixtures/tandem/', action: 'kept', note });
  }
  const release = await committedRelease(project);
  if (release) {
    outcomes.push({ file: `migrations/committed/${release.file}`, action: 'kept', note: `installs the library ${release.version}` });
  } else {
    const { file, version } = await commitLibraryMigration(project, (version) => `tandem library ${version}`);
    outcomes.push({ file: `migrations/committed/${file}`, action: 'wrote', note: `installs the library ${version} (\`npx tandem migrate\` applies it)` });
  }
  return outcomes;
}

async function packageJson(project: string): Promise<Outcome> {
  const file = path.join(project, 'package.json');
  if (!existsSync(file)) {
    const manifest = { name: path.basename(project).toLowerCase().replace(/[^a-z0-9._-]+/g, '-'), private: true, scripts: SCRIPTS };
    await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`);
    return { file: 'package.json', action: 'wrote', note: `with the scripts ${Object.keys(SCRIPTS).join(', ')}` };
  }
  const text = await readFile(file, 'utf8');
  const manifest = JSON.parse(text) as { scripts?: Record<string, string> };
  const scripts = manifest.scripts ?? {};
  const added = Object.keys(SCRIPTS).filter((name) => scripts[name] === undefined);
  const other = Object.keys(SCRIPTS).filter((name) => scripts[name] !== undefined && scripts[name] !== SCRIPTS[name]);
  const taken = other.length > 0 ? `; kept your own ${other.join(', ')}` : '';
  if (added.length === 0) return { file: 'package.json', action: 'kept', note: `has the scripts${taken}` };
  manifest.scripts = { ...scripts, ...Object.fromEntries(added.map((name) => [name, SCRIPTS[name]!])) };
  // Written back in its own indentation and line ending, the keys in their order.
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  const json = JSON.stringify(manifest, null, detectIndent(text).indent || 2).replace(/\n/g, newline);
  await writeFile(file, `${json}${newline}`);
  return { file: 'package.json', action: 'extended', note: `scripts ${added.join(', ')}${taken}` };
}

async function gitignore(project: string): Promise<Outcome> {
  const file = path.join(project, '.gitignore');
  const text = existsSync(file) ? await readFile(file, 'utf8') : undefined;
  if (text !== undefined && /^\/?\.tandem\/?\s*$/m.test(text)) return { file: '.gitignore', action: 'kept', note: 'ignores .tandem/' };
  const lines = "# tandem's embedded PostgreSQL server: data, credentials, log\n.tandem/\n";
  await appendFile(file, text === undefined ? lines : `${text.endsWith('\n') || text === '' ? '' : '\n'}\n${lines}`);
  return { file: '.gitignore', action: text === undefined ? 'wrote' : 'extended', note: 'ignores .tandem/ (the embedded server\'s data)' };
}

async function currentSql(project: string): Promise<Outcome> {
  if (existsSync(path.join(project, 'migrations', 'current'))) return { file: 'migrations/current/', action: 'kept', note: 'your current migration folder' };
  const file = path.join(project, 'migrations', 'current.sql');
  if (existsSync(file)) return { file: 'migrations/current.sql', action: 'kept', note: 'your work in progress' };
  await writeFile(file, await template('current.sql'));
  return { file: 'migrations/current.sql', action: 'wrote', note: 'where your bridges go (comments only: an empty migration)' };
}

/** Sets the project up for tandem; see the comment at the top of this file. */
export async function initProject(project: string, options: InitOptions = {}): Promise<Outcome[]> {
  const force = Boolean(options.force);
  const outcomes: Outcome[] = [];
  outcomes.push(await gmrc(project, force));
  await mkdir(path.join(project, 'migrations'), { recursive: true });
  outcomes.push(...(await library(project)));
  outcomes.push(await currentSql(project));
  outcomes.push(await writeTemplate(project, 'pgtyped.config.json', await template('pgtyped.config.json'), force, 'types the queries in sql/ into generated/'));
  outcomes.push(await writeTemplate(project, 'sql/README.md', await template('sql-README.md'), force, 'where your queries go, and how they are typed'));
  outcomes.push(await packageJson(project));
  outcomes.push(await gitignore(project));
  outcomes.push(await writeTemplate(project, '.github/workflows/tandem.yml', await template('tandem.yml'), force, 'GitHub Actions: `npx tandem ci` on every push'));
  return outcomes;
}
