import { runPipeline, summarize } from '../../ci.js';
import type { ProjectContext } from '../context.js';

export interface CiOptions {
  /** Run the project's tests (npm test) as the last step. */
  withTests?: boolean;
}

/** The CI pipeline on the project (see src/ci.ts): each step named and timed; 1 names the step that failed. */
export async function ci(project: ProjectContext, options: CiOptions): Promise<number> {
  const results = await runPipeline({ cwd: project.dir, env: project.env, withTests: Boolean(options.withTests), log: project.out });
  const { code, line } = summarize(results);
  project.out(line);
  return code;
}
