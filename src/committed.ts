/*
 * A committed migration is never edited. graphile-migrate runs each committed migration once per
 * database, so a database that applied the first text of a file keeps it: an edit reaches only
 * databases created after it, and the two kinds silently disagree. This compares every file under a
 * migrations/committed/ folder with the text it had in the commit that first added it, from git
 * history; the few files rewritten before the rule existed are listed, with the content they may
 * have now, in migrations/rewritten-migrations.json.
 */
import { execFile } from 'node:child_process';
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from './cli/run-main.js';

/** Where the allowed rewrites are listed, relative to the repository's top folder. */
export const EXCEPTIONS_FILE = 'migrations/rewritten-migrations.json';

/** The fix that ends every report of an edited migration. */
export const FIX =
  'Fix: a committed migration is never edited: put the change in a new migration (migrations/current.sql, then npm run gm -- commit).';

/** Any migrations/committed/ folder: the project's own and each example project's. */
const COMMITTED_PATHSPEC = ':(glob)**/migrations/committed/**';
const COMMITTED = /(^|\/)migrations\/committed\//;
const BLOB = /^[0-9a-f]{40}$/;

export interface Problem {
  /** The file, relative to the repository's top folder, with forward slashes. */
  path: string;
  /** 'changed': its bytes differ from its first committed version; 'deleted': it was committed and is gone from disk. */
  kind: 'changed' | 'deleted';
  /** The commit that first added the file at this path. */
  firstCommit: string;
  /** The git blob hash of the file as it is now (as `git hash-object` prints it), null when it is gone: what an exception must list. */
  blob: string | null;
}

export interface RewriteException {
  /** The file, relative to the repository's top folder. */
  path: string;
  /** The git blob hash of the content allowed now, or null when the file is allowed to be gone. */
  blob: string | null;
  /** Why rewriting this file did no harm, in plain words. */
  reason: string;
}

export interface CheckOptions {
  /** The allowed rewrites (default: those listed in migrations/rewritten-migrations.json). */
  exceptions?: RewriteException[];
}

export interface HistoricalVersion {
  /** The oldest commit in which the file had this text. */
  commit: string;
  text: string;
}

/*
 * Variables that point git at another repository or index. A test run from a git hook inherits
 * them, and they would make every command below read the hook's repository instead of `root`.
 */
const REDIRECTING_GIT_VARIABLES = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_COMMON_DIR',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_PREFIX',
];

/** The environment git runs in: this process's, less what would point git at another repository. */
export function gitEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of REDIRECTING_GIT_VARIABLES) delete env[name];
  return env;
}

class GitError extends Error {
  constructor(
    message: string,
    /** What git printed on standard error. */
    readonly stderr: string,
    /** Set when git itself could not be started (ENOENT: not installed). */
    readonly spawnCode?: string,
  ) {
    super(message);
  }
}

/** Runs git in `cwd` and resolves with its standard output; --no-optional-locks so reading never rewrites the index others use. */
function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['--no-optional-locks', ...args],
      { cwd, env: gitEnvironment(), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const spawnCode = typeof error.code === 'string' ? error.code : undefined;
        reject(new GitError(`git ${args.join(' ')}: ${stderr.trim() || error.message}`, stderr.trim(), spawnCode));
      },
    );
  });
}

const cannotCheck = (why: string, fix: string) =>
  new UserError(
    `Cannot check that committed migrations are unedited: ${why}\n` +
      'The check compares each file under migrations/committed/ with the version of it first committed, so it needs the full git history.\n' +
      `Fix: ${fix}`,
  );

/**
 * The repository's top folder, once it is certain that the whole history is there. Fails (never
 * skips) when it is not: a check that passes for want of history would pass an edited migration.
 */
