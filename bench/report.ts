/** The results on the terminal (a table per part) and in BENCHMARKS.md. */
import Table from 'cli-table3';
import type { Figure, SectionResult } from './report-types.js';
import type { Summary } from './stats.js';

/** A number for people: 3 significant digits, thousands separated. */
export function number(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  const rounded = magnitude >= 1000 ? Number(value.toPrecision(3)) : value;
  return rounded.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const median = (figure: Figure) => `${number(figure.summary.median)} ${figure.unit}`;
const spread = (summary: Summary) => (summary.runs === 1 ? 'one run' : `${number(summary.min)} – ${number(summary.max)} (${summary.runs} runs)`);
const goal = (figure: Figure) => (figure.goal ? `${figure.goal.met ? 'met' : 'MISSED'}: ${figure.goal.text}` : '');

export function terminalTable(section: SectionResult): string {
  const table = new Table({
    head: ['figure', 'median', 'min – max', 'ratio (same run)', 'goal'],
    style: { head: [], border: [], compact: true },
    wordWrap: true,
    colWidths: [46, 18, 28, 38, 32],
  });
  for (const figure of section.figures) table.push([figure.name, median(figure), spread(figure.summary), figure.ratio ?? '', goal(figure)]);
  return `${section.title} (${section.sizes})\n${table.toString()}`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** Machine and server, in words, for the report's head. */
export interface Environment {
  date: string;
  command: string;
  machine: string[];
  postgres: string[];
  totalSeconds: number;
}

export function markdown(environment: Environment, sections: SectionResult[]): string {
  const lines: string[] = [
    '# Benchmarks',
    '',
    `Written by \`${environment.command}\` on ${environment.date} (the whole run took ${number(environment.totalSeconds)} s). ` +
      'Every number below comes from that run; run it again to regenerate this file. Absolute times vary with the ' +
      'machine and its load; the ratios compare figures measured side by side in the same run.',
    '',
    '## Machine',
    '',
    ...environment.machine.map((line) => `- ${line}`),
    '',
    '## PostgreSQL',
    '',
    ...environment.postgres.map((line) => `- ${line}`),
    '',
  ];
  const goals = sections.flatMap((section) => section.figures.filter((figure) => figure.goal).map((figure) => ({ section, figure })));
  lines.push('## Goals', '', '| part | figure | goal | result |', '| --- | --- | --- | --- |');
  for (const { section, figure } of goals) {
    lines.push(`| ${cell(section.title)} | ${cell(figure.name)} | ${cell(figure.goal!.text)} | ${figure.goal!.met ? 'met' : '**missed**'}: ${cell(figure.goal!.measured ?? figure.ratio ?? median(figure))} |`);
  }
  lines.push('');
  for (const section of sections) {
    lines.push(`## ${section.title}`, '', `Sizes: ${section.sizes}.`, '');
    lines.push('| figure | median | min – max | ratio (same run) | goal |', '| --- | --- | --- | --- | --- |');
    for (const figure of section.figures) {
      lines.push(`| ${cell(figure.name)} | ${cell(median(figure))} | ${cell(spread(figure.summary))} | ${cell(figure.ratio ?? '')} | ${cell(goal(figure))} |`);
    }
    lines.push('');
    for (const note of section.notes) lines.push(`- ${note}`);
    const missed = section.figures.filter((figure) => figure.goal && !figure.goal.met);
    if (missed.length > 0) {
      lines.push('', '**Missed goals, and what limits them:**', '');
      for (const figure of missed) lines.push(`- ${figure.name} (${figure.goal!.text}): ${figure.goal!.explanation ?? 'no explanation measured.'}`);
    }
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
