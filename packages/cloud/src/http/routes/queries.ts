// Immediate queries and query status.
import type { FastifyPluginAsync } from 'fastify';
import { decodeParameterValue, LIMITS, ParameterValueError, type Command } from '@conduit/protocol';
import type { AppDeps } from '../deps.js';
import { immediateBody, queryParams, siteParams } from '../schemas.js';
import { ApiError, MESSAGES } from '../errors.js';
import { queryJson } from '../../queries/lifecycle.js';
import { FRAME_OVERHEAD_BYTES, MIN_LINK_FRAME_BYTES, SIZE_MAX_SINCE, linkAtLeast, linkFrameBytes } from '../../link-features.js';
import type { SiteRecord } from '../../store/types.js';

interface ImmediateBody {
  maxTimeInQueue: number;
  command: Command;
  catalogue?: string;
}

/** The types whose size may be -1 (MAX): varchar(max), nvarchar(max), varbinary(max). */
const MAX_TYPES: ReadonlySet<string> = new Set(['VarChar', 'NVarChar', 'VarBinary']);

/** Every input value is checked here, at the edge, so a bad value never travels to a clinic. */
export function checkParameters(command: Command, site: Pick<SiteRecord, 'linkVersion'>): void {
  const seen = new Set<string>();
  for (const p of command.parameters) {
    const key = p.name.toLowerCase();
    if (seen.has(key)) throw new ApiError(400, `Parameter ${p.name} is given more than once.`);
    seen.add(key);
    if (p.size === -1) {
      if (!MAX_TYPES.has(p.type)) throw new ApiError(400, `Parameter ${p.name}: size -1 (MAX) is only for VarChar, NVarChar and VarBinary.`);
      if (!linkAtLeast(site.linkVersion, SIZE_MAX_SINCE)) {
        throw new ApiError(400, `Parameter ${p.name}: this practice's Conduit Link (${site.linkVersion}) does not take size -1 (MAX); it needs ${SIZE_MAX_SINCE} or later. Leave size out, or ask the practice to update its Link.`);
      }
    }
    if (p.direction === 'input' || p.direction === 'inputOutput') {
      try {
        decodeParameterValue(p.name, p.type, p.value);
      } catch (e) {
        if (e instanceof ParameterValueError) throw new ApiError(400, e.message);
        throw e;
      }
    }
  }
}

/**
 * Everything about a command the site's Link must be able to take: its parameters, and its size. The
 * command travels in one frame, and a frame over the Link's limit would close its connection, failing
 * every query in flight at the practice. The request's own size bounds the command's, so the command is
 * measured only when the request is near the limit.
 */
export function checkCommand(command: Command, site: Pick<SiteRecord, 'linkVersion'>, requestBytes: number): void {
  checkParameters(command, site);
  // Every Link takes this much: an ordinary request needs no look at the Link's version.
  if (requestBytes <= MIN_LINK_FRAME_BYTES - FRAME_OVERHEAD_BYTES) return;
  const limit = linkFrameBytes(site.linkVersion) - FRAME_OVERHEAD_BYTES;
  if (requestBytes <= limit) return;
  const bytes = Buffer.byteLength(JSON.stringify(command));
  if (bytes <= limit) return;
  throw new ApiError(413, `The command is ${bytes} bytes; this practice's Conduit Link (${site.linkVersion}) takes commands of at most ${limit} bytes.${limit < LIMITS.linkFrameBytes - FRAME_OVERHEAD_BYTES ? ' The practice can update its Link to take larger ones.' : ''}`);
}

/** The request body's size: its Content-Length, or for a chunked body its JSON again. */
export function requestBytes(req: { headers: Record<string, string | string[] | undefined>; body: unknown }): number {
  return Number(req.headers['content-length'] ?? 0) || Buffer.byteLength(JSON.stringify(req.body));
}

export function queryRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Params: { siteId: string }; Body: ImmediateBody }>(
      '/integrator/sites/:siteId/queries/immediate',
      { schema: { params: siteParams, body: immediateBody } },
      async (req, reply) => {
        const site = await deps.control.access(req.integrator.id, req.params.siteId);
        const size = requestBytes(req);
        checkCommand(req.body.command, site, size);
        const res = reply.raw;
        const answer = await deps.queries.runImmediate({
          integratorId: req.integrator.id,
          site,
          command: req.body.command,
          catalogue: req.body.catalogue,
          maxTimeInQueue: req.body.maxTimeInQueue,
          requestSize: size,
          whenGone: (then) => {
            const onClose = (): void => {
              if (!res.writableFinished) then();
            };
            res.once('close', onClose);
            return () => res.off('close', onClose);
          },
        });
        try {
          if (Buffer.isBuffer(answer.body)) reply.type('application/json; charset=utf-8');
          // An error envelope does not carry the query's id; the integrator needs it to read the query back.
          else if (answer.queryId !== undefined) reply.header('conduit-query-id', answer.queryId);
          reply.code(answer.status).send(answer.body);
        } finally {
          answer.after?.();
        }
        return reply;
      },
    );

    app.get<{ Params: { siteId: string; queryId: string } }>(
      '/integrator/sites/:siteId/queries/:queryId',
      { schema: { params: queryParams } },
      async (req) => {
        await deps.control.access(req.integrator.id, req.params.siteId);
        const q = await deps.queries.get(req.params.queryId.toLowerCase());
        if (!q || q.siteId !== req.params.siteId.toLowerCase() || q.integratorId !== req.integrator.id) throw new ApiError(404, MESSAGES.queryNotFound);
        return queryJson(q, undefined, q.mode === 'async' && q.status === 'successful' ? await deps.asyncQueries.pages(q.id) : []);
      },
    );
  };
}