async function requireHistory(root: string): Promise<string> {
  // Checked first: a missing folder fails to spawn git with the same ENOENT as a missing git.
  if (!(await exists(root))) throw cannotCheck(`${root} does not exist.`, 'pass the repository\'s top folder.');
  let top: string;
  try {
    top = (await git(root, ['rev-parse', '--show-toplevel'])).trim();
  } catch (error) {
    if (error instanceof GitError && error.spawnCode === 'ENOENT') {
      throw cannotCheck('git is not installed (or not on PATH).', 'install git, and run the tests in a git clone of the repository.');
    }
    const detail = error instanceof GitError ? error.stderr : String(error);
    throw cannotCheck(`${root} is not a git checkout (git says: ${detail}).`, 'run the tests in a full git clone of the repository.');
  }
  if ((await git(top, ['rev-parse', '--is-shallow-repository'])).trim() === 'true') {
    throw cannotCheck(
      `${top} is a shallow clone (git clone --depth): the commits that first added the migrations may be missing.`,
      'fetch the whole history with `git fetch --unshallow` (in GitHub Actions: actions/checkout with `fetch-depth: 0`).',
    );
  }
  try {
    await git(top, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  } catch {
    throw cannotCheck(`${top} has no commits yet.`, 'commit the migrations first.');
  }
  return top;
}

interface RawChange {
  commit: string;
  /** A, M, D, T… as `git log --raw` prints it. */
  status: string;
  /** The blob after the change (all zeros for a deletion). */
  blob: string;
  path: string;
}

/**
 * Every change to the given paths in the history of HEAD, oldest first. --no-renames, so a renamed
 * file shows as a deletion and an addition; merges are diffed against their first parent, so a
 * file that appears only in a merge is still seen.
 */
async function changes(top: string, pathspecs: string[], filter?: string): Promise<RawChange[]> {
  const output = await git(top, [
    'log',
    '--no-renames',
    '--diff-merges=first-parent',
    '--reverse',
    '--raw',
    '--no-abbrev',
    '-z',
    '--format=commit %H',
    ...(filter ? [`--diff-filter=${filter}`] : []),
    'HEAD',
    '--',
    ...pathspecs,
  ]);
  // With -z, the format line, each raw line and each path end with NUL (the first raw line of a commit starts with a newline).
  const fields = output.split('\0');
  const result: RawChange[] = [];
  let commit = '';
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!.replace(/^\n+/, '');
    if (field.startsWith('commit ')) {
      commit = field.slice('commit '.length);
    } else if (field.startsWith(':')) {
      // :<old mode> <new mode> <old blob> <new blob> <status>
      const [, , , blob, status] = field.slice(1).split(' ');
      result.push({ commit, status: status ?? '', blob: blob ?? '', path: fields[++i] ?? '' });
    }
  }
  return result;
}

/** `git hash-object` of each file: the blob git would store for it, after the repository's filters (line endings). */
async function hashObjects(top: string, paths: string[]): Promise<Map<string, string>> {
  if (paths.length === 0) return new Map();
  const hashes = (await git(top, ['hash-object', '--', ...paths])).trim().split('\n');
  return new Map(paths.map((file, i) => [file, hashes[i]!]));
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** The allowed rewrites; an absent file allows none. Every malformed entry is reported at once. */
export async function readExceptions(top: string): Promise<RewriteException[]> {
  const file = path.join(top, EXCEPTIONS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${EXCEPTIONS_FILE}: not valid JSON (${(error as Error).message}).\nFix: correct the file.`);
  }
  const entries = (parsed as { exceptions?: unknown } | null)?.exceptions;
  if (!Array.isArray(entries)) {
    throw new UserError(`${EXCEPTIONS_FILE}: expected { "about": "…", "exceptions": [ … ] }.\nFix: correct the file.`);
  }
  const errors: string[] = [];
  const exceptions: RewriteException[] = [];
  entries.forEach((entry: unknown, i) => {
    const { path: file, blob, reason } = (entry ?? {}) as Record<string, unknown>;
    const where = `${EXCEPTIONS_FILE}: exceptions[${i}]`;
    if (typeof file !== 'string' || !COMMITTED.test(file)) errors.push(`${where}: "path" must name a file under a migrations/committed/ folder.`);
    if (!(blob === null || (typeof blob === 'string' && BLOB.test(blob)))) {
      errors.push(`${where}: "blob" must be a git blob hash (40 lowercase hex digits, as \`git hash-object <file>\` prints) or null.`);
    }
    if (typeof reason !== 'string' || reason.trim() === '') errors.push(`${where}: "reason" must say why the rewrite did no harm.`);
    if (typeof file === 'string' && (blob === null || typeof blob === 'string') && typeof reason === 'string') {
      exceptions.push({ path: file, blob, reason });
    }
  });
  if (errors.length > 0) throw new UserError(`${errors.join('\n')}\nFix: correct the entries named above.`);
  return exceptions;
}

