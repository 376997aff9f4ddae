// Aggregates that refuse bit: SUM and AVG take an expression "of the exact numeric or approximate
// numeric data type category, except for the bit data type"
// (https://learn.microsoft.com/sql/t-sql/functions/sum-transact-sql,
// https://learn.microsoft.com/sql/t-sql/functions/avg-transact-sql), and MAX / MIN take numeric,
// character, uniqueidentifier and datetime values, not bit
// (https://learn.microsoft.com/sql/t-sql/functions/max-transact-sql). SQL Server refuses
// the statement when it compiles it (8117), whatever the rows. The simulator's tables have no bit
// column, so a bit operand is a CAST / CONVERT to bit, possibly in parentheses.
import { SqlServerError } from '../errors.js';
import { type Node, isKw, isTok } from './tokenize.js';

const REFUSE_BIT = new Set(['SUM', 'AVG', 'MAX', 'MIN']);

/** Is the expression a CAST(… AS bit) or CONVERT(bit, …)? */
function isBitConversion(nodes: Node[]): boolean {
  if (nodes.length === 1 && nodes[0]?.t === 'group') return isBitConversion(nodes[0].items);
  const [fn, args] = nodes;
  if (nodes.length !== 2 || !isTok(fn, 'ident') || args?.t !== 'group') return false;
  const items = args.items;
  if (fn.u === 'CONVERT') return isTok(items[0], 'ident') && items[0].u === 'BIT';
  if (fn.u !== 'CAST') return false;
  const last = items[items.length - 1];
  return isKw(items[items.length - 2], 'AS') && isTok(last, 'ident') && last.u === 'BIT';
}

/** Throws 8117 when the aggregate `name` (upper-case) is given a bit operand. */
export function refuseBitOperand(name: string, argNodes: Node[]): void {
  if (!REFUSE_BIT.has(name)) return;
  const operand = isKw(argNodes[0], 'DISTINCT', 'ALL') ? argNodes.slice(1) : argNodes;
  if (isBitConversion(operand)) throw new SqlServerError(8117, `Operand data type bit is invalid for ${name.toLowerCase()} operator.`);
}
