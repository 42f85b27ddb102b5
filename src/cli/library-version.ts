/*
 * The command line and the database must agree on the library's version before a verb runs: the
 * verbs' queries are typed against this source's library, and a library of another release may
 * lack a column they read or a function they call, or behave differently under the same name. An
 * older database is upgraded by applying the migration that installs this release; a newer one
 * needs a newer command line, since this one cannot know what the newer release changed.
 */
import type pg from 'pg';
import { libraryVersion, libraryVersionDefined } from '../../generated/tandem.queries.js';
import { compareVersions, sourceVersion } from '../release.js';
import { UserError } from './run-main.js';

/** Exit code when the database's library is missing or older than the command line: apply the migrations. */
export const LIBRARY_OLDER = 3;
/** Exit code when the database's library is newer than the command line: upgrade the command line. */
export const LIBRARY_NEWER = 4;

let source: Promise<string> | undefined;

/** The command line's own library version (read once: it parses install.sql). */
export function commandLineVersion(): Promise<string> {
  source ??= sourceVersion();
  return source;
}

/** The database a client is connected to, for messages: name, host, port and user, never the password. */
export function whereConnected(client: pg.Client): string {
  return `database "${client.database}" on ${client.host}:${client.port}${client.user ? ` as ${client.user}` : ''}`;
}

function installFix(version: string): string {
  return (
    `apply the committed migrations, which install it: \`npx tandem migrate\` (in a project whose migrations are older, \`npx tandem upgrade\` first adds the migration that installs ${version}); ` +
    `or, for a database graphile-migrate does not manage, \`npx tandem release-sql\` then \`psql -v ON_ERROR_STOP=1 -f release/tandem-${version}.sql\``
  );
}

/**
 * Refuses, with a UserError that names both versions and the fix, unless the database has the
 * library at exactly this command line's version. Run before a verb does anything.
 */
export async function checkLibraryVersion(client: pg.Client): Promise<void> {
  const expected = await commandLineVersion();
  const [defined] = await libraryVersionDefined.run(undefined, client);
  if (!defined?.defined) {
    throw new UserError(
      `the tandem library is not installed in the ${whereConnected(client)} (no function tandem.version()).\n` +
        `Fix: install tandem ${expected}: ${installFix(expected)}.`,
      LIBRARY_OLDER,
    );
  }
  const installed = (await libraryVersion.run(undefined, client))[0]!.version;
  const order = compareVersions(installed, expected);
  if (order < 0) {
    throw new UserError(
      `the database has the tandem library ${installed}; this command line is ${expected} (${whereConnected(client)}). Nothing was changed.\n` +
        `Fix: upgrade the database's library to ${expected}: ${installFix(expected)}. ` +
        'Installing it regenerates the sync code of the migrations in flight; then run the command again.',
      LIBRARY_OLDER,
    );
  }
  if (order > 0) {
    throw new UserError(
      `the database has the tandem library ${installed}, newer than this command line (${expected}), in the ${whereConnected(client)}: refused, ` +
        `since this command line cannot know what ${installed} changed. Nothing was changed.\n` +
        `Fix: upgrade the command line to ${installed}: update the package (or pull the repository) to the release that installed it, then \`npm install\`.`,
      LIBRARY_NEWER,
    );
  }
}
