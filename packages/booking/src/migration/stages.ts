// The per-practice migration from the legacy Connector to Conduit, as a pure model plus its store.
//   connector -> ready -> shadow -> conduit -> connector-retired
// `ready` needs every readiness check to pass; `shadow` serves from the Connector and makes every read
// through Conduit too, recording differences; `conduit` serves from Conduit with the Connector as
// fallback; `connector-retired` needs the Connector's confirmed shutdown and is final. Every change is
// audited; every step back is allowed until retirement; too many Conduit errors fall back by themselves.
import Database from 'better-sqlite3';

export const STAGES = ['connector', 'ready', 'shadow', 'conduit', 'connector-retired'] as const;
export type Stage = (typeof STAGES)[number];

export interface ReadinessFacts {
  /** The PMS version string as Bp reports it, e.g. "Bp Premier Orchid SP1"; null when unknown. */
  pmsVersion: string | null;
  /** The product's Conduit integration is ticked in Bp's third-party integrations. */
  integrationTicked: boolean;
  /** The practice entered a pairing code and the site is paired with the product. */
  paired: boolean;
  /** Conduit Link reports the site online. */
  siteOnline: boolean;
}

export type BlockerCode = 'pmsVersion' | 'integration' | 'pairing' | 'linkUnreachable';
export interface Blocker { code: BlockerCode; message: string }

/** Bp Premier releases, oldest first (operator-configurable). */
export const BP_RELEASES = ['Indigo', 'Jade', 'Orchid', 'Saffron'];
export interface MinimumVersion { release: string; servicePack: number }
export const DEFAULT_MINIMUM: MinimumVersion = { release: 'Orchid', servicePack: 1 };

/** [release index, service pack] of a Bp version string, or null when it cannot be read. */
export function parseBpVersion(v: string | null, releases: readonly string[] = BP_RELEASES): [number, number] | null {
  if (!v) return null;
  const i = releases.findIndex((r) => new RegExp(`\\b${r}\\b`, 'i').test(v));
  if (i < 0) return null;
  const sp = /\bSP\s*(\d+)/i.exec(v);
  return [i, sp ? Number(sp[1]) : 0];
}

export function versionAtLeast(v: string | null, min: MinimumVersion = DEFAULT_MINIMUM, releases: readonly string[] = BP_RELEASES): boolean {
  const got = parseBpVersion(v, releases);
  const want = releases.indexOf(min.release);
  if (!got || want < 0) return false;
  return got[0] > want || (got[0] === want && got[1] >= min.servicePack);
}

/** What stops a practice from moving on, in the operator's words (empty when ready). */
export function readinessBlockers(f: ReadinessFacts, min: MinimumVersion = DEFAULT_MINIMUM, releases: readonly string[] = BP_RELEASES): Blocker[] {
  const out: Blocker[] = [];
  if (!versionAtLeast(f.pmsVersion, min, releases)) out.push({ code: 'pmsVersion', message: 'Bp version older than required' });
  if (!f.integrationTicked) out.push({ code: 'integration', message: 'integration not ticked' });
  if (!f.paired) out.push({ code: 'pairing', message: 'pairing code not entered' });
  if (!f.siteOnline) out.push({ code: 'linkUnreachable', message: 'Link unreachable' });
  return out;
}

/** Which backend serves the practice's reads and writes in a stage. */
export function servingBackend(stage: Stage): 'connector' | 'conduit' {
  return stage === 'conduit' || stage === 'connector-retired' ? 'conduit' : 'connector';
}

/** In shadow, every read is also made through Conduit and compared. */
export const shadowReads = (stage: Stage): boolean => stage === 'shadow';

/** The Connector can still take over (everything before retirement). */
export const connectorAvailable = (stage: Stage): boolean => stage !== 'connector-retired';

