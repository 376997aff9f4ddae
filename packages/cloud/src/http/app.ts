// The HTTP side of the Cloud: fastify with request schemas, Halo error envelopes for every failure,
// and integrator authentication before anything else is read.
import Fastify, { LogController, errorCodes, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { IntegratorRecord } from '../store/types.js';
import type { AppDeps } from './deps.js';
import { ApiError, envelope, MESSAGES } from './errors.js';
import { storeUnavailable } from '../store/unavailable.js';
import { IntegratorAuth } from './auth.js';
import { siteRoutes } from './routes/sites.js';
import { queryRoutes } from './routes/queries.js';
import { pairingRoutes } from './routes/pairing.js';
import { asyncRoutes } from './routes/async.js';
import { registeredRoutes } from './routes/registered.js';

declare module 'fastify' {
  interface FastifyRequest {
    integrator: IntegratorRecord;
  }
}

export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.log as unknown as FastifyBaseLogger,
    // Request lines could carry identifiers in query strings; the Cloud logs its own events instead.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (pino's child() was ~1 % of the Cloud's time under load): with request
    // logging off, its only binding, the request counter, identified nothing.
    childLoggerFactory: (logger) => logger,
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false } },
  });
  // Only JSON bodies are accepted; anything else is 415 rather than a confusing schema error.
  app.removeContentTypeParser('text/plain');
  // An empty body labelled JSON is no body (clients generated from the OpenAPI file send one to pair-site,
  // which takes its input in the query string); a route that needs a body still answers 400 without one.
  // Anything else goes to fastify's own parser, prototype-poisoning checks included.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, undefined);
    json(req, body as string, done);
  });
  // So is an empty body under any other label (.NET's StringContent("") is text/plain); a non-empty one is
  // 415, refused without reading it (node discards the rest), so a large one costs no buffering and is
  // not mistaken for 413.
  app.addContentTypeParser('*', (req, payload, done) => {
    // A path that does not exist answers 404 whatever its body (FHIR paths with application/fhir+json, say).
    if (req.is404) return done(null, undefined);
    const refuse = (): void => done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(req.headers['content-type']), undefined);
    const declared = req.headers['content-length'];
    if (declared !== undefined) return Number(declared) === 0 ? done(null, undefined) : refuse();
    // Chunked: empty if it ends before its first byte.
    let settled = false;
    const settle = (then: () => void): void => {
      if (settled) return;
      settled = true;
      payload.pause();
      then();
    };
    payload.once('data', () => settle(refuse));
    payload.once('end', () => settle(() => done(null, undefined)));
    payload.once('error', (e: Error) => settle(() => done(e, undefined)));
  });
  const auth = new IntegratorAuth(deps.store, deps.audit);
  app.decorateRequest('integrator', null as unknown as IntegratorRecord);

  // A callback hook rather than an async one: a known key is answered from the cache with no promise.
  app.addHook('onRequest', (req, _reply, done) => {
    if (!req.url.startsWith('/integrator/')) return done();
    let found: IntegratorRecord | Promise<IntegratorRecord>;
    try {
      found = auth.authenticate(req);
    } catch (e) {
      return done(e as Error);
    }
    if (!(found instanceof Promise)) {
      req.integrator = found;
      return done();
    }
    found.then((rec) => {
      req.integrator = rec;
      done();
    }, done);
  });

  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    if (err instanceof ApiError) {
      void reply.code(err.status).headers(err.headers).send(envelope(err.status, err.message));
      return;
    }
    if ('validation' in err && err.validation) {
      const where = err.validationContext ?? 'request';
      const said = err.message.startsWith(where) ? err.message.slice(where.length) : ` ${err.message}`;
      // AJV's message for an unknown field does not name it; the field is what the integrator must remove.
      const extra = err.validation[0]?.keyword === 'additionalProperties' ? (err.validation[0].params as { additionalProperty?: string }).additionalProperty : undefined;
      void reply.code(400).send(envelope(400, `Invalid request: ${where}${said}${extra === undefined ? '' : `: '${extra}'`}`));
      return;
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const message = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? `Request body is larger than the ${Math.round((deps.bodyLimit ?? DEFAULT_BODY_LIMIT) / 1048576)} MB limit.`
        : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'Content-Type must be application/json.'
          : err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'Invalid request: the body is not valid JSON.'
            : status === 400 && !err.message.startsWith('Invalid request') ? `Invalid request: ${err.message}` : err.message;
      void reply.code(status).send(envelope(status, message));
      return;
    }
    // A store that does not answer is an outage the integrator can wait out, not a fault to report: 503.
    if (storeUnavailable(err)) {
      req.log.warn({ err: { message: err.message, code: err.code }, method: req.method, route: req.routeOptions.url }, 'the store is not answering');
      void reply.code(503).header('retry-after', '5').send(envelope(503, MESSAGES.storeDown));
      return;
    }
    // The route's pattern, not its URL: enough to tell which requests fail, with no ids or query strings.
    req.log.error({ err: { message: err.message, code: err.code }, method: req.method, route: req.routeOptions.url }, 'unhandled error');
    void reply.code(500).send(envelope(500, 'Internal error in the Conduit Cloud; the operator has the details in the logs.'));
  });

  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).send(envelope(404, 'The server cannot find the requested resource. Check the method and path against the API reference.'));
  });

  // 503 while the store or the bus does not answer: the load balancer takes the node out until they do.
  app.get('/healthz', async (_req, reply) => {
    const h = await deps.health.report();
    return reply.code(h.status === 'ok' ? 200 : 503).send({ ...h, links: deps.gateway.connectedSites.length });
  });
  app.register(siteRoutes(deps));
  app.register(queryRoutes(deps));
  app.register(pairingRoutes(deps));
  app.register(asyncRoutes(deps));
  app.register(registeredRoutes(deps));
  return app;
}
