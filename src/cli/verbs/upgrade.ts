import { chalk } from 'zx';
import { upgradeProject, type UpgradeOptions } from '../../project/upgrade.js';
import type { ProjectContext } from '../context.js';

/** Brings the project's library to this package's release (see project/upgrade.ts), printing the versions. */
export async function upgrade(project: ProjectContext, options: UpgradeOptions): Promise<number> {
  const { from, to, migration } = await upgradeProject(project.dir, options);
  if (!migration) {
    project.out(`tandem library ${to}: the project's migrations already install it. Nothing to do.`);
    return 0;
  }
  project.out(
    `${chalk.green('upgraded')} the tandem library ${from} → ${to}: migrations/fixtures/tandem/ replaced, migrations/committed/${migration} installs it.\n` +
      'Next: `npx tandem migrate` applies it (migrations in flight get their sync code regenerated); commit both.',
  );
  return 0;
}
