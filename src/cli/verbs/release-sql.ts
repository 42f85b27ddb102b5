import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { releaseSql as buildReleaseSql } from '../../release.js';
import type { ProjectContext } from '../context.js';

export interface ReleaseSqlOptions {
  /** Where to write it (default release/tandem-<version>.sql in the project). */
  out?: string;
  /** Print it instead. */
  stdout?: boolean;
}

/** The SQL library of this package as one file, for a database graphile-migrate does not manage (psql -f). */
export async function releaseSql(project: ProjectContext, options: ReleaseSqlOptions): Promise<number> {
  const { version, sql } = await buildReleaseSql();
  if (options.stdout) {
    process.stdout.write(sql);
    return 0;
  }
  const out = path.resolve(options.out ?? path.join(project.dir, 'release', `tandem-${version}.sql`));
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, sql);
  project.out(`tandem ${version}: ${path.relative(process.cwd(), out) || out}`);
  return 0;
}
