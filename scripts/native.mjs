// Compiles the simulator's SQLite extensions (packages/bp-sim/native/*.c: the statement interrupt and
// Bp's collation) with the C compiler that better-sqlite3's own build uses, against the SQLite headers
// better-sqlite3 ships. They are optional: without a compiler (or on Windows) the build goes on; the
// Link then runs the simulator's statements in executor processes, which it kills to stop an overrun,
// and text compares with SQLite's ASCII-only NOCASE, trailing spaces counting (bp-sim README).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function buildNativeExtensions(root) {
  const pkg = join(root, 'packages', 'bp-sim');
  const suffix = process.platform === 'darwin' ? 'dylib' : 'so';
  if (process.platform === 'win32') {
    console.warn('build: the simulator\'s SQLite extensions are not built on Windows; its statements run in executor processes and text compares with SQLite\'s NOCASE.');
    return;
  }
  const sources = readdirSync(join(pkg, 'native')).filter((f) => f.endsWith('.c'));
  const stale = sources.filter((f) => {
    const out = join(pkg, 'dist', 'native', f.replace(/\.c$/, `.${suffix}`));
    return !existsSync(out) || statSync(out).mtimeMs < statSync(join(pkg, 'native', f)).mtimeMs;
  });
  if (stale.length === 0) return;
  let headers;
  try {
    headers = join(dirname(createRequire(join(pkg, 'package.json')).resolve('better-sqlite3/package.json')), 'deps', 'sqlite3');
  } catch {
    headers = undefined;
  }
  if (!headers || !existsSync(join(headers, 'sqlite3ext.h'))) {
    console.warn('build: better-sqlite3\'s SQLite headers were not found; the simulator\'s SQLite extensions are not built.');
    return;
  }
  mkdirSync(join(pkg, 'dist', 'native'), { recursive: true });
  const cc = process.env.CC || 'cc';
  const shared = process.platform === 'darwin' ? ['-dynamiclib'] : ['-shared'];
  for (const f of stale) {
    const source = join(pkg, 'native', f);
    const out = join(pkg, 'dist', 'native', f.replace(/\.c$/, `.${suffix}`));
    const r = spawnSync(cc, ['-O2', '-fPIC', ...shared, '-Wall', '-Wextra', '-Werror', '-I', headers, '-o', out, source], { stdio: 'inherit' });
    if (r.status !== 0) console.warn(`build: ${cc} could not compile ${source}; the simulator runs without it (bp-sim README).`);
  }
}
