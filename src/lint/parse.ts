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

/** Line and column (1-based) of a character index. */
export function position(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

/** The parser reports byte offsets; JavaScript strings index UTF-16 units. */
function byteToIndex(text: string): (byte: number) => number {
  const buffer = Buffer.from(text, 'utf8');
  return (byte) => buffer.subarray(0, byte).toString('utf8').length;
}

export function parseStatements(file: string, text: string): Statement[] {
  let parsed: ReturnType<typeof parseSync>;
  try {
    parsed = parseSync(text);
  } catch (error) {
    const cursor = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition ?? 0;
    const at = position(text, byteToIndex(text)(cursor)); // the parser's cursor is a 0-based byte offset
    throw new LintParseError((error as Error).message, file, at.line, at.column);
  }
  const toIndex = byteToIndex(text);
  const comments = scanSync(text)
    .tokens.filter((token) => token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT')
    .map((token) => ({ start: toIndex(token.start), text: token.text }));
  const statements: Statement[] = [];
  let previousEnd = 0;
  for (const raw of parsed.stmts ?? []) {
    const startByte = raw.stmt_location ?? 0;
    const start = toIndex(startByte);
    const end = raw.stmt_len ? toIndex(startByte + raw.stmt_len) : text.length;
    // stmt_location points at the first token of the statement; comments between statements belong to the next one.
    const [kind, node] = Object.entries(raw.stmt as Record<string, unknown>)[0] as [string, Record<string, unknown>];
    const at = position(text, start);
    statements.push({
      file,
      kind,
      node,
      text: text.slice(start, end).trim(),
      line: at.line,
      column: at.column,
      comments: comments.filter((comment) => comment.start >= previousEnd && comment.start < start).map((comment) => comment.text),
    });
    previousEnd = end;
  }
  return statements;
}
