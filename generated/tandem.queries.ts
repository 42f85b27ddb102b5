/** Types generated for queries found in "sql/tandem.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type NumberOrString = number | string;

/** 'LibraryVersion' parameters type */
export type LibraryVersionParams = void;

/** 'LibraryVersion' return type */
export interface LibraryVersionResult {
  version: string;
}

/** 'LibraryVersion' query type */
export interface LibraryVersionQuery {
  params: LibraryVersionParams;
  result: LibraryVersionResult;
}

const libraryVersionIR: any = {"usedParamSet":{},"params":[],"statement":"select tandem.version() as \"version!\""};

/**
 * Query generated from SQL:
 * ```
 * select tandem.version() as "version!"
 * ```
 */
export const libraryVersion = new PreparedQuery<LibraryVersionParams,LibraryVersionResult>(libraryVersionIR);


/** 'EventLog' parameters type */
export interface EventLogParams {
  limit: NumberOrString;
  migration?: string | null | void;
}

/** 'EventLog' return type */
export interface EventLogResult {
  actor: string;
  at: Date;
  /** Event-specific figures (rows copied, checks failed, versions, …). */
  detail: Json;
  durationMs: number | null;
  /** What happened: install, expand, backfill_batch, verify, cutover, rollback, contract, … */
  event: string;
  id: string;
  /** The migration acted on; null for library-wide events such as install. */
  migration: string | null;
}

/** 'EventLog' query type */
export interface EventLogQuery {
  params: EventLogParams;
  result: EventLogResult;
}

const eventLogIR: any = {"usedParamSet":{"migration":true,"limit":true},"params":[{"name":"migration","required":false,"transform":{"type":"scalar"},"locs":[{"a":207,"b":216},{"a":247,"b":256}]},{"name":"limit","required":true,"transform":{"type":"scalar"},"locs":[{"a":287,"b":293}]}],"statement":"select\n  id as \"id!\",\n  at as \"at!\",\n  migration,\n  event as \"event!\",\n  (extract(epoch from duration) * 1000)::float8 as \"durationMs\",\n  detail as \"detail!\",\n  actor as \"actor!\"\nfrom tandem.event_log\nwhere :migration::text is null or migration = :migration::text\norder by id desc\nlimit :limit!"};

/**
 * Query generated from SQL:
 * ```
 * select
 *   id as "id!",
 *   at as "at!",
 *   migration,
 *   event as "event!",
 *   (extract(epoch from duration) * 1000)::float8 as "durationMs",
 *   detail as "detail!",
 *   actor as "actor!"
 * from tandem.event_log
 * where :migration::text is null or migration = :migration::text
 * order by id desc
 * limit :limit!
 * ```
 */
export const eventLog = new PreparedQuery<EventLogParams,EventLogResult>(eventLogIR);


