// Groups the query-record writes of one event-loop turn into one store transaction. Under load many
// requests start and end in the same turn; written one by one, each is its own SQLite commit (about
// 7 page writes and 6 lock calls each, most of the Cloud's system calls per query). A store without
// writeQueries gets the writes one by one, as before.
import type { QueryRecord, Store } from '../store/types.js';

interface Waiting {
  q: QueryRecord;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class QueryWriteBatch {
  private inserts: Waiting[] = [];
  private updates: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly store: Store) {}

  /** Resolves once the record is stored (end of this turn). */
  insert(q: QueryRecord): Promise<void> {
    return this.queue(this.inserts, q);
  }

  update(q: QueryRecord): Promise<void> {
    return this.queue(this.updates, q);
  }

  private queue(list: Waiting[], q: QueryRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      list.push({ q, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const inserts = this.inserts;
    const updates = this.updates;
    this.inserts = [];
    this.updates = [];
    // Even a lone record goes as a batch: the PostgreSQL store lets a batch of final updates ride with the next insert.
    if (this.store.writeQueries) {
      try {
        await this.store.writeQueries(inserts.map((w) => w.q), updates.map((w) => w.q));
        for (const w of [...inserts, ...updates]) w.resolve();
        return;
      } catch {
        // one bad record must not fail the others: write them one by one below
      }
    }
    for (const w of inserts) await this.store.insertQuery(w.q).then(w.resolve, w.reject);
    for (const w of updates) await this.store.updateQuery(w.q).then(w.resolve, w.reject);
  }
}
