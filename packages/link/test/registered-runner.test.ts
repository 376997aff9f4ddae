import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegisteredDefinition } from '@conduit/protocol';
import { RegisteredRunner } from '../src/registered/runner.js';
import { LinkState } from '../src/state.js';

const def = (id: string, lastHash: string | null = null): RegisteredDefinition => ({
  id, integratorId: 'i', command: { text: 'SELECT 1', type: 'text', executionMode: 'reader', parameters: [] }, frequency: 0.02, expiresAt: Date.now() + 60_000, lastHash,
});

const until = async (cond: () => boolean, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('a sync that arrives while a query runs does not stop its schedule', async () => {
  const state = new LinkState(join(mkdtempSync(join(tmpdir(), 'runner-')), 'state.db'));
  const runs: string[] = [];
  let release!: () => void;
  const firstHeld = new Promise<void>((r) => (release = r));
  const runner = new RegisteredRunner(state, async (d) => {
    runs.push(d.id);
    if (runs.length === 1) await firstHeld;
    return 'h1';
  });
  runner.sync([def('a')]);
  runner.start(5);
  try {
    await until(() => runs.length === 1);
    // The Cloud re-sends the set (another query registered or cancelled) during the first run.
    runner.sync([def('a', null), def('b')]);
    release();
    await until(() => runs.filter((id) => id === 'a').length >= 3);
  } finally {
    runner.stop();
  }
});

test('a sync carries the Cloud\'s hash, which wins: a changed result the Cloud never stored is sent again', async () => {
  const state = new LinkState(join(mkdtempSync(join(tmpdir(), 'runner-')), 'state.db'));
  const seen: (string | null)[] = [];
  const runner = new RegisteredRunner(state, async (d) => {
    seen.push(d.lastHash);
    return 'h2';
  });
  runner.sync([def('a', 'h1')]);
  runner.start(5);
  try {
    await until(() => seen.length >= 1);
    await until(() => JSON.parse(state.get('registered')!)[0].lastHash === 'h2');
    // The Cloud died before it stored h2: after the Link reconnects, its sync still says h1.
    runner.sync([def('a', 'h1')]);
    const before = seen.length;
    await until(() => seen.length > before);
    assert.equal(seen.at(-1), 'h1', 'the next run compares with what the Cloud has, so it sends its result');
  } finally {
    runner.stop();
  }
});
