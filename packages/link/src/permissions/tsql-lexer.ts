// A conservative T-SQL lexer for the allow-list check.
//
// It is the authority on where strings, quoted identifiers and comments begin and end, so that the
// SQL parser (node-sql-parser, whose TransactSQL grammar borrows MySQL lexing: backslash escapes in
// strings, `#` names, backticks) never gets to disagree with SQL Server about it. Anything it is not
// sure SQL Server reads the same way (nested block comments, characters outside T-SQL's lexical set,
// unterminated literals) is an error, and an error means the query is refused.

export type TokKind = 'ws' | 'comment' | 'string' | 'name' | 'qname' | 'var' | 'number' | 'op' | 'punct';

export interface Tok {
  kind: TokKind;
  /** The token exactly as written. */
  text: string;
  /** Identifier value for name/qname (brackets/quotes removed, escapes undone); the text otherwise. */
  value: string;
  /** Offset of the token in the lexed text. */
  start: number;
}

export class LexError extends Error {}

const NAME_START = /[A-Za-z_#\p{L}]/u;
const NAME_PART = /[A-Za-z0-9_#@$\p{L}\p{N}\p{Mn}\p{Mc}]/u;
const WS = /[ \t\r\n\f\v]/;
const DIGIT = /[0-9]/;
/** Two-character operators, longest match first. */
const OPS2 = new Set(['<=', '>=', '<>', '!=', '!<', '!>', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '::']);
const OPS1 = new Set(['+', '-', '*', '/', '%', '=', '<', '>', '&', '|', '^', '~', '!']);
const PUNCT = new Set(['(', ')', ',', '.', ';']);

function snippet(sql: string, at: number): string {
  return sql.slice(at, at + 30).replace(/\s+/g, ' ');
}

/** Splits T-SQL into tokens, or throws LexError. Whitespace and comments are kept as tokens. */
export function lexTsql(sql: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = sql.length;
  const push = (kind: TokKind, start: number, end: number, value?: string): void => {
    const text = sql.slice(start, end);
    out.push({ kind, text, value: value ?? text, start });
  };
  while (i < n) {
    const c = sql[i]!;
    const d = sql[i + 1];
    const start = i;
    if (WS.test(c)) {
      while (i < n && WS.test(sql[i]!)) i++;
      push('ws', start, i);
    } else if (c === '-' && d === '-') {
      // A line comment ends at the end of the line. Ending it at either CR or LF can only make us
      // check more text than SQL Server ignores, never less.
      while (i < n && sql[i] !== '\n' && sql[i] !== '\r') i++;
      push('comment', start, i);
    } else if (c === '/' && d === '*') {
      i += 2;
      let closed = false;
      while (i < n) {
        if (sql[i] === '*' && sql[i + 1] === '/') { i += 2; closed = true; break; }
        if (sql[i] === '/' && sql[i + 1] === '*') throw new LexError(`nested block comment near "${snippet(sql, i)}"`);
        i++;
      }
      if (!closed) throw new LexError(`unterminated block comment near "${snippet(sql, start)}"`);
      push('comment', start, i);
    } else if (c === "'" || ((c === 'N' || c === 'n') && d === "'")) {
      i += c === "'" ? 1 : 2;
      let value = '';
      let closed = false;
      while (i < n) {
        if (sql[i] === "'") {
          if (sql[i + 1] === "'") { value += "'"; i += 2; continue; }
          i++; closed = true; break;
        }
        value += sql[i];
        i++;
      }
      if (!closed) throw new LexError(`unterminated string literal near "${snippet(sql, start)}"`);
      push('string', start, i, value);
    } else if (c === '[' || c === '"') {
      const close = c === '[' ? ']' : '"';
      i++;
      let value = '';
      let closed = false;
      while (i < n) {
        if (sql[i] === close) {
          if (sql[i + 1] === close) { value += close; i += 2; continue; }
          i++; closed = true; break;
        }
        value += sql[i];
        i++;
      }
      if (!closed) throw new LexError(`unterminated quoted identifier near "${snippet(sql, start)}"`);
      if (value.length === 0) throw new LexError(`empty quoted identifier near "${snippet(sql, start)}"`);
      push('qname', start, i, value);
    } else if (c === '@') {
      i++;
      while (i < n && (NAME_PART.test(sql[i]!) || sql[i] === '@')) i++;
      if (i - start < 2) throw new LexError(`stray "@" near "${snippet(sql, start)}"`);
      push('var', start, i);
    } else if (DIGIT.test(c) || (c === '.' && d !== undefined && DIGIT.test(d))) {
      if (c === '0' && (d === 'x' || d === 'X')) {
        i += 2;
        while (i < n && /[0-9A-Fa-f]/.test(sql[i]!)) i++;
      } else {
        while (i < n && DIGIT.test(sql[i]!)) i++;
        if (sql[i] === '.') { i++; while (i < n && DIGIT.test(sql[i]!)) i++; }
        if ((sql[i] === 'e' || sql[i] === 'E') && /[-+0-9]/.test(sql[i + 1] ?? '')) {
          i++;
          if (sql[i] === '+' || sql[i] === '-') i++;
          while (i < n && DIGIT.test(sql[i]!)) i++;
        }
      }
      if (i < n && NAME_PART.test(sql[i]!)) throw new LexError(`malformed number near "${snippet(sql, start)}"`);
      push('number', start, i);
    } else if (NAME_START.test(c)) {
      i++;
      while (i < n && NAME_PART.test(sql[i]!)) i++;
      push('name', start, i);
    } else if (d !== undefined && OPS2.has(c + d)) {
      i += 2;
      push('op', start, i);
    } else if (OPS1.has(c)) {
      i++;
      push('op', start, i);
    } else if (PUNCT.has(c)) {
      i++;
      push('punct', start, i);
    } else {
      throw new LexError(`unexpected character ${JSON.stringify(c)} near "${snippet(sql, start)}"`);
    }
  }
  return out;
}

