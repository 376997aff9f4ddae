// Splits a T-SQL batch into statements. T-SQL does not need ';' between statements
// (`DECLARE @x INT EXEC @x = p SELECT @x` is one valid batch), so statement starts are found from
// keywords at the top level, with the few places where those keywords continue a statement.
import { unsupported } from '../errors.js';
import { type Node, isKw, isOp, isTok } from './tokenize.js';

const ALWAYS_NEW = new Set(['DECLARE', 'EXEC', 'EXECUTE', 'BEGIN', 'COMMIT', 'ROLLBACK', 'IF', 'WHILE', 'RETURN', 'PRINT', 'RAISERROR',
  'THROW', 'USE', 'CREATE', 'ALTER', 'DROP', 'TRUNCATE', 'MERGE', 'GRANT', 'REVOKE', 'DENY', 'GO', 'WAITFOR', 'BULK', 'OPEN', 'CLOSE',
  'DEALLOCATE', 'SAVE']);
const DML = new Set(['INSERT', 'UPDATE', 'DELETE']);
const NOT_CTE = new Set(['TIES', 'ROLLUP', 'CUBE', 'RECOMPILE', 'RESULT', 'XMLNAMESPACES']);

export function splitStatements(nodes: Node[]): Node[][] {
  const statements: Node[][] = [];
  let cur: Node[] = [];
  let kind = '';
  let mainSeen = false; // WITH: the main statement after the CTEs; INSERT: its VALUES/SELECT; UPDATE: its SET
  const finish = (): void => {
    if (cur.length > 0) statements.push(cur);
    cur = [];
    kind = '';
    mainSeen = false;
  };
  nodes.forEach((n, i) => {
    if (isOp(n, ';')) { finish(); return; }
    if (cur.length > 0 && isTok(n, 'ident')) {
      const prev = cur[cur.length - 1];
      const next = nodes[i + 1];
      let split = false;
      if (ALWAYS_NEW.has(n.u)) {
        if (kind === 'INSERT' && (n.u === 'EXEC' || n.u === 'EXECUTE') && !mainSeen) throw unsupported('INSERT … EXEC');
        split = true;
      }
      else if (n.u === 'SET') split = !(kind === 'UPDATE' && !mainSeen);
      else if (n.u === 'SELECT') {
        const continues = isKw(prev, 'UNION', 'ALL', 'EXCEPT', 'INTERSECT') || ((kind === 'WITH' || kind === 'INSERT') && !mainSeen);
        split = !continues;
      } else if (DML.has(n.u)) split = !(kind === 'WITH' && !mainSeen);
      else if (n.u === 'WITH') split = (isTok(next, 'ident') || isTok(next, 'qident')) && !NOT_CTE.has(next.u);
      if (split) finish();
      else if ((n.u === 'SELECT' || n.u === 'VALUES' || n.u === 'SET' || DML.has(n.u)) && cur.length > 0) mainSeen = true;
    }
    if (cur.length === 0 && isTok(n, 'ident')) kind = n.u;
    cur.push(n);
  });
  finish();
  return statements;
}
