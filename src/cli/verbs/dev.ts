import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import chokidar from 'chokidar';
import { chalk } from 'zx';
import { serverMajorVersion } from '../../../generated/tandem.queries.js';
import { codegen, outputDirOf } from '../../codegen.js';
import { withClient } from '../../db/client.js';
import { lintFiles } from '../../lint/lint.js';
import { report } from '../../lint/report.js';
import { graphileMigrate, graphileMigrateCommand } from '../../migrate.js';
import { GMRC_FILES } from '../../paths.js';
import type { ProjectContext } from '../context.js';
import { formatError, UserError } from '../run-main.js';

/** What graphile-migrate's afterCurrent hook runs to tell the loop that current.sql was applied (see templates/gmrc). */
export const SCHEMA_SIGNAL = 'TANDEM_SCHEMA_SIGNAL';

/**
 * The local loop: the database up, the committed migrations applied, `graphile-migrate watch` applying
 * current.sql on every save, tandem lint of current.sql on every save, and the project's queries
 * retyped when one changes or current.sql has been applied. Runs until Ctrl-C.
 */
export async function dev(project: ProjectContext): Promise<number> {
  const say = (what: string, message: string) => project.out(`${chalk.cyan(`[${what}]`)} ${message}`);
  const dir = project.dir;
  const database = await project.provideDatabase();
  const env = { ...project.env, ...database.env };
  say('db', database.description);
  const { code } = await graphileMigrate(['migrate'], { cwd: dir, env });
  if (code !== 0) {
    await database.release();
    throw new UserError(`graphile-migrate migrate failed (exit code ${code}); its error is above.`);
  }

  // graphile-migrate's afterCurrent hook (.gmrc) touches this file after each apply of current.sql:
  // that is when the schema the queries are typed against changed.
  const signal = path.join(dir, '.tandem', `schema-applied.${process.pid}`);
  await mkdir(path.dirname(signal), { recursive: true });
  await writeFile(signal, '');
  const settings = GMRC_FILES.map((file) => path.join(dir, file)).find((file) => existsSync(file));
  const settingsText = settings ? await readFile(settings, 'utf8') : '';
  if (!settingsText.includes(SCHEMA_SIGNAL) && !settingsText.includes('after-current')) {
    say('dev', `${chalk.yellow('note')}: ${settings ? path.basename(settings) : '.gmrc'} has no afterCurrent hook that tells this loop when current.sql was applied, so queries are retyped only when one changes (\`npx tandem init\` adds the hook).`);
  }

  // One pgtyped run at a time; changes during a run ask for exactly one more. None without a pgtyped config.
  const typed = (await outputDirOf(dir)) !== undefined;
  let running: Promise<void> | undefined;
  let again = false;
  const regenerate = (why: string) => {
    if (!typed) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      const started = Date.now();
      try {
        const { removed } = await codegen({ cwd: dir, databaseUrl: database.databaseUrl });
        for (const file of removed) say('codegen', `removed ${file} (its query file is gone)`);
        say('codegen', `${chalk.green('types regenerated')} (${why}, ${Date.now() - started} ms)`);
      } catch (error) {
        say('codegen', `${chalk.red('failed')}: ${formatError(error)}`);
      }
    })().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        regenerate('changed while regenerating');
      }
    });
  };

  const [command, args] = graphileMigrateCommand(dir, ['watch']);
  const watch = spawn(command, args, { cwd: dir, env: { ...env, [SCHEMA_SIGNAL]: signal }, stdio: ['ignore', 'inherit', 'inherit'] });
  // tandem lint on every save of current.sql (or of a fixture it includes), beside the apply.
  const pgVersion = await withClient(database.databaseUrl, async (client) => (await serverMajorVersion.run(undefined, client))[0]!.major);
  const lintCurrent = async () => {
    try {
      const findings = await lintFiles([path.join('migrations', 'current.sql')], { cwd: dir, pgVersion });
      say('lint', findings.length === 0 ? chalk.green('current.sql: no findings') : `\n${report(findings, 'human')}`);
    } catch (error) {
      say('lint', `${chalk.red('failed')}: ${formatError(error)}`);
    }
  };
  const current = [path.join(dir, 'migrations', 'current.sql'), path.join(dir, 'migrations', 'fixtures')];
  const lintWatcher = chokidar.watch(current, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 50 } });
  lintWatcher.on('all', () => void lintCurrent());
  await lintCurrent();

  const watcher = chokidar.watch([path.join(dir, 'sql'), signal], { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 50 } });
  watcher.on('all', (_event, file) => {
    regenerate(file === signal ? 'current.sql applied' : `${path.relative(dir, file)} changed`);
  });
  say('dev', `watching migrations/current.sql and sql/; ${chalk.dim('Ctrl-C stops everything.')}`);

  // Listeners stay for the whole shutdown: a terminal's Ctrl-C can reach this process twice (from the
  // terminal and relayed by a wrapper such as tsx), and a second signal without a listener would kill it mid-shutdown.
  const reason = await new Promise<string>((resolve) => {
    process.on('SIGINT', () => resolve('stopped'));
    process.on('SIGTERM', () => resolve('stopped'));
    watch.once('exit', (exitCode) => resolve(`graphile-migrate watch exited (code ${exitCode})`));
  });
  await watcher.close();
  await lintWatcher.close();
  if (watch.exitCode === null) {
    watch.kill('SIGINT');
    await new Promise((resolve) => watch.once('exit', resolve));
  }
  await running;
  await rm(signal, { force: true });
  await database.release();
  if (reason !== 'stopped') throw new UserError(reason);
  say('dev', 'stopped.');
  return 0;
}
