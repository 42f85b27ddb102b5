/** Child processes the tests start and watch: the project's scripts, run as a user runs them. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../src/db/provision.js';

export type Script = ChildProcess & {
  /** Everything printed so far, standard output and error together. */
  output(): string;
};

/**
 * Runs `scripts/<name>` in its own process group (so the group can be signalled like a terminal would),
 * with tsx loaded into the one Node process: the tsx command would put a parent process in between
 * that relays signals and, when the script is busy, answers a Ctrl-C with exit code 130 itself.
 */
export function startScript(name: string, options: { cwd?: string; env: NodeJS.ProcessEnv }): Script {
  const tsx = pathToFileURL(path.join(projectRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', tsx, path.join(projectRoot, 'scripts', name)], {
    cwd: options.cwd ?? projectRoot,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return Object.assign(child, { output: () => output });
}

export async function waitFor(what: string, condition: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * The environment without connection strings or a chosen major (npm run test:matrix sets
 * TANDEM_PG_VERSION), so that scripts choose the default embedded server; `extra` is added after.
 */
export function envWithoutDatabase(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATABASE_URL', 'SHADOW_DATABASE_URL', 'ROOT_DATABASE_URL', 'TANDEM_PG_VERSION']) delete env[name];
  Object.assign(env, extra);
  return env;
}
