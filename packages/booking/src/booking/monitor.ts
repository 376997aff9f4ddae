// Changes made in the PMS within a minute: one registered query per practice over the appointments
// booked through the product; the Cloud runs it every `frequencyS` and sends a webhook when its result
// changes; the webhook handler fetches the latest result and marks bookings cancelled or moved.
// No polling: the only timer renews registrations before their 24-hour duration runs out.
import { ConduitApiError, type ConduitClient } from '@conduit/sdk';
import { Pms, type PmsAppointment } from '../pms/pms.js';
import type { BookingStore } from './store.js';

const DURATION_S = 86_400;

export interface MonitorOptions {
  frequencyS: number;
  onError: (e: unknown) => void;
}

export class Monitor {
  readonly frequencyS: number;
  private timer?: NodeJS.Timeout;
  private readonly chains = new Map<number, Promise<void>>();

  constructor(private readonly client: ConduitClient, private readonly store: BookingStore, private readonly opts: MonitorOptions) {
    this.frequencyS = opts.frequencyS;
  }

  start(): void {
    this.timer = setInterval(() => {
      const soon = new Date(Date.now() + 2 * 3600_000).toISOString();
      for (const p of this.store.practices()) {
        if (p.registeredUntil && p.registeredUntil < soon) void this.refresh(p.id).catch(this.opts.onError);
      }
    }, 15 * 60_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async refreshAll(): Promise<void> {
    await Promise.all(this.store.practices().map((p) => this.refresh(p.id).catch(this.opts.onError)));
  }

  /** Re-registers the practice's query over its current bookings (serialised per practice). */
  refresh(practiceId: number): Promise<void> {
    const prev = this.chains.get(practiceId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.doRefresh(practiceId));
    this.chains.set(practiceId, next);
    return next;
  }

  private async doRefresh(practiceId: number): Promise<void> {
    const p = this.store.practice(practiceId);
    // Practices still on the Connector only are not watched through Conduit.
    if (!p || !p.conduitSiteId) return;
    const site = p.conduitSiteId;
    const ids = this.store.monitored(p.id).map((b) => b.pmsRecordId!).sort((a, b) => a - b);
    const old = p.registeredQueryId;
    if (ids.length === 0) {
      this.store.setRegistered(p.id, null, null);
    } else {
      const { id } = await this.client.createRegistered(site, {
        name: `booking-monitor-${p.id}`, frequency: this.frequencyS, duration: DURATION_S, command: { text: Pms.monitorSql(ids) },
      });
      this.store.setRegistered(p.id, id, new Date(Date.now() + DURATION_S * 1000).toISOString());
    }
    if (old) await this.client.cancelRegistered(site, old).catch(() => undefined);
  }

  /** A registered-query webhook: apply the latest result to the practice's bookings. */
  async onResult(siteId: string, queryId: string): Promise<void> {
    let p = this.store.practiceByRegistered(queryId);
    if (!p) {
      // The first run's webhook can arrive before createRegistered's own reply has been recorded:
      // wait for a registration in flight at this site, then look again.
      const pending = this.chains.get(this.store.practiceByConduitSite(siteId)?.id ?? -1);
      if (pending) await pending.catch(() => undefined);
      p = this.store.practiceByRegistered(queryId);
    }
    if (!p || p.conduitSiteId?.toLowerCase() !== siteId.toLowerCase()) return; // an old registration, or not ours
    let rows: PmsAppointment[];
    try {
      rows = (await this.client.getRegisteredResult<PmsAppointment>(p.conduitSiteId, queryId)).rows;
    } catch (e) {
      if (e instanceof ConduitApiError && e.kind === 'notFound') return;
      throw e;
    }
    this.apply(p.id, rows);
  }

  /** Marks bookings whose appointment was cancelled (or deleted) or moved in the PMS. */
  apply(practiceId: number, rows: PmsAppointment[]): number {
    const byId = new Map(rows.map((r) => [Number(r.RECORDID), r]));
    let changed = 0;
    for (const b of this.store.monitored(practiceId)) {
      const r = byId.get(b.pmsRecordId!);
      if (!r) continue; // not in this result (registered before the booking): the next registration covers it
      if (Number(r.RECORDSTATUS) !== 1) {
        this.store.updateBooking(b.id, { status: 'cancelledInPms', note: 'Cancelled in Best Practice' });
        changed++;
        continue;
      }
      const date = String(r.APPOINTMENTDATE).slice(0, 10);
      const time = Number(r.APPOINTMENTTIME);
      const user = Number(r.USERID);
      if (date !== b.date || time !== b.time || user !== b.practitionerId) {
        this.store.updateBooking(b.id, { status: b.status === 'needsReview' ? 'needsReview' : 'moved', date, time, practitionerId: user, note: `Moved in Best Practice${user !== b.practitionerId ? ' to another practitioner' : ''}` });
        changed++;
      }
    }
    return changed;
  }
}
