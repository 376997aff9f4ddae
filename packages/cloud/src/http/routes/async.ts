// Async queries: submit (201), batch status, result pages and streamed pages.
import type { FastifyPluginAsync } from 'fastify';
import type { Command } from '@conduit/protocol';
import type { AppDeps } from '../deps.js';
import { asyncBody, pageParams, siteParams, statusBody } from '../schemas.js';
import { ApiError } from '../errors.js';
import { queryJson } from '../../queries/lifecycle.js';
import { checkCommand, requestBytes } from './queries.js';
import type { PageRecord, QueryRecord } from '../../store/types.js';

interface AsyncBody {
  maxTimeInQueue: number;
  command: Command;
  catalogue?: string;
}

/** The Halo page headers, shared by the plain and the streamed page. */
function pageHeaders(p: PageRecord): Record<string, string> {
  return { 'content-type': 'application/json; charset=utf-8', Size: String(p.size), 'Rows-Count': String(p.rows), 'Rows-Range-Start': String(p.rangeStart), 'Rows-Range-End': String(p.rangeEnd) };
}

export function asyncRoutes(deps: AppDeps): FastifyPluginAsync {
  const owned = async (integratorId: string, siteId: string, queryId: string): Promise<QueryRecord> => {
    const q = await deps.queries.get(queryId.toLowerCase());
    if (!q || q.siteId !== siteId || q.integratorId !== integratorId) throw new ApiError(404, 'No query with this id exists for this site and integrator.');
    return q;
  };

  /** The page of a successful async query, or the reason there is none. */
  const page = async (q: QueryRecord, n: number): Promise<{ page: PageRecord | undefined }> => {
    if (q.mode !== 'async') throw new ApiError(404, 'Only async queries have result pages; an immediate query returns its result in its own response.');
    if (q.status !== 'successful') throw new ApiError(404, `The query has no results: its status is ${q.status}.`);
    if (q.resultsExpireAt && Date.parse(q.resultsExpireAt) < Date.now()) throw new ApiError(410, 'The results of this query are no longer available: results are kept for 24 hours after the query completes.');
    const pages = await deps.asyncQueries.pages(q.id);
    if (q.executionMode === 'nonQuery' && n === 1) return { page: undefined };
    const p = pages.find((x) => x.pageNumber === n);
    if (!p) throw new ApiError(404, `The query has ${pages.length} result page(s); there is no page ${n}.`);
    if (!(await deps.files.exists(q.id, n))) throw new ApiError(410, 'The results of this query are no longer available.');
    return { page: p };
  };

  return async (app) => {
    app.post<{ Params: { siteId: string }; Body: AsyncBody }>(
      '/integrator/sites/:siteId/queries/async',
      { schema: { params: siteParams, body: asyncBody } },
      async (req, reply) => {
        const site = await deps.control.access(req.integrator.id, req.params.siteId);
        const size = requestBytes(req);
        checkCommand(req.body.command, site, size);
        const { answer } = await deps.asyncQueries.submit({
          integratorId: req.integrator.id, site, command: req.body.command, catalogue: req.body.catalogue,
          maxTimeInQueue: req.body.maxTimeInQueue,
          requestSize: size,
        });
        return reply.code(answer.status).send(answer.body);
      },
    );

    app.post<{ Params: { siteId: string }; Body: { queryIds: string[] } }>(
      '/integrator/sites/:siteId/queries/status',
      { schema: { params: siteParams, body: statusBody } },
      async (req) => {
        const site = await deps.control.access(req.integrator.id, req.params.siteId);
        const results = [];
        for (const raw of req.body.queryIds) {
          // Looked up lower-cased (ids are stored so), answered as asked: a client matches its results by its own spelling.
          const q = await deps.queries.get(raw.toLowerCase());
          if (!q || q.siteId !== site.id || q.integratorId !== req.integrator.id) results.push({ queryId: raw, status: 'notFound' });
          else results.push({ queryId: raw, status: 'found', query: queryJson(q, undefined, q.status === 'successful' && q.mode === 'async' ? await deps.asyncQueries.pages(q.id) : []) });
        }
        return { results };
      },
    );

    app.get<{ Params: { siteId: string; queryId: string; pageNumber: string } }>(
      '/integrator/sites/:siteId/queries/:queryId/results/:pageNumber',
      { schema: { params: pageParams } },
      async (req, reply) => {
        const site = await deps.control.access(req.integrator.id, req.params.siteId);
        const q = await owned(req.integrator.id, site.id, req.params.queryId);
        const n = Number(req.params.pageNumber);
        const { page: p } = await page(q, n);
        if (!p) return { parameters: q.parameters ?? [] };
        return reply
          .headers(pageHeaders(p))
          .send(deps.files.base64Body(q.id, n, q.parameters));
      },
    );

    app.get<{ Params: { siteId: string; queryId: string; pageNumber: string } }>(
      '/integrator/sites/:siteId/queries/:queryId/results/:pageNumber/stream',
      { schema: { params: pageParams } },
      async (req, reply) => {
        const site = await deps.control.access(req.integrator.id, req.params.siteId);
        const q = await owned(req.integrator.id, site.id, req.params.queryId);
        const n = Number(req.params.pageNumber);
        const { page: p } = await page(q, n);
        if (!p) throw new ApiError(404, 'A nonQuery result has no rows to stream; read page 1 for its parameters.');
        // The page's JSON array itself, streamed from disk: never the whole page in memory.
        return reply
          .headers(pageHeaders(p))
          .send(deps.files.stream(q.id, n));
      },
    );
  };
}
