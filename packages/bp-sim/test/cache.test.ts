// The translation and statement caches must not change any result: cached runs are compared with
// uncached ones across the T-SQL features, errors must stay errors, busy statements must not be shared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BpSimDatabase, type SimParam } from '../src/index.js';
import { AdmittingCache, LruCache, STATEMENT_CACHE_SIZE, cacheSettings, statementCache } from '../src/cache.js';
import { BATCH_CACHE_SIZE, MAX_CACHED_TEXT, batchCache, compileBatch } from '../src/tsql/compiled.js';
import { type Node } from '../src/tsql/tokenize.js';
import { findFreeSlot, run, smallPractice } from './helpers.js';

const { db, file } = smallPractice();
const slot = findFreeSlot(db);

const int = (name: string, value: unknown): SimParam => ({ name, direction: 'input', value, sqlType: 'Int' });

/** Batches covering the translator and the interpreter; none depends on the clock or on earlier runs. */
const CORPUS: Array<[string, SimParam[]]> = [
  ['SELECT InternalID, Firstname, Surname FROM BPS_Patients WHERE InternalID = 42', []],
  ['SELECT InternalID, Firstname, Surname FROM BPS_Patients WHERE InternalID = @id', [int('@id', 42)]],
  ['SELECT InternalID, Firstname, Surname FROM BPS_Patients WHERE InternalID = @ID', [int('id', 7)]],
  ['SELECT TOP 50 * FROM APPOINTMENTS ORDER BY RECORDID', []],
  ['SELECT TOP 5 [INTERNALID], [SURNAME] FROM [BPSPatients].[dbo].[PATIENTS] WITH (NOLOCK) ORDER BY [INTERNALID] DESC', []],
  ['SELECT TOP (2) * FROM BPSPATIENTS.dbo.USERS (NOLOCK) ORDER BY USERID', []],
  ['SELECT DISTINCT TOP 3 CITY FROM PATIENTS ORDER BY CITY', []],
  ["SELECT surname, FullName = FIRSTNAME + ' ' + SURNAME, 'Label' = 1, [Date Of Birth] = DOB FROM PATIENTS WHERE INTERNALID = 1", []],
  ["SELECT COUNT(*) AS n FROM APPOINTMENTS WHERE APPOINTMENTDATE > '20260105' AND RECORDSTATUS = 1", []],
  ["SELECT COUNT(*) AS n FROM APPOINTMENTS WHERE APPOINTMENTDATE BETWEEN '20260106' AND '20260107' OR APPOINTMENTDATE IN ('20260108', '2026-01-09')", []],
  ['SELECT COUNT(*) AS n FROM APPOINTMENTS WHERE USERID = @u AND APPOINTMENTDATE = @d', [int('u', slot.userId), { name: 'd', direction: 'input', value: `${slot.date}T00:00:00.000Z`, sqlType: 'DateTime' }]],
  [`SELECT CONVERT(date, '20240105') AS c, DATEADD(day, 14, '2026-01-05') AS plus, DATEADD(month, 1, '2024-01-31') AS eom,
    DATEDIFF(day, '2026-01-01', '2026-01-05') AS diff, ISNULL(NULL, 'x') AS isn, LEN('abc  ') AS len, UPPER('a') + LOWER('B') AS ul,
    CONVERT(varchar(10), CAST('2024-01-05' AS DATE), 103) AS au, CAST('42' AS INT) + 1 AS i, LEFT('Smith', 3) AS l, RIGHT('Smith', 2) AS r,
    SUBSTRING('Smith', 2, 3) AS s, CHARINDEX('i', 'Smith') AS ci, YEAR('2024-03-01') AS y, DATEPART(weekday, '2026-01-05') AS wd,
    DATENAME(month, '2026-01-05') AS mn, CONCAT('a', NULL, 1) AS cc, FLOOR(1.5) AS f, CEILING(1.5) AS ce, ROUND(1.234, 2) AS rd`, []],
  ["SELECT '5' + 1 AS n, 'a' + 'b' AS s, 10 - 3 AS m, DATEADD(day, 1, '2026-01-05') - 1 AS back, 2 * 3 + 1 AS k", []],
  ['SELECT INTERNALID FROM PATIENTS ORDER BY INTERNALID OFFSET 10 ROWS FETCH NEXT 2 ROWS ONLY', []],
  ["SELECT CASE WHEN 1 = 1 THEN 'a' + 'b' ELSE 'c' END AS v, IIF(2 > 1, 'y', 'n') AS w", []],
  ['SELECT TOP 3 ROW_NUMBER() OVER (ORDER BY INTERNALID DESC) AS rn, INTERNALID FROM PATIENTS ORDER BY INTERNALID DESC', []],
  ['SELECT USERID FROM USERS WHERE USERID = 1 UNION ALL SELECT USERID FROM USERS WHERE USERID = 2', []],
  ['WITH c (id) AS (SELECT INTERNALID FROM PATIENTS WHERE INTERNALID < 5) SELECT COUNT(*) AS n FROM c', []],
  ['SELECT p.SURNAME, COUNT(*) AS n FROM PATIENTS p JOIN APPOINTMENTS a ON a.INTERNALID = p.INTERNALID GROUP BY p.SURNAME HAVING COUNT(*) > 1 ORDER BY n DESC, p.SURNAME', []],
  ["DECLARE @n INT = 2, @s VARCHAR(20); SET @n = @n * 5; SET @s = 'x' + CAST(@n AS VARCHAR(5)); SET @n += 1; SELECT @n AS n, @s AS s", []],
  ['DECLARE @x INT SET @x = 3 SELECT @x * 2 AS y', []],
  ['DECLARE @n INT = 7 SELECT @n AS n', []], // evaluates `SELECT 7` with pluck…
  ['SELECT 7', []], // …which must not hand this batch a plucking statement
  ['SET NOCOUNT ON; SELECT 1 AS a; SELECT 2 AS b', []],
  ['EXEC BP_GetAppointmentBookUsers', []],
  ['EXEC dbo.BP_GetAllSessions', []],
  [`EXEC BPSPatients.dbo.BP_GetFreeAppointments @userid = ${slot.userId}, @aptdate = '${slot.date.replace(/-/g, '')}'`, []],
  ['EXEC BP_GetFreeAppointments @userid = @u, @aptdate = @d', [int('u', slot.userId), { name: 'd', direction: 'input', value: slot.date }]],
  ["SET NOCOUNT ON; EXEC @rc = BP_IsAppointmentBooked 1, '2026-01-06', 28800; SET @twice = @rc * 2", [
    { name: '@rc', direction: 'output', value: null, sqlType: 'Int' }, { name: '@twice', direction: 'inputOutput', value: 5, sqlType: 'Int' }]],
  ['UPDATE USERS SET PAGER = PAGER WHERE USERID = 1', []],
  ["BEGIN TRANSACTION; INSERT INTO REMINDERREASONS (REMINDERREASONID, RECORDSTATUS, REASONTEXT) VALUES (950, 1, 'a'), (951, 1, 'b'); SELECT @@ROWCOUNT AS n; ROLLBACK TRANSACTION", []],
  // errors: at translate time, at prepare time (SQLite), at bind time, in the tokenizer, and part-way through a batch
  ["SELECT FORMAT(GETDATE(), 'dd/MM/yyyy')", []],
  ["SELECT 1 AS a; SELECT * FROM PATIENTS WHERE SURNAME LIKE '[A-C]%'", []],
  ['SELECT * FROM NOSUCHTABLE', []],
  ['SELECT NOSUCHCOLUMN FROM PATIENTS', []],
  ['SELECT @undeclared AS x', []],
  ["SELECT 'unclosed", []],
  ['SELECT (1', []],
  ['EXEC BP_NoSuchProcedure', []],
  ["RAISERROR('stop %d', 16, 1)", []],
  ["THROW 50001, 'thrown', 1", []],
  ["DECLARE @d DATE = 'not a date'", []],
];

