// One Link per state file. Two Links on one state file share one identity: at the Cloud each one's
// connection replaces the other's every few seconds, for ever, and the second's page takes the first's
// `<state>.ui.json`. The lock is an exclusive SQLite lock on `<state file>.lock`, held for as long as the
// Link runs; the operating system lets go of it when the process ends, however it ends (no stale lock
// after a crash or a power cut).
import Database from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';

export class StateInUseError extends Error {
  constructor(readonly stateFile: string) {
    super(`another Conduit Link is already running with the state file ${stateFile}. Only one Link may run on a state file: `
      + 'stop the other one first (it may be running as a service), or, for a second Link on purpose, give this one its own --state '
      + '(it then registers as a second, non-authoritative server for the practice).');
    this.name = 'StateInUseError';
  }
}

export class StateLock {
  private constructor(private readonly db: Database.Database) {}

  static acquire(stateFile: string): StateLock {
    const file = `${stateFile}.lock`;
    closeSync(openSync(file, 'a', 0o600));
    const db = new Database(file, { timeout: 0 });
    try {
      // In exclusive locking mode SQLite keeps the lock of its first write until the connection closes.
      db.pragma('locking_mode = EXCLUSIVE');
      // Nothing in it is worth a journal, which exclusive mode would otherwise leave beside it while the Link runs.
      db.pragma('journal_mode = MEMORY');
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder;');
      db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
    } catch (e) {
      db.close();
      if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw new StateInUseError(stateFile);
      throw e;
    }
    return new StateLock(db);
  }

  release(): void {
    if (this.db.open) this.db.close();
  }
}
