// The shadow stage's access: the Connector serves, Conduit is asked the same reads and the answers
// compared (differences described without values, shadow-diff.ts).
import { DelegatingAccess, type PmsAccess, type ReadCall, type WriteCall } from '../pms/access.js';
import { describeDifference, describeFailure } from './shadow-diff.js';

/** Called once per shadow comparison: `same` false carries a description of the difference (no values). */
export type ShadowRecorder = (siteId: string, call: string, same: boolean, detail: string) => void;

const stable = (v: unknown): string => JSON.stringify(v);
const REREADS = 2;

/**
 * Shadow stage: the primary (the Connector) serves every call; every read is also made through the
 * shadow (Conduit) at the same time and the two results compared. A shadow failure is a difference,
 * never a failure of the call. Writes go to the primary only.
 */
export class ShadowAccess extends DelegatingAccess {
  constructor(private readonly primary: PmsAccess, private readonly shadow: PmsAccess, private readonly record: ShadowRecorder) {
    super();
  }

  protected async read<T>(siteId: string, call: ReadCall, f: (b: PmsAccess) => Promise<T>): Promise<T> {
    const [p, s] = await Promise.allSettled([f(this.primary), f(this.shadow)]);
    if (p.status === 'rejected') {
      this.record(siteId, call, s.status === 'rejected', s.status === 'rejected' ? '' : 'the Connector failed where Conduit answered');
      throw p.reason;
    }
    if (s.status === 'rejected') {
      this.record(siteId, call, false, `Conduit failed: ${describeFailure(s.reason)}`);
      return p.value;
    }
    const same = stable(p.value) === stable(s.value) || (await this.agreeOnReread(f));
    this.record(siteId, call, same, same ? '' : describeDifference(p.value, s.value));
    return p.value;
  }

  protected write<T>(_siteId: string, _call: WriteCall, f: (b: PmsAccess) => Promise<T>): Promise<T> {
    return f(this.primary);
  }

  /**
   * The practice database can change between two reads made at the same time (a booking, reception
   * at work), so one mismatch is not yet a difference: the pair is read again, one after the other,
   * up to REREADS times. A real difference between the backends never agrees; a change in between does.
   */
  private async agreeOnReread<T>(f: (b: PmsAccess) => Promise<T>): Promise<boolean> {
    for (let i = 0; i < REREADS; i++) {
      try {
        const a = stable(await f(this.primary));
        if (a === stable(await f(this.shadow))) return true;
      } catch {
        return false;
      }
    }
    return false;
  }
}
