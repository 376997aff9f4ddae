// The migration stages at work in the running booking server. Per practice the stage decides which
// backend serves every Best Practice call:
//   connector, ready   -> the Connector
//   shadow             -> the Connector serves; every read is also made through Conduit and compared
//                         (recorded in the MigrationStore)
//   conduit            -> Conduit serves; a read Conduit fails is served by the Connector instead, and
//                         when Conduit errors pass the ErrorWindow threshold the practice falls back
//                         (conduit -> shadow), audited
//   connector-retired  -> Conduit only, after the Connector confirmed its shutdown
// Operators move practices with `advance`, `revert` and read `status` (the blocker in the words).
import { DelegatingAccess, type PmsAccess, type ReadCall, type WriteCall } from '../pms/access.js';
import { ShadowAccess } from './shadow.js';
import type { ConnectorHub } from '../pms/connector-hub.js';
import {
  STAGES, ErrorWindow, TransitionRefused, canTransition, fallbackStage, readinessBlockers,
  type AuditEntry, type MigrationStore, type MinimumVersion, type ReadinessFacts, type Stage, type TransitionContext,
} from './stages.js';
import { isoDate, type Practitioner } from '../pms/pms.js';

export interface MigrationControlOptions {
  store: MigrationStore;
  hub: ConnectorHub;
  conduit: PmsAccess;
  connector: PmsAccess;
  /** The readiness facts of a practice (PMS version, integration ticked, paired, Link online). */
  facts: (practiceId: string) => Promise<ReadinessFacts>;
  minimum?: MinimumVersion;
  /** Shadow comparisons needed before shadow -> conduit (default 1). */
  minComparisons?: number;
  /** Conduit errors within `errorWindowMs` that make a practice in `conduit` fall back (default 5 in 60 s). */
  errorThreshold?: number;
  errorWindowMs?: number;
  /** Practices that are not moving (onboarded through Conduit, no Connector): Conduit serves them. */
  conduitOnly?: (practiceId: string) => boolean;
  /** Called after every stage change (for logs and the dashboard). */
  onChange?: (practiceId: string, from: Stage, to: Stage, actor: string, reason: string) => void;
}

export interface MigrationStatus {
  practiceId: string;
  stage: Stage;
  /** When the practice entered its stage (null: never moved). */
  since: string | null;
  /** The stage `advance` would move to, or null after retirement. */
  next: Stage | null;
  /** Why `advance` cannot move on now, in the operator's words; null when it can. */
  blocker: string | null;
  /** Every readiness blocker (e.g. "Bp version older than required", "Link unreachable"). */
  blockers: string[];
  comparisons: number;
  openDifferences: number;
  connectorOnline: boolean;
  connectorRetired: boolean;
  audit: AuditEntry[];
}

export class MigrationControl extends DelegatingAccess {
  private readonly windows = new Map<string, ErrorWindow>();
  private readonly shadow: ShadowAccess;

  constructor(private readonly o: MigrationControlOptions) {
    super();
    this.shadow = new ShadowAccess(o.connector, o.conduit, (siteId, call, same, detail) => o.store.recordComparison(siteId, call, same, detail));
  }

  stage(practiceId: string): Stage {
    return this.o.store.stage(practiceId);
  }

  /** The backend name serving the practice now ('shadow' = the Connector with Conduit compared). */
  serving(practiceId: string): 'connector' | 'shadow' | 'conduit' {
    if (this.o.conduitOnly?.(practiceId)) return 'conduit';
    const s = this.stage(practiceId);
    return s === 'shadow' ? 'shadow' : s === 'conduit' || s === 'connector-retired' ? 'conduit' : 'connector';
  }

  private window(practiceId: string): ErrorWindow {
    let w = this.windows.get(practiceId);
    if (!w) this.windows.set(practiceId, (w = new ErrorWindow(this.o.errorThreshold ?? 5, this.o.errorWindowMs ?? 60_000)));
    return w;
  }

  private change(practiceId: string, to: Stage, actor: string, reason: string, ctx: TransitionContext = {}): void {
    const from = this.stage(practiceId);
    this.o.store.transition(practiceId, to, actor, reason, ctx);
    this.windows.get(practiceId)?.reset();
    this.o.onChange?.(practiceId, from, to, actor, reason);
  }

  /** Counts a Conduit outcome in the `conduit` stage; past the threshold the practice falls back, audited. */
  private conduitOutcome(practiceId: string, ok: boolean): void {
    if (this.stage(practiceId) !== 'conduit') return;
    if (!this.window(practiceId).record(ok)) return;
    const to = fallbackStage('conduit');
    if (to) this.change(practiceId, to, 'system', `automatic fallback: ${this.window(practiceId).threshold} Conduit errors within ${Math.round(this.window(practiceId).windowMs / 1000)} s`);
  }

  protected async read<T>(siteId: string, _call: ReadCall, f: (b: PmsAccess) => Promise<T>): Promise<T> {
    if (this.o.conduitOnly?.(siteId)) return f(this.o.conduit);
    const s = this.stage(siteId);
    if (s === 'shadow') return f(this.shadow);
    if (s === 'connector' || s === 'ready') return f(this.o.connector);
    try {
      const r = await f(this.o.conduit);
      this.conduitOutcome(siteId, true);
      return r;
    } catch (e) {
      if (s === 'connector-retired') throw e;
      this.conduitOutcome(siteId, false);
      // A read is safe to repeat: the Connector answers it while it is kept as fallback.
      if (this.o.hub.isOnline(siteId)) return f(this.o.connector);
      throw e;
    }
  }

