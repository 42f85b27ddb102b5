/** Types generated for queries found in "sql/tandem.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

export type check_status = 'fail' | 'pass';

export type phase = 'backfilled' | 'contracted' | 'cut_over' | 'expanded' | 'planned' | 'verified';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type NumberOrString = number | string;

export type stringArray = (string)[];

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


/** 'MigrationStatus' parameters type */
export interface MigrationStatusParams {
  migration?: string | null | void;
}

/** 'MigrationStatus' return type */
export interface MigrationStatusResult {
  backfillDone: number | null;
  backfillRowsPerSecond: number | null;
  backfillTotal: number | null;
  bridge: string | null;
  generatedVersion: string | null;
  lastVerificationPassed: boolean | null;
  lastVerifiedAt: Date | null;
  legacy: string | null;
  legacyRows: number | null;
  migration: string;
  modern: string | null;
  modernRows: number | null;
  nextStep: string;
  phase: phase;
}

/** 'MigrationStatus' query type */
export interface MigrationStatusQuery {
  params: MigrationStatusParams;
  result: MigrationStatusResult;
}

const migrationStatusIR: any = {"usedParamSet":{"migration":true},"params":[{"name":"migration","required":false,"transform":{"type":"scalar"},"locs":[{"a":529,"b":538}]}],"statement":"select\n  s.migration as \"migration!\",\n  s.phase as \"phase!\",\n  s.bridge,\n  s.legacy,\n  s.modern,\n  s.legacy_rows::float8 as \"legacyRows\",\n  s.modern_rows::float8 as \"modernRows\",\n  s.backfill_done::float8 as \"backfillDone\",\n  s.backfill_total::float8 as \"backfillTotal\",\n  s.backfill_rows_per_second::float8 as \"backfillRowsPerSecond\",\n  s.last_verified_at as \"lastVerifiedAt\",\n  s.last_verification_passed as \"lastVerificationPassed\",\n  s.next_step as \"nextStep!\",\n  s.generated_version as \"generatedVersion\"\nfrom tandem.status(:migration::text) as s"};

/**
 * Query generated from SQL:
 * ```
 * select
 *   s.migration as "migration!",
 *   s.phase as "phase!",
 *   s.bridge,
 *   s.legacy,
 *   s.modern,
 *   s.legacy_rows::float8 as "legacyRows",
 *   s.modern_rows::float8 as "modernRows",
 *   s.backfill_done::float8 as "backfillDone",
 *   s.backfill_total::float8 as "backfillTotal",
 *   s.backfill_rows_per_second::float8 as "backfillRowsPerSecond",
 *   s.last_verified_at as "lastVerifiedAt",
 *   s.last_verification_passed as "lastVerificationPassed",
 *   s.next_step as "nextStep!",
 *   s.generated_version as "generatedVersion"
 * from tandem.status(:migration::text) as s
 * ```
 */
export const migrationStatus = new PreparedQuery<MigrationStatusParams,MigrationStatusResult>(migrationStatusIR);


/** 'MigrationPhase' parameters type */
export interface MigrationPhaseParams {
  migration: string;
}

/** 'MigrationPhase' return type */
export interface MigrationPhaseResult {
  phase: phase;
}

/** 'MigrationPhase' query type */
export interface MigrationPhaseQuery {
  params: MigrationPhaseParams;
  result: MigrationPhaseResult;
}

const migrationPhaseIR: any = {"usedParamSet":{"migration":true},"params":[{"name":"migration","required":true,"transform":{"type":"scalar"},"locs":[{"a":60,"b":70}]}],"statement":"select phase as \"phase!\" from tandem.migration where name = :migration!"};

/**
 * Query generated from SQL:
 * ```
 * select phase as "phase!" from tandem.migration where name = :migration!
 * ```
 */
export const migrationPhase = new PreparedQuery<MigrationPhaseParams,MigrationPhaseResult>(migrationPhaseIR);


/** 'LifecycleStep' parameters type */
export interface LifecycleStepParams {
  migration: string;
  verb: string;
}

/** 'LifecycleStep' return type */
export interface LifecycleStepResult {
  nextPhase: phase | null;
  outcome: string;
  phase: phase;
}

/** 'LifecycleStep' query type */
export interface LifecycleStepQuery {
  params: LifecycleStepParams;
  result: LifecycleStepResult;
}

