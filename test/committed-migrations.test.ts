/*
 * A committed migration is never edited: each file under a migrations/committed/ folder must be
 * byte for byte the version first committed, unless migrations/rewritten-migrations.json allows its
 * present content. The check runs on this repository, and on throwaway clones of it where a
 * migration is edited, deleted or added, to prove it notices.
 */
import { execFile } from 'node:child_process';
import { appendFile, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXCEPTIONS_FILE,
  FIX,
  checkCommittedMigrations,
  describeProblems,
  gitEnvironment,
  historicalVersions,
  readExceptions,
  type Problem,
} from '../src/committed.js';
import { projectRoot } from '../src/db/provision.js';

const run = promisify(execFile);

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: gitEnvironment(), maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The commit that first added the file, as a reader would find it by hand: the oldest `git log --diff-filter=A`. */
async function firstCommit(cwd: string, file: string): Promise<string> {
  return (await git(cwd, 'log', '--diff-filter=A', '--format=%H', '--', file)).trim().split('\n').at(-1)!;
}

/** The committed migrations of HEAD in a checkout, found the way the rule says: by git, not by a list. */
async function committedFiles(cwd: string): Promise<string[]> {
  return (await git(cwd, 'ls-files', '-z', '--', ':(glob)**/migrations/committed/**')).split('\0').filter(Boolean).sort();
}

let scratch: string;
let clones = 0;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'tandem-committed-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A full clone of this repository's HEAD (a local clone: hard links, well under a second). */
async function freshClone(): Promise<string> {
  const dir = path.join(scratch, `clone-${++clones}`);
  await git(scratch, 'clone', '--quiet', projectRoot, dir);
  return dir;
}

describe('committed migrations in this repository', () => {
  it('are byte-identical to their first committed version, or to what migrations/rewritten-migrations.json allows', async () => {
    const problems = await checkCommittedMigrations(projectRoot);
    if (problems.length > 0) expect.fail(describeProblems(problems));
  });

  it('are listed as rewritten only where a rewrite is there to allow', async () => {
    // An entry for a file that is as first committed (or never was) allows nothing; it would hide a later edit's review.
    const problems = await checkCommittedMigrations(projectRoot, { exceptions: [] });
    const rewritten = new Set(problems.map((problem) => problem.path));
    const stale = (await readExceptions(projectRoot)).filter((exception) => !rewritten.has(exception.path));
    expect(stale.map((exception) => exception.path), `entries of ${EXCEPTIONS_FILE} with nothing to allow: remove them`).toEqual([]);
  });
});

describe('the check, on a clone where migrations are edited', () => {
  let clone: string;
  let files: string[];
  let edited: string;
  let deleted: string;
  let added: string;
  beforeAll(async () => {
    clone = await freshClone();
    files = await committedFiles(clone);
    edited = files[0]!;
    deleted = files.at(-1)!;
    added = path.posix.join(path.posix.dirname(edited), '999999-a-new-migration.sql');
  });

  const problemOf = (problems: Problem[], file: string) => problems.find((problem) => problem.path === file);

  it('reports an edited and a deleted migration, and passes a new one', async () => {
    expect(files.length).toBeGreaterThan(1);
    expect(await checkCommittedMigrations(clone, { exceptions: [] })).not.toContainEqual(expect.objectContaining({ path: edited }));

    await appendFile(path.join(clone, edited), '-- an edit\n');
    await rm(path.join(clone, deleted));
    await writeFile(path.join(clone, added), 'select 1;\n');
    const problems = await checkCommittedMigrations(clone, { exceptions: [] });

    const blob = (await git(clone, 'hash-object', edited)).trim();
    expect(problemOf(problems, edited)).toEqual({ path: edited, kind: 'changed', firstCommit: await firstCommit(clone, edited), blob });
    expect(problemOf(problems, deleted)).toEqual({ path: deleted, kind: 'deleted', firstCommit: await firstCommit(clone, deleted), blob: null });
    expect(problemOf(problems, added)).toBeUndefined();

    const message = describeProblems(problems);
    expect(message).toContain(`changed: ${edited} (first committed in ${(await firstCommit(clone, edited)).slice(0, 12)})`);
    expect(message).toContain(`an exception would need "blob": "${blob}"`);
    expect(message).toContain(`deleted: ${deleted} (`);
    expect(message).toContain('an exception would need "blob": null');
    expect(message.endsWith(FIX)).toBe(true);
    expect(FIX).toMatch(/a committed migration is never edited: put the change in a new migration \(migrations\/current\.sql, then npm run gm -- commit\)\.$/);
  });

  it('allows exactly the content an entry of migrations/rewritten-migrations.json lists', async () => {
    const blob = (await git(clone, 'hash-object', edited)).trim();
    await writeFile(
      path.join(clone, EXCEPTIONS_FILE),
      JSON.stringify({
        about: 'test',
        exceptions: [
          { path: edited, blob, reason: 'a test' },
          { path: deleted, blob: null, reason: 'a test' },
        ],
      }),
    );
    const allowed = await checkCommittedMigrations(clone);
    expect(problemOf(allowed, edited)).toBeUndefined();
    expect(problemOf(allowed, deleted)).toBeUndefined();

    // A further edit is not what the entry allows.
    await appendFile(path.join(clone, edited), '-- a second edit\n');
    const again = await checkCommittedMigrations(clone);
    expect(problemOf(again, edited)).toEqual(
      expect.objectContaining({ kind: 'changed', blob: (await git(clone, 'hash-object', edited)).trim() }),
    );
    expect(problemOf(again, deleted)).toBeUndefined();

    // Nor is a file that comes back: null allows only its absence.
    await writeFile(path.join(clone, deleted), 'select 1;\n');
    expect(problemOf(await checkCommittedMigrations(clone), deleted)).toEqual(expect.objectContaining({ kind: 'changed' }));
  });

  it('rejects a malformed list of rewrites, naming every bad entry', async () => {
    await writeFile(
      path.join(clone, EXCEPTIONS_FILE),
      JSON.stringify({ about: 'test', exceptions: [{ path: 'README.md', blob: 'abc', reason: '' }] }),
    );
    const error = await checkCommittedMigrations(clone).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('exceptions[0]: "path" must name a file under a migrations/committed/ folder');
    expect((error as Error).message).toContain('exceptions[0]: "blob" must be a git blob hash');
    expect((error as Error).message).toContain('exceptions[0]: "reason" must say why');
  });
});

