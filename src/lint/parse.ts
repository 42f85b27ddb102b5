/*
 * Statements of a migration file, parsed by the real PostgreSQL parser (libpg-query, WASM), with
 * their positions and the comments before them (where suppressions live).
 */
import { loadModule, parseSync, scanSync } from 'libpg-query';

export interface Statement {
  /** The file the statement is in (an included fixture names its own file). */
  file: string;
  /** The node's type (`AlterTableStmt`, `IndexStmt`, …) and body. */
  kind: string;
  node: Record<string, unknown>;
  /** The statement's text, and where it starts: 1-based line and column. */
  text: string;
  line: number;
  column: number;
  /** The text of each comment between the previous statement and this one. */
  comments: string[];
}

export class LintParseError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'LintParseError';
  }
}

let loaded: Promise<void> | undefined;
export const ready = () => (loaded ??= loadModule());

/** Line and column (1-based) of character indexes, by binary search over the line starts. */
function positions(text: string): (index: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (index) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle]! <= index) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: index - starts[low]! + 1 };
  };
}

/** The parser reports byte offsets; JavaScript strings index UTF-16 units. One pass builds the map. */
function byteToIndex(text: string): (byte: number) => number {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes === text.length) return (byte) => byte; // ASCII: the same
  const map = new Int32Array(bytes + 1);
  let byte = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.codePointAt(index)!;
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < width; k++) map[byte + k] = index;
    byte += width;
    if (code >= 0x10000) index++; // a surrogate pair is one code point
  }
  map[bytes] = text.length;
  return (offset) => map[Math.min(Math.max(offset, 0), bytes)]!;
}

export function parseStatements(file: string, text: string): Statement[] {
  let parsed: ReturnType<typeof parseSync>;
  try {
    parsed = parseSync(text);
  } catch (error) {
    const cursor = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition ?? 0;
    const at = positions(text)(byteToIndex(text)(cursor)); // the parser's cursor is a 0-based byte offset
    throw new LintParseError((error as Error).message, file, at.line, at.column);
  }
  const toIndex = byteToIndex(text);
  const comments = scanSync(text)
    .tokens.filter((token) => token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT')
    .map((token) => ({ start: toIndex(token.start), text: token.text }));
  const at = positions(text);
  const statements: Statement[] = [];
  let previousEnd = 0;
  let nextComment = 0;
  for (const raw of parsed.stmts ?? []) {
    const startByte = raw.stmt_location ?? 0;
    const start = toIndex(startByte);
    const end = raw.stmt_len ? toIndex(startByte + raw.stmt_len) : text.length;
    // stmt_location points at the first token of the statement; comments between statements belong to the next one.
    const [kind, node] = Object.entries(raw.stmt as Record<string, unknown>)[0] as [string, Record<string, unknown>];
    const where = at(start);
    // Comments are in order: the ones before this statement and after the previous one are its own.
    const own: string[] = [];
    while (nextComment < comments.length && comments[nextComment]!.start < start) {
      if (comments[nextComment]!.start >= previousEnd) own.push(comments[nextComment]!.text);
      nextComment++;
    }
    statements.push({ file, kind, node, text: text.slice(start, end).trim(), line: where.line, column: where.column, comments: own });
    previousEnd = end;
  }
  return statements;
}
