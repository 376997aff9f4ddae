// What the operator sees of the move: every practice with its stage, wave, blocker and Connector, and
// every wave with its members per stage. Shared by the operator dashboard and GET /api/operator/migration.
//
// `status()` asks Conduit about each practice that is still waiting to move on (one getSite per
// practice), so a page of many practices runs those checks in parallel with a small cap, keeps each
// answer for a few seconds, and does not wait past a deadline: a practice whose check has not come
// back in time shows the blocker the wave runner recorded (with when it was checked) instead.
import { BEST_PRACTICE, type Practice } from './booking-side.js';
import { STAGES, type Stage } from './stages.js';
import type { MigrationStatus } from './control.js';
import type { MigrationPagesContext } from './context.js';
import type { Wave } from './waves.js';

export type PracticeKind = 'migrating' | 'otherPms' | 'conduitOnly';

export interface ConnectorView {
  online: boolean;
  retired: boolean;
  /** False when the practice unticked the old Connector integration (its database login is refused). */
  databaseAccess: boolean | null;
  pmsVersion: string | null;
  lastSeenAt: string | null;
}

export interface PracticeRow {
  id: number;
  key: string;
  name: string;
  pms: string;
  bpSiteId: string;
  /** `migrating`: a Best Practice practice on its way to Conduit; `otherPms`: keeps the Connector; `conduitOnly`: onboarded through Conduit. */
  kind: PracticeKind;
  paired: boolean;
  stage: Stage | null;
  since: string | null;
  wave: { id: number; name: string } | null;
  /** Why the practice cannot move on: the live check when it answered in time, else the wave runner's record. */
  blocker: string | null;
  blockerSource: 'live' | 'runner' | null;
  /** Every readiness blocker of the live check (empty when not checked). */
  blockers: string[];
  /** What the wave runner recorded at its last check (e.g. a soak time still to run). */
  runnerBlocker: string | null;
  runnerCheckedAt: string | null;
  comparisons: number;
  openDifferences: number;
  connector: ConnectorView;
}

export interface WaveView extends Wave {
  state: 'scheduled' | 'started';
  members: { practice: string; name: string | null; stage: Stage; blocker: string | null; checkedAt: string | null }[];
  /** Members per stage. */
  stages: Record<Stage, number>;
}

export interface Overview {
  generatedAt: string;
  /** Migrating practices per stage. */
  stages: Record<Stage, number>;
  waves: WaveView[];
  practices: PracticeRow[];
}

const emptyStages = (): Record<Stage, number> => Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;

