// Why this account cannot write a SQLite file: the file itself, or (for the -wal and -shm that SQLite
// keeps beside it) its folder. Used to name a permission problem as such, not as a bad file.
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { userInfo } from 'node:os';

function denied(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return false;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
  }
}

/** This process's account, for messages about what it may not do. */
export function accountName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/** The first thing this account may not do with `file` and its companions, or undefined. */
export function sqliteAccessProblem(file: string): string | undefined {
  const user = accountName();
  if (existsSync(file) && denied(file, constants.R_OK | constants.W_OK)) return `the account "${user}" may not read and write ${file}`;
  for (const side of [`${file}-wal`, `${file}-shm`]) {
    if (existsSync(side) ? denied(side, constants.R_OK | constants.W_OK) : denied(dirname(file), constants.W_OK | constants.X_OK)) {
      return existsSync(side)
        ? `the account "${user}" may not read and write ${side} (SQLite keeps it beside the database)`
        : `the account "${user}" may not create files in ${dirname(file)} (SQLite keeps ${side} beside the database)`;
    }
  }
  return undefined;
}
