// The operator's JSON API under /api/operator (authenticated by routes.ts before it gets here):
//   GET    /api/operator/migration                      waves with members, practices with stage and blocker
//   POST   /api/operator/waves {name, startsAt, percent} 201 the wave; 400 {error} when refused
//   DELETE /api/operator/waves/:id                      204; 404 unknown; 409 started
//   GET    /api/operator/practices/:key                200 status, wave, Connector, shadow differences (newest 100)
//   POST   /api/operator/practices/:key/advance {reason?}            200 status; 409 {error, blockers}
//   POST   /api/operator/practices/:key/revert {to?, reason?}        200 status; 409 {error}
//   POST   /api/operator/practices/:key/resolve-differences {}       200 status
//   POST   /api/operator/tick                           200 the runner's report
//   POST   /api/operator/connector-practices {key, name, bpSiteId, pms?, token?}  201 (200 when updated)
// Bodies are JSON (Content-Type application/json), 64 KiB at most, with no unknown fields.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { STAGES, TransitionRefused } from './stages.js';
import { WaveError } from './waves.js';
import { ConnectorError } from '../pms/connector-hub.js';
import { BEST_PRACTICE, type Practice } from './booking-side.js';
import type { MigrationPagesContext } from './context.js';
import { buildOverview, kindOf, type StatusCache } from './overview.js';
import { practiceDetail } from './practice-detail.js';

export const JSON_LIMIT = 64 * 1024;

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly extra: Record<string, unknown> = {}, readonly allow?: string) {
    super(message);
  }
}

const notAllowed = (allow: string): ApiError => new ApiError(405, `Use ${allow.split(', ')[0]} here.`, {}, allow);