/**
 * Every file under a migrations/committed/ folder that differs from the version first committed at
 * its path, and every file once committed there that is gone, less the rewrites
 * migrations/rewritten-migrations.json allows. A file never committed passes: it is new. Throws
 * when the check cannot be made (no git, not a checkout, a shallow clone, no commits).
 */
export async function checkCommittedMigrations(root: string, options: CheckOptions = {}): Promise<Problem[]> {
  const top = await requireHistory(root);
  const [added, exceptions] = await Promise.all([changes(top, [COMMITTED_PATHSPEC], 'A'), options.exceptions ?? readExceptions(top)]);
  const first = new Map<string, RawChange>();
  for (const change of added) {
    if (COMMITTED.test(change.path) && !first.has(change.path)) first.set(change.path, change);
  }
  // A file history has never held passes (it is new), so the files to check are the ones history
  // names; whether each is still there is read from the disk, where a deletion not yet committed shows.
  const candidates = [...first.keys()].sort();
  const present = (await Promise.all(candidates.map(async (file) => ((await exists(path.join(top, file))) ? file : undefined)))).filter(
    (file): file is string => file !== undefined,
  );
  const hashes = await hashObjects(top, present);
  const allowed = new Set(exceptions.map((exception) => `${exception.path}\0${exception.blob}`));
  const problems: Problem[] = [];
  for (const file of candidates) {
    const original = first.get(file)!;
    const blob = hashes.get(file) ?? null;
    if (blob === original.blob) continue;
    if (allowed.has(`${file}\0${blob}`)) continue;
    problems.push({ path: file, kind: blob === null ? 'deleted' : 'changed', firstCommit: original.commit, blob });
  }
  return problems;
}

/** The problems in words: each file, what happened to it, the exception it would need, and the fix. */
export function describeProblems(problems: Problem[]): string {
  if (problems.length === 0) return 'Every committed migration is as it was first committed.';
  const lines = [
    `${problems.length} committed migration${problems.length === 1 ? ' was' : 's were'} edited or deleted after being committed ` +
      '(a database that applied the first text keeps it; only new databases would see the edit):',
  ];
  for (const problem of problems) {
    lines.push(`  ${problem.kind}: ${problem.path} (first committed in ${problem.firstCommit.slice(0, 12)})`);
    lines.push(`    an exception would need "blob": ${problem.blob === null ? 'null' : `"${problem.blob}"`}`);
  }
  lines.push(
    `Only a file never applied to a kept database may be rewritten; such a rewrite is listed, with the blob above and the reason, in ${EXCEPTIONS_FILE}.`,
    FIX,
  );
  return lines.join('\n');
}

/**
 * Every distinct text the file at `file` (relative to `root`, or absolute) has had in the history of
 * HEAD, oldest first, each with the oldest commit that had it. A text the file returns to is not
 * repeated. The history is of this path only: a file renamed to it starts its history at the rename.
 */
export async function historicalVersions(root: string, file: string): Promise<HistoricalVersion[]> {
  const top = await requireHistory(root);
  // Relative to the top folder by git's own prefix, so a symbolic link in `root` cannot skew it.
  const prefix = (await git(root, ['rev-parse', '--show-prefix'])).trim();
  const relative = path.posix.join(prefix, path.relative(root, path.resolve(root, file)).split(path.sep).join('/'));
  const seen = new Map<string, string>();
  for (const change of await changes(top, [`:(literal)${relative}`])) {
    if (change.status === 'D' || seen.has(change.blob)) continue;
    seen.set(change.blob, change.commit);
  }
  return Promise.all(
    [...seen].map(async ([blob, commit]) => ({ commit, text: await git(top, ['cat-file', 'blob', blob]) })),
  );
}
