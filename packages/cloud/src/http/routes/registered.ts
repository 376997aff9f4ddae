// Registered (recurring) queries.
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../deps.js';
import { registeredBody, siteParams, queryParams } from '../schemas.js';
import { ApiError } from '../errors.js';
import { checkCommand, requestBytes } from './queries.js';
import { registeredJson, type RegisteredBody } from '../../queries/registered.js';

export function registeredRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Params: { siteId: string }; Body: RegisteredBody }>(
      '/integrator/sites/:siteId/queries/registered',
      { schema: { params: siteParams, body: registeredBody } },
      async (req, reply) => {
        const site = await deps.control.access(req.integrator.id, req.params.siteId);
        const size = requestBytes(req);
        checkCommand(req.body.registerCommand.command, site, size);
        const r = await deps.registered.create(req.integrator.id, site, req.body, size);
        return reply.code(202).send({ id: r.id });
      },
    );
    app.get<{ Params: { siteId: string } }>('/integrator/sites/:siteId/queries/registered', { schema: { params: siteParams } }, async (req) => {
      const site = await deps.control.access(req.integrator.id, req.params.siteId);
      return { registeredQueries: (await deps.registered.list(req.integrator.id, site.id)).map(registeredJson) };
    });
    app.get<{ Params: { siteId: string; queryId: string } }>('/integrator/sites/:siteId/queries/registered/:queryId', { schema: { params: queryParams } }, async (req) => {
      const site = await deps.control.access(req.integrator.id, req.params.siteId);
      return registeredJson(await deps.registered.owned(req.integrator.id, site.id, req.params.queryId));
    });
    app.delete<{ Params: { siteId: string; queryId: string } }>('/integrator/sites/:siteId/queries/registered/:queryId', { schema: { params: queryParams } }, async (req, reply) => {
      const site = await deps.control.access(req.integrator.id, req.params.siteId);
      await deps.registered.cancel(req.integrator.id, site.id, req.params.queryId);
      return reply.code(204).send();
    });
    app.get<{ Params: { siteId: string; queryId: string } }>('/integrator/sites/:siteId/queries/registered/:queryId/results', { schema: { params: queryParams } }, async (req) => {
      const site = await deps.control.access(req.integrator.id, req.params.siteId);
      const r = await deps.registered.owned(req.integrator.id, site.id, req.params.queryId);
      const data = await deps.registered.latestResult(r);
      if (!data) throw new ApiError(404, 'The registered query has no result yet; it is uploaded after its first successful run.');
      return { data: data.toString('base64'), parameters: r.resultParameters ?? [], rows: r.resultRows ?? 0, size: data.length };
    });
  };
}
