import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { isDatabaseUnavailable } from '../db/errors.js';
import { pendingFromPostgres, requestMetrics } from '../metrics/http.js';
import { setFlowSource, setPendingSource } from '../metrics/index.js';
import { flowTotals } from '../store/flow.js';
import { authenticate, rejectUnauthenticated } from './auth.js';
import { dashboardAssets } from './dashboard.js';
import type { ApiDeps } from './deps.js';
import { docsAssets } from './docs-page.js';
import { ApiError, errorBody } from './envelope.js';
import { guardInput, verifyUtf8 } from './input-guard.js';
import { routeMatcher } from './openapi.js';
import { apiRateLimits } from './rate-limit.js';
import { type RouteDefinition, routeHandlers } from './route.js';
import { pageSecurityHeaders } from './security-headers.js';
import { requestSpans } from '../tracing/index.js';
import { API_ROUTES } from './routes/index.js';

/** The management API (docs/api.md): every route of src/api/routes/, registered from its declaration. */
export function createApp(deps: ApiDeps, routes: readonly RouteDefinition[] = API_ROUTES): express.Express {
  const { db, config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // whose X-Forwarded-For to believe for req.ip (the per-address rate limit): TRUST_PROXY, default none
  app.set('trust proxy', config.trustProxy);
  const routeOf = routeMatcher(routes);
  // with tracing on, each request is a span (the parent of the workflow starts it makes)
  const spans = requestSpans(routeOf);
  if (spans) app.use(spans);
  app.use(requestMetrics(routeOf));
  // the pending-deliveries and flow gauges are read from this API's database on each scrape
  setPendingSource(pendingFromPostgres(db));
  setFlowSource(() => flowTotals(db));

  app.use((req, res, next) => {
    const requestId = randomUUID();
    res.setHeader('x-request-id', requestId);
    res.locals.log = logger.child({ requestId });
    const started = performance.now();
    res.on('finish', () => {
      // originalUrl: in a router mounted at /v1, req.path has lost the prefix by the time this runs
      const path = req.originalUrl.split('?')[0];
      const deliveryId = path && /\/(dlv_[\w-]+)/.exec(path)?.[1];
      (res.locals.log as typeof logger).info(
        { method: req.method, path, ...(deliveryId ? { deliveryId } : {}), status: res.statusCode, ms: Math.round(performance.now() - started) },
        'request',
      );
    });
    next();
  });

  // What every route that needs a credential runs first: who is asking comes before anything else,
  // so an unauthenticated request is answered 401 (or 429, for an address that keeps sending bad
  // credentials) before its body is read, and the rate limit counts per community, over-large and
  // malformed bodies included (src/api/rate-limit.ts).
  // the pages a browser opens, and their assets: CSP, frame-ancestors, nosniff, referrer policy
  app.use(['/dashboard', '/docs'], pageSecurityHeaders(config.dashboardFrameAncestors));

  const limits = apiRateLimits(config.apiRateLimitPerMinute);
  const credentialCheck: RequestHandler[] = [authenticate(db, config.adminToken, limits), limits.unauthenticated, rejectUnauthenticated];
  const credentialed: RequestHandler[] = [
    ...credentialCheck,
    limits.perCommunity,
    requireJsonBody,
    express.json({ limit: config.maxBodyBytes, strict: true, type: () => true, verify: verifyUtf8 }),
    guardInput,
  ];
  for (const route of routes) {
    app[route.method](route.path, ...(route.access === 'public' ? [] : credentialed), ...routeHandlers(route, deps, routes));
  }
  app.use(docsAssets());
  app.use('/dashboard', dashboardAssets());
  // an unknown /v1 path asks for a credential like every /v1 route before it says there is no such route
  app.use('/v1', ...credentialCheck);

  app.use((req, _res, next) => next(new ApiError(404, `no route ${req.method} ${req.path}`, 'See /openapi.json for the routes.')));
  app.use(errorHandler);
  return app;
}

/** A body must be JSON; a request without one (content-length 0) is read as `{}`-less. */
function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is('application/json')) {
    return next(new ApiError(415, 'the body must be JSON', 'Send Content-Type: application/json with a JSON body.'));
  }
  next();
}

const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  const apiError = toApiError(error);
  if (apiError.statusCode === 500) {
    (res.locals.log ?? console).error({ err: error }, 'unhandled error');
  } else if (apiError.statusCode === 503) {
    (res.locals.log ?? console).warn({ err: error }, 'a dependency is unavailable');
  }
  for (const [name, value] of Object.entries(apiError.headers)) res.setHeader(name, value);
  res.status(apiError.statusCode).json(errorBody(apiError.statusCode, apiError.message, apiError.solution, apiError.detail));
};

/** body-parser's errors carry a `type`; everything unexpected is a 500 and logged. */
function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const type = (error as { type?: string }).type;
  switch (type) {
    case 'entity.too.large':
      return new ApiError(413, 'the body is too large', 'Send a smaller body (see MAX_BODY_BYTES).');
    case 'entity.parse.failed':
      // not the parser's message: it quotes the body, which may hold a key or secret
      return new ApiError(400, 'the body is not valid JSON', 'Send a well-formed JSON object.', [
        { field: 'body', message: 'is not a well-formed JSON object or array' },
      ]);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, 'unsupported body encoding', 'Send the body as UTF-8 JSON without content-encoding.');
    case 'request.aborted':
    case 'request.size.invalid':
      return new ApiError(400, 'the body was cut short', 'Send the whole body with a correct Content-Length.');
  }
  // other client errors raised by Express and body-parser (an undecodable path parameter, a
  // corrupt gzip body) carry a 4xx status; they are the client's to fix, not a 500
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(status, 'the request could not be read', 'Check the URL encoding, Content-Encoding and body, then retry.');
  }
  if (isDatabaseUnavailable(error)) {
    return new ApiError(503, 'the database is unavailable', 'Retry in a few seconds; POST /v1/events with the same id is safe to repeat.', null, {
      'retry-after': '5',
    });
  }
  return new ApiError(500, 'internal error', 'This is a bug in Hookline; the request id in x-request-id helps us find it.');
}
