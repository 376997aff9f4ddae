// T-SQL tokenizer and paren-tree builder. The translator works on this tree rather than on a full
// grammar: integrators send a small, well-known subset of T-SQL, and a token tree lets each
// construct be rewritten (or rejected by name) without a parser that would refuse valid SQL.
import { SqlServerError, syntaxError } from '../errors.js';

export type TokKind = 'ident' | 'qident' | 'string' | 'number' | 'var' | 'sysvar' | 'temp' | 'op' | 'hex';
export interface Tok { t: TokKind; v: string; u: string; pos: number }
export interface Group { t: 'group'; items: Node[]; pos: number }
export type Node = Tok | Group;

const OPS = ['<>', '!=', '<=', '>=', '!<', '!>', '+=', '-=', '*=', '/=', '::', '||'];

export function tokenize(sql: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const push = (t: TokKind, v: string, pos: number): void => { out.push({ t, v, u: v.toUpperCase(), pos }); };
  while (i < sql.length) {
    const c = sql[i] as string;
    const start = i;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '-' && sql[i + 1] === '-') { while (i < sql.length && sql[i] !== '\n') i++; continue; }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw new SqlServerError(113, 'Missing end comment mark \'*/\'.', 15);
      i = end + 2;
      continue;
    }
    if (c === "'" || ((c === 'N' || c === 'n') && sql[i + 1] === "'")) {
      i += c === "'" ? 1 : 2;
      let s = '';
      for (;;) {
        if (i >= sql.length) throw new SqlServerError(105, `Unclosed quotation mark after the character string '${s}'.`, 15);
        if (sql[i] === "'") {
          if (sql[i + 1] === "'") { s += "'"; i += 2; continue; }
          i++;
          break;
        }
        s += sql[i++];
      }
      push('string', s, start);
      continue;
    }
    if (c === '[' || c === '"') {
      const close = c === '[' ? ']' : '"';
      i++;
      let s = '';
      for (;;) {
        if (i >= sql.length) throw new SqlServerError(105, `Unclosed quotation mark after the character string '${s}'.`, 15);
        if (sql[i] === close) {
          if (sql[i + 1] === close) { s += close; i += 2; continue; }
          i++;
          break;
        }
        s += sql[i++];
      }
      push('qident', s, start);
      continue;
    }
    let m: RegExpExecArray | null;
    const rest = sql.slice(i, i + 200);
    if ((m = /^0x[0-9a-f]*/i.exec(rest))) { push('hex', m[0], start); i += m[0].length; continue; }
    if ((m = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(rest))) { push('number', m[0], start); i += m[0].length; continue; }
    if ((m = /^@@[A-Za-z_]\w*/.exec(rest))) { push('sysvar', m[0], start); i += m[0].length; continue; }
    if ((m = /^@[A-Za-z0-9_#$@]+/.exec(rest))) { push('var', m[0], start); i += m[0].length; continue; }
    if ((m = /^##?[A-Za-z_]\w*/.exec(rest))) { push('temp', m[0], start); i += m[0].length; continue; }
    if ((m = /^[A-Za-z_\u00C0-\uFFFF][\w$#@\u00C0-\uFFFF]*/.exec(rest))) { push('ident', m[0], start); i += m[0].length; continue; }
    const two = sql.slice(i, i + 2);
    if (OPS.includes(two)) { push('op', two, start); i += 2; continue; }
    if ('(),;.=<>+-*/%&|^~'.includes(c)) { push('op', c, start); i++; continue; }
    throw syntaxError(c);
  }
  return out;
}

/** Nests tokens by parentheses; unbalanced parentheses are error 102 like SQL Server. */
export function buildTree(tokens: Tok[]): Node[] {
  const stack: Node[][] = [[]];
  const opens: Tok[] = [];
  for (const tok of tokens) {
    if (tok.t === 'op' && tok.v === '(') { stack.push([]); opens.push(tok); continue; }
    if (tok.t === 'op' && tok.v === ')') {
      const items = stack.pop();
      const open = opens.pop();
      if (!items || !open || stack.length === 0) throw syntaxError(')');
      (stack[stack.length - 1] as Node[]).push({ t: 'group', items, pos: open.pos });
      continue;
    }
    (stack[stack.length - 1] as Node[]).push(tok);
  }
  if (stack.length !== 1) throw syntaxError('(');
  return stack[0] as Node[];
}

// The predicate names the kind so a false result does not narrow the node away from Tok.
export const isTok = <K extends TokKind = TokKind>(n: Node | undefined, t?: K, u?: string): n is Tok & { t: K } =>
  !!n && n.t !== 'group' && (t === undefined || n.t === t) && (u === undefined || n.u === u);
export const isOp = (n: Node | undefined, v: string): boolean => isTok(n, 'op') && n.v === v;
export const isKw = (n: Node | undefined, ...words: string[]): boolean => isTok(n, 'ident') && words.includes((n as Tok).u);

/** Splits a node list at top-level commas. */
export function splitCommas(items: Node[]): Node[][] {
  const parts: Node[][] = [[]];
  for (const n of items) {
    if (isOp(n, ',')) parts.push([]);
    else (parts[parts.length - 1] as Node[]).push(n);
  }
  return parts;
}

/** Rough text of a node, for error messages. */
export function nodeText(n: Node | undefined): string {
  if (!n) return '';
  if (n.t === 'group') return '(';
  return n.t === 'string' ? `'${n.v}'` : n.v;
}
