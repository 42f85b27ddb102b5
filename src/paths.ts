/*
 * Where things are. Two folders matter and they are not the same once tandem is installed:
 *
 * - the package: tandem itself (its SQL library, templates, examples), wherever npm put it: this
 *   repository in a checkout, node_modules/<name> in a user's project;
 * - the project: the user's folder, holding .gmrc, migrations/, sql/ and .tandem/. It is the nearest
 *   folder from the working directory up that holds a graphile-migrate settings file, or else the
 *   working directory itself (where `tandem init` creates one).
 *
 * The tools tandem drives (graphile-migrate, pgtyped) are found by Node's own module resolution, from
 * the package first (the versions tandem is tested with) and then from the project, never by a fixed
 * path to a node_modules/.bin folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The first folder from `start` up that holds a package.json. */
function packageFolder(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

/**
 * tandem's own folder: the repository in a checkout (this file is src/paths.ts), the installed package
 * otherwise (this file is dist/src/paths.js). Either way the nearest package.json above is tandem's.
 */
export const packageRoot = packageFolder(path.dirname(fileURLToPath(import.meta.url)));

interface PackageJson {
  name: string;
  version: string;
  bin?: string | Record<string, string>;
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** tandem's package name and version, from its package.json. */
export const packageInfo: { name: string; version: string } = (() => {
  const { name, version } = readPackageJson(packageRoot);
  return { name, version };
})();

/** graphile-migrate's settings files, in the order it reads them. */
export const GMRC_FILES = ['.gmrc', '.gmrc.js', '.gmrc.cjs'];

/** The user's project: the nearest folder from `cwd` up with a graphile-migrate settings file, else `cwd`. */
export function findProjectRoot(cwd: string = process.cwd()): string {
  const start = path.resolve(cwd);
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (GMRC_FILES.some((file) => existsSync(path.join(dir, file)))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

export class MissingToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingToolError';
  }
}

/**
 * The JavaScript file of a package's command (`bin`), found as Node would find the package from tandem
 * and then from the project: the folders `require.resolve.paths` lists, in order. The package's own
 * `exports` are not consulted (pgtyped's hide package.json), only where it is installed.
 */
export function resolveBin(packageName: string, binName: string, project: string = findProjectRoot()): string {
  const searched: string[] = [];
  for (const from of [path.join(packageRoot, 'package.json'), path.join(project, 'package.json')]) {
    for (const modules of createRequire(from).resolve.paths(packageName) ?? []) {
      const dir = path.join(modules, packageName);
      searched.push(dir);
      if (!existsSync(path.join(dir, 'package.json'))) continue;
      const { bin } = readPackageJson(dir);
      const file = typeof bin === 'string' ? bin : bin?.[binName];
      if (file) return path.join(dir, file);
    }
  }
  throw new MissingToolError(
    `cannot find ${packageName} (the command ${binName}), which tandem runs; looked in:\n${[...new Set(searched)].slice(0, 6).map((dir) => `  ${dir}`).join('\n')}\n` +
      `Fix: reinstall tandem's dependencies (\`npm install\` in ${project}).`,
  );
}
