import { chalk } from 'zx';
import { initProject, type InitOptions } from '../../project/init.js';
import type { ProjectContext } from '../context.js';

/** Sets the project up for tandem (see project/init.ts) and lists what it wrote, extended and kept. */
export async function init(project: ProjectContext, options: InitOptions): Promise<number> {
  const outcomes = await initProject(project.dir, options);
  const width = Math.max(...outcomes.map((outcome) => outcome.file.length));
  const mark = { wrote: chalk.green('wrote   '), extended: chalk.green('extended'), kept: chalk.dim('kept    ') };
  project.out(`tandem init in ${project.dir}:`);
  for (const outcome of outcomes) project.out(`  ${mark[outcome.action]} ${outcome.file.padEnd(width)}  ${chalk.dim(outcome.note)}`);
  const changed = outcomes.filter((outcome) => outcome.action !== 'kept').length;
  project.out(
    changed === 0
      ? 'Nothing to do: the project is set up.'
      : `${changed} written or extended, ${outcomes.length - changed} kept. Next: \`npx tandem migrate\` installs the library; your bridges go in migrations/current.sql (\`npx tandem dev\`).`,
  );
  return 0;
}
