/** Connection-string helpers shared by every way of getting a database. */

export interface UrlParts {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export function databaseUrl(parts: UrlParts): string {
  const url = new URL('postgres://localhost');
  url.hostname = parts.host;
  url.port = String(parts.port);
  url.username = parts.user;
  url.password = parts.password;
  url.pathname = `/${encodeURIComponent(parts.database)}`;
  return url.toString();
}

/** The same server and credentials, another database. */
export function withDatabase(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** The database a connection string names. */
export function databaseName(connectionString: string): string {
  return decodeURIComponent(new URL(connectionString).pathname.replace(/^\//, ''));
}

/** A connection string with its password hidden, for printing. */
export function redact(connectionString: string): string {
  const url = new URL(connectionString);
  if (url.password) url.password = '***';
  return url.toString();
}