const lifecycleStepIR: any = {"usedParamSet":{"verb":true,"migration":true},"params":[{"name":"verb","required":true,"transform":{"type":"scalar"},"locs":[{"a":165,"b":170}]},{"name":"migration","required":true,"transform":{"type":"scalar"},"locs":[{"a":187,"b":197}]}],"statement":"select m.phase as \"phase!\", l.outcome as \"outcome!\", l.next_phase as \"nextPhase\"\nfrom tandem.migration m\njoin tandem.lifecycle() l on l.phase = m.phase and l.verb = :verb!\nwhere m.name = :migration!"};

/**
 * Query generated from SQL:
 * ```
 * select m.phase as "phase!", l.outcome as "outcome!", l.next_phase as "nextPhase"
 * from tandem.migration m
 * join tandem.lifecycle() l on l.phase = m.phase and l.verb = :verb!
 * where m.name = :migration!
 * ```
 */
export const lifecycleStep = new PreparedQuery<LifecycleStepParams,LifecycleStepResult>(lifecycleStepIR);


/** 'BackfillBatch' parameters type */
export interface BackfillBatchParams {
  batchSize: number;
  migration: string;
}

/** 'BackfillBatch' return type */
export interface BackfillBatchResult {
  bridge: string;
  finished: boolean;
  rowsDone: number;
  rowsRejected: number;
  totalEstimate: number;
}

/** 'BackfillBatch' query type */
export interface BackfillBatchQuery {
  params: BackfillBatchParams;
  result: BackfillBatchResult;
}

const backfillBatchIR: any = {"usedParamSet":{"migration":true,"batchSize":true},"params":[{"name":"migration","required":true,"transform":{"type":"scalar"},"locs":[{"a":209,"b":219}]},{"name":"batchSize","required":true,"transform":{"type":"scalar"},"locs":[{"a":222,"b":232}]}],"statement":"select\n  bridge as \"bridge!\",\n  rows_done::float8 as \"rowsDone!\",\n  rows_rejected::float8 as \"rowsRejected!\",\n  total_estimate::float8 as \"totalEstimate!\",\n  finished as \"finished!\"\nfrom tandem.backfill_batch(:migration!, :batchSize!::int)"};

/**
 * Query generated from SQL:
 * ```
 * select
 *   bridge as "bridge!",
 *   rows_done::float8 as "rowsDone!",
 *   rows_rejected::float8 as "rowsRejected!",
 *   total_estimate::float8 as "totalEstimate!",
 *   finished as "finished!"
 * from tandem.backfill_batch(:migration!, :batchSize!::int)
 * ```
 */
export const backfillBatch = new PreparedQuery<BackfillBatchParams,BackfillBatchResult>(backfillBatchIR);


/** 'BackfillDryRun' parameters type */
export interface BackfillDryRunParams {
  batchSize: number;
  migration: string;
}

/** 'BackfillDryRun' return type */
export interface BackfillDryRunResult {
  bridge: string;
  rowsRejected: number;
  rowsScanned: number;
  rowsToWrite: number;
}

/** 'BackfillDryRun' query type */
export interface BackfillDryRunQuery {
  params: BackfillDryRunParams;
  result: BackfillDryRunResult;
}

const backfillDryRunIR: any = {"usedParamSet":{"migration":true,"batchSize":true},"params":[{"name":"migration","required":true,"transform":{"type":"scalar"},"locs":[{"a":187,"b":197}]},{"name":"batchSize","required":true,"transform":{"type":"scalar"},"locs":[{"a":200,"b":210}]}],"statement":"select\n  bridge as \"bridge!\",\n  rows_scanned::float8 as \"rowsScanned!\",\n  rows_to_write::float8 as \"rowsToWrite!\",\n  rows_rejected::float8 as \"rowsRejected!\"\nfrom tandem.backfill_dry_run(:migration!, :batchSize!::int)"};

/**
 * Query generated from SQL:
 * ```
 * select
 *   bridge as "bridge!",
 *   rows_scanned::float8 as "rowsScanned!",
 *   rows_to_write::float8 as "rowsToWrite!",
 *   rows_rejected::float8 as "rowsRejected!"
 * from tandem.backfill_dry_run(:migration!, :batchSize!::int)
 * ```
 */
export const backfillDryRun = new PreparedQuery<BackfillDryRunParams,BackfillDryRunResult>(backfillDryRunIR);


/** 'VerifyMigration' parameters type */
export interface VerifyMigrationParams {
  migration: string;
}

