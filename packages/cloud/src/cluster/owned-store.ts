// The store as a cluster node's query services see it: every query record it creates names this node
// (queries.node), so the store itself says whose queries are in flight and a survivor can end exactly
// those of a dead node (Store.failInterrupted with the node). Everything else passes through unchanged.
import type { QueryRecord, Store } from '../store/types.js';

export function ownedBy<S extends Store>(store: S, nodeId: string): S {
  const bound = new Map<PropertyKey, unknown>();
  const insertQuery = (q: QueryRecord): Promise<void> => {
    q.node = nodeId;
    return store.insertQuery(q);
  };
  // The batched write path (queries/write-batch.ts) inserts through writeQueries: stamp those too.
  const writeQueries = store.writeQueries
    ? (inserts: QueryRecord[], updates: QueryRecord[]): Promise<void> => {
      for (const q of inserts) q.node = nodeId;
      return store.writeQueries!(inserts, updates);
    }
    : undefined;
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'insertQuery') return insertQuery;
      if (prop === 'writeQueries') return writeQueries;
      let v = bound.get(prop);
      if (v === undefined) {
        v = Reflect.get(target, prop) as unknown;
        if (typeof v === 'function') bound.set(prop, (v = (v as (...a: unknown[]) => unknown).bind(target)));
      }
      return v;
    },
  });
}
