import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import chokidar from 'chokidar';
import { chalk } from 'zx';
import { formatError, runMain, UserError } from '../src/cli/run-main.js';
import { codegen } from '../src/codegen.js';
import { provideDatabase } from '../src/db/provision.js';
import { serverMajorVersion } from '../generated/tandem.queries.js';
import { withClient } from '../src/db/client.js';
import { lintFiles } from '../src/lint/lint.js';
import { report } from '../src/lint/report.js';
import { graphileMigrate, graphileMigrateCommand } from '../src/migrate.js';

const say = (what: string, message: string) => console.log(`${chalk.cyan(`[${what}]`)} ${message}`);

const HELP = `
Usage: npm run dev

The local loop: the database up (embedded unless DATABASE_URL is set), committed migrations applied,
\`graphile-migrate watch\` applying migrations/current.sql on every save, and generated/ regenerated
whenever a file in sql/ changes or current.sql has been applied. Ctrl-C stops all of it.

Exit codes: 0 stopped by Ctrl-C, 1 could not start or graphile-migrate watch stopped.
`;

await runMain(HELP, async () => {
  // npm runs scripts in the project's folder; tests run the loop on a copy of the project.
  const project = process.cwd();
  const db = await provideDatabase({ purpose: 'dev' });
  say('db', db.description);
  const { code } = await graphileMigrate(['migrate'], { cwd: project, env: db.env });
  if (code !== 0) {
    await db.release();
    throw new UserError(`graphile-migrate migrate failed (exit code ${code}); its error is above.`);
  }

  // graphile-migrate's afterCurrent hook (.gmrc → scripts/after-current.mjs) touches this file
  // after each apply of current.sql: that is when the schema the queries are typed against changed.
  const signal = path.join(project, '.tandem', `schema-applied.${process.pid}`);
  await mkdir(path.dirname(signal), { recursive: true });
  await writeFile(signal, '');

  // One pgtyped run at a time; changes during a run ask for exactly one more.
  let running: Promise<void> | undefined;
  let again = false;
  const regenerate = (why: string) => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      const started = Date.now();
      try {
        const { removed } = await codegen({ cwd: project, databaseUrl: db.databaseUrl });
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

  const [command, args] = graphileMigrateCommand(project, ['watch']);
  const watch = spawn(command, args, {
    cwd: project,
    env: { ...process.env, ...db.env, TANDEM_SCHEMA_SIGNAL: signal },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // tandem lint on every save of current.sql (or of a fixture it includes), beside the apply.
  const pgVersion = await withClient(db.databaseUrl, async (client) => (await serverMajorVersion.run(undefined, client))[0]!.major);
  const lintCurrent = async () => {
    try {
      const findings = await lintFiles([path.join('migrations', 'current.sql')], { cwd: project, pgVersion });
      say('lint', findings.length === 0 ? chalk.green('current.sql: no findings') : `\n${report(findings, 'human')}`);
    } catch (error) {
      say('lint', `${chalk.red('failed')}: ${formatError(error)}`);
    }
  };
  const current = [path.join(project, 'migrations', 'current.sql'), path.join(project, 'migrations', 'fixtures')];
  const lintWatcher = chokidar.watch(current, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 50 } });
  lintWatcher.on('all', () => void lintCurrent());
  await lintCurrent();

  const watcher = chokidar.watch([path.join(project, 'sql'), signal], {
    ignoreInitial: true,
    awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 50 },
  });
  watcher.on('all', (_event, file) => {
    regenerate(file === signal ? 'current.sql applied' : `${path.relative(project, file)} changed`);
  });
  say('dev', `watching migrations/current.sql and sql/; ${chalk.dim('Ctrl-C stops everything.')}`);

  // Listeners stay for the whole shutdown: a terminal's Ctrl-C reaches this process both from the
  // terminal and relayed by tsx, and a second signal without a listener would kill it mid-shutdown.
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
  await db.release();
  if (reason !== 'stopped') throw new UserError(reason);
  say('dev', 'stopped.');
});