/** 'VerifyMigration' return type */
export interface VerifyMigrationResult {
  actual: number;
  bridge: string | null;
  checkName: string;
  durationMs: number;
  expected: number;
  mismatches: number;
  sampleKeys: stringArray;
  status: check_status;
}

/** 'VerifyMigration' query type */
export interface VerifyMigrationQuery {
  params: VerifyMigrationParams;
  result: VerifyMigrationResult;
}

const verifyMigrationIR: any = {"usedParamSet":{"migration":true},"params":[{"name":"migration","required":true,"transform":{"type":"scalar"},"locs":[{"a":317,"b":327}]}],"statement":"select\n  bridge,\n  check_name as \"checkName!\",\n  status as \"status!\",\n  expected::float8 as \"expected!\",\n  actual::float8 as \"actual!\",\n  mismatches::float8 as \"mismatches!\",\n  coalesce(sample_keys, '{}') as \"sampleKeys!\",\n  (extract(epoch from duration) * 1000)::float8 as \"durationMs!\"\nfrom tandem.verify_migration(:migration!)"};

/**
 * Query generated from SQL:
 * ```
 * select
 *   bridge,
 *   check_name as "checkName!",
 *   status as "status!",
 *   expected::float8 as "expected!",
 *   actual::float8 as "actual!",
 *   mismatches::float8 as "mismatches!",
 *   coalesce(sample_keys, '{}') as "sampleKeys!",
 *   (extract(epoch from duration) * 1000)::float8 as "durationMs!"
 * from tandem.verify_migration(:migration!)
 * ```
 */
export const verifyMigration = new PreparedQuery<VerifyMigrationParams,VerifyMigrationResult>(verifyMigrationIR);


/** 'Cutover' parameters type */
export interface CutoverParams {
  migration: string;
}

/** 'Cutover' return type */
export interface CutoverResult {
  result: string;
}

/** 'Cutover' query type */
export interface CutoverQuery {
  params: CutoverParams;
  result: CutoverResult;
}

const cutoverIR: any = {"usedParamSet":{"migration":true},"params":[{"name":"migration","required":true,"transform":{"type":"scalar"},"locs":[{"a":22,"b":32}]}],"statement":"select tandem.cutover(:migration!) as \"result!\""};

/**
 * Query generated from SQL:
 * ```
 * select tandem.cutover(:migration!) as "result!"
 * ```
 */
export const cutover = new PreparedQuery<CutoverParams,CutoverResult>(cutoverIR);


/** 'Rollback' parameters type */
export interface RollbackParams {
  migration: string;
}

/** 'Rollback' return type */
export interface RollbackResult {
  result: string;
}

/** 'Rollback' query type */
export interface RollbackQuery {
  params: RollbackParams;
  result: RollbackResult;
}

const rollbackIR: any = {"usedParamSet":{"migration":true},"params":[{"name":"migration","required":true,"transform":{"type":"scalar"},"locs":[{"a":23,"b":33}]}],"statement":"select tandem.rollback(:migration!) as \"result!\""};

/**
 * Query generated from SQL:
 * ```
 * select tandem.rollback(:migration!) as "result!"
 * ```
 */
export const rollback = new PreparedQuery<RollbackParams,RollbackResult>(rollbackIR);


/** 'ValidateForeignKeys' parameters type */
export interface ValidateForeignKeysParams {
  migration: string;
}

/** 'ValidateForeignKeys' return type */
export interface ValidateForeignKeysResult {
  result: string;
}

/** 'ValidateForeignKeys' query type */
export interface ValidateForeignKeysQuery {
  params: ValidateForeignKeysParams;
  result: ValidateForeignKeysResult;
}

const validateForeignKeysIR: any = {"usedParamSet":{"migration":true},"params":[{"name":"migration","required":true,"transform":{"type":"scalar"},"locs":[{"a":36,"b":46}]}],"statement":"select tandem.validate_foreign_keys(:migration!) as \"result!\""};

/**
 * Query generated from SQL:
 * ```
 * select tandem.validate_foreign_keys(:migration!) as "result!"
 * ```
 */
export const validateForeignKeys = new PreparedQuery<ValidateForeignKeysParams,ValidateForeignKeysResult>(validateForeignKeysIR);


/** 'Contract' parameters type */
export interface ContractParams {
  keepRestoreCopy: boolean;
  migration: string;
}

/** 'Contract' return type */
export interface ContractResult {
  result: string;
}

