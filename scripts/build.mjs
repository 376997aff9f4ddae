// The build: every package's src/ compiled by tsc into its dist/ (project references, so an
// up-to-date tree costs one quick check). Run by `npm install` (prepare), `npm start`, `npm test`.
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNativeExtensions } from './native.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function build(args = []) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-b', join(root, 'tsconfig.build.json'), ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  // tsc writes files without the execute bit; the `conduit` bin needs it.
  chmodSync(join(root, 'packages', 'cli', 'dist', 'main.js'), 0o755);
  buildNativeExtensions(root);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build(process.argv.slice(2));
