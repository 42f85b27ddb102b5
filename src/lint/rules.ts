/*
 * The rules. Each has an id, a severity, a one-line reason and the safe alternative; a rule looks at
 * one statement with what the migration did before it.
 */
import type { Statement } from './parse.js';

export type Severity = 'error' | 'warning';

export interface Rule {
  id: string;
  severity: Severity;
  /** Why it matters, in one line. */
  reason: string;
  /** What to do instead. */
  fix: string;
}

/** What the migration has done before the statement being checked. */
export interface Context {
  /** Runs in a transaction (graphile-migrate's default), i.e. not `--! no-transaction`. */
  inTransaction: boolean;
  /** Target PostgreSQL major version. */
  pgVersion: number;
  /** Tables created earlier in this migration: locking them harms no one. */
  created: Set<string>;
  /** Whether lock_timeout was set earlier in this migration. */
  lockTimeout: boolean;
  /** Constraints added NOT VALID earlier in this migration. */
  notValid: Set<string>;
  /** Whether this migration has already run DDL on an existing table. */
  ddl: boolean;
  /** Whether the migration has more than one statement. */
  statements: number;
  /** What earlier files of the same run did: migrations build on each other. */
  run: RunContext;
}

/** What the database knows about tandem migrations (when linting against one). */
export interface TandemKnowledge {
  /** Bridged tables (by name) and the columns their bridges map, with the migration and its phase. */
  bridged: { migration: string; phase: string; bridge: string; table: string; columns: Set<string> }[];
  /**
   * Legacy tables whose compatibility view is, or at cutover will be, written through INSTEAD OF
   * triggers, where INSERT … ON CONFLICT fails (migration and bridge empty once contracted).
   */
  triggerWritten: { migration: string; bridge: string; table: string }[];
  /** Whether each migration has a passing verification since cutover. */
  verifiedAfterCutover: Map<string, boolean>;
}

export interface RunContext {
  /** CHECK (col IS NOT NULL) constraints added NOT VALID: name → table.column. */
  notNullChecks: Map<string, string>;
  /** table.column pairs with a validated CHECK (col IS NOT NULL), which SET NOT NULL uses from PostgreSQL 12. */
  validatedNotNull: Set<string>;
  tandem?: TandemKnowledge;
}

/** The bridges (not contracted) that use `table` (and `column`, when given). */
function bridgesUsing(context: Context, table: string, column?: string) {
  return (context.run.tandem?.bridged ?? []).filter(
    (b) => b.phase !== 'contracted' && b.table === table && (column === undefined || b.columns.has(column)),
  );
}

/** `select tandem.contract('name')` (or with migration => 'name'): the migration named. */
function contractedMigration(node: Node): string | undefined {
  for (const target of (node.targetList as Node[] | undefined) ?? []) {
    const call = ((target.ResTarget as Node | undefined)?.val as Node | undefined)?.FuncCall as Node | undefined;
    const names = ((call?.funcname as { String: { sval: string } }[] | undefined) ?? []).map((n) => n.String.sval);
    if (names.join('.') !== 'tandem.contract') continue;
    const first = ((call!.args as Node[] | undefined) ?? [])[0];
    const value = ((first?.NamedArgExpr as Node | undefined)?.arg as Node | undefined) ?? first;
    return ((value?.A_Const as Node | undefined)?.sval as { sval: string } | undefined)?.sval;
  }
  return undefined;
}

