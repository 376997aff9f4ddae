// The translator's output tokens and the small predicates every rewriting pass uses.
type OutKind = 'kw' | 'op' | 'name' | 'str' | 'num' | 'var' | 'expr' | 'group';
export interface Out { k: OutKind; sql: string; u?: string; last?: string; lastRaw?: string; items?: Out[] }

export const expr = (sql: string): Out => ({ k: 'expr', sql });
export const kw = (o: Out | undefined, ...words: string[]): boolean => !!o && o.k === 'kw' && words.includes(o.u ?? '');
export const op = (o: Out | undefined, ...ops: string[]): boolean => !!o && o.k === 'op' && ops.includes(o.sql);