export interface TransitionContext {
  facts?: ReadinessFacts;
  minimum?: MinimumVersion;
  /** Shadow differences recorded and not yet resolved (blocks shadow -> conduit). */
  openDifferences?: number;
  /** Reads compared in shadow so far (blocks shadow -> conduit until `minComparisons`). */
  comparisons?: number;
  minComparisons?: number;
  /** The Connector confirmed its shutdown with its database closed (needed for retirement). */
  retirementConfirmed?: boolean;
}

export type TransitionCheck = { ok: true } | { ok: false; reason: string; blockers?: Blocker[] };

/** Whether `from` -> `to` is allowed now. Forward moves are one step at a time; back moves any number until retirement. */
export function canTransition(from: Stage, to: Stage, ctx: TransitionContext = {}): TransitionCheck {
  if (from === to) return { ok: false, reason: `already ${to}` };
  if (from === 'connector-retired') return { ok: false, reason: 'the Connector is retired: the move is final' };
  const fi = STAGES.indexOf(from);
  const ti = STAGES.indexOf(to);
  if (ti < fi) return { ok: true };
  if (ti !== fi + 1) return { ok: false, reason: `${from} can only move on to ${STAGES[fi + 1]}` };
  if (to === 'ready' || to === 'shadow' || to === 'conduit') {
    if (!ctx.facts) return { ok: false, reason: 'readiness not checked' };
    const blockers = readinessBlockers(ctx.facts, ctx.minimum);
    if (blockers.length) return { ok: false, reason: blockers.map((b) => b.message).join('; '), blockers };
  }
  if (to === 'conduit') {
    if ((ctx.openDifferences ?? 0) > 0) return { ok: false, reason: `${ctx.openDifferences} shadow difference(s) to resolve` };
    if ((ctx.comparisons ?? 0) < (ctx.minComparisons ?? 1)) return { ok: false, reason: 'not enough shadow comparisons yet' };
  }
  if (to === 'connector-retired' && !ctx.retirementConfirmed) return { ok: false, reason: 'the Connector has not confirmed its shutdown' };
  return { ok: true };
}

/** Counts Conduit errors in a sliding window; `record` says when the threshold is passed (fall back to the Connector). */
export class ErrorWindow {
  private times: number[] = [];
  constructor(readonly threshold = 5, readonly windowMs = 60_000) {}
  record(ok: boolean, now = Date.now()): boolean {
    this.times = this.times.filter((t) => now - t < this.windowMs);
    if (ok) return false;
    this.times.push(now);
    return this.times.length >= this.threshold;
  }
  reset(): void {
    this.times = [];
  }
}

/** Where an automatic fallback goes from a stage (the Connector serves again; Conduit is still compared). */
export function fallbackStage(stage: Stage): Stage | null {
  return stage === 'conduit' ? 'shadow' : null;
}

export interface AuditEntry { id: number; practice: string; from: Stage | null; to: Stage; actor: string; reason: string; at: string }
export interface ShadowDifference { id: number; practice: string; call: string; detail: string; at: string; resolved: boolean }

const SCHEMA = `
CREATE TABLE IF NOT EXISTS migration_stage (practice TEXT PRIMARY KEY, stage TEXT NOT NULL, updated_at TEXT NOT NULL, comparisons INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS migration_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, practice TEXT NOT NULL, from_stage TEXT, to_stage TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS migration_difference (id INTEGER PRIMARY KEY AUTOINCREMENT, practice TEXT NOT NULL, call TEXT NOT NULL, detail TEXT NOT NULL, at TEXT NOT NULL, resolved INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS migration_audit_practice ON migration_audit (practice, id);
CREATE INDEX IF NOT EXISTS migration_difference_practice ON migration_difference (practice, resolved);
`;

export class TransitionRefused extends Error {
  constructor(readonly from: Stage, readonly to: Stage, readonly check: Extract<TransitionCheck, { ok: false }>) {
    super(`${from} -> ${to} refused: ${check.reason}`);
    this.name = 'TransitionRefused';
  }
}

/** The stages, their audit trail and the shadow differences, in the booking product's SQLite. */
export class MigrationStore {
  private readonly db: Database.Database;
  private readonly owned: boolean;