/** 'Contract' query type */
export interface ContractQuery {
  params: ContractParams;
  result: ContractResult;
}

const contractIR: any = {"usedParamSet":{"migration":true,"keepRestoreCopy":true},"params":[{"name":"migration","required":true,"transform":{"type":"scalar"},"locs":[{"a":23,"b":33}]},{"name":"keepRestoreCopy","required":true,"transform":{"type":"scalar"},"locs":[{"a":36,"b":52}]}],"statement":"select tandem.contract(:migration!, :keepRestoreCopy!::boolean) as \"result!\""};

/**
 * Query generated from SQL:
 * ```
 * select tandem.contract(:migration!, :keepRestoreCopy!::boolean) as "result!"
 * ```
 */
export const contract = new PreparedQuery<ContractParams,ContractResult>(contractIR);


/** 'Rejects' parameters type */
export interface RejectsParams {
  limit: NumberOrString;
  migration: string;
}

/** 'Rejects' return type */
export interface RejectsResult {
  at: Date;
  bridge: string;
  direction: string;
  error: string;
  id: string;
  key: Json;
  sqlstate: string;
}

/** 'Rejects' query type */
export interface RejectsQuery {
  params: RejectsParams;
  result: RejectsResult;
}

const rejectsIR: any = {"usedParamSet":{"migration":true,"limit":true},"params":[{"name":"migration","required":true,"transform":{"type":"scalar"},"locs":[{"a":249,"b":259}]},{"name":"limit","required":true,"transform":{"type":"scalar"},"locs":[{"a":307,"b":313}]}],"statement":"select\n  r.id as \"id!\",\n  b.name as \"bridge!\",\n  r.direction as \"direction!\",\n  r.key as \"key!\",\n  r.sqlstate as \"sqlstate!\",\n  r.error as \"error!\",\n  r.at as \"at!\"\nfrom tandem.reject r\njoin tandem.bridge b on b.id = r.bridge_id\nwhere b.migration = :migration! and r.resolved_at is null\norder by r.id\nlimit :limit!"};

/**
 * Query generated from SQL:
 * ```
 * select
 *   r.id as "id!",
 *   b.name as "bridge!",
 *   r.direction as "direction!",
 *   r.key as "key!",
 *   r.sqlstate as "sqlstate!",
 *   r.error as "error!",
 *   r.at as "at!"
 * from tandem.reject r
 * join tandem.bridge b on b.id = r.bridge_id
 * where b.migration = :migration! and r.resolved_at is null
 * order by r.id
 * limit :limit!
 * ```
 */
export const rejects = new PreparedQuery<RejectsParams,RejectsResult>(rejectsIR);


/** 'Expand' parameters type */
export interface ExpandParams {
  migration: string;
}

/** 'Expand' return type */
export interface ExpandResult {
  result: string;
}

/** 'Expand' query type */
export interface ExpandQuery {
  params: ExpandParams;
  result: ExpandResult;
}

const expandIR: any = {"usedParamSet":{"migration":true},"params":[{"name":"migration","required":true,"transform":{"type":"scalar"},"locs":[{"a":21,"b":31}]}],"statement":"select tandem.expand(:migration!) as \"result!\""};

/**
 * Query generated from SQL:
 * ```
 * select tandem.expand(:migration!) as "result!"
 * ```
 */
export const expand = new PreparedQuery<ExpandParams,ExpandResult>(expandIR);


/** 'BridgedColumns' parameters type */
export type BridgedColumnsParams = void;

/** 'BridgedColumns' return type */
export interface BridgedColumnsResult {
  bridge: string;
  columns: stringArray;
  migration: string;
  phase: phase;
  schema: string;
  table: string;
}

/** 'BridgedColumns' query type */
export interface BridgedColumnsQuery {
  params: BridgedColumnsParams;
  result: BridgedColumnsResult;
}

const bridgedColumnsIR: any = {"usedParamSet":{},"params":[],"statement":"select b.migration as \"migration!\", m.phase as \"phase!\", b.name as \"bridge!\", c.relname as \"table!\", n.nspname as \"schema!\",\n       array(select k from jsonb_object_keys(b.backward) as k union select unnest(b.legacy_key)) as \"columns!\"\nfrom tandem.bridge b join tandem.migration m on m.name = b.migration\njoin pg_class c on c.oid = b.legacy join pg_namespace n on n.oid = c.relnamespace\nunion all\nselect b.migration, m.phase, b.name, c.relname, n.nspname,\n       array(select k from jsonb_object_keys(b.forward) as k union select jsonb_object_keys(b.key))\nfrom tandem.bridge b join tandem.migration m on m.name = b.migration\njoin pg_class c on c.oid = b.modern join pg_namespace n on n.oid = c.relnamespace"};

