/** Findings for people (with the statement quoted and a caret), for machines (JSON), and for editors (gcc). */
import { chalk } from 'zx';
import type { Finding } from './lint.js';

export type Format = 'human' | 'json' | 'gcc';

export function report(findings: Finding[], format: Format): string {
  if (format === 'json') return JSON.stringify(findings, null, 2);
  if (format === 'gcc') {
    return findings.map((f) => `${f.file}:${f.line}:${f.column}: ${f.severity}: ${f.message} [${f.rule}]`).join('\n');
  }
  const blocks = findings.map((f) => {
    const first = f.statement.split('\n')[0] ?? '';
    const gutter = ' '.repeat(String(f.line).length);
    const label = f.severity === 'error' ? chalk.red('error') : chalk.yellow('warning');
    return [
      `${chalk.bold(`${f.file}:${f.line}:${f.column}`)}: ${label} ${chalk.dim(`[${f.rule}]`)} ${f.message}`,
      `${gutter} |`,
      `${f.line} | ${first}`,
      `${gutter} | ${'^'.repeat(Math.max(1, Math.min(first.length, 60)))}`,
      `${gutter} = why: ${f.reason}`,
      `${gutter} = fix: ${f.fix}`,
    ].join('\n');
  });
  const errors = findings.filter((f) => f.severity === 'error').length;
  const summary = findings.length === 0 ? 'No findings.' : `${errors} error${errors === 1 ? '' : 's'}, ${findings.length - errors} warning${findings.length - errors === 1 ? '' : 's'}.`;
  return [...blocks, summary].join('\n\n');
}
