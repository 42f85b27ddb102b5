import { chalk } from 'zx';
import { codegen as runCodegen, codegenCheck, outputDirOf } from '../../codegen.js';
import { applyAll } from '../../migrate.js';
import type { ProjectContext } from '../context.js';
import { UserError } from '../run-main.js';

export interface CodegenCommandOptions {
  /** Fail when a generated file changed. */
  check?: boolean;
}

/**
 * Types the project's queries (pgtyped.config.json: sql/ into generated/ as `tandem init` writes it)
 * against the database brought up to date with the committed migrations and current.sql.
 */
export async function codegen(project: ProjectContext, options: CodegenCommandOptions): Promise<number> {
  const generated = (await outputDirOf(project.dir)) ?? 'generated';
  const database = await project.provideDatabase();
  try {
    await applyAll({ cwd: project.dir, env: { ...project.env, ...database.env } });
    if (options.check) {
      const { changes } = await codegenCheck({ cwd: project.dir, databaseUrl: database.databaseUrl });
      if (changes.length > 0) {
        throw new UserError(
          `${generated}/ is out of date with the queries and the schema:\n${changes.map((line) => `  ${line}`).join('\n')}\n` +
            `Fix: run \`npx tandem codegen\` and commit ${generated}/ (the files above are now regenerated).`,
        );
      }
      project.out(`${chalk.green('ok')}: ${generated}/ matches the queries and the schema.`);
    } else {
      const { removed } = await runCodegen({ cwd: project.dir, databaseUrl: database.databaseUrl });
      for (const file of removed) project.out(`removed ${file} (its query file is gone)`);
      project.out(`${chalk.green('ok')}: ${generated}/ regenerated.`);
    }
    return 0;
  } finally {
    await database.release();
  }
}