/** The column a `CHECK (col IS NOT NULL)` is about, if that is what the check says. */
function notNullColumn(constraint: Node): string | undefined {
  const test = (constraint.raw_expr as Node | undefined)?.NullTest as Node | undefined;
  if (!test || test.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const fields = ((test.arg as Node | undefined)?.ColumnRef as Node | undefined)?.fields as { String?: { sval: string } }[] | undefined;
  return fields?.at(-1)?.String?.sval;
}

export interface Hit {
  rule: Rule;
  /** What exactly, naming the object. */
  message: string;
}

const rule = (id: string, severity: Severity, reason: string, fix: string): Rule => ({ id, severity, reason, fix });

export const RULES = {
  lockTimeout: rule('lock-timeout', 'error', 'it takes a lock on an existing table with no lock_timeout: behind a long transaction it blocks every query on the table', 'start the migration with `set local lock_timeout = \'2s\';` and retry on failure'),
  indexConcurrently: rule('index-concurrently', 'error', 'without CONCURRENTLY, building or dropping an index blocks writes to the table for the whole build', 'use CREATE/DROP INDEX CONCURRENTLY (or REINDEX … CONCURRENTLY) in a `--! no-transaction` migration of its own'),
  concurrentlyInTransaction: rule('concurrently-in-transaction', 'error', 'CONCURRENTLY cannot run inside a transaction, and graphile-migrate runs each migration in one', 'put the statement alone in a migration whose first line is `--! no-transaction`'),
  noTransactionSingle: rule('no-transaction-single-statement', 'error', 'a `--! no-transaction` migration that fails half way leaves the statements before it applied', 'keep exactly one statement in a `--! no-transaction` migration'),
  uniqueUsingIndex: rule('constraint-using-index', 'error', 'adding a UNIQUE or PRIMARY KEY constraint builds its index while blocking writes', 'create the unique index CONCURRENTLY first, then ADD CONSTRAINT … USING INDEX'),
  notValid: rule('constraint-not-valid', 'error', 'adding a FOREIGN KEY or CHECK constraint scans the whole table while holding its lock', 'add it NOT VALID, then VALIDATE CONSTRAINT in a later migration'),
  validateSameMigration: rule('validate-same-migration', 'warning', 'validating in the same transaction that added the constraint NOT VALID holds the lock through the scan after all', 'VALIDATE CONSTRAINT in a later migration'),
  setNotNull: rule('set-not-null', 'warning', 'SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock', 'add CHECK (col IS NOT NULL) NOT VALID, validate it in a later migration, then SET NOT NULL (PostgreSQL 12+ uses the check)'),
  volatileDefault: rule('add-column-volatile-default', 'error', 'a column added with a volatile default rewrites the whole table', 'add the column without a default (or a constant one), then backfill it in batches'),
  constantDefaultOld: rule('add-column-default-rewrite', 'error', 'before PostgreSQL 11, adding a column with any default rewrites the table', 'add the column without a default, set the default, then backfill in batches'),
  serialOrIdentity: rule('add-column-serial', 'error', 'a serial or identity column added to an existing table fills every row: a rewrite', 'add a plain column, attach a sequence as its default, and backfill in batches'),
  storedGenerated: rule('add-column-generated', 'error', 'a stored generated column added to an existing table rewrites it', 'add a plain column kept up to date by a trigger, and backfill it in batches'),
  notNullNoDefault: rule('add-column-not-null', 'error', 'a NOT NULL column without a default cannot be added to a table that has rows', 'add it nullable with a default, backfill, then add the constraint as for set-not-null'),
  columnType: rule('alter-column-type', 'error', 'changing a column\'s type rewrites the table (and its indexes) under an ACCESS EXCLUSIVE lock, except a few binary-compatible changes', 'add a new column, sync it (a tandem bridge), and switch readers over'),
  rewrite: rule('table-rewrite', 'error', 'it rewrites or blocks the table for as long as it runs', 'use pg_repack or a tandem bridge to a new table; REFRESH MATERIALIZED VIEW CONCURRENTLY'),
  dataLoss: rule('data-loss', 'error', 'it destroys data that no verification has covered', 'contract through tandem once a verification passed, or keep a copy; add a WHERE to DELETE/UPDATE'),
  transactionControl: rule('transaction-control', 'error', 'graphile-migrate manages the transaction: BEGIN/COMMIT inside a migration breaks its atomicity', 'remove it; use `--! no-transaction` for a statement that cannot run in a transaction'),
  backfillWithDdl: rule('backfill-with-ddl', 'warning', 'a bulk write over an existing table in the same transaction as DDL keeps the DDL\'s lock for the whole copy', 'do the DDL in one migration and the backfill in batches outside it (tandem backfill)'),
  bridged: rule('bridged-object', 'error', 'the table or column belongs to a tandem bridge that is not contracted: its sync triggers and verification depend on it', 'contract the migration first (select tandem.contract(…)), or redefine the bridge without it'),
  contractUnverified: rule('contract-unverified', 'error', 'contract drops the archive and the sync machinery for good, and no verification since cutover has passed', 'run select * from tandem.verify_migration(…) after cutover until it passes, then contract'),
  onConflictView: rule('on-conflict-compat-view', 'error', 'INSERT … ON CONFLICT does not work on a compatibility view written through INSTEAD OF triggers, which cutover puts in place of a legacy table whose columns the bridge computes', 'insert into the modern table with ON CONFLICT instead, or map the columns as plain renames so that the view is one PostgreSQL updates by itself (npx tandem plan says which)'),
  rename: rule('rename', 'error', 'renaming a table or column breaks every running client that uses the old name', 'keep the old name working: bridge to the new table with tandem and let cutover put a compatibility view in its place'),
} as const;

export const UNUSED_IGNORE = rule('unused-ignore', 'warning', 'a suppression that suppresses nothing hides nothing but misleads', 'remove it');
export const IGNORE_WITHOUT_REASON = rule('ignore-without-reason', 'error', 'a suppression must say why the risk is acceptable', 'write `-- tandem-ignore <rule>: <why>`');

/** Functions whose value differs per row, so that a default using them rewrites the table. */
const VOLATILE = new Set(['random', 'clock_timestamp', 'timeofday', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v4', 'nextval', 'txid_current', 'statement_timestamp', 'setseed']);

type Node = Record<string, unknown>;

const relname = (relation: unknown) => ((relation as Node | undefined)?.relname as string | undefined) ?? '?';

/** Every function name called anywhere inside a node. */
function calledFunctions(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((item) => calledFunctions(item, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'FuncCall') {
        const names = ((value as Node).funcname as { String: { sval: string } }[]).map((n) => n.String.sval);
        found.push(names.at(-1)!);
      }
      calledFunctions(value, found);
    }
  }
  return found;
}

function typeName(columnDef: Node): string {
  const names = ((columnDef.typeName as Node | undefined)?.names as { String: { sval: string } }[] | undefined) ?? [];
  return names.at(-1)?.String.sval ?? '';
}

/** The rules a statement breaks, given the context; updates the context with what it does. */
export function check(statement: Statement, context: Context): Hit[] {
  const hits: Hit[] = [];
  const node = statement.node;
  const existing = (relation: unknown) => !context.created.has(relname(relation));
  const locks = (relation: unknown) => {
    if (existing(relation) && !context.lockTimeout && context.inTransaction) {
      hits.push({ rule: RULES.lockTimeout, message: `locks table ${relname(relation)} with no lock_timeout set` });
      context.lockTimeout = true; // said once per migration: one setting at its start covers every statement
    }
  };
  switch (statement.kind) {
    case 'CreateStmt':
      context.created.add(relname(node.relation));
      break;
    case 'CreateTableAsStmt': // a materialized view, or CREATE TABLE … AS
      context.created.add(relname((node.into as Node | undefined)?.rel));
      break;
    case 'VariableSetStmt':
      if (node.name === 'lock_timeout') context.lockTimeout = true;
      break;
    case 'TransactionStmt':
      hits.push({ rule: RULES.transactionControl, message: `${String(node.kind).replace('TRANS_STMT_', '')} inside a migration` });
      break;
    case 'IndexStmt': {
      if (!existing(node.relation)) break;
      if (node.concurrent) {
        if (context.inTransaction) hits.push({ rule: RULES.concurrentlyInTransaction, message: `CREATE INDEX CONCURRENTLY on ${relname(node.relation)} inside a transaction` });
      } else {
        hits.push({ rule: RULES.indexConcurrently, message: `CREATE INDEX on ${relname(node.relation)} without CONCURRENTLY` });
        locks(node.relation);
      }
      break;
    }
    case 'ReindexStmt':
      if (!((node.params as Node[] | undefined) ?? []).some((p) => (p.DefElem as Node | undefined)?.defname === 'concurrently')) {
        hits.push({ rule: RULES.indexConcurrently, message: 'REINDEX without CONCURRENTLY' });
      } else if (context.inTransaction) {
        hits.push({ rule: RULES.concurrentlyInTransaction, message: 'REINDEX CONCURRENTLY inside a transaction' });
      }
      break;
    case 'DropStmt': {
      const type = node.removeType as string;
      const names = ((node.objects as Node[] | undefined) ?? []).map((object) =>
        ((object.List as Node | undefined)?.items as { String: { sval: string } }[] | undefined)?.map((item) => item.String.sval).join('.') ?? '?');
      if (type === 'OBJECT_INDEX') {
        if (node.concurrent) {
          if (context.inTransaction) hits.push({ rule: RULES.concurrentlyInTransaction, message: `DROP INDEX CONCURRENTLY ${names.join(', ')} inside a transaction` });
        } else {
          hits.push({ rule: RULES.indexConcurrently, message: `DROP INDEX ${names.join(', ')} without CONCURRENTLY` });
        }
      } else if (type === 'OBJECT_TABLE') {
        const dropped = names.filter((name) => !context.created.has(name.split('.').at(-1)!));
        if (dropped.length > 0) hits.push({ rule: RULES.dataLoss, message: `DROP TABLE ${dropped.join(', ')}` });
        for (const name of dropped) {
          for (const b of bridgesUsing(context, name.split('.').at(-1)!)) {
            hits.push({ rule: RULES.bridged, message: `drops table ${name}, used by bridge ${b.migration}.${b.bridge} (${b.phase.replace('_', ' ')})` });
          }
        }
      }
      break;
    }
    case 'TruncateStmt':
      for (const r of (node.relations as Node[]) ?? []) locks(r.RangeVar);
      hits.push({ rule: RULES.dataLoss, message: `TRUNCATE ${((node.relations as Node[]) ?? []).map((r) => relname(r.RangeVar)).join(', ')}` });
      break;
    case 'DeleteStmt':
      if (!node.whereClause) hits.push({ rule: RULES.dataLoss, message: `DELETE FROM ${relname(node.relation)} without WHERE` });
      break;
    case 'UpdateStmt':
      if (!node.whereClause) hits.push({ rule: RULES.dataLoss, message: `UPDATE ${relname(node.relation)} without WHERE` });
      if (context.ddl && existing(node.relation)) hits.push({ rule: RULES.backfillWithDdl, message: `UPDATE of ${relname(node.relation)} in the same transaction as DDL` });
      break;
    case 'InsertStmt':
      if (node.onConflictClause) {
        for (const b of context.run.tandem?.triggerWritten.filter((t) => t.table === relname(node.relation)) ?? []) {
          hits.push({
            rule: RULES.onConflictView,
            message: `INSERT … ON CONFLICT into ${relname(node.relation)}, ${b.bridge ? `whose bridge ${b.migration}.${b.bridge} makes it` : 'which is'} a compatibility view written through INSTEAD OF triggers`,
          });
        }
      }
      if (context.ddl && node.selectStmt && ((node.selectStmt as Node).SelectStmt as Node | undefined)?.fromClause) {
        hits.push({ rule: RULES.backfillWithDdl, message: `INSERT … SELECT into ${relname(node.relation)} in the same transaction as DDL` });
      }
      break;
    case 'SelectStmt': {
      const migration = contractedMigration(node);
      if (migration && context.run.tandem && context.run.tandem.verifiedAfterCutover.get(migration) !== true) {
        hits.push({ rule: RULES.contractUnverified, message: `contracts migration ${migration}, which has no passing verification since cutover` });
      }
      break;
    }
    case 'VacuumStmt':
      if (((node.options as Node[] | undefined) ?? []).some((o) => (o.DefElem as Node | undefined)?.defname === 'full')) {
        hits.push({ rule: RULES.rewrite, message: 'VACUUM FULL' });
      }
      break;
    case 'ClusterStmt':
      hits.push({ rule: RULES.rewrite, message: `CLUSTER ${relname(node.relation)}` });
      break;
    case 'RefreshMatViewStmt':
      if (!node.concurrent) hits.push({ rule: RULES.rewrite, message: `REFRESH MATERIALIZED VIEW ${relname(node.relation)} without CONCURRENTLY` });
      break;
    case 'RenameStmt': {
      const type = node.renameType as string;
      if (type === 'OBJECT_TABLE' || type === 'OBJECT_COLUMN') {
        const what = type === 'OBJECT_TABLE' ? `table ${relname(node.relation)}` : `column ${relname(node.relation)}.${String(node.subname)}`;
        if (existing(node.relation)) {
          hits.push({ rule: RULES.rename, message: `renames ${what}` });
          const column = type === 'OBJECT_COLUMN' ? String(node.subname) : undefined;
          for (const b of bridgesUsing(context, relname(node.relation), column)) {
            hits.push({ rule: RULES.bridged, message: `renames ${what}, used by bridge ${b.migration}.${b.bridge} (${b.phase.replace('_', ' ')})` });
          }
          locks(node.relation);
        }
      }
      break;
    }
    case 'AlterTableStmt': {
      if (!existing(node.relation)) break;
      const table = relname(node.relation);
      locks(node.relation);
      context.ddl = true;
      for (const item of (node.cmds as Node[]) ?? []) {
        const cmd = item.AlterTableCmd as Node;
        const def = cmd.def as Node | undefined;
        switch (cmd.subtype) {
          case 'AT_AddColumn': {
            const column = def!.ColumnDef as Node;
            const constraints = ((column.constraints as Node[] | undefined) ?? []).map((c) => c.Constraint as Node);
            const defaultExpr = constraints.find((c) => c.contype === 'CONSTR_DEFAULT');
            const type = typeName(column);
            if (['serial', 'bigserial', 'smallserial', 'serial4', 'serial8', 'serial2'].includes(type) || constraints.some((c) => c.contype === 'CONSTR_IDENTITY')) {
              hits.push({ rule: RULES.serialOrIdentity, message: `adds ${type === '' ? 'an identity' : type} column ${table}.${String(column.colname)}` });
            } else if (constraints.some((c) => c.contype === 'CONSTR_GENERATED')) {
              hits.push({ rule: RULES.storedGenerated, message: `adds stored generated column ${table}.${String(column.colname)}` });
            } else if (defaultExpr) {
              const volatile = calledFunctions(defaultExpr.raw_expr).filter((name) => VOLATILE.has(name));
              if (volatile.length > 0) hits.push({ rule: RULES.volatileDefault, message: `adds column ${table}.${String(column.colname)} with volatile default ${volatile.join(', ')}()` });
              else if (context.pgVersion < 11) hits.push({ rule: RULES.constantDefaultOld, message: `adds column ${table}.${String(column.colname)} with a default (PostgreSQL ${context.pgVersion})` });
            } else if (constraints.some((c) => c.contype === 'CONSTR_NOTNULL')) {
              hits.push({ rule: RULES.notNullNoDefault, message: `adds NOT NULL column ${table}.${String(column.colname)} without a default` });
            }
            break;
          }
          case 'AT_AddConstraint': {
            const constraint = def!.Constraint as Node;
            const name = String(constraint.conname ?? '');
            if ((constraint.contype === 'CONSTR_UNIQUE' || constraint.contype === 'CONSTR_PRIMARY') && !constraint.indexname) {
              hits.push({ rule: RULES.uniqueUsingIndex, message: `adds ${constraint.contype === 'CONSTR_UNIQUE' ? 'UNIQUE' : 'PRIMARY KEY'} constraint ${name} on ${table} without USING INDEX` });
            }
            if ((constraint.contype === 'CONSTR_FOREIGN' || constraint.contype === 'CONSTR_CHECK')) {
              const column = constraint.contype === 'CONSTR_CHECK' ? notNullColumn(constraint) : undefined;
              if (constraint.skip_validation) {
                context.notValid.add(name);
                if (column) context.run.notNullChecks.set(name, `${table}.${column}`);
              } else {
                hits.push({ rule: RULES.notValid, message: `adds ${constraint.contype === 'CONSTR_FOREIGN' ? 'FOREIGN KEY' : 'CHECK'} constraint ${name} on ${table} without NOT VALID` });
                if (column) context.run.validatedNotNull.add(`${table}.${column}`);
              }
            }
            break;
          }
          case 'AT_ValidateConstraint': {
            const name = String(cmd.name);
            if (context.notValid.has(name)) hits.push({ rule: RULES.validateSameMigration, message: `validates ${name} in the migration that added it NOT VALID` });
            const column = context.run.notNullChecks.get(name);
            if (column) context.run.validatedNotNull.add(column);
            break;
          }
          case 'AT_SetNotNull': {
            const column = `${table}.${String(cmd.name)}`;
            // From PostgreSQL 12 a validated CHECK (col IS NOT NULL) spares the scan.
            if (context.pgVersion >= 12 && context.run.validatedNotNull.has(column)) break;
            hits.push({
              rule: RULES.setNotNull,
              message: `SET NOT NULL on ${column}${context.pgVersion < 12 ? ` (PostgreSQL ${context.pgVersion} scans the table even with a validated check)` : ' without a validated CHECK (… IS NOT NULL)'}`,
            });
            break;
          }
          case 'AT_AlterColumnType':
            hits.push({ rule: RULES.columnType, message: `changes the type of ${table}.${String(cmd.name)}` });
            for (const b of bridgesUsing(context, table, String(cmd.name))) {
              hits.push({ rule: RULES.bridged, message: `changes the type of ${table}.${String(cmd.name)}, used by bridge ${b.migration}.${b.bridge} (${b.phase.replace('_', ' ')})` });
            }
            break;
          case 'AT_DropColumn':
            hits.push({ rule: RULES.dataLoss, message: `drops column ${table}.${String(cmd.name)}` });
            for (const b of bridgesUsing(context, table, String(cmd.name))) {
              hits.push({ rule: RULES.bridged, message: `drops column ${table}.${String(cmd.name)}, used by bridge ${b.migration}.${b.bridge} (${b.phase.replace('_', ' ')})` });
            }
            break;
          case 'AT_SetLogged':
            hits.push({ rule: RULES.rewrite, message: `SET LOGGED on ${table}` });
            break;
        }
      }
      break;
    }
  }
  return hits;
}
