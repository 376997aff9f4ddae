// Compiles the simulator's statement-interrupt SQLite extension (packages/bp-sim/native) with the C
// compiler that better-sqlite3's own build uses, against the SQLite headers better-sqlite3 ships. It is
// optional: without a compiler (or on Windows) the build goes on, and the Link runs the simulator's
// statements in executor processes, which it kills to stop an overrun.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function buildInterruptExtension(root) {
  const pkg = join(root, 'packages', 'bp-sim');
  const source = join(pkg, 'native', 'conduit_interrupt.c');
  const suffix = process.platform === 'darwin' ? 'dylib' : 'so';
  const out = join(pkg, 'dist', 'native', `conduit_interrupt.${suffix}`);
  if (process.platform === 'win32') {
    console.warn('build: the statement-interrupt extension is not built on Windows; the simulator runs in executor processes.');
    return;
  }
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(source).mtimeMs) return;
  let headers;
  try {
    headers = join(dirname(createRequire(join(pkg, 'package.json')).resolve('better-sqlite3/package.json')), 'deps', 'sqlite3');
  } catch {
    headers = undefined;
  }
  if (!headers || !existsSync(join(headers, 'sqlite3ext.h'))) {
    console.warn('build: better-sqlite3\'s SQLite headers were not found; the statement-interrupt extension is not built.');
    return;
  }
  mkdirSync(dirname(out), { recursive: true });
  const cc = process.env.CC || 'cc';
  const shared = process.platform === 'darwin' ? ['-dynamiclib'] : ['-shared'];
  const r = spawnSync(cc, ['-O2', '-fPIC', ...shared, '-Wall', '-Wextra', '-Werror', '-I', headers, '-o', out, source], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.warn(`build: ${cc} could not compile ${source}; the simulator's statements will run in executor processes.`);
  }
}
