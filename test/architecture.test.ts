import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFolderViolations, findViolations } from './import-rules.js';
import { findCycles, importGraph } from './import-graph.js';

test('the packages keep the import rules of the architecture', () => {
  const violations = findViolations(join(import.meta.dirname, '..'));
  assert.deepEqual(violations, [], violations.map((v) => `${v.file}: ${v.specifier} — ${v.rule}`).join('\n'));
});

test('the checker catches a forbidden import by name, by relative path and in package.json', () => {
  const root = mkdtempSync(join(tmpdir(), 'conduit-arch-'));
  const mk = (pkg: string, src: string, deps: Record<string, string> = {}): void => {
    mkdirSync(join(root, 'packages', pkg, 'src'), { recursive: true });
    writeFileSync(join(root, 'packages', pkg, 'src', 'index.ts'), src);
    writeFileSync(join(root, 'packages', pkg, 'package.json'), JSON.stringify({ dependencies: deps }));
  };
  mk('cloud', "import { Link } from '@conduit/link';\nexport const x = Link;\n");
  mk('link', "export { a } from '../../cloud/src/index.js';\n");
  mk('protocol', 'export {};\n', { '@conduit/cloud': '0.1.0' });
  const found = findViolations(root).map((v) => `${v.file} ${v.specifier}`);
  assert.deepEqual(found.sort(), [
    'packages/cloud/src/index.ts @conduit/link',
    'packages/link/src/index.ts ../../cloud/src/index.js',
    'packages/protocol/package.json @conduit/cloud',
  ]);
});

test('no import cycles in packages/*/src, type-only imports included', () => {
  const cycles = findCycles(importGraph(join(import.meta.dirname, '..')));
  assert.deepEqual(cycles, [], `import cycles (break each by moving the shared type or value into its own module):\n${cycles.map((c) => c.join(' -> ')).join('\n')}`);
});

test('the cycle check finds type-only, re-export, import() and cross-package cycles, and nothing in a tree without one', () => {
  const root = mkdtempSync(join(tmpdir(), 'conduit-cycles-'));
  const put = (file: string, text: string): void => {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  put('packages/a/package.json', JSON.stringify({ name: '@conduit/a', exports: { '.': './src/index.ts', './sub': './src/sub.ts' } }));
  put('packages/b/package.json', JSON.stringify({ name: '@conduit/b', exports: { '.': './src/index.ts' } }));
  // a: x -> y is type-only, y -> x a re-export: one cycle of two files.
  put('packages/a/src/x.ts', "import type { Y } from './y.js';\nexport interface X { y: Y }\n");
  put('packages/a/src/y.ts', "export type { X } from './x.js';\nexport interface Y { n: number }\n");
  // a/dir/index <-> a/z through a folder import and an `import('…')` type.
  put('packages/a/src/dir/index.ts', "export const d = (): Promise<unknown> => import('../z.js');\n");
  put('packages/a/src/z.ts', "export type D = typeof import('./dir').d;\n");
  // a/sub -> @conduit/b -> @conduit/a/sub: across packages through their exports.
  put('packages/a/src/sub.ts', "import { b } from '@conduit/b';\nexport const s = b;\n");
  put('packages/b/src/index.ts', "import type { s } from '@conduit/a/sub';\nexport const b = 1 as unknown as typeof s;\n");
  // A chain without a way back, and an import of a package outside the tree: no cycle.
  put('packages/a/src/index.ts', "import './x.js';\nimport 'node:fs';\nexport * from './c1.js';\n");
  put('packages/a/src/c1.ts', "export * from './c2.js';\n");
  put('packages/a/src/c2.ts', 'export const c = 2;\n');
  assert.deepEqual(findCycles(importGraph(root)), [
    ['packages/a/src/dir/index.ts', 'packages/a/src/z.ts', 'packages/a/src/dir/index.ts'],
    ['packages/a/src/sub.ts', 'packages/b/src/index.ts', 'packages/a/src/sub.ts'],
    ['packages/a/src/x.ts', 'packages/a/src/y.ts', 'packages/a/src/x.ts'],
  ]);
  put('packages/a/src/c2.ts', "import { c } from './c1.js';\nexport const c2 = c;\n");
  assert.deepEqual(findCycles(importGraph(root)).find((c) => c[0] === 'packages/a/src/c1.ts'), ['packages/a/src/c1.ts', 'packages/a/src/c2.ts', 'packages/a/src/c1.ts']);
});

test("the booking package's folders import one way: web and pms below, booking beside migration, one door between them", () => {
  const found = findFolderViolations(importGraph(join(import.meta.dirname, '..')));
  assert.deepEqual(found, [], found.map((v) => `${v.file} imports ${v.specifier}: ${v.rule}`).join('\n'));
});

test('the folder check catches each forbidden direction and lets the door through', () => {
  const root = mkdtempSync(join(tmpdir(), 'conduit-folders-'));
  const put = (file: string, text: string): void => {
    mkdirSync(join(root, 'packages/booking/src', file, '..'), { recursive: true });
    writeFileSync(join(root, 'packages/booking/src', file), text);
  };
  put('server.ts', "import './booking/routes.js';\nimport './migration/setup.js';\n");
  put('web/chrome.ts', "import type { Practice } from '../booking/store.js';\nexport type P = Practice;\n");
  put('pms/access.ts', "import { STAGES } from '../migration/stages.js';\nexport const s = STAGES;\n");
  put('booking/store.ts', 'export interface Practice { id: number }\n');
  put('booking/routes.ts', "import '../web/chrome.js';\nimport '../pms/access.js';\nimport { setUp } from '../migration/setup.js';\nexport const r = setUp;\n");
  put('migration/stages.ts', 'export const STAGES = [];\n');
  put('migration/booking-side.ts', "export type { Practice } from '../booking/store.js';\n");
  put('migration/setup.ts', "import type { Practice } from '../booking/store.js';\nimport type { Practice as P } from './booking-side.js';\nimport '../server.js';\nexport const setUp = (p: Practice, q: P): unknown => [p, q];\n");
  const found = findFolderViolations(importGraph(root)).map((v) => `${v.file} -> ${v.specifier}`);
  const b = 'packages/booking/src';
  assert.deepEqual(found, [
    `${b}/booking/routes.ts -> ${b}/migration/setup.ts`,
    `${b}/migration/setup.ts -> ${b}/booking/store.ts`,
    `${b}/migration/setup.ts -> ${b}/server.ts`,
    `${b}/pms/access.ts -> ${b}/migration/stages.ts`,
    `${b}/web/chrome.ts -> ${b}/booking/store.ts`,
  ]);
});
