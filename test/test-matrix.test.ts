/*
 * npm run test:matrix: which majors it runs, which tests it leaves out on which, how it reads a run's
 * result, and its command line. (Running the suite inside the suite would take the suite's time again
 * per major: the matrix itself is exercised by running it, and CI runs it on 15.)
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PG_MAJOR } from '../src/db/embedded.js';
import { projectRoot } from '../src/db/provision.js';
import { parseMajors, resultLine, resultOf, SUPPORTED_PG_MAJORS, VERSION_INDEPENDENT_TESTS, vitestArgs } from '../src/test-matrix.js';

const run = promisify(execFile);

function report(tests: { file: string; name: string; status: 'passed' | 'failed' | 'pending' }[], message?: string) {
  const count = (status: string) => tests.filter((test) => test.status === status).length;
  const files = [...new Set(tests.map((test) => test.file))];
  return {
    numPassedTests: count('passed'),
    numFailedTests: count('failed'),
    numPendingTests: count('pending'),
    numTodoTests: 0,
    numTotalTests: tests.length,
    testResults: files.map((file) => ({
      name: path.join(projectRoot, file),
      ...(message ? { message } : {}),
      assertionResults: tests.filter((test) => test.file === file).map((test) => ({ fullName: test.name, status: test.status })),
    })),
  };
}

describe('the majors', () => {
  it('are 15 to 18, the default among them, unless some are named', () => {
    expect(SUPPORTED_PG_MAJORS).toEqual([15, 16, 17, 18]);
    expect(SUPPORTED_PG_MAJORS).toContain(DEFAULT_PG_MAJOR);
    expect(parseMajors([])).toEqual({ majors: [15, 16, 17, 18], problems: [] });
    expect(parseMajors(['18', '15', '18'])).toEqual({ majors: [18, 15], problems: [] });
  });

  it('refuses a major that is not supported, naming each', () => {
    expect(parseMajors(['14', '15', 'x'])).toEqual({
      majors: [15],
      problems: ['"14" is not a supported PostgreSQL major', '"x" is not a supported PostgreSQL major'],
    });
  });
});

describe('the tests run', () => {
  it('are all of them on the default major, and all but the version-independent files on the others', () => {
    expect(vitestArgs(DEFAULT_PG_MAJOR, 'r.json').filter((arg) => arg.startsWith('--exclude'))).toEqual([]);
    const excluded = vitestArgs(15, 'r.json').filter((arg) => arg.startsWith('--exclude='));
    expect(excluded).toEqual(VERSION_INDEPENDENT_TESTS.map((test) => `--exclude=${test.file}`));
    for (const test of VERSION_INDEPENDENT_TESTS) expect(existsSync(path.join(projectRoot, test.file)), test.file).toBe(true);
    expect(VERSION_INDEPENDENT_TESTS.map((test) => test.file)).not.toContain('test/library-server-version.test.ts');
  });
});

describe("a run's result", () => {
  it('passes only with exit 0, no failed test and at least one test', () => {
    const ok = report([{ file: 'test/a.test.ts', name: 'a', status: 'passed' }, { file: 'test/a.test.ts', name: 'b', status: 'pending' }]);
    expect(resultOf(15, 0, ok, 185_000, 'pg15.log')).toMatchObject({ ok: true, passed: 1, failed: 0, skipped: 1, failures: [] });
    expect(resultOf(15, 1, ok, 1, 'pg15.log').ok).toBe(false);
    expect(resultOf(15, 0, report([]), 1, 'pg15.log').ok).toBe(false);
    expect(resultLine(resultOf(15, 0, ok, 185_000, path.join(projectRoot, 'pg15.log')))).toBe(
      'PostgreSQL 15: 1 passed, 0 failed, 1 skipped (3m 05s)',
    );
  });

  it('names the failing tests, and a file that failed before its tests ran', () => {
    const failing = report([
      { file: 'test/a.test.ts', name: 'cutover works', status: 'failed' },
      { file: 'test/a.test.ts', name: 'rollback works', status: 'passed' },
    ]);
    const result = resultOf(16, 1, failing, 1_000, path.join(projectRoot, '.tandem/matrix/pg16.log'));
    expect(result.failures).toEqual(['test/a.test.ts > cutover works']);
    expect(resultLine(result)).toBe('PostgreSQL 16: 1 passed, 1 failed, 0 skipped (0m 01s) – FAILED, see .tandem/matrix/pg16.log');
    const broken = report([{ file: 'test/b.test.ts', name: 'x', status: 'pending' }], 'Error: cannot connect\n  at …');
    expect(resultOf(16, 1, broken, 1, 'pg16.log').failures).toEqual(['test/b.test.ts: Error: cannot connect']);
  });

  it('without a report did not finish', () => {
    const result = resultOf(17, 1, undefined, 2_000, path.join(projectRoot, 'pg17.log'));
    expect(result).toMatchObject({ ok: false, error: 'vitest exited 1 without a report' });
    expect(resultLine(result)).toMatch(/^PostgreSQL 17: did not finish \(0m 02s\) – FAILED/);
  });
});

describe('npm run test:matrix', () => {
  const script = path.join(projectRoot, 'scripts', 'test-matrix.ts');
  const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');

  it('--help lists the majors, the tests left out and why, and the exit codes', async () => {
    const { stdout } = await run(tsx, [script, '--help'], { cwd: projectRoot });
    expect(stdout).toContain('Usage: npm run test:matrix');
    expect(stdout).toContain('(15, 16, 17, 18)');
    for (const test of VERSION_INDEPENDENT_TESTS) expect(stdout).toContain(test.file);
    expect(stdout).toContain('Exit codes: 0 every version passed, 1 a version failed or did not finish, 2 bad arguments.');
  });

  it('exits 2 on a major it does not support, running nothing', async () => {
    const failure = await run(tsx, [script, '14'], { cwd: projectRoot }).then(
      () => expect.fail('expected exit 2'),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('"14" is not a supported PostgreSQL major.\nFix: name majors among 15, 16, 17, 18');
    expect(failure.stdout).not.toContain('running the tests');
  });
});
