// GET /integrator/sites and GET /integrator/sites/{siteId}.
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../deps.js';
import { siteParams, sitesQuery } from '../schemas.js';
import { availabilityOf, siteForIntegrator, PMS_TYPES_BY_NAME } from '../../sites.js';
import type { SiteRecord } from '../../store/types.js';

export function siteRoutes(deps: AppDeps): FastifyPluginAsync {
  const view = (site: SiteRecord): Record<string, unknown> => {
    return siteForIntegrator(site, availabilityOf(site, deps.gateway.lastHeard(site)));
  };
  return async (app) => {
    app.get<{ Querystring: { practiceManagementSiteId: string; practiceManagementName: string } }>(
      '/integrator/sites',
      { schema: { querystring: sitesQuery } },
      async (req) => {
        const pmsType = PMS_TYPES_BY_NAME[req.query.practiceManagementName]!;
        const sites = await deps.control.visibleSites(req.integrator.id, { pmsType, pmsSiteId: req.query.practiceManagementSiteId });
        return { sites: sites.map(view) };
      },
    );
    app.get<{ Params: { siteId: string } }>('/integrator/sites/:siteId', { schema: { params: siteParams } }, async (req) => {
      return view(await deps.control.access(req.integrator.id, req.params.siteId));
    });
  };
}
