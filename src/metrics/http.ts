import { createServer, type Server } from 'node:http';
import type { RequestHandler } from 'express';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import { apiRequestDuration, apiRequestsTotal, metricsText } from './index.js';

/** Static files are not routes; they get one label per mount so the label set stays small. */
const STATIC_PREFIXES = ['/docs/', '/dashboard/'];

/**
 * Counts API requests by route template (never the raw path: ids would make a series each).
 * `routeOf` matches a request to its declared route (src/api/openapi.ts, routeMatcher).
 */
export function requestMetrics(routeOf: (method: string, path: string) => string | undefined): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      // originalUrl: inside a mounted router (/v1) req.path is relative to the mount when this fires
      const path = req.originalUrl.split('?')[0] ?? '/';
      const route =
        routeOf(req.method, path) ??
        (res.statusCode < 400 ? STATIC_PREFIXES.find((p) => path.startsWith(p))?.concat('*') : undefined) ??
        'unmatched';
      apiRequestsTotal.inc({ method: req.method, route, status: String(res.statusCode) });
      apiRequestDuration.observe({ method: req.method, route }, (performance.now() - started) / 1000);
    });
    next();
  };
}

/** Pending deliveries by event type, for the gauge; bounded so a slow database cannot stall a scrape. */
export function pendingFromPostgres(db: Db, timeoutMs = 5000) {
  return async () => {
    const query = db
      .selectFrom('deliveries')
      .select(['event_type', sql<number>`count(*)::int`.as('n')])
      .where('status', '=', 'pending')
      .groupBy('event_type')
      .execute();
    const rows = await Promise.race([
      query,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('pending count timed out')), timeoutMs).unref()),
    ]);
    return rows.map((r) => ({ eventType: r.event_type, count: r.n }));
  };
}

/**
 * A worker-only process (`npm run worker`) serves its metrics (attempts, process) on its own port;
 * it has no API to serve them.
 */
export async function startMetricsServer(port: number, logger: Logger): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    metricsText().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (error: unknown) => {
        logger.error({ err: error }, 'metrics scrape failed');
        res.writeHead(503, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
