/** Tables and numbers for people. */
import { stripVTControlCharacters } from 'node:util';
import Table from 'cli-table3';

type Cell = string | number | null | undefined;

export interface TableOptions {
  /** At most this many columns wide: the last column's text is wrapped at spaces to fit. */
  width?: number;
}

export function table(head: string[], rows: Cell[][], options: TableOptions = {}): string {
  const cells = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))));
  const style = { head: [], border: [], compact: true };
  let layout = {};
  if (options.width !== undefined) {
    // A column is its widest cell plus a space either side; the borders take one column each, and one more.
    const natural = head.map((title, i) => Math.max(columns(title), ...cells.map((row) => columns(row[i] ?? ''))) + 2);
    const fixed = natural.slice(0, -1).reduce((sum, width) => sum + width, 0) + head.length + 1;
    const last = natural.at(-1)!;
    if (fixed + last > options.width) layout = { colWidths: [...natural.slice(0, -1), Math.max(options.width - fixed, 12)], wordWrap: true };
  }
  const t = new Table({ head, style, ...layout });
  for (const row of cells) t.push(row);
  return t.toString();
}

/** How many columns a line takes on a terminal: its characters, colour codes left out. */
export function columns(line: string): number {
  return [...stripVTControlCharacters(line)].length;
}

/**
 * Each line of `text` broken at spaces so that none is wider than `width`, the lines it continues on
 * indented by `indent`. A word wider than the line stays whole.
 */
export function wrap(text: string, width: number, indent = '  '): string {
  return text
    .split('\n')
    .map((line) => {
      if (columns(line) <= width) return line;
      const lead = /^ */.exec(line)![0];
      const out: string[] = [];
      let current = '';
      for (const word of line.slice(lead.length).split(' ')) {
        const start = out.length === 0 ? lead : lead + indent;
        if (current && columns(current) + 1 + columns(word) > width) {
          out.push(current);
          current = start + word;
        } else {
          current = current ? `${current} ${word}` : start + word;
        }
      }
      out.push(current);
      return out.join('\n');
    })
    .join('\n');
}

export const count = (value: number | null | undefined) => (value === null || value === undefined ? '' : Math.round(value).toLocaleString('en-US'));

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