/** Runs `f` over `items`, at most `limit` at once. */
export async function eachLimited<T>(items: readonly T[], limit: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await f(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** A practice's migration status, fetched at most `concurrency` at once and kept for `ttlMs`. */
export class StatusCache {
  private readonly kept = new Map<string, { status: MigrationStatus; at: number }>();
  private readonly inFlight = new Map<string, Promise<MigrationStatus>>();

  constructor(private readonly status: (key: string) => Promise<MigrationStatus>, readonly ttlMs = 5000, readonly concurrency = 8) {}

  /** The status of one practice (fresh when `fresh`, else from the last few seconds). */
  get(key: string, fresh = false): Promise<MigrationStatus> {
    const k = this.kept.get(key);
    if (!fresh && k && Date.now() - k.at < this.ttlMs) return Promise.resolve(k.status);
    let p = this.inFlight.get(key);
    if (!p) {
      p = this.status(key).then((s) => {
        this.kept.set(key, { status: s, at: Date.now() });
        return s;
      }).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    return p;
  }

  /**
   * The statuses of many practices, at most `concurrency` at once; those not back within `deadlineMs`
   * are left out (their checks go on and are kept for the next page).
   */
  async many(keys: readonly string[], deadlineMs: number, onError: (e: unknown) => void): Promise<Map<string, MigrationStatus>> {
    const out = new Map<string, MigrationStatus>();
    let timer: NodeJS.Timeout | undefined;
    const all = eachLimited(keys, this.concurrency, async (key) => {
      try {
        out.set(key, await this.get(key));
      } catch (e) {
        onError(e);
      }
    });
    const deadline = new Promise<void>((resolve) => { timer = setTimeout(resolve, deadlineMs); });
    await Promise.race([all, deadline]);
    clearTimeout(timer);
    return new Map(out);
  }

  forget(key?: string): void {
    if (key === undefined) this.kept.clear();
    else this.kept.delete(key);
  }
}

export function kindOf(p: Practice, hasStage: boolean): PracticeKind {
  if (p.pms !== BEST_PRACTICE) return 'otherPms';
  return p.siteId !== p.conduitSiteId || hasStage ? 'migrating' : 'conduitOnly';
}

export function connectorView(ctx: MigrationPagesContext, key: string): ConnectorView {
  const i = ctx.connectors.info(key);
  return { online: i.online, retired: i.retired, databaseAccess: i.databaseAccess, pmsVersion: i.pmsVersion, lastSeenAt: i.lastSeenAt };
}

/** Everything the operator needs on one page; live checks for at most `deadlineMs`. */
export async function buildOverview(ctx: MigrationPagesContext, cache: StatusCache, deadlineMs = 2500): Promise<Overview> {
  const practices = ctx.booking.practices();
  const byKey = new Map(practices.map((p) => [p.siteId, p]));
  const waves = ctx.waves.waves();
  const waveById = new Map(waves.map((w) => [w.id, w]));
  const members = ctx.waves.members();
  const memberByKey = new Map(members.map((m) => [m.practice, m]));
  const stored = new Map(ctx.migrationStore.stages().map((s) => [s.practice, s]));

  const kinds = new Map(practices.map((p) => [p.siteId, kindOf(p, stored.has(p.siteId))]));
  const migrating = practices.filter((p) => kinds.get(p.siteId) === 'migrating').map((p) => p.siteId);
  // Only practices that can still move on need a live check; retired ones cannot.
  const toCheck = migrating.filter((k) => ctx.migrationStore.stage(k) !== 'connector-retired');
  const live = await cache.many(toCheck, deadlineMs, ctx.onError);

  const stages = emptyStages();
  const rows: PracticeRow[] = practices.map((p) => {
    const key = p.siteId;
    const kind = kinds.get(key)!;
    const member = memberByKey.get(key);
    const wave = member ? waveById.get(member.waveId) : undefined;
    const st = live.get(key);
    const stage = kind === 'migrating' ? ctx.migrationStore.stage(key) : null;
    if (stage) stages[stage]++;
    const runnerBlocker = member?.blocker ?? null;
    const blocker = kind !== 'migrating' ? null : st ? st.blocker : runnerBlocker;
    return {
      id: p.id, key, name: p.name, pms: p.pms, bpSiteId: p.bpSiteId, kind, paired: p.conduitSiteId !== null,
      stage, since: kind === 'migrating' ? (ctx.migrationStore.since(key)?.toISOString() ?? null) : null,
      wave: wave ? { id: wave.id, name: wave.name } : null,
      blocker, blockerSource: kind !== 'migrating' ? null : st ? 'live' : runnerBlocker !== null ? 'runner' : null,
      blockers: st?.blockers ?? [], runnerBlocker, runnerCheckedAt: member?.checkedAt ?? null,
      comparisons: kind === 'migrating' ? ctx.migrationStore.comparisons(key) : 0,
      openDifferences: kind === 'migrating' ? ctx.migrationStore.openDifferences(key) : 0,
      connector: connectorView(ctx, key),
    };
  });

  const waveViews: WaveView[] = waves.map((w) => {
    const ms = members.filter((m) => m.waveId === w.id).map((m) => ({
      practice: m.practice, name: byKey.get(m.practice)?.name ?? null, stage: ctx.migrationStore.stage(m.practice), blocker: m.blocker, checkedAt: m.checkedAt,
    }));
    const per = emptyStages();
    for (const m of ms) per[m.stage]++;
    return { ...w, state: w.startedAt ? 'started' : 'scheduled', members: ms, stages: per };
  });

  return { generatedAt: new Date().toISOString(), stages, waves: waveViews, practices: rows };
}
