import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findViolations } from './import-rules.js';

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
