// Result data: base64 of JSON (an array of row objects keyed by column name, or one value for scalar
// queries), and an incremental reader for the streamed page endpoint, which sends the JSON array itself.

/** Optional per-row conversion/validation; rows are otherwise cast to `T` unchecked. */
export type RowMapper<T> = (row: unknown) => T;

/** Decodes a base64 `data` field into its JSON value. */
export function decodeData(data: string | undefined | null): unknown {
  if (data === undefined || data === null || data === '') return undefined;
  return JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as unknown;
}

/**
 * Decodes a base64 `data` field into rows. A JSON array gives its elements; any other value (a scalar
 * query's result) gives one row holding that value; no data gives no rows.
 */
export function decodeRows<T = Record<string, unknown>>(data: string | undefined | null, map?: RowMapper<T>): T[] {
  const value = decodeData(data);
  if (value === undefined) return [];
  const rows = Array.isArray(value) ? value : [value];
  return map ? rows.map(map) : (rows as T[]);
}

/**
 * Yields the elements of a JSON array arriving in chunks, one parsed element at a time, holding at
 * most one element's text (plus one chunk) in memory. Throws if the text is not a JSON array.
 */
export async function* parseJsonArrayStream(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let started = false;
  let ended = false;
  let depth = 0; // nesting inside the current element
  let inString = false;
  let escaped = false;
  let current = '';
  const flush = function* (): Generator<unknown> {
    const text = current.trim();
    current = '';
    if (text !== '') yield JSON.parse(text) as unknown;
  };
  const feed = function* (text: string): Generator<unknown> {
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (!started) {
        if (c === '[') {
          started = true;
          from = i + 1;
        } else if (!/\s/.test(c) && c !== '\ufeff') throw new SyntaxError('the result page is not a JSON array');
        continue;
      }
      if (ended) {
        if (!/\s/.test(c)) throw new SyntaxError('unexpected data after the JSON array');
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (depth === 0 && c === ']') {
          current += text.slice(from, i);
          yield* flush();
          ended = true;
          continue;
        }
        depth--;
      } else if (c === ',' && depth === 0) {
        current += text.slice(from, i);
        yield* flush();
        from = i + 1;
      }
    }
    if (started && !ended) current += text.slice(from);
  };
  for await (const chunk of chunks) yield* feed(decoder.decode(chunk, { stream: true }));
  yield* feed(decoder.decode());
  if (!started || !ended) throw new SyntaxError('the result page ended before its JSON array was complete');
}
