// Finds every *.test.ts under packages/*/test and test/ and hands them to node's test runner
// (Node 20's --test does not expand globs). Extra arguments narrow the set by path substring.
// Tests run the TypeScript sources: tsx, and the "conduit-source" export condition for @conduit/* packages.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = ['test', ...readdirSync('packages').map((p) => join('packages', p, 'test'))];
const files = [];
for (const root of roots) {
  if (!existsSync(root)) continue;
  for (const f of readdirSync(root, { recursive: true })) {
    const rel = join(root, String(f));
    if (rel.endsWith('.test.ts')) files.push(rel);
  }
}
const filters = process.argv.slice(2);
const chosen = files.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (chosen.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--conditions=conduit-source', '--import', 'tsx', '--test', '--test-concurrency=2', ...chosen], { stdio: 'inherit' });
process.exit(r.status ?? 1);