export function sendJson(res: ServerResponse, status: number, body?: unknown): void {
  const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
  if (body === undefined) res.writeHead(status, headers).end();
  else res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** The JSON body (undefined when empty); 413 past the limit, 415 when not JSON, 400 when it does not parse. */
export async function readJson(req: IncomingMessage, limit = JSON_LIMIT): Promise<unknown> {
  if (Number(req.headers['content-length'] ?? 0) > limit) throw new ApiError(413, `The request body is larger than ${limit / 1024} KiB.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new ApiError(413, `The request body is larger than ${limit / 1024} KiB.`);
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new ApiError(415, 'Send the body as JSON with Content-Type: application/json.');
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'The request body is not valid JSON.');
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  throw new ApiError(400, r.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; '));
}

const reason = z.string().trim().min(1).max(500).optional();
export const WaveBody = z.strictObject({
  name: z.string({ error: 'name is required (1 to 80 characters)' }).trim().min(1, { error: 'name is required (1 to 80 characters)' }).max(80, { error: 'name is 80 characters at most' }),
  startsAt: z.iso.datetime({ offset: true, error: 'startsAt must be an ISO 8601 date and time with its time zone, e.g. 2030-07-01T09:00:00+10:00' }),
  percent: z.number({ error: 'percent must be a whole number from 1 to 100' }).int({ error: 'percent must be a whole number from 1 to 100' })
    .min(1, { error: 'percent must be a whole number from 1 to 100' }).max(100, { error: 'percent must be a whole number from 1 to 100' }),
});
const AdvanceBody = z.strictObject({ reason });
const RevertBody = z.strictObject({ to: z.enum(STAGES, { error: `to must be one of ${STAGES.join(', ')}` }).optional(), reason });
const EmptyBody = z.strictObject({});
export const ConnectorPracticeBody = z.strictObject({
  key: z.string().trim().min(1).max(200).regex(/^[\w.:@-]+$/, { error: 'key may hold letters, digits and . _ : @ - only' }),
  name: z.string().trim().min(1).max(200),
  bpSiteId: z.string().trim().min(1).max(200),
  pms: z.string().trim().min(1).max(100).optional(),
  token: z.string().min(16, { error: 'token must be 16 to 512 characters' }).max(512, { error: 'token must be 16 to 512 characters' }).optional(),
});

/** The practice with this key, or 404. */
export function practiceByKey(ctx: MigrationPagesContext, key: string): Practice {
  const p = ctx.booking.practiceBySite(key);
  if (!p) throw new ApiError(404, `There is no practice with the key "${key}".`);
  if (p.pms !== BEST_PRACTICE) throw new ApiError(409, `${p.name} uses ${p.pms}: it stays on the Connector and does not move to Conduit.`);
  return p;
}

export const refusal = (e: TransitionRefused): ApiError =>
  new ApiError(409, e.check.reason, { from: e.from, to: e.to, blockers: (e.check.blockers ?? []).map((b) => b.message) });

/** Registers (or renames, or rotates the token of) a practice reached through its Connector. */
export function registerConnectorPractice(ctx: MigrationPagesContext, body: z.infer<typeof ConnectorPracticeBody>): { created: boolean; practice: Practice; token?: string } {
  const before = ctx.booking.practiceBySite(body.key);
  if (before && before.siteId === before.conduitSiteId) throw new ApiError(409, `"${body.key}" is a practice onboarded through Conduit, not a Connector practice.`);
  if (ctx.connectors.isRetired(body.key)) throw new ApiError(409, `The Connector of "${body.key}" has been retired; it cannot be registered again.`);
  const token = body.token ?? randomBytes(32).toString('base64url');
  const practice = ctx.booking.upsertConnectorPractice({ key: body.key, name: body.name, bpSiteId: body.bpSiteId, pms: body.pms });
  try {
    ctx.connectors.setToken(body.key, token);
  } catch (e) {
    if (e instanceof ConnectorError) throw new ApiError(409, e.message);
    throw e;
  }
  return { created: !before, practice, ...(body.token === undefined ? { token } : {}) };
}

const practiceJson = (p: Practice): Record<string, unknown> => ({ id: p.id, key: p.siteId, name: p.name, bpSiteId: p.bpSiteId, pms: p.pms, conduitSiteId: p.conduitSiteId });

/** Serves /api/operator/*; answers false when no route matches. */
export async function operatorApi(ctx: MigrationPagesContext, cache: StatusCache, req: IncomingMessage, res: ServerResponse, parts: string[]): Promise<boolean> {
  const method = req.method ?? 'GET';
  const [, , what, id, action] = parts;
  try {
    if (what === 'migration' && parts.length === 3) {
      if (method !== 'GET' && method !== 'HEAD') throw notAllowed('GET, HEAD');
      sendJson(res, 200, await buildOverview(ctx, cache));
      return true;
    }
    if (what === 'waves' && parts.length === 3) {
      if (method !== 'POST') throw notAllowed('POST');
      const b = parse(WaveBody, await readJson(req));
      try {
        sendJson(res, 201, ctx.waves.schedule(b));
      } catch (e) {
        if (e instanceof WaveError) throw new ApiError(400, e.message);
        throw e;
      }
      return true;
    }
    if (what === 'waves' && id !== undefined && parts.length === 4) {
      if (method !== 'DELETE') throw notAllowed('DELETE');
      const w = /^\d{1,12}$/.test(id) ? ctx.waves.wave(Number(id)) : undefined;
      if (!w) throw new ApiError(404, 'There is no such wave.');
      if (w.startedAt) throw new ApiError(409, `"${w.name}" has started; move its practices back one by one instead.`);
      try {
        ctx.waves.cancel(w.id);
      } catch (e) {
        if (e instanceof WaveError) throw new ApiError(409, e.message);
        throw e;
      }
      sendJson(res, 204);
      return true;
    }
    if (what === 'practices' && id !== undefined && parts.length === 4) {
      if (method !== 'GET' && method !== 'HEAD') throw notAllowed('GET, HEAD');
      const p = practiceByKey(ctx, id);
      if (kindOf(p, ctx.migrationStore.since(p.siteId) !== null) !== 'migrating') throw new ApiError(404, `"${id}" came through Conduit and is not moving.`);
      sendJson(res, 200, await practiceDetail(ctx, cache, p));
      return true;
    }
    if (what === 'practices' && id !== undefined && action !== undefined && parts.length === 5) {
      if (method !== 'POST') throw notAllowed('POST');
      if (action !== 'advance' && action !== 'revert' && action !== 'resolve-differences') return false;
      const body = await readJson(req);
      const p = practiceByKey(ctx, id);
      try {
        if (action === 'advance') {
          const b = parse(AdvanceBody, body);
          sendJson(res, 200, await ctx.migration.advance(p.siteId, 'operator', b.reason ?? 'advanced by the operator'));
        } else if (action === 'revert') {
          const b = parse(RevertBody, body);
          sendJson(res, 200, await ctx.migration.revert(p.siteId, b.to, 'operator', b.reason ?? 'reverted by the operator'));
        } else {
          parse(EmptyBody, body);
          ctx.migrationStore.resolveDifferences(p.siteId, 'operator');
          sendJson(res, 200, await ctx.migration.status(p.siteId));
        }
      } catch (e) {
        if (e instanceof TransitionRefused) throw refusal(e);
        throw e;
      } finally {
        cache.forget(p.siteId);
      }
      return true;
    }
    if (what === 'tick' && parts.length === 3) {
      if (method !== 'POST') throw notAllowed('POST');
      parse(EmptyBody, await readJson(req));
      const report = await ctx.runner.tick();
      cache.forget();
      sendJson(res, 200, report);
      return true;
    }
    if (what === 'connector-practices' && parts.length === 3) {
      if (method !== 'POST') throw notAllowed('POST');
      const r = registerConnectorPractice(ctx, parse(ConnectorPracticeBody, await readJson(req)));
      sendJson(res, r.created ? 201 : 200, { practice: practiceJson(r.practice), ...(r.token !== undefined ? { token: r.token } : {}) });
      return true;
    }
    return false;
  } catch (e) {
    if (e instanceof ApiError) {
      if (e.allow) res.setHeader('allow', e.allow);
      sendJson(res, e.status, { error: e.message, ...e.extra });
      return true;
    }
    throw e;
  }
}
