import { graphileMigrate } from '../../migrate.js';
import type { ProjectContext } from '../context.js';
import { UserError } from '../run-main.js';

/** graphile-migrate <args> in the project, with the connection strings set; its exit code is the verb's. */
export async function gm(project: ProjectContext, args: string[]): Promise<number> {
  if (args.length === 0) {
    throw new UserError('name a graphile-migrate command, e.g. `npx tandem gm status` (`npx tandem gm --help` for more).', 2);
  }
  const database = await project.provideDatabase();
  try {
    return (await graphileMigrate(args, { cwd: project.dir, env: { ...project.env, ...database.env } })).code;
  } finally {
    await database.release();
  }
}