  constructor(db: Database.Database | string, private readonly now: () => Date = () => new Date()) {
    this.owned = typeof db === 'string';
    this.db = typeof db === 'string' ? new Database(db) : db;
    this.db.exec(SCHEMA);
  }

  stage(practice: string): Stage {
    const r = this.db.prepare('SELECT stage FROM migration_stage WHERE practice = ?').get(practice) as { stage: Stage } | undefined;
    return r?.stage ?? 'connector';
  }

  /** When the practice entered its current stage; null when it never moved. */
  since(practice: string): Date | null {
    const r = this.db.prepare('SELECT updated_at AS at FROM migration_stage WHERE practice = ?').get(practice) as { at: string } | undefined;
    return r ? new Date(r.at) : null;
  }

  stages(): { practice: string; stage: Stage; updatedAt: string }[] {
    return (this.db.prepare('SELECT practice, stage, updated_at AS updatedAt FROM migration_stage ORDER BY practice').all() as { practice: string; stage: Stage; updatedAt: string }[]);
  }

  /** Moves a practice after checking the rule; audited. Throws TransitionRefused when not allowed. */
  transition(practice: string, to: Stage, actor: string, reason: string, ctx: TransitionContext = {}): void {
    const from = this.stage(practice);
    const check = canTransition(from, to, { openDifferences: this.openDifferences(practice), comparisons: this.comparisons(practice), ...ctx });
    if (!check.ok) throw new TransitionRefused(from, to, check);
    const at = this.now().toISOString();
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO migration_stage (practice, stage, updated_at) VALUES (?, ?, ?) ON CONFLICT(practice) DO UPDATE SET stage = excluded.stage, updated_at = excluded.updated_at').run(practice, to, at);
      this.db.prepare('INSERT INTO migration_audit (practice, from_stage, to_stage, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?)').run(practice, from, to, actor, reason, at);
    })();
  }

  audit(practice: string): AuditEntry[] {
    return this.db.prepare('SELECT id, practice, from_stage AS "from", to_stage AS "to", actor, reason, at FROM migration_audit WHERE practice = ? ORDER BY id').all(practice) as AuditEntry[];
  }

  /** One shadow comparison: counted, and recorded as a difference when the results differ. */
  recordComparison(practice: string, call: string, same: boolean, detail = ''): void {
    this.db.prepare('INSERT INTO migration_stage (practice, stage, updated_at, comparisons) VALUES (?, ?, ?, 1) ON CONFLICT(practice) DO UPDATE SET comparisons = comparisons + 1')
      .run(practice, 'connector', this.now().toISOString());
    if (!same) this.db.prepare('INSERT INTO migration_difference (practice, call, detail, at) VALUES (?, ?, ?, ?)').run(practice, call, detail.slice(0, 4000), this.now().toISOString());
  }

  comparisons(practice: string): number {
    return (this.db.prepare('SELECT comparisons FROM migration_stage WHERE practice = ?').get(practice) as { comparisons: number } | undefined)?.comparisons ?? 0;
  }

  differences(practice: string): ShadowDifference[] {
    return (this.db.prepare('SELECT id, practice, call, detail, at, resolved FROM migration_difference WHERE practice = ? ORDER BY id').all(practice) as (Omit<ShadowDifference, 'resolved'> & { resolved: number })[])
      .map((d) => ({ ...d, resolved: d.resolved === 1 }));
  }

  openDifferences(practice: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM migration_difference WHERE practice = ? AND resolved = 0').get(practice) as { n: number }).n;
  }

  resolveDifferences(practice: string, actor: string): void {
    this.db.prepare('UPDATE migration_difference SET resolved = 1 WHERE practice = ? AND resolved = 0').run(practice);
    this.db.prepare('INSERT INTO migration_audit (practice, from_stage, to_stage, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(practice, this.stage(practice), this.stage(practice), actor, 'shadow differences resolved', this.now().toISOString());
  }

  close(): void {
    if (this.owned) this.db.close();
  }
}