/**
 * Query generated from SQL:
 * ```
 * select b.migration as "migration!", m.phase as "phase!", b.name as "bridge!", c.relname as "table!", n.nspname as "schema!",
 *        array(select k from jsonb_object_keys(b.backward) as k union select unnest(b.legacy_key)) as "columns!"
 * from tandem.bridge b join tandem.migration m on m.name = b.migration
 * join pg_class c on c.oid = b.legacy join pg_namespace n on n.oid = c.relnamespace
 * union all
 * select b.migration, m.phase, b.name, c.relname, n.nspname,
 *        array(select k from jsonb_object_keys(b.forward) as k union select jsonb_object_keys(b.key))
 * from tandem.bridge b join tandem.migration m on m.name = b.migration
 * join pg_class c on c.oid = b.modern join pg_namespace n on n.oid = c.relnamespace
 * ```
 */
export const bridgedColumns = new PreparedQuery<BridgedColumnsParams,BridgedColumnsResult>(bridgedColumnsIR);


/** 'TriggerWrittenLegacyTables' parameters type */
export type TriggerWrittenLegacyTablesParams = void;

/** 'TriggerWrittenLegacyTables' return type */
export interface TriggerWrittenLegacyTablesResult {
  bridge: string;
  migration: string;
  table: string;
}

/** 'TriggerWrittenLegacyTables' query type */
export interface TriggerWrittenLegacyTablesQuery {
  params: TriggerWrittenLegacyTablesParams;
  result: TriggerWrittenLegacyTablesResult;
}

const triggerWrittenLegacyTablesIR: any = {"usedParamSet":{},"params":[],"statement":"select b.migration as \"migration!\", b.name as \"bridge!\", c.relname as \"table!\"\nfrom tandem.bridge b join tandem.migration m on m.name = b.migration\njoin pg_class c on c.oid = b.legacy\nwhere m.phase <> 'contracted' and not exists (select from tandem.cutover x where x.bridge_id = b.id)\n  and tandem._shape_text('plan', b) = 'rename' and not tandem._plain_rename(b)\nunion all\nselect coalesce(b.migration, ''), coalesce(b.name, ''), v.relname\nfrom pg_trigger t join pg_class v on v.oid = t.tgrelid\nleft join tandem.cutover x on to_regclass(x.legacy_name) = v.oid\nleft join tandem.bridge b on b.id = x.bridge_id\nwhere t.tgname = 'tandem_compat' and v.relkind = 'v'"};

/**
 * Query generated from SQL:
 * ```
 * select b.migration as "migration!", b.name as "bridge!", c.relname as "table!"
 * from tandem.bridge b join tandem.migration m on m.name = b.migration
 * join pg_class c on c.oid = b.legacy
 * where m.phase <> 'contracted' and not exists (select from tandem.cutover x where x.bridge_id = b.id)
 *   and tandem._shape_text('plan', b) = 'rename' and not tandem._plain_rename(b)
 * union all
 * select coalesce(b.migration, ''), coalesce(b.name, ''), v.relname
 * from pg_trigger t join pg_class v on v.oid = t.tgrelid
 * left join tandem.cutover x on to_regclass(x.legacy_name) = v.oid
 * left join tandem.bridge b on b.id = x.bridge_id
 * where t.tgname = 'tandem_compat' and v.relkind = 'v'
 * ```
 */
export const triggerWrittenLegacyTables = new PreparedQuery<TriggerWrittenLegacyTablesParams,TriggerWrittenLegacyTablesResult>(triggerWrittenLegacyTablesIR);


/** 'Contractable' parameters type */
export type ContractableParams = void;

/** 'Contractable' return type */
export interface ContractableResult {
  migration: string;
  verifiedAfterCutover: boolean;
}

/** 'Contractable' query type */
export interface ContractableQuery {
  params: ContractableParams;
  result: ContractableResult;
}

const contractableIR: any = {"usedParamSet":{},"params":[],"statement":"select m.name as \"migration!\", tandem.verified_since_cutover(m.name) as \"verifiedAfterCutover!\"\nfrom tandem.migration m"};

