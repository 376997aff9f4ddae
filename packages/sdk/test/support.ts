// Shared helpers for the SDK's system tests: a real Cloud + Link + simulated practice (from the repo's
// test support), an SDK client pointed at it, and a webhook receiver built with the SDK itself.
import { after } from 'node:test';
import { createServer, type RequestListener, type Server } from 'node:http';
import { System } from '../../../test/support/system.js';
import { ConduitClient, type ConduitClientOptions } from '../src/index.js';

export { System, waitFor } from '../../../test/support/system.js';

const systems: System[] = [];
const servers: Server[] = [];
after(async () => {
  for (const s of systems) await s.close();
  for (const s of servers) s.closeAllConnections?.();
  for (const s of servers) s.close();
});

/** A real system with small async pages (so extractions span several), 1 s registered frequency and fast webhooks. */
export async function startSystem(opts: Parameters<typeof System.start>[0] = {}): Promise<System> {
  const s = await System.start({
    ...opts,
    cloud: { async: { pageBytes: 16 * 1024 }, registered: { minFrequencyS: 1 }, webhooks: { baseDelayMs: 20, capDelayMs: 100, pollMs: 50 }, ...opts.cloud },
  });
  systems.push(s);
  return s;
}

export function clientFor(sys: System, extra: Partial<ConduitClientOptions> = {}): ConduitClient {
  return new ConduitClient({ baseUrl: sys.cloud.url, apiKey: sys.apiKey, ...extra });
}

/** Listens on loopback with `handler`; returns the base URL. Closed after the file's tests. */
export async function listen(handler: RequestListener): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}
