/*
 * What a project's own scripts can import from the package: the pieces the command line is made of,
 * each usable without it (a database, graphile-migrate, the codegen wrapper, the lint, the CI
 * pipeline), and the SQL library's calls as typed pgtyped queries.
 */
export { provideDatabase, type DatabaseEnv, type ProvidedDatabase, type ProvideOptions } from './db/provision.js';
export { applyAll, describeStatus, graphileMigrate, migrationStatus, type GraphileMigrateOptions, type MigrationStatus } from './migrate.js';
export { codegen, codegenCheck, type CodegenOptions, type DriftReport } from './codegen.js';
export { lintFiles, type Finding, type LintOptions } from './lint/lint.js';
export { report as lintReport, type Format as LintFormat } from './lint/report.js';
export { runPipeline, summarize, type PipelineOptions, type StepResult } from './ci.js';
export { releaseSql, sourceVersion as libraryVersion } from './release.js';
export { findProjectRoot, packageInfo } from './paths.js';
export { main } from './cli/tandem.js';
/** The SQL library's calls (backfill_batch, verify_migration, cutover, …) as typed queries for node-postgres. */
export * as queries from '../generated/tandem.queries.js';