type Outcome = { ok: true; columns: string[] | null; rows: unknown[]; rowsAffected: number; returnValue: number | null; output: unknown } | { ok: false; number: unknown; message: string };

function outcome(target: BpSimDatabase, text: string, params: SimParam[]): Outcome {
  try {
    const o = target.execute({ text, type: 'text', params });
    return { ok: true, columns: o.columns, rows: [...o.rows], rowsAffected: o.rowsAffected, returnValue: o.returnValue, output: o.output };
  } catch (e) {
    const err = e as { number?: unknown; message: string };
    return { ok: false, number: err.number, message: err.message };
  }
}

test('cached translations and statements give the same results as uncached ones', () => {
  cacheSettings.enabled = false;
  let uncached: Outcome[];
  try {
    uncached = CORPUS.map(([text, params]) => outcome(db, text, params));
  } finally {
    cacheSettings.enabled = true;
  }
  assert.equal(batchCache.size, 0, 'nothing is cached while caching is off');
  // texts and statements are cached from their second use, so the third run is served from the caches
  const runs = [1, 2, 3].map(() => CORPUS.map(([text, params]) => outcome(db, text, params)));
  assert.ok(batchCache.size >= 28, 'the batches that compile are cached');
  for (const cached of runs) CORPUS.forEach(([text], i) => assert.deepEqual(cached[i], uncached[i], text));
  assert.ok(uncached.filter((o) => o.ok).length >= 28 && uncached.filter((o) => !o.ok).length >= 10, 'the corpus covers successes and failures');
  // a second connection to the same file (its own statement cache, shared translations) agrees too
  const other = BpSimDatabase.open(file);
  try {
    CORPUS.forEach(([text, params], i) => assert.deepEqual(outcome(other, text, params), uncached[i], text));
  } finally {
    other.close();
  }
});

