// The Cloud's files hold its signing key (in the store: whoever reads it can sign as this Cloud to every
// Link) and patients' data (async result pages), so only the Cloud's own account may read them, as
// PostgreSQL insists for its data folder. Modes are set at creation and tightened on start for files an
// earlier release left readable; a filesystem without modes is left as it is.
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';

export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

function chmodIfPresent(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch {
    /* absent, or no modes here */
  }
}

/** Creates `dir` (and missing parents) readable only by this account, and makes an existing one so. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  chmodIfPresent(dir, PRIVATE_DIR);
}

/**
 * Before SQLite opens `file`: creates it 0600, since SQLite gives its -wal and -shm files the database
 * file's mode; and makes all three private if they exist already.
 */
export function privateSqliteFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) chmodIfPresent(f, PRIVATE_FILE);
}
