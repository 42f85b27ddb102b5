/* How `tandem verify` and the demo show verify_migration's checks to a person (verificationReport). */
import { describe, expect, it } from 'vitest';
import type { VerifyMigrationResult } from '../generated/tandem.queries.js';
import { configureColor } from '../src/cli/run-main.js';
import { verificationReport } from '../src/cli/verbs/verify.js';

configureColor({ NO_COLOR: '1' });

const check = (bridge: string | null, checkName: string, mismatches: number, durationMs: number): VerifyMigrationResult =>
  ({ bridge, checkName, status: mismatches ? 'fail' : 'pass', expected: 0, actual: mismatches, mismatches, sampleKeys: mismatches ? ['id=7'] : [], durationMs }) as VerifyMigrationResult;

describe('verificationReport', () => {
  it('folds the passing checks into one line timed by the whole verification, not the sum of their statements', () => {
    // Every check of a bridge carries the duration of the one statement that computed them all.
    const checks = [check('client', 'count', 0, 300), check('client', 'column:email', 0, 300), check('client', 'missing_in_modern', 0, 300), check(null, 'check:orphans', 0, 20)];
    expect(verificationReport([...checks, check(null, 'consistency', 0, 330)])).toBe('✓ 4 checks passed (bridge client; 1 custom check) in 330 ms');
    // Without the consistency row, the longest statement.
    expect(verificationReport(checks)).toBe('✓ 4 checks passed (bridge client; 1 custom check) in 300 ms');
  });

  it('shows the failing checks in full, under the line of those that passed', () => {
    const report = verificationReport([check('client', 'count', 0, 40), check('client', 'column:email', 2, 40), check(null, 'consistency', 2, 45)]);
    expect(report.split('\n')[0]).toBe('✓ 1 check passed (bridge client) in 45 ms');
    expect(report).toMatch(/│ client\s+│ column:email\s+│ fail\s+│ 0\s+│ 2\s+│ 2\s+│ id=7\s+│ 40 ms\s+│/);
    expect(report).not.toContain('consistency');
  });

  it('says so when there is nothing to check (after contract)', () => {
    expect(verificationReport([check(null, 'consistency', 0, 3)])).toBe('✓ no checks to run: no bridge to compare (contract leaves none) and no custom check');
  });
});
