import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS } from '@conduit/protocol';
import { BIG_FRAMES_SINCE, linkAtLeast, linkFrameBytes, SIZE_MAX_SINCE } from '../src/link-features.js';
import { checkCommand, checkParameters } from '../src/http/routes/queries.js';
import { ApiError } from '../src/http/errors.js';
import { LINK_VERSION } from '@conduit/link';

test('Link versions compare part by part; an unreadable one is older than every release', () => {
  assert.ok(linkAtLeast('26.1207.1', '26.1207.1'));
  assert.ok(linkAtLeast('26.1207.2', '26.1207.1'));
  assert.ok(linkAtLeast('27.101.1', '26.1207.1'));
  assert.ok(!linkAtLeast('26.1125.1', '26.1207.1'));
  assert.ok(!linkAtLeast('26.999.9', '26.1207.1'), 'numbers, not text: 999 < 1207');
  assert.ok(!linkAtLeast('dev', '26.1207.1'));
  assert.ok(linkAtLeast(LINK_VERSION, SIZE_MAX_SINCE), 'this release\'s Link takes what the Cloud sends it');
});

test('size -1 (MAX): only for the variable-length types, and only to Links that take it', () => {
  const command = (type: string, size?: number) => ({ text: 'SELECT @s', type: 'text', executionMode: 'reader', parameters: [{ name: '@s', direction: 'input', type, value: type === 'VarBinary' ? 'eA==' : 'x', ...(size !== undefined ? { size } : {}) }] }) as Parameters<typeof checkParameters>[0];
  const current = { linkVersion: LINK_VERSION };
  for (const t of ['VarChar', 'NVarChar', 'VarBinary']) checkParameters(command(t, -1), current);
  const refused = (f: () => void, re: RegExp): void => assert.throws(f, (e: unknown) => e instanceof ApiError && e.status === 400 && re.test(e.message));
  refused(() => checkParameters(command('NChar', -1), current), /only for VarChar, NVarChar and VarBinary/);
  refused(() => checkParameters(command('Int', -1), current), /only for VarChar/);
  refused(() => checkParameters(command('NVarChar', -1), { linkVersion: '26.1125.1' }), /Conduit Link \(26\.1125\.1\) does not take size -1.*26\.1207\.1 or later/);
  checkParameters(command('NVarChar', 40), { linkVersion: '26.1125.1' });
  checkParameters(command('NVarChar'), { linkVersion: '26.1125.1' });
});

test('a command must fit in one frame of the site\'s Link: 1 MiB before 26.1207.2, LIMITS.linkFrameBytes since', () => {
  const command = (bytes: number) => ({ text: 'x'.repeat(bytes), type: 'text', executionMode: 'reader', parameters: [] }) as Parameters<typeof checkCommand>[0];
  const old = { linkVersion: '26.1207.1' };
  const current = { linkVersion: LINK_VERSION };
  checkCommand(command(1000 * 1000), old, 1000 * 1000 + 100);
  assert.throws(() => checkCommand(command(1024 * 1024), old, 1024 * 1024 + 100), (e: unknown) => e instanceof ApiError && e.status === 413
    && /Conduit Link \(26\.1207\.1\) takes commands of at most \d+ bytes\. The practice can update its Link/.test(e.message));
  checkCommand(command(4 * 1024 * 1024), current, 4 * 1024 * 1024 + 100);
  assert.throws(() => checkCommand(command(LIMITS.linkFrameBytes), current, LIMITS.linkFrameBytes + 100), (e: unknown) => e instanceof ApiError && e.status === 413 && !/update/.test(e.message));
  assert.equal(linkFrameBytes(LINK_VERSION), LIMITS.linkFrameBytes);
  assert.ok(linkAtLeast(LINK_VERSION, BIG_FRAMES_SINCE), 'this release\'s Link takes the frames the Cloud sends it');
});
