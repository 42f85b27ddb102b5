/*
 * tandem lint: each migration's statements checked in order, with what the migration did before
 * each (a table created earlier is new; a lock_timeout set earlier covers what follows).
 *
 * Suppressions name the rule and say why: `-- tandem-ignore <rule>: <why>` before a statement,
 * `-- tandem-ignore-file <rule>: <why>` anywhere for the whole file. One without a reason, or one
 * that suppresses nothing, is itself reported.
 */
import { IGNORE_WITHOUT_REASON, RULES, UNUSED_IGNORE, check, type Context, type Rule, type TandemKnowledge } from './rules.js';
import { ready, type Statement } from './parse.js';
import { readMigration } from './sources.js';

export interface Finding {
  rule: string;
  severity: Rule['severity'];
  file: string;
  line: number;
  column: number;
  message: string;
  reason: string;
  fix: string;
  /** The statement's text, for the report. */
  statement: string;
}

export interface LintOptions {
  cwd: string;
  /** Target PostgreSQL major version (the database's when connected). */
  pgVersion: number;
  /** What the database knows of tandem migrations, for the tandem-aware rules. */
  tandem?: TandemKnowledge;
}

interface Suppression {
  rule: string;
  reason: string;
  file: boolean;
  used: boolean;
  statement: Statement;
}

// The suppression comment is tandem's own syntax inside an SQL comment, not SQL.
const SUPPRESSION = /^--\s*tandem-ignore(-file)?\s+([a-z-]+)\s*(?::\s*(.*))?$/;

const finding = (rule: Rule, statement: Statement, message: string): Finding => ({
  rule: rule.id,
  severity: rule.severity,
  file: statement.file,
  line: statement.line,
  column: statement.column,
  message,
  reason: rule.reason,
  fix: rule.fix,
  statement: statement.text,
});

export async function lintFiles(files: string[], options: LintOptions): Promise<Finding[]> {
  await ready();
  const findings: Finding[] = [];
  const run = { notNullChecks: new Map<string, string>(), validatedNotNull: new Set<string>(), ...(options.tandem ? { tandem: options.tandem } : {}) };
  for (const file of files) {
    const migration = await readMigration(file, options);
    const context: Context = {
      inTransaction: !migration.noTransaction,
      pgVersion: options.pgVersion,
      created: new Set(),
      lockTimeout: false,
      notValid: new Set(),
      ddl: false,
      statements: migration.statements.length,
      run,
    };
    const suppressions: Suppression[] = [];
    for (const statement of migration.statements) {
      for (const comment of statement.comments) {
        const match = SUPPRESSION.exec(comment.trim());
        if (!match) continue;
        const suppression = { rule: match[2]!, reason: (match[3] ?? '').trim(), file: Boolean(match[1]), used: false, statement };
        suppressions.push(suppression);
        if (!suppression.reason) findings.push(finding(IGNORE_WITHOUT_REASON, statement, `tandem-ignore ${suppression.rule} gives no reason`));
      }
    }
    if (migration.noTransaction && migration.statements.length > 1) {
      const second = migration.statements[1]!;
      findings.push(finding(RULES.noTransactionSingle, second, `${migration.file} is --! no-transaction and has ${migration.statements.length} statements`));
    }
    for (const statement of migration.statements) {
      for (const hit of check(statement, context)) {
        const suppressed = suppressions.find(
          (s) => s.rule === hit.rule.id && s.reason && (s.file || s.statement === statement),
        );
        if (suppressed) {
          suppressed.used = true;
          continue;
        }
        findings.push(finding(hit.rule, statement, hit.message));
      }
    }
    for (const suppression of suppressions) {
      if (!suppression.used && suppression.reason) {
        findings.push(finding(UNUSED_IGNORE, suppression.statement, `tandem-ignore ${suppression.rule} suppresses nothing here`));
      }
    }
  }
  return findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}
