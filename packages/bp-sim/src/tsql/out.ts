// The translator's output tokens and the small predicates every rewriting pass uses.
type OutKind = 'kw' | 'op' | 'name' | 'str' | 'num' | 'var' | 'expr' | 'group';
/** `int`: an expression of type int (int-overflow.ts). */
export interface Out { k: OutKind; sql: string; u?: string; last?: string; lastRaw?: string; items?: Out[]; int?: true }

export const expr = (sql: string): Out => ({ k: 'expr', sql });
export const kw = (o: Out | undefined, ...words: string[]): boolean => !!o && o.k === 'kw' && words.includes(o.u ?? '');
export const op = (o: Out | undefined, ...ops: string[]): boolean => !!o && o.k === 'op' && ops.includes(o.sql);

/** An operand: a name, literal, variable, translated expression, parenthesised group or NULL. */
export const isPrimary = (o: Out | undefined): boolean => !!o && (['name', 'str', 'num', 'var', 'expr', 'group'].includes(o.k) || kw(o, 'NULL'));

export function emitList(list: Out[]): string {
  let s = '';
  for (const o of list) {
    const text = o.k === 'group' ? `(${emitList(o.items ?? [])})` : o.sql;
    s += s === '' || o.sql === ',' ? text : ` ${text}`;
  }
  return s;
}
