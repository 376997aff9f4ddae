// A store failure while welcoming a Link (a PostgreSQL pool timeout in a reconnect storm) must not
// escape as an unhandled rejection, which ends the Node process: the session is closed with 1011 so the
// Link reconnects and is sent its integration list then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { WebSocketServer, WebSocket } from 'ws';
import pino from 'pino';
import { SqliteStore } from '../src/store/sqlite.js';
import { AuditLog } from '../src/audit/log.js';
import { PracticeControl } from '../src/practice/control.js';
import { LinkSession } from '../src/gateway/session.js';
import type { Gateway } from '../src/gateway/gateway.js';
import type { SiteRecord } from '../src/store/types.js';

test('a store failure while sending the integration list closes the session with 1011, nothing unhandled', { timeout: 10_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-welcome-'));
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const port = (wss.address() as { port: number }).port;
  let client: WebSocket | undefined;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => { unhandled.push(e); };
  process.on('unhandledRejection', onUnhandled);
  try {
    const store = new SqliteStore(join(dir, 'store.db'));
    const log = pino({ level: 'silent' });
    const control = new PracticeControl(store, {} as Gateway, new AuditLog(store, log), log);
    const serverSide = once(wss, 'connection');
    client = new WebSocket(`ws://127.0.0.1:${port}`);
    const [ws] = (await serverSide) as [WebSocket];
    const closed = once(client, 'close');
    await store.close(); // every store call now fails, as an unreachable database would
    const practice = { pmsType: 'bp', pmsSiteId: 'SITE-1' };
    const session = new LinkSession(ws, 'link-1', 'site-1', 'pk', generateKeyPairSync('ed25519').privateKey, practice as never, true, randomBytes(32), 1024 * 1024);
    control.welcomed(session, { id: 'site-1', authoritative: true, pmsSiteId: 'SITE-1' } as SiteRecord, false);
    const [code] = (await closed) as [number];
    assert.equal(code, 1011);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    client?.terminate();
    for (const c of wss.clients) c.terminate();
    wss.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('while the store is down, the site watcher says so once, not at every tick', { timeout: 10_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-watcher-'));
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
  const store = new SqliteStore(join(dir, 'store.db'));
  const control = new PracticeControl(store, {} as Gateway, new AuditLog(store, log), log);
  try {
    await store.close(); // every store call now fails, as an unreachable database would
    control.startWatching(10);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(lines.filter((l) => l.includes('site watcher failed')).length, 1);
  } finally {
    control.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
