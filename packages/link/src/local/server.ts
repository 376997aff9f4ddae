// The practice's local control surface: the "Setup third-party integrations" page and the JSON API
// behind it (also used by `conduit link integrations …`). Loopback only. Every API call needs the
// Link's local token in a custom header: other web sites open in the practice's browser can neither
// read the token nor send that header (CORS), and the Host check stops DNS-rebinding tricks.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Integration } from '@conduit/protocol';
import type { Link } from '../link.js';
import { IntegrationError } from '../integrations/manager.js';
import { authorityNote } from '../integrations/authority.js';
import { renderPage } from './page.js';
import { sendFavicon } from './favicon.js';
import { LOGIN_STATUS, LoginError, listLogins, saveLogin } from './logins.js';

export interface LocalUi {
  url: string;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(text);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        // Answered, and the rest read and dropped: destroying the socket left the caller with no answer.
        parts.length = 0;
        req.removeAllListeners('data');
        req.removeAllListeners('end');
        req.resume();
        reject(new IntegrationError('invalid', `Request body too large (over ${MAX_BODY / 1024} KiB).`));
      } else parts.push(c);
    });
    req.on('end', () => {
      try {
        resolve(parts.length ? JSON.parse(Buffer.concat(parts).toString('utf8')) : {});
      } catch {
        reject(new IntegrationError('invalid', 'Body is not valid JSON.'));
      }
    });
    req.on('error', reject);
  });
}

function parseChange(body: unknown): { enabled: boolean; access?: Integration['access']; allowList?: Integration['allowList'] } {
  const b = body as Record<string, unknown>;
  if (typeof b !== 'object' || b === null || typeof b.enabled !== 'boolean') throw new IntegrationError('invalid', '"enabled" (true or false) is required.');
  if (b.access !== undefined && b.access !== 'read' && b.access !== 'readwrite') throw new IntegrationError('invalid', '"access" must be "read" or "readwrite".');
  let allowList: Integration['allowList'] | undefined;
  if (b.allowList === null) allowList = null;
  else if (b.allowList !== undefined) {
    if (typeof b.allowList !== 'object' || Array.isArray(b.allowList)) throw new IntegrationError('invalid', '"allowList" must be null or an object with "tables" and "procedures".');
    const a = b.allowList as Record<string, unknown>;
    const names = (v: unknown, what: string): string[] => {
      if (v === undefined) return [];
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new IntegrationError('invalid', `"allowList.${what}" must be a list of names.`);
      return (v as string[]).map((x) => x.trim()).filter(Boolean);
    };
    allowList = { tables: names(a.tables, 'tables'), procedures: names(a.procedures, 'procedures') };
  }
  return { enabled: b.enabled, ...(b.access ? { access: b.access as Integration['access'] } : {}), ...(allowList !== undefined ? { allowList } : {}) };
}

/** Why the page could not be served, in words the practice's IT person can act on. */
function listenError(e: NodeJS.ErrnoException, port: number): Error {
  const what = `the "Setup third-party integrations" page cannot use port ${port} on 127.0.0.1`;
  const fix = 'start the Link with --ui-port <another port> (or CONDUIT_LINK_UI_PORT; 0 = any free port, the address is printed)';
  if (e.code === 'EADDRINUSE') return new Error(`${what}: another program is using it (another Conduit Link?). Stop that program, or ${fix}.`, { cause: e });
  if (e.code === 'EACCES') return new Error(`${what}: this account may not use it. ${fix[0]!.toUpperCase()}${fix.slice(1)}.`, { cause: e });
  return e;
}

const STATUS: Record<IntegrationError['code'], number> = { offline: 503, unconfirmed: 503, 'not-authoritative': 409, 'unknown-integrator': 404, 'not-enabled': 409, invalid: 400 };

export async function startLocalUi(link: Link, opts: { port?: number; infoFile?: string } = {}): Promise<LocalUi> {
  const token = randomBytes(24).toString('base64url');
  const tokenBuf = Buffer.from(token);
  let port = opts.port ?? 0;

  const authorised = (req: IncomingMessage): boolean => {
    const h = req.headers['x-conduit-token'];
    const given = Buffer.from(typeof h === 'string' ? h : '');
    return given.length === tokenBuf.length && timingSafeEqual(given, tokenBuf);
  };

  const server: Server = createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') return send(res, 421, { error: 'This page is only served to this computer.' });
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/') return send(res, 200, renderPage(token), 'text/html; charset=utf-8');
    if ((req.method === 'GET' || req.method === 'HEAD') && url.pathname === '/favicon.ico') return sendFavicon(req, res);
    if (!url.pathname.startsWith('/api/')) return send(res, 404, { error: 'Not found.' });
    if (!authorised(req)) return send(res, 401, { error: 'Missing or wrong X-Conduit-Token.' });
    handleApi(req, url.pathname).then(
      ([status, body]) => send(res, status, body),
      (e: Error) => {
        if (e instanceof IntegrationError) return send(res, STATUS[e.code], { error: e.message, code: e.code });
        if (e instanceof LoginError) return send(res, LOGIN_STATUS[e.code], { error: e.message, code: e.code });
        link.log.error({ err: e.message }, 'local ui error');
        send(res, 502, { error: `Could not complete the request: ${e.message}` });
      },
    );
  });

  const handleApi = async (req: IncomingMessage, path: string): Promise<[number, unknown]> => {
    if (req.method === 'GET' && path === '/api/integrations') {
      return [200, {
        siteId: link.pmsSiteId, practiceName: link.practiceName, connected: link.status === 'connected',
        authoritative: link.authoritative ?? null, haloGuid: link.siteId ?? null,
        // Whether this Link's settings count, said once for the page and the CLI (integrations/authority.ts).
        superseded: link.superseded, authorityNote: authorityNote({ authoritative: link.authoritative, superseded: link.superseded }) ?? null,
        integrations: await link.integrations.list(),
        directLogins: link.simulatorDatabase !== undefined,
      }];
    }
    // The simulated Bp's direct database logins (logins.ts); refused with SQL Server.
    if (path === '/api/logins') {
      if (req.method === 'GET') return [200, { logins: listLogins(link.simulatorDatabase) }];
      if (req.method === 'PUT') return [200, saveLogin(link.simulatorDatabase, await readJson(req))];
    }
    const m = /^\/api\/integrations\/([0-9a-fA-F-]{36})(\/pairing-code)?$/.exec(path);
    if (m && req.method === 'PUT' && !m[2]) {
      return [200, await link.integrations.save(m[1]!, parseChange(await readJson(req)))];
    }
    if (m && req.method === 'POST' && m[2]) return [200, await link.integrations.pairingCode(m[1]!)];
    return [404, { error: 'Not found.' }];
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, port)));
    server.listen(port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;
  const infoFile = opts.infoFile;
  const ui: LocalUi = {
    url: `http://127.0.0.1:${port}/`,
    token,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Gone with the page, so the CLI does not call a port some other program may take next; only if
      // it is still this page's (another Link on the same state file may have written it since).
      if (infoFile && existsSync(infoFile) && readFileSync(infoFile, 'utf8').includes(token)) rmSync(infoFile, { force: true });
    },
  };
  if (infoFile) {
    writeFileSync(infoFile, JSON.stringify({ url: ui.url, token }), { mode: 0o600 });
    chmodSync(infoFile, 0o600); // an older file keeps its mode on rewrite
  }
  return ui;
}