/**
 * Query generated from SQL:
 * ```
 * select m.name as "migration!", tandem.verified_since_cutover(m.name) as "verifiedAfterCutover!"
 * from tandem.migration m
 * ```
 */
export const contractable = new PreparedQuery<ContractableParams,ContractableResult>(contractableIR);


/** 'LibraryInstalled' parameters type */
export type LibraryInstalledParams = void;

/** 'LibraryInstalled' return type */
export interface LibraryInstalledResult {
  installed: boolean;
}

/** 'LibraryInstalled' query type */
export interface LibraryInstalledQuery {
  params: LibraryInstalledParams;
  result: LibraryInstalledResult;
}

const libraryInstalledIR: any = {"usedParamSet":{},"params":[],"statement":"select to_regclass('tandem.bridge') is not null as \"installed!\""};

/**
 * Query generated from SQL:
 * ```
 * select to_regclass('tandem.bridge') is not null as "installed!"
 * ```
 */
export const libraryInstalled = new PreparedQuery<LibraryInstalledParams,LibraryInstalledResult>(libraryInstalledIR);


/** 'LibraryVersionDefined' parameters type */
export type LibraryVersionDefinedParams = void;

/** 'LibraryVersionDefined' return type */
export interface LibraryVersionDefinedResult {
  defined: boolean;
}

/** 'LibraryVersionDefined' query type */
export interface LibraryVersionDefinedQuery {
  params: LibraryVersionDefinedParams;
  result: LibraryVersionDefinedResult;
}

const libraryVersionDefinedIR: any = {"usedParamSet":{},"params":[],"statement":"select to_regprocedure('tandem.version()') is not null as \"defined!\""};

/**
 * Query generated from SQL:
 * ```
 * select to_regprocedure('tandem.version()') is not null as "defined!"
 * ```
 */
export const libraryVersionDefined = new PreparedQuery<LibraryVersionDefinedParams,LibraryVersionDefinedResult>(libraryVersionDefinedIR);


/** 'ServerMajorVersion' parameters type */
export type ServerMajorVersionParams = void;

/** 'ServerMajorVersion' return type */
export interface ServerMajorVersionResult {
  major: number;
}

/** 'ServerMajorVersion' query type */
export interface ServerMajorVersionQuery {
  params: ServerMajorVersionParams;
  result: ServerMajorVersionResult;
}

const serverMajorVersionIR: any = {"usedParamSet":{},"params":[],"statement":"select current_setting('server_version_num')::int / 10000 as \"major!\""};

/**
 * Query generated from SQL:
 * ```
 * select current_setting('server_version_num')::int / 10000 as "major!"
 * ```
 */
export const serverMajorVersion = new PreparedQuery<ServerMajorVersionParams,ServerMajorVersionResult>(serverMajorVersionIR);


/** 'MigrationPlan' parameters type */
export interface MigrationPlanParams {
  migration: string;
}

/** 'MigrationPlan' return type */
export interface MigrationPlanResult {
  bestEffort: boolean;
  bridge: string;
  contract: string;
  cutover: string;
  kind: string;
  object: string;
  reason: string;
  rollback: string;
}

/** 'MigrationPlan' query type */
export interface MigrationPlanQuery {
  params: MigrationPlanParams;
  result: MigrationPlanResult;
}

const migrationPlanIR: any = {"usedParamSet":{"migration":true},"params":[{"name":"migration","required":true,"transform":{"type":"scalar"},"locs":[{"a":238,"b":248}]}],"statement":"select\n  p.bridge as \"bridge!\",\n  p.kind as \"kind!\",\n  p.object as \"object!\",\n  p.cutover as \"cutover!\",\n  p.rollback as \"rollback!\",\n  p.contract as \"contract!\",\n  p.reason as \"reason!\",\n  p.best_effort as \"bestEffort!\"\nfrom tandem.plan(:migration!) as p"};

/**
 * Query generated from SQL:
 * ```
 * select
 *   p.bridge as "bridge!",
 *   p.kind as "kind!",
 *   p.object as "object!",
 *   p.cutover as "cutover!",
 *   p.rollback as "rollback!",
 *   p.contract as "contract!",
 *   p.reason as "reason!",
 *   p.best_effort as "bestEffort!"
 * from tandem.plan(:migration!) as p
 * ```
 */
export const migrationPlan = new PreparedQuery<MigrationPlanParams,MigrationPlanResult>(migrationPlanIR);