describe('the check, where the history is missing', () => {
  it('fails outside a git checkout, saying so', async () => {
    const plain = path.join(scratch, 'not-a-checkout');
    await mkdir(plain, { recursive: true });
    await cp(path.join(projectRoot, 'migrations', 'committed'), path.join(plain, 'migrations', 'committed'), { recursive: true });
    await expect(checkCommittedMigrations(plain)).rejects.toThrow(/is not a git checkout[\s\S]*Fix: run the tests in a full git clone/);
  });

  it('fails in a shallow clone, saying so', async () => {
    const shallow = path.join(scratch, 'shallow');
    await git(scratch, 'clone', '--quiet', '--depth', '1', `file://${projectRoot}`, shallow);
    await expect(checkCommittedMigrations(shallow)).rejects.toThrow(/is a shallow clone[\s\S]*git fetch --unshallow/);
    const [file] = await committedFiles(shallow);
    await expect(historicalVersions(shallow, file!)).rejects.toThrow(/is a shallow clone/);
  });
});

describe('historicalVersions', () => {
  let clone: string;
  beforeAll(async () => {
    clone = await freshClone();
  });

  it('returns every distinct text a committed migration has had, oldest first', async () => {
    const root = (await committedFiles(clone)).filter((file) => file.startsWith('migrations/committed/'));
    const counts: number[] = [];
    for (const file of root) {
      const versions = await historicalVersions(clone, file);
      counts.push(versions.length);
      const first = await firstCommit(clone, file);
      expect(versions[0]).toEqual({ commit: first, text: await git(clone, 'show', `${first}:${file}`) });
      expect(versions.at(-1)!.text).toBe(await git(clone, 'show', `HEAD:${file}`));
      expect(new Set(versions.map((version) => version.text)).size).toBe(versions.length);
      // As many as the distinct blobs the commits that touched it left there.
      const commits = (await git(clone, 'log', '--diff-filter=AMT', '--format=%H', '--', file)).split('\n').filter(Boolean);
      expect(commits).toContain(first);
      const blobs = new Set(await Promise.all(commits.map(async (commit) => (await git(clone, 'rev-parse', `${commit}:${file}`)).trim())));
      expect(versions).toHaveLength(blobs.size);
      for (let i = 1; i < versions.length; i++) {
        await git(clone, 'merge-base', '--is-ancestor', versions[i - 1]!.commit, versions[i]!.commit);
      }
    }
    // The library's migrations were rewritten while unreleased, so at least one has several texts.
    expect(Math.max(...counts)).toBeGreaterThan(1);
  });

  it('takes a path relative to the folder it is given', async () => {
    const [file] = (await committedFiles(clone)).filter((candidate) => candidate.startsWith('migrations/committed/'));
    expect(await historicalVersions(path.join(clone, 'migrations'), path.posix.relative('migrations', file!))).toEqual(
      await historicalVersions(clone, file!),
    );
  });
});
