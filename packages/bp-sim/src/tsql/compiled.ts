// Compiled text batches, cached by their text: the statement split and each statement's SQLite
// translation are pure functions of the T-SQL text (parameter names, types and values only matter
// when binding), so a batch sent again skips tokenizing and translating.
//
// Translation stays lazy and in statement order: a statement is translated when the batch reaches
// it, so a batch whose third statement cannot be translated still runs its first two and fails at
// the same point as before. Failed translations are not stored; they are attempted (and fail) again.
import { AdmittingCache, cacheSettings } from '../cache.js';
import { type Node, buildTree, tokenize } from './tokenize.js';
import { sqliteParamName, translateStatement } from './translate.js';
import { splitStatements } from './statements.js';

/** A T-SQL variable a translated statement binds: its lookup key, its name for error 137, its SQLite parameter name. */
export interface BoundVar { key: string; name: string; param: string }
export interface Translation { sql: string; vars: BoundVar[] }

export const BATCH_CACHE_SIZE = 500;
/** Longer texts (bulk INSERTs and the like) are compiled every time rather than held in memory. */
export const MAX_CACHED_TEXT = 16_384;

/** `@name` lower-cased: the key of a variable (T-SQL variable names are case-insensitive). */
export const varKey = (name: string): string => `@${(name.charCodeAt(0) === 64 ? name.slice(1) : name).toLowerCase()}`;

function translate(nodes: Node[]): Translation {
  const names = new Set<string>();
  const sql = translateStatement(nodes, { vars: names });
  return { sql, vars: [...names].map((name) => ({ key: varKey(name), name, param: sqliteParamName(name) })) };
}

const SELECT_TOKEN: Node = { t: 'ident', v: 'SELECT', u: 'SELECT', pos: 0 };

export class CompiledBatch {
  readonly statements: Node[][];
  private readonly translations: (Translation | undefined)[];
  private readonly expressions = new Map<string, Translation>();

  constructor(text: string) {
    this.statements = splitStatements(buildTree(tokenize(text)));
    this.translations = new Array<Translation | undefined>(this.statements.length);
  }

  /** The SQLite translation of statement i (SELECT / INSERT / UPDATE / DELETE / WITH). */
  statement(i: number): Translation {
    let t = this.translations[i];
    if (!t) {
      t = translate(this.statements[i] as Node[]);
      if (cacheSettings.enabled) this.translations[i] = t;
    }
    return t;
  }

  /**
   * `SELECT <expr>` for an expression that is a run of sibling nodes of this batch's tree (a DECLARE
   * initialiser, a SET value, RAISERROR/THROW arguments). Every node has its own source position, so
   * the first and last positions and the length identify the run.
   */
  expression(nodes: Node[]): Translation {
    const first = nodes[0];
    const last = nodes[nodes.length - 1];
    if (!first || !last || !cacheSettings.enabled) return translate([SELECT_TOKEN, ...nodes]);
    const key = `${first.pos}:${last.pos}:${nodes.length}`;
    let t = this.expressions.get(key);
    if (!t) {
      t = translate([SELECT_TOKEN, ...nodes]);
      this.expressions.set(key, t);
    }
    return t;
  }
}

const batches = new AdmittingCache<CompiledBatch>(BATCH_CACHE_SIZE);

/**
 * The compiled form of a text batch, cached from the second time the text is run. Tokenizer errors
 * (unclosed quotes, parentheses) are thrown and nothing is cached.
 */
export function compileBatch(text: string): CompiledBatch {
  if (!cacheSettings.enabled || text.length > MAX_CACHED_TEXT) return new CompiledBatch(text);
  let c = batches.get(text);
  if (!c) {
    c = new CompiledBatch(text);
    batches.offer(text, c);
  }
  return c;
}

/** For tests: the number of cached batches, and emptying the cache. */
export const batchCache = {
  get size(): number { return batches.size; },
  get max(): number { return batches.max; },
  clear(): void { batches.clear(); },
};
