// POST /integrator/pair-site (and its deprecated alias /integrator/pairSite).
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../deps.js';
import { PMS_TYPES_BY_NAME, availabilityOf, siteForIntegrator } from '../../sites.js';
import { pairQuery } from '../schemas.js';

interface PairQuery {
  practiceManagementSiteId: string;
  practiceManagementName: string;
  pairingCode?: string;
}

export function pairingRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    for (const url of ['/integrator/pair-site', '/integrator/pairSite']) {
      app.post<{ Querystring: PairQuery }>(url, { schema: { querystring: pairQuery } }, async (req) => {
        const pmsType = PMS_TYPES_BY_NAME[req.query.practiceManagementName]!;
        const site = await deps.control.pair(req.integrator.id, { pmsType, pmsSiteId: req.query.practiceManagementSiteId }, req.query.pairingCode);
        return siteForIntegrator(site, availabilityOf(site, deps.gateway.lastHeard(site)));
      });
    }
  };
}
