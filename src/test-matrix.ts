/*
 * The test suite on each supported PostgreSQL major (npm run test:matrix): one vitest run per major,
 * one after another (the machines have two cores, and each run starts its own server), each told its
 * major through TANDEM_PG_VERSION. Each run's output goes to a log file; what comes back is one result
 * per major, read from vitest's JSON report.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_PG_MAJOR } from './db/embedded.js';
import { projectRoot } from './db/provision.js';

/** The PostgreSQL majors tandem supports and tests; the SQL library refuses older ones (TD009). */
export const SUPPORTED_PG_MAJORS: readonly number[] = [15, 16, 17, 18];

/**
 * Test files left out on the majors other than the default: what they test does not depend on the
 * server's version, so the default major's run covers them.
 */
export const VERSION_INDEPENDENT_TESTS: readonly { file: string; why: string }[] = [
  { file: 'test/dev.test.ts', why: 'the dev loop: file watching and graphile-migrate watch' },
  { file: 'test/committed-migrations.test.ts', why: 'the git history of migrations/committed' },
  { file: 'test/provision.test.ts', why: 'provisions servers of the default major itself' },
  { file: 'test/codegen.test.ts', why: 'generated/ is typed against the default major, as CI checks it' },
];

export interface MatrixOptions {
  /** Where each run's log and JSON report go: <dir>/pg<major>.log and .json. */
  logDir: string;
  /** The environment the runs inherit (TANDEM_PG_VERSION is set per run). */
  env?: NodeJS.ProcessEnv;
}

export interface MajorResult {
  major: number;
  /** True when vitest exited 0 and ran at least one test. */
  ok: boolean;
  passed: number;
  failed: number;
  skipped: number;
  ms: number;
  /** The failing tests, as `file > name`. */
  failures: string[];
  /** Why there are no counts (the run ended before vitest reported), with the log's last lines. */
  error?: string;
  logFile: string;
}

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numTotalTests: number;
  testResults: { name: string; message?: string; assertionResults: { fullName: string; status: string }[] }[];
}

/** The majors named on the command line, checked against the supported ones; all of them when none is named. */
export function parseMajors(args: readonly string[]): { majors: number[]; problems: string[] } {
  if (args.length === 0) return { majors: [...SUPPORTED_PG_MAJORS], problems: [] };
  const problems: string[] = [];
  const majors: number[] = [];
  for (const arg of args) {
    const major = /^[0-9]+$/.test(arg) ? Number(arg) : NaN;
    if (!SUPPORTED_PG_MAJORS.includes(major)) problems.push(`${JSON.stringify(arg)} is not a supported PostgreSQL major`);
    else if (!majors.includes(major)) majors.push(major);
  }
  return { majors, problems };
}

/** The vitest arguments for a major: the whole suite on the default one, the rest without the version-independent files. */
export function vitestArgs(major: number, jsonFile: string): string[] {
  const excluded = major === DEFAULT_PG_MAJOR ? [] : VERSION_INDEPENDENT_TESTS.map((test) => `--exclude=${test.file}`);
  return ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${jsonFile}`, ...excluded];
}

/** A run's result from vitest's exit code and JSON report (undefined when it wrote none). */
export function resultOf(major: number, code: number, report: VitestReport | undefined, ms: number, logFile: string): MajorResult {
  if (!report) {
    return { major, ok: false, passed: 0, failed: 0, skipped: 0, ms, failures: [], logFile, error: `vitest exited ${code} without a report` };
  }
  const failures = report.testResults.flatMap((file) => {
    const where = path.relative(projectRoot, file.name);
    const failed = file.assertionResults.filter((test) => test.status === 'failed').map((test) => `${where} > ${test.fullName}`);
    // A file that failed before its tests ran (an import or a hook) has no failed test of its own.
    return failed.length === 0 && file.message ? [`${where}: ${file.message.split('\n')[0]}`] : failed;
  });
  return {
    major,
    ok: code === 0 && report.numTotalTests > 0 && report.numFailedTests === 0,
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
    ms,
    failures,
    logFile,
  };
}

async function lastLines(file: string, count: number): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** Runs the suite on PostgreSQL `major`, its output in <logDir>/pg<major>.log. */
export async function runMajor(major: number, options: MatrixOptions): Promise<MajorResult> {
  await mkdir(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `pg${major}.log`);
  const jsonFile = path.join(options.logDir, `pg${major}.json`);
  await rm(jsonFile, { force: true });
  const env = options.env ?? process.env;
  const started = Date.now();
  const log = createWriteStream(logFile);
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(path.join(projectRoot, 'node_modules', '.bin', 'vitest'), vitestArgs(major, jsonFile), {
      cwd: projectRoot,
      // Its own embedded server unless the caller chose otherwise (a container of that major, say).
      env: { ...env, TANDEM_PG_VERSION: String(major), TANDEM_TEST_DB: env.TANDEM_TEST_DB || 'embedded', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('error', reject);
    child.on('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
  });
  await new Promise<void>((resolve) => log.end(resolve));
  const ms = Date.now() - started;
  const report = await readFile(jsonFile, 'utf8').then((text) => JSON.parse(text) as VitestReport, () => undefined);
  const result = resultOf(major, code, report, ms, logFile);
  if (result.error) result.error += `; the end of ${path.relative(projectRoot, logFile)}:\n${await lastLines(logFile, 15)}`;
  return result;
}

/** One line for a major: `PostgreSQL 15: 251 passed, 0 failed, 1 skipped (3m 05s)`. */
export function resultLine(result: MajorResult): string {
  const seconds = Math.round(result.ms / 1000);
  const time = `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  const counts = result.error ? 'did not finish' : `${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`;
  return `PostgreSQL ${result.major}: ${counts} (${time})${result.ok ? '' : ` – FAILED, see ${path.relative(projectRoot, result.logFile)}`}`;
}
