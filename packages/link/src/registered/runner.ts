// Runs the site's registered queries on their schedules. The definitions come from the Cloud (the
// source of truth, re-sent on every connection) and are also kept in the Link's state, so a restarted
// Link resumes its schedule even before the Cloud is reachable.
import type { RegisteredDefinition } from '@conduit/protocol';
import type { LinkState } from '../state.js';

interface Entry {
  def: RegisteredDefinition;
  nextRunAt: number;
  running: boolean;
}

export class RegisteredRunner {
  private readonly entries = new Map<string, Entry>();
  private timer?: NodeJS.Timeout;

  /** `cloudNow`: the Cloud's clock as the Link reckons it (expiresAt is a Cloud time). */
  constructor(private readonly state: LinkState, private readonly run: (def: RegisteredDefinition) => Promise<string | null>, private readonly cloudNow: () => number = Date.now) {
    for (const def of JSON.parse(state.get('registered') ?? '[]') as RegisteredDefinition[]) this.entries.set(def.id, { def, nextRunAt: 0, running: false });
  }

  start(tickMs = 500): void {
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Replaces the set; queries already known keep their schedule, new ones run at once. */
  sync(defs: RegisteredDefinition[]): void {
    const next = new Map<string, Entry>();
    for (const def of defs) {
      const had = this.entries.get(def.id);
      // Update a known entry in place: a run in flight holds this object and clears `running` on it when
      // it ends. A copy would keep `running: true` forever and the query would never run again.
      // The Cloud's hash wins: it is the result the Cloud has stored. A result this Link sent that never
      // got there (the Cloud died first) is then sent again by the next run; one the Cloud has by now
      // but had not stored when it sent this is sent once more and dropped there as unchanged.
      if (had) had.def = def;
      next.set(def.id, had ?? { def, nextRunAt: 0, running: false });
    }
    this.entries.clear();
    for (const [k, v] of next) this.entries.set(k, v);
    this.persist();
  }

  private persist(): void {
    this.state.set('registered', JSON.stringify([...this.entries.values()].map((e) => e.def)));
  }

  private tick(): void {
    const now = Date.now();
    const cloudNow = this.cloudNow();
    for (const [id, e] of this.entries) {
      if (cloudNow >= e.def.expiresAt) {
        this.entries.delete(id);
        this.persist();
        continue;
      }
      if (e.running || now < e.nextRunAt) continue;
      e.running = true;
      e.nextRunAt = now + e.def.frequency * 1000;
      this.run(e.def).then(
        (hash) => {
          e.running = false;
          if (hash && hash !== e.def.lastHash) {
            e.def = { ...e.def, lastHash: hash };
            if (this.entries.get(id) === e) this.persist();
          }
        },
        () => {
          e.running = false;
        },
      );
    }
  }
}