test('a translation error part-way through a batch still comes after the statements before it ran', () => {
  const text = "UPDATE USERS SET PAGER = @p WHERE USERID = 2; SELECT FORMAT(1, 'x')";
  for (const pager of ['first', 'second', 'third']) {
    assert.throws(() => run(db, text, { p: pager }), /FORMAT\(\)/);
    assert.equal(run(db, 'SELECT PAGER FROM USERS WHERE USERID = 2').rows[0]?.PAGER, pager);
  }
});

test('failures are not cached as successes', () => {
  batchCache.clear();
  for (let i = 0; i < 3; i++) assert.throws(() => run(db, "SELECT 'unclosed"), { number: 105 });
  assert.equal(batchCache.size, 0, 'a batch the tokenizer rejects is not cached');
  const statements = statementCache(db.raw);
  const before = statements.size;
  for (let i = 0; i < 3; i++) assert.throws(() => run(db, 'SELECT NOSUCHCOLUMN FROM PATIENTS'), { number: 207 });
  assert.equal(statements.size, before, 'a statement SQLite refuses is not cached');
  for (let i = 0; i < 3; i++) assert.throws(() => run(db, 'SELECT FORMAT(1, 2)'), { number: 102 });
  // a missing variable is an error on every run, and the same text with the variable supplied works
  for (let i = 0; i < 2; i++) {
    assert.throws(() => run(db, 'SELECT INTERNALID FROM PATIENTS WHERE INTERNALID = @id'), { number: 137 });
    assert.deepEqual(run(db, 'SELECT INTERNALID FROM PATIENTS WHERE INTERNALID = @id', { id: 3 }).rows, [{ INTERNALID: 3 }]);
  }
});

test('the compiled token tree is never modified by running it', () => {
  const text = `DECLARE @n INT = 1 + 1; SET @n += 1; SELECT TOP 2 FullName = FIRSTNAME + ' ' + SURNAME, DOB FROM PATIENTS
    WHERE DOB > '19000101' AND INTERNALID IN (SELECT TOP 10 INTERNALID FROM PATIENTS) ORDER BY INTERNALID`;
  const deepFreeze = (nodes: Node[]): void => {
    for (const n of nodes) { if (n.t === 'group') deepFreeze(n.items); Object.freeze(n); }
    Object.freeze(nodes);
  };
  batchCache.clear();
  compileBatch(text);
  const compiled = compileBatch(text); // cached from the second use
  compiled.statements.forEach(deepFreeze);
  const rows = () => run(db, text).rows; // throws in strict-mode modules if anything writes to a frozen node
  assert.deepEqual(rows(), rows());
  assert.equal(compileBatch(text), compiled);
});

test('two interleaved iterations of the same SQL each get all their rows', () => {
  const text = 'SELECT TOP 20 INTERNALID FROM PATIENTS WHERE INTERNALID > @from ORDER BY INTERNALID';
  const expected = (from: number): number[] => Array.from({ length: 20 }, (_, i) => from + 1 + i);
  const a = db.execute({ text, type: 'text', params: [int('from', 0)] }).rows[Symbol.iterator]();
  const b = db.execute({ text, type: 'text', params: [int('from', 100)] }).rows[Symbol.iterator]();
  const got: [number[], number[]] = [[], []];
  // a third run while both cursors are open, read to the end at once
  assert.deepEqual(run(db, text, { from: 50 }).rows.map((r) => r.INTERNALID), expected(50));
  for (;;) {
    const x = a.next();
    const y = b.next();
    if (!x.done) got[0].push(Number(x.value.INTERNALID));
    if (!y.done) got[1].push(Number(y.value.INTERNALID));
    if (x.done && y.done) break;
  }
  assert.deepEqual(got, [expected(0), expected(100)]);
  // the cursors are closed now: the statement is reused, and writes are possible again
  assert.deepEqual(run(db, text, { from: 5 }).rows.map((r) => r.INTERNALID), expected(5));
  assert.equal(run(db, "UPDATE USERS SET PAGER = 'z' WHERE USERID = 3").rowsAffected, 1);
});

