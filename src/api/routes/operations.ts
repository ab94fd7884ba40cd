import { sql } from 'kysely';
import { z } from 'zod';
import { metricsText } from '../../metrics/index.js';
import { sendDashboard } from '../dashboard.js';
import { sendDocsPage } from '../docs-page.js';
import { errorBody } from '../envelope.js';
import { openApiDocument } from '../openapi.js';
import { defineRoute } from '../route.js';

/** Health, readiness, metrics, and the pages and documents about the API: all public. */
const tag = 'Operations';

export const operationRoutes = [
  defineRoute({
    method: 'get',
    path: '/healthz',
    access: 'public',
    tag,
    summary: 'Liveness',
    response: { status: 200, description: 'the process answers', data: z.object({ ok: z.literal(true) }) },
    handler: () => ({ status: 200, data: { ok: true } }),
  }),

  defineRoute({
    method: 'get',
    path: '/readyz',
    access: 'public',
    tag,
    summary: 'Readiness: Postgres and Temporal reachable',
    response: { status: 200, description: 'ready', data: z.object({ postgres: z.boolean(), temporal: z.boolean() }) },
    errors: [503],
    handler: async ({ res, deps }) => {
      const [postgres, temporal] = await Promise.all([
        sql`select 1`.execute(deps.db).then(() => true, () => false),
        withTimeout(deps.temporal.workflowService.getSystemInfo({}), 2000).then(() => true, () => false),
      ]);
      if (postgres && temporal) return { status: 200, data: { postgres, temporal } };
      res.status(503).json(errorBody(503, 'not ready', 'Check that Postgres and Temporal are running and reachable.', { postgres, temporal }));
      return undefined;
    },
  }),

  defineRoute({
    method: 'get',
    path: '/metrics',
    access: 'public',
    tag,
    summary: 'Prometheus metrics',
    response: { status: 200, description: 'Prometheus text exposition format', contentType: 'text/plain' },
    handler: async ({ res, deps }) => {
      try {
        const { contentType, body } = await metricsText();
        res.type(contentType).send(body);
      } catch (error) {
        deps.logger.error({ err: error }, 'metrics scrape failed');
        res.status(503).type('text/plain').send('metrics unavailable\n');
      }
      return undefined;
    },
  }),

  defineRoute({
    method: 'get',
    path: '/openapi.json',
    access: 'public',
    tag,
    summary: 'This document',
    response: { status: 200, description: 'OpenAPI 3.1', contentType: 'application/json' },
    handler: ({ res, routes }) => void res.json(openApiDocument(routes)),
  }),

  defineRoute({
    method: 'get',
    path: '/docs',
    access: 'public',
    tag,
    summary: 'A page to read this document',
    response: { status: 200, description: 'HTML', contentType: 'text/html' },
    handler: ({ res }) => void sendDocsPage(res),
  }),

  defineRoute({
    method: 'get',
    path: '/dashboard',
    access: 'public',
    tag,
    summary: 'The deliveries dashboard (sign in with a community API key)',
    response: { status: 200, description: 'HTML', contentType: 'text/html' },
    handler: ({ res }) => void sendDashboard(res),
  }),
];

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}
