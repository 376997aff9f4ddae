// The Link's --cloud address as a practice is given it: a Cloud served under a path by a reverse proxy is
// reached through that path, and an address that asks for TLS where the server speaks plain HTTP is
// explained in the Link's log, with what to change. Real Cloud, real proxy and servers on loopback.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createServer as createHttp, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Link } from '@conduit/link';
import { System, waitFor } from './support/system.js';

const systems: System[] = [];
after(async () => {
  for (const s of systems) await s.close();
});

/** A reverse proxy that serves the Cloud under /conduit: it strips the prefix and passes WebSocket upgrades on. */
async function pathProxy(cloudUrl: string): Promise<{ url: string; close: () => void }> {
  const cloud = new URL(cloudUrl);
  const server = createHttp((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
    if (!req.url?.startsWith('/conduit/')) return void client.end('HTTP/1.1 404 Not Found\r\n\r\n');
    const upstream = connect(Number(cloud.port), cloud.hostname, () => {
      const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}\r\n`).join('');
      upstream.write(`GET ${req.url!.slice('/conduit'.length)} HTTP/1.1\r\n${headers}\r\n`);
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/conduit`, close: () => server.close() };
}

test('a Cloud served under a path by a reverse proxy is reached through that path', async () => {
  const sys = await System.start({ withLink: false });
  systems.push(sys);
  const proxy = await pathProxy(sys.cloud.url);
  const link = new Link(sys.linkOptions({ cloudUrl: proxy.url, stateFile: join(sys.dir, 'proxied-state.db'), backoff: { initialMinMs: 50, initialMaxMs: 60, capMs: 100 } }));
  await link.start();
  try {
    await waitFor(() => link.status === 'connected', 10_000, 'the Link to connect through the proxy');
  } finally {
    await link.stop();
    proxy.close();
  }
});

test('an https:// address for a server that speaks plain HTTP is explained: no TLS on that port, and what to give instead', async () => {
  const sys = await System.start({ withLink: false });
  systems.push(sys);
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) {
    for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as (typeof lines)[number]);
    done();
  } });
  const web = createHttp((_req, res) => res.writeHead(404).end());
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(web.address() as { port: number }).port}`;
  const link = new Link(sys.linkOptions({ cloudUrl: url, stateFile: join(sys.dir, 'tls-state.db'), logger: pino({ level: 'info' }, sink), backoff: { initialMinMs: 50, initialMaxMs: 60, capMs: 100 } }));
  await link.start();
  try {
    await waitFor(() => lines.some((l) => l.msg.startsWith('cloud connection error: ')), 10_000, 'the connection error');
    const said = lines.find((l) => l.msg.startsWith('cloud connection error: '))!;
    assert.equal(said.level, 40);
    assert.equal(said.msg, `cloud connection error: the server at ${url} does not answer TLS on that port: if the Cloud is served over plain HTTP, give --cloud with http://; otherwise check the port`);
  } finally {
    await link.stop();
    web.close();
  }
});
