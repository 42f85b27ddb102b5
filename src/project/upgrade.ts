/*
 * tandem upgrade: brings the project's SQL library to this package's release, the way a release is
 * made here: the new source in migrations/fixtures/tandem/ and one new committed migration that
 * installs it (over the earlier release, regenerating the sync code of migrations in flight when
 * `npx tandem migrate` applies it). Committed migrations are never edited.
 */
import { LIBRARY_NEWER } from '../cli/library-version.js';
import { UserError } from '../cli/run-main.js';
import { compareVersions, sourceVersion } from '../release.js';
import { commitLibraryMigration, committedRelease, compiledLibrary, copyLibrary, fixturesVersion, isPackageSource } from './library.js';
import path from 'node:path';

export interface UpgradeOptions {
  /** Replace migrations/fixtures/tandem even when it was edited since its release was committed. */
  force?: boolean;
}

export interface UpgradeResult {
  /** The release the project's migrations installed. */
  from: string;
  /** This package's release. */
  to: string;
  /** The committed migration written, when there was something to upgrade. */
  migration?: string;
}

export async function upgradeProject(project: string, options: UpgradeOptions = {}): Promise<UpgradeResult> {
  if (isPackageSource(project)) {
    throw new UserError(
      "this is tandem's own repository: its migrations/fixtures/tandem is the library's source, not a copy to upgrade.\n" +
        'Fix: make a release by committing current.sql (see README, "Releases and upgrades").',
    );
  }
  const to = await sourceVersion();
  const release = await committedRelease(project);
  if (!release) {
    throw new UserError(`no committed migration in ${path.join(project, 'migrations', 'committed')} installs the tandem library.\nFix: \`npx tandem init\` adds the library and the migration that installs it.`);
  }
  const from = release.version;
  const order = compareVersions(from, to);
  if (order > 0) {
    throw new UserError(
      `the project's migrations install the tandem library ${from} (${release.file}), newer than this package's ${to}. Nothing was changed.\n` +
        `Fix: update the package to the release that has ${from} (\`npm install --save-dev pg-tandem@latest\`), then run the command again.`,
      LIBRARY_NEWER,
    );
  }
  if (order === 0) return { from, to };
  // The fixtures must be what the last release installed: a local edit would be lost without a word.
  if ((await fixturesVersion(project)) !== undefined && !options.force) {
    const fixtures = await compiledLibrary(path.join(project, 'migrations'));
    if (fixtures.trim() !== release.body.trim()) {
      throw new UserError(
        `migrations/fixtures/tandem differs from the library ${from} that ${release.file} installed: it was edited since. Nothing was changed.\n` +
          'Fix: put the edit in a migration of your own (restore the fixtures with git), or pass --force to replace them with this package\'s library.',
      );
    }
  }
  await copyLibrary(project);
  const { file } = await commitLibraryMigration(project, (version) => `tandem library ${version} (upgrade from ${from})`);
  return { from, to, migration: file };
}
