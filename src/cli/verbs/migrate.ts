import { chalk } from 'zx';
import { describeStatus, graphileMigrate, migrationStatus } from '../../migrate.js';
import type { ProjectContext } from '../context.js';
import { UserError } from '../run-main.js';

/** Applies the project's committed migrations (graphile-migrate migrate) and prints the status in words. */
export async function migrate(project: ProjectContext): Promise<number> {
  const database = await project.provideDatabase();
  try {
    project.out(`${chalk.bold('PostgreSQL')}: ${database.description}`);
    const env = { ...project.env, ...database.env };
    const { code } = await graphileMigrate(['migrate'], { cwd: project.dir, env });
    if (code !== 0) throw new UserError(`graphile-migrate migrate failed (exit code ${code}); its error is above.`);
    project.out(describeStatus(await migrationStatus({ cwd: project.dir, env })));
    if (database.started) project.out(chalk.dim('The embedded server stops now; `npx tandem db` keeps one running.'));
    return 0;
  } finally {
    await database.release();
  }
}
