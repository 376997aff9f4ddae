// Waves: the operator schedules cohorts of practices with dates (e.g. 10 %, then 50 %, then all). When a
// wave's date arrives its cohort is fixed (the next practices in a stable order, up to the wave's
// cumulative share) and from then on the runner moves each member on, one stage per check, whenever
// the checks pass — and records the blocker of each one that cannot move, in the operator's words.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { STAGES, TransitionRefused, type Stage } from './stages.js';

export interface Wave {
  id: number;
  name: string;
  /** When the wave starts (ISO 8601). */
  startsAt: string;
  /** Cumulative share of the eligible practices migrated once this wave has started (1–100). */
  percent: number;
  /** When the cohort was fixed; null while the wave is scheduled. */
  startedAt: string | null;
  createdAt: string;
}

export interface WaveMember {
  waveId: number;
  practice: string;
  /** The last blocker seen by the runner; null when the practice could move (or has arrived). */
  blocker: string | null;
  checkedAt: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS migration_wave (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, starts_at TEXT NOT NULL,
  percent INTEGER NOT NULL, started_at TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS migration_wave_member (wave_id INTEGER NOT NULL REFERENCES migration_wave(id), practice TEXT NOT NULL PRIMARY KEY,
  blocker TEXT, checked_at TEXT);
CREATE INDEX IF NOT EXISTS migration_wave_member_wave ON migration_wave_member (wave_id);
`;

export class WaveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WaveError';
  }
}

/** A stable, well-spread order of practices: cohorts do not follow sign-up order or names. */
export const cohortOrder = (keys: readonly string[]): string[] =>
  [...keys].map((k) => [createHash('sha256').update(k).digest('hex'), k] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, k]) => k);

/** The waves and their cohorts, in the booking product's SQLite. */
export class WaveStore {
  constructor(private readonly db: Database.Database, private readonly now: () => Date = () => new Date()) {
    db.exec(SCHEMA);
  }

  /** Schedules a wave. Shares must grow with the dates, so that every later wave takes more practices. */
  schedule(w: { name: string; startsAt: string | Date; percent: number }): Wave {
    const name = w.name.trim();
    if (!name || name.length > 80) throw new WaveError('A wave needs a name of 1 to 80 characters.');
    const startsAt = new Date(w.startsAt);
    if (Number.isNaN(startsAt.getTime())) throw new WaveError('The start date is not a valid date.');
    if (!Number.isInteger(w.percent) || w.percent < 1 || w.percent > 100) throw new WaveError('The share must be a whole number from 1 to 100 (% of the practices).');
    if (this.waves().some((x) => x.name.toLowerCase() === name.toLowerCase())) throw new WaveError(`There is already a wave called "${name}".`);
    for (const x of this.waves()) {
      const earlier = new Date(x.startsAt) <= startsAt;
      if (earlier && x.percent > w.percent) throw new WaveError(`"${x.name}" starts earlier with ${x.percent} %: a later wave must take at least that share.`);
      if (!earlier && x.percent < w.percent) throw new WaveError(`"${x.name}" starts later with ${x.percent} %: an earlier wave cannot take more.`);
    }
    const r = this.db.prepare('INSERT INTO migration_wave (name, starts_at, percent, created_at) VALUES (?, ?, ?, ?)')
      .run(name, startsAt.toISOString(), w.percent, this.now().toISOString());
    return this.wave(Number(r.lastInsertRowid))!;
  }

  /** Removes a wave that has not started yet. */
  cancel(id: number): void {
    const w = this.wave(id);
    if (!w) throw new WaveError('There is no such wave.');
    if (w.startedAt) throw new WaveError(`"${w.name}" has started; move its practices back one by one instead.`);
    this.db.prepare('DELETE FROM migration_wave WHERE id = ?').run(id);
  }

  wave(id: number): Wave | undefined {
    return this.db.prepare('SELECT id, name, starts_at AS startsAt, percent, started_at AS startedAt, created_at AS createdAt FROM migration_wave WHERE id = ?').get(id) as Wave | undefined;
  }

  waves(): Wave[] {
    return this.db.prepare('SELECT id, name, starts_at AS startsAt, percent, started_at AS startedAt, created_at AS createdAt FROM migration_wave ORDER BY starts_at, id').all() as Wave[];
  }

  members(waveId?: number): WaveMember[] {
    const sql = 'SELECT wave_id AS waveId, practice, blocker, checked_at AS checkedAt FROM migration_wave_member';
    return (waveId === undefined ? this.db.prepare(`${sql} ORDER BY wave_id, practice`).all() : this.db.prepare(`${sql} WHERE wave_id = ? ORDER BY practice`).all(waveId)) as WaveMember[];
  }

  memberOf(practice: string): WaveMember | undefined {
    return this.db.prepare('SELECT wave_id AS waveId, practice, blocker, checked_at AS checkedAt FROM migration_wave_member WHERE practice = ?').get(practice) as WaveMember | undefined;
  }

  /**
   * Starts every wave whose date has come: fixes its cohort as the next practices in `cohortOrder`
   * of `eligible`, up to its cumulative share (rounded up, so 10 % of 5 is one practice).
   */
  startDue(eligible: readonly string[]): Wave[] {
    const started: Wave[] = [];
    const now = this.now();
    for (const w of this.waves()) {
      if (w.startedAt || new Date(w.startsAt) > now) continue;
      this.db.transaction(() => {
        const taken = new Set(this.members().map((m) => m.practice));
        const order = cohortOrder(eligible);
        const total = Math.ceil((order.length * w.percent) / 100);
        const already = order.filter((k) => taken.has(k)).length;
        const add = order.filter((k) => !taken.has(k)).slice(0, Math.max(0, total - already));
        const ins = this.db.prepare('INSERT INTO migration_wave_member (wave_id, practice) VALUES (?, ?)');
        for (const k of add) ins.run(w.id, k);
        this.db.prepare('UPDATE migration_wave SET started_at = ? WHERE id = ?').run(now.toISOString(), w.id);
      })();
      started.push(this.wave(w.id)!);
    }
    return started;
  }

  /** Puts a practice into a wave by hand (e.g. a practice that asked to go first); it leaves any other wave. */
  assign(practice: string, waveId: number): void {
    if (!this.wave(waveId)) throw new WaveError('There is no such wave.');
    this.db.prepare('INSERT INTO migration_wave_member (wave_id, practice) VALUES (?, ?) ON CONFLICT(practice) DO UPDATE SET wave_id = excluded.wave_id, blocker = NULL, checked_at = NULL')
      .run(waveId, practice);
  }

  setBlocker(practice: string, blocker: string | null): void {
    this.db.prepare('UPDATE migration_wave_member SET blocker = ?, checked_at = ? WHERE practice = ?').run(blocker, this.now().toISOString(), practice);
  }
}

/** What the runner needs of the migration: where a practice is, what blocks it, and a step on. */
export interface WaveMigration {
  status(practice: string): Promise<{ stage: Stage; blocker: string | null; updatedAt?: string | null }>;
  advance(practice: string, actor: string, reason: string): Promise<unknown>;
  /** Reads made through the shadow comparison so a quiet practice is compared too. */
  probe?(practice: string): Promise<void>;
}

export interface WaveRunnerOptions {
  waves: WaveStore;
  migration: WaveMigration;
  /** The practices that take part: Best Practice practices with a Connector. */
  eligible: () => string[];
  /** When each practice entered its current stage (for the soak times). */
  stageSince: (practice: string) => Date | null;
  /**
   * Practices in `shadow` (wave members or not). A practice moved there by hand is compared on its
   * behalf too, so the operator's next Advance is not held up by a quiet practice.
   */
  inShadow?: () => string[];
  /** Minimum time in `shadow` before the move to `conduit` (default 24 h). */
  shadowSoakMs?: number;
  /** Minimum time in `conduit` before the Connector is retired (default 7 days). */
  conduitSoakMs?: number;
  /** How often the runner checks (default 30 s). */
  intervalMs?: number;
  /** Practices checked at once (default 8). */
  parallel?: number;
  onError?: (e: unknown) => void;
  now?: () => Date;
}

export interface TickReport { started: string[]; advanced: { practice: string; to: Stage }[]; blocked: { practice: string; blocker: string }[] }

const TARGET: Stage = 'connector-retired';

/** Moves wave members on whenever their checks pass; one tick at a time, never overlapping. */
export class WaveRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<TickReport> | undefined;
  private readonly now: () => Date;

  constructor(private readonly o: WaveRunnerOptions) {
    this.now = o.now ?? (() => new Date());
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick().catch((e: unknown) => this.o.onError?.(e)), this.o.intervalMs ?? 30_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass: start due waves, then try to move every member one stage on. */
  tick(): Promise<TickReport> {
    this.running ??= this.pass().finally(() => { this.running = undefined; });
    return this.running;
  }

  private soakLeft(practice: string, stage: Stage): number {
    const soak = stage === 'shadow' ? (this.o.shadowSoakMs ?? 24 * 3600_000) : stage === 'conduit' ? (this.o.conduitSoakMs ?? 7 * 24 * 3600_000) : 0;
    const since = this.o.stageSince(practice);
    return since ? soak - (this.now().getTime() - since.getTime()) : 0;
  }

  private async pass(): Promise<TickReport> {
    const report: TickReport = { started: [], advanced: [], blocked: [] };
    report.started = this.o.waves.startDue(this.o.eligible()).map((w) => w.name);
    const names = new Map(this.o.waves.waves().map((w) => [w.id, w]));
    const members = this.o.waves.members().filter((m) => names.get(m.waveId)?.startedAt);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < members.length) {
        const m = members[next++]!;
        try {
          await this.step(m.practice, names.get(m.waveId)!.name, report);
        } catch (e) {
          this.o.onError?.(e);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.o.parallel ?? 8) }, worker));
    const inWave = new Set(members.map((m) => m.practice));
    for (const practice of this.o.inShadow?.().filter((k) => !inWave.has(k)) ?? []) {
      try {
        if ((await this.o.migration.status(practice)).blocker) await this.o.migration.probe?.(practice);
      } catch (e) {
        this.o.onError?.(e);
      }
    }
    return report;
  }

  private async step(practice: string, wave: string, report: TickReport): Promise<void> {
    let st = await this.o.migration.status(practice);
    if (st.stage === TARGET) return this.o.waves.setBlocker(practice, null);
    if (st.stage === 'shadow' && st.blocker && this.o.migration.probe) {
      // A quiet practice makes few reads: compare a few on its behalf so the move is not held up.
      await this.o.migration.probe(practice);
      st = await this.o.migration.status(practice);
    }
    if (st.blocker) {
      this.o.waves.setBlocker(practice, st.blocker);
      report.blocked.push({ practice, blocker: st.blocker });
      return;
    }
    const left = this.soakLeft(practice, st.stage);
    if (left > 0) {
      const b = `${st.stage === 'shadow' ? 'comparing results' : 'running on Conduit'} for ${soakText(left)} more before the next stage`;
      this.o.waves.setBlocker(practice, b);
      return;
    }
    const to = STAGES[STAGES.indexOf(st.stage) + 1]!;
    try {
      await this.o.migration.advance(practice, `wave:${wave}`, `wave "${wave}": checks passed`);
    } catch (e) {
      if (!(e instanceof TransitionRefused)) throw e;
      this.o.waves.setBlocker(practice, e.check.reason);
      report.blocked.push({ practice, blocker: e.check.reason });
      return;
    }
    this.o.waves.setBlocker(practice, null);
    report.advanced.push({ practice, to });
  }
}

function soakText(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 2 * 3600) return `${Math.ceil(s / 60)} min`;
  if (s < 2 * 86400) return `${Math.ceil(s / 3600)} h`;
  return `${Math.ceil(s / 86400)} days`;
}