test('an abandoned or closed-early cursor does not break later runs of the same SQL', () => {
  const text = 'SELECT TOP 5 INTERNALID FROM PATIENTS ORDER BY INTERNALID';
  const abandoned = db.execute({ text, type: 'text', params: [] }).rows[Symbol.iterator]();
  abandoned.next(); // never finished
  assert.equal(run(db, text).rows.length, 5);
  abandoned.return?.();
  // closing without reading a row releases the statement (writes need every cursor closed)
  const unread = db.execute({ text, type: 'text', params: [] }).rows[Symbol.iterator]();
  unread.return?.();
  assert.equal(run(db, "UPDATE USERS SET PAGER = 'y' WHERE USERID = 3").rowsAffected, 1);
  // breaking out of for…of closes the cursor too
  for (const _row of db.execute({ text, type: 'text', params: [] }).rows) break;
  assert.equal(run(db, "UPDATE USERS SET PAGER = 'x' WHERE USERID = 3").rowsAffected, 1);
  assert.equal(run(db, text).rows.length, 5);
});

test('an error while streaming surfaces as a SqlServerError', () => {
  const rows = db.execute({ text: "SELECT CAST(CASE WHEN INTERNALID < 3 THEN '1' ELSE 'x' END AS INT) AS v FROM PATIENTS ORDER BY INTERNALID", type: 'text', params: [] }).rows;
  const seen: unknown[] = [];
  assert.throws(() => { for (const r of rows) seen.push(r.v); }, { name: 'SqlServerError', number: 245 });
  assert.deepEqual(seen, [1, 1]);
  assert.equal(run(db, "UPDATE USERS SET PAGER = 'w' WHERE USERID = 3").rowsAffected, 1, 'the failed cursor was released');
});

test('column lists handed out are copies', () => {
  const text = 'SELECT TOP 1 INTERNALID, SURNAME FROM PATIENTS';
  const o = db.execute({ text, type: 'text', params: [] });
  for (const _row of o.rows) { /* read to the end, closing the cursor */ }
  (o.columns as string[]).push('mutated');
  assert.deepEqual(run(db, text).columns, ['INTERNALID', 'SURNAME']);
});

test('read-only and read-write connections keep separate statements', () => {
  const ro = BpSimDatabase.open(file, { readonly: true });
  try {
    const text = 'SELECT COUNT(*) AS n FROM USERS';
    assert.deepEqual(run(ro, text).rows, run(db, text).rows);
    assert.notEqual(statementCache(ro.raw), statementCache(db.raw));
    assert.throws(() => run(ro, "UPDATE USERS SET PAGER = 'r' WHERE USERID = 1"), { number: 3906 });
    assert.equal(run(db, "UPDATE USERS SET PAGER = 'r' WHERE USERID = 1").rowsAffected, 1);
  } finally {
    ro.close();
  }
});

test('the caches stay bounded', () => {
  batchCache.clear();
  assert.equal(batchCache.max, BATCH_CACHE_SIZE);
  const statements = statementCache(db.raw);
  for (let i = 1; i <= BATCH_CACHE_SIZE + 150; i++) {
    for (let k = 0; k < 2; k++) assert.equal(run(db, `SELECT INTERNALID FROM PATIENTS WHERE INTERNALID = ${i}`).rows.length, i <= 200 ? 1 : 0);
  }
  assert.equal(batchCache.size, BATCH_CACHE_SIZE);
  assert.equal(statements.size, STATEMENT_CACHE_SIZE);
  // very long texts are compiled every time rather than kept
  const long = `SELECT 1 AS x ${' '.repeat(MAX_CACHED_TEXT)}`;
  assert.deepEqual(run(db, long).rows, [{ x: 1 }]);
  assert.notEqual(compileBatch(long), compileBatch(long));
});

test('LruCache evicts the least recently used entry', () => {
  const lru = new LruCache<string, number>(3);
  lru.set('a', 1); lru.set('b', 2); lru.set('c', 3);
  assert.equal(lru.get('a'), 1); // a is now the most recent
  lru.set('d', 4); // evicts b
  assert.equal(lru.get('b'), undefined);
  assert.deepEqual(['a', 'c', 'd'].map((k) => lru.get(k)), [1, 3, 4]);
  lru.set('c', 30); // replacing does not grow it
  assert.equal(lru.size, 3);
  assert.equal(lru.get('c'), 30);
  assert.throws(() => new LruCache(0), RangeError);
});

test('AdmittingCache keeps a key from its second use, and stays bounded', () => {
  const c = new AdmittingCache<number>(2);
  assert.equal(c.offer('a', 1), false);
  assert.equal(c.get('a'), undefined);
  assert.equal(c.offer('a', 2), true);
  assert.equal(c.get('a'), 2);
  assert.equal(c.offer('a', 3), true, 'a cached key is replaced at once');
  assert.equal(c.get('a'), 3);
  for (const k of ['b', 'c', 'd']) { c.offer(k, 0); c.offer(k, 0); }
  assert.equal(c.size, 2);
  assert.equal(c.get('a'), undefined);
  // one-off keys never displace cached ones
  for (let i = 0; i < 100; i++) c.offer(`once${i}`, i);
  assert.deepEqual([c.get('c'), c.get('d'), c.size], [0, 0, 2]);
});