  protected async write<T>(siteId: string, _call: WriteCall, f: (b: PmsAccess) => Promise<T>): Promise<T> {
    if (this.o.conduitOnly?.(siteId)) return f(this.o.conduit);
    const s = this.stage(siteId);
    if (s !== 'conduit' && s !== 'connector-retired') return f(this.o.connector);
    try {
      const r = await f(this.o.conduit);
      this.conduitOutcome(siteId, true);
      return r;
    } catch (e) {
      // A write is never repeated through the other backend: it may have been carried out.
      if (s === 'conduit') this.conduitOutcome(siteId, false);
      throw e;
    }
  }

  private next(stage: Stage): Stage | null {
    const i = STAGES.indexOf(stage);
    return i + 1 < STAGES.length ? STAGES[i + 1]! : null;
  }

  private async context(practiceId: string, to: Stage | null): Promise<TransitionContext> {
    const ctx: TransitionContext = { minimum: this.o.minimum, minComparisons: this.o.minComparisons ?? 1 };
    if (to === 'ready' || to === 'shadow' || to === 'conduit') ctx.facts = await this.o.facts(practiceId);
    return ctx;
  }

  /**
   * Moves the practice one stage on when its checks pass (audited). Retirement switches the Connector
   * off through the hub first and moves only when the agent confirmed its database closed.
   * Throws TransitionRefused with the blocker otherwise.
   */
  async advance(practiceId: string, actor = 'operator', reason = 'advanced by the operator'): Promise<MigrationStatus> {
    const from = this.stage(practiceId);
    const to = this.next(from);
    if (!to) throw new TransitionRefused(from, from, { ok: false, reason: 'the Connector is retired: the move is final' });
    const ctx = await this.context(practiceId, to);
    if (to === 'connector-retired') {
      const pre = canTransition(from, to, { ...ctx, retirementConfirmed: true });
      if (!pre.ok) throw new TransitionRefused(from, to, pre);
      // Already recorded by the hub (this server stopped between the Connector's confirmation and the stage change).
      if (this.o.hub.isRetired(practiceId)) ctx.retirementConfirmed = true;
      else if (!this.o.hub.isOnline(practiceId)) throw new TransitionRefused(from, to, { ok: false, reason: 'the Connector is not connected, so its shutdown cannot be confirmed' });
      else ctx.retirementConfirmed = await this.o.hub.retire(practiceId, reason);
    }
    this.change(practiceId, to, actor, reason, ctx);
    return this.status(practiceId);
  }

  /** Moves the practice back (one stage by default, or to `to`), audited; refused after retirement. */
  async revert(practiceId: string, to?: Stage, actor = 'operator', reason = 'reverted by the operator'): Promise<MigrationStatus> {
    const from = this.stage(practiceId);
    const target = to ?? STAGES[Math.max(0, STAGES.indexOf(from) - 1)]!;
    if (STAGES.indexOf(target) >= STAGES.indexOf(from) && from !== 'connector-retired') {
      throw new TransitionRefused(from, target, { ok: false, reason: `${target} is not before ${from}` });
    }
    this.change(practiceId, target, actor, reason);
    return this.status(practiceId);
  }

  /**
   * In shadow, makes the reads a patient's visit would (practitioners, appointment types, today's free
   * times) so a quiet practice gets compared too; each is counted like any other comparison.
   */
  async probe(practiceId: string): Promise<void> {
    if (this.stage(practiceId) !== 'shadow') return;
    const users = await this.shadow.practitioners(practiceId).catch(() => [] as Practitioner[]);
    await this.shadow.appointmentTypes(practiceId).catch(() => undefined);
    if (users[0]) await this.shadow.freeSlotsOn(practiceId, users[0].id, isoDate(new Date())).catch(() => undefined);
  }

  /** Where the practice is, and what stops it from moving on (null when `advance` would succeed). */
  async status(practiceId: string): Promise<MigrationStatus> {
    const stage = this.stage(practiceId);
    const next = this.next(stage);
    const ctx = await this.context(practiceId, next);
    const blockers = ctx.facts ? readinessBlockers(ctx.facts, this.o.minimum).map((b) => b.message) : [];
    let blocker: string | null = null;
    if (next) {
      const check = canTransition(stage, next, {
        ...ctx, openDifferences: this.o.store.openDifferences(practiceId), comparisons: this.o.store.comparisons(practiceId), retirementConfirmed: true,
      });
      if (!check.ok) blocker = check.reason;
      else if (next === 'connector-retired' && !this.o.hub.isOnline(practiceId) && !this.o.hub.isRetired(practiceId)) blocker = 'the Connector is not connected, so its shutdown cannot be confirmed';
    } else blocker = 'the Connector is retired: the move is final';
    return {
      practiceId, stage, since: this.o.store.since(practiceId)?.toISOString() ?? null, next, blocker, blockers,
      comparisons: this.o.store.comparisons(practiceId), openDifferences: this.o.store.openDifferences(practiceId),
      connectorOnline: this.o.hub.isOnline(practiceId), connectorRetired: this.o.hub.isRetired(practiceId),
      audit: this.o.store.audit(practiceId),
    };
  }
}
