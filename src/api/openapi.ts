import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router } from 'express';
import { z } from 'zod';
import { EVENT_TYPES } from '../catalog/event-types.js';
import { DELIVERY_STATUSES } from '../store/deliveries.js';
import { VERSION } from '../version.js';
import { ENCRYPTION_ALGORITHMS } from '../wire/encrypt.js';
import {
  createApiKeyBody,
  createCommunityBody,
  createEventBody,
  createWebhookBody,
  deliveryListQuery,
  emptyBody,
  listQuery,
  updateApiKeyBody,
  updateWebhookBody,
  webhookDeliveryListQuery,
  webhookReplayBody,
} from './schemas.js';

/**
 * The OpenAPI 3.1 document, built from the zod schemas that validate requests (src/api/schemas.ts)
 * and the event catalog, plus this route table. The table is checked against the routes the app
 * registers (test/integration/ops-openapi.test.ts), and names routes in the request metrics.
 */
type Method = 'get' | 'post' | 'patch' | 'delete';
/** public: no credential; admin: ADMIN_TOKEN only; key: a community API key or ADMIN_TOKEN. */
type Access = 'public' | 'admin' | 'key';

export interface RouteSpec {
  method: Method;
  /** Express syntax (`:id`), as registered; written `{id}` in the document. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  body?: z.ZodType;
  query?: z.ZodType;
  success: { status: number; description: string; data?: z.ZodType; list?: boolean; contentType?: string };
  errors?: number[];
  /** Example request bodies; the OpenAPI test parses each with `body`. */
  examples?: Record<string, unknown>;
}

const ts = z.iso.datetime({ offset: true });
const nullableTs = ts.nullable();

/** What the API answers: documentation of the presenters (the test checks real answers against it). */
const Community = z.object({ id: z.string(), name: z.string(), createdAt: ts }).meta({ id: 'Community' });
const ApiKey = z
  .object({
    id: z.string(),
    communityId: z.string(),
    name: z.string(),
    prefix: z.string().describe('the first characters of the key, to recognise it'),
    disabled: z.boolean(),
    lastUsedAt: nullableTs,
    createdAt: ts,
  })
  .meta({ id: 'ApiKey' });
const ApiKeyCreated = ApiKey.extend({ key: z.string().describe('shown this once') }).meta({ id: 'ApiKeyCreated' });
const Webhook = z
  .object({
    id: z.string(),
    communityId: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    format: z.enum(['json', 'xml']),
    events: z.array(z.string()),
    channelIds: z.array(z.string()).nullable(),
    active: z.boolean(),
    disabledReason: z.string().nullable().describe('why Hookline disabled it, e.g. "gone" after a 410'),
    encryption: z.object({ enabled: z.boolean(), algorithm: z.enum(ENCRYPTION_ALGORITHMS as [string, ...string[]]).nullable() }),
    createdAt: ts,
    updatedAt: ts,
  })
  .meta({ id: 'Webhook' });
const WebhookCreated = Webhook.extend({
  secret: z.string().describe('the signing secret (whsec_…), shown this once'),
}).meta({ id: 'WebhookCreated' });
const Event = z
  .object({
    id: z.string(),
    externalId: z.string().nullable(),
    communityId: z.string(),
    type: z.string(),
    occurredAt: ts,
    data: z.unknown(),
    createdAt: ts,
  })
  .meta({ id: 'Event' });
const Attempt = z
  .object({
    attemptNumber: z.number().int(),
    startedAt: ts,
    durationMs: z.number(),
    request: z.object({ url: z.string(), headers: z.record(z.string(), z.string()) }),
    response: z
      .object({ status: z.number().int(), headers: z.record(z.string(), z.string()), body: z.string(), bodyTruncated: z.boolean() })
      .nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .meta({ id: 'Attempt' });
const Delivery = z
  .object({
    id: z.string(),
    communityId: z.string(),
    eventId: z.string(),
    webhookId: z.string(),
    eventType: z.string(),
    status: z.enum(DELIVERY_STATUSES as [string, ...string[]]),
    attemptCount: z.number().int(),
    lastAttemptAt: nullableTs,
    nextAttemptAt: nullableTs,
    createdAt: ts,
    updatedAt: ts,
    temporal: z.object({ workflowId: z.string(), uiUrl: z.string() }),
    attempts: z.array(Attempt).optional(),
  })
  .meta({ id: 'Delivery' });
const EventAccepted = z
  .object({ event: Event, deliveries: z.array(z.object({ id: z.string(), webhookId: z.string() })) })
  .meta({ id: 'EventAccepted' });
const EventType = z
  .object({
    type: z.string(),
    name: z.string(),
    schemaName: z.string(),
    description: z.string(),
    source: z.boolean(),
    schema: z.unknown().describe('JSON Schema of the event data'),
    example: z.unknown(),
  })
  .meta({ id: 'EventType' });

const ReplayJob = z
  .object({
    id: z.string(),
    communityId: z.string(),
    webhookId: z.string(),
    since: ts,
    until: nullableTs,
    status: z.enum(['running', 'completed', 'failed']),
    total: z.number().int().describe('failed deliveries replayed or to replay; final once completed'),
    done: z.number().int(),
    failed: z.number().int(),
    createdAt: ts,
    updatedAt: ts,
    completedAt: nullableTs,
    temporal: z.object({ workflowId: z.string(), uiUrl: z.string() }),
  })
  .meta({ id: 'ReplayJob' });

export const responseSchemas = { Community, ApiKey, ApiKeyCreated, Webhook, WebhookCreated, Event, EventAccepted, Delivery, Attempt, EventType, ReplayJob };

const example = (type: string) => EVENT_TYPES.find((t) => t.type === type)?.example;
const webhookExample = { url: 'https://example.com/webhooks/hookline', events: ['user.joined', 'message.posted'], description: 'CRM sync' };

export const ROUTES: readonly RouteSpec[] = [
  { method: 'get', path: '/healthz', tag: 'Operations', access: 'public', summary: 'Liveness', success: { status: 200, description: 'the process answers' } },
  {
    method: 'get',
    path: '/readyz',
    tag: 'Operations',
    access: 'public',
    summary: 'Readiness: Postgres and Temporal reachable',
    success: { status: 200, description: 'ready' },
    errors: [503],
  },
  {
    method: 'get',
    path: '/metrics',
    tag: 'Operations',
    access: 'public',
    summary: 'Prometheus metrics',
    success: { status: 200, description: 'Prometheus text exposition format', contentType: 'text/plain' },
  },
  {
    method: 'get',
    path: '/openapi.json',
    tag: 'Operations',
    access: 'public',
    summary: 'This document',
    success: { status: 200, description: 'OpenAPI 3.1', contentType: 'application/json' },
  },
  { method: 'get', path: '/docs', tag: 'Operations', access: 'public', summary: 'A page to read this document', success: { status: 200, description: 'HTML', contentType: 'text/html' } },
  {
    method: 'get',
    path: '/dashboard',
    tag: 'Operations',
    access: 'public',
    summary: 'The deliveries dashboard (sign in with a community API key)',
    success: { status: 200, description: 'HTML', contentType: 'text/html' },
  },

  {
    method: 'post',
    path: '/v1/communities',
    tag: 'Communities',
    access: 'admin',
    summary: 'Create a community',
    body: createCommunityBody,
    success: { status: 201, description: 'the community', data: Community },
    examples: { acme: { name: 'Acme' } },
  },
  {
    method: 'get',
    path: '/v1/communities',
    tag: 'Communities',
    access: 'admin',
    summary: 'List communities',
    query: listQuery.omit({ communityId: true }),
    success: { status: 200, description: 'a page of communities', data: Community, list: true },
  },
  {
    method: 'post',
    path: '/v1/communities/:communityId/api-keys',
    tag: 'API keys',
    access: 'key',
    summary: 'Create an API key (the key is shown this once)',
    body: createApiKeyBody,
    success: { status: 201, description: 'the key', data: ApiKeyCreated },
    examples: { backend: { name: 'backend' } },
  },
  {
    method: 'get',
    path: '/v1/communities/:communityId/api-keys',
    tag: 'API keys',
    access: 'key',
    summary: 'List API keys (without the keys)',
    success: { status: 200, description: 'the keys', data: ApiKey, list: true },
  },
  {
    method: 'patch',
    path: '/v1/communities/:communityId/api-keys/:keyId',
    tag: 'API keys',
    access: 'key',
    summary: 'Rename, disable or enable an API key',
    body: updateApiKeyBody,
    success: { status: 200, description: 'the key', data: ApiKey },
    examples: { disable: { disabled: true }, rename: { name: 'billing' } },
  },
  {
    method: 'delete',
    path: '/v1/communities/:communityId/api-keys/:keyId',
    tag: 'API keys',
    access: 'key',
    summary: 'Revoke an API key: it stops working at once',
    success: { status: 200, description: 'revoked', data: z.object({ id: z.string(), revoked: z.literal(true) }) },
  },

  {
    method: 'get',
    path: '/v1/event-types',
    tag: 'Events',
    access: 'key',
    summary: 'The event catalog, with a JSON Schema of each type’s data',
    success: { status: 200, description: 'the catalog', data: EventType, list: true },
  },
  {
    method: 'post',
    path: '/v1/events',
    tag: 'Events',
    access: 'key',
    summary: 'Emit an event: one durable delivery per subscribed active webhook',
    description:
      '`data` must match the schema of `type` (see the event-type schemas below). An `id` makes the call idempotent: the same id again returns the same event and deliveries and starts nothing new. The admin token must add `communityId`.',
    body: createEventBody,
    success: { status: 202, description: 'accepted; every delivery is durable', data: EventAccepted },
    errors: [400, 401, 404, 409, 413, 415, 429],
    examples: Object.fromEntries(
      EVENT_TYPES.filter((t) => t.source).map((t) => [t.type, { id: `${t.type}-1`, type: t.type, data: t.example }]),
    ),
  },
  {
    method: 'get',
    path: '/v1/events/:id',
    tag: 'Events',
    access: 'key',
    summary: 'An event with its deliveries',
    success: { status: 200, description: 'the event', data: Event.extend({ deliveries: z.array(Delivery) }) },
  },

  {
    method: 'post',
    path: '/v1/webhooks',
    tag: 'Webhooks',
    access: 'key',
    summary: 'Register a webhook (its signing secret is shown this once)',
    body: createWebhookBody,
    success: { status: 201, description: 'the webhook and its secret', data: WebhookCreated },
    examples: {
      json: webhookExample,
      encryptedXml: {
        url: 'https://example.com/webhooks/xml',
        format: 'xml',
        events: ['store.item.purchased'],
        encryption: { enabled: true, algorithm: 'aes-256-gcm', key: '0123456789abcdef0123456789abcdef' },
      },
      channel: { url: 'https://example.com/webhooks/general', events: ['channel.message.posted'], channelIds: ['ch_general'] },
    },
  },
  {
    method: 'get',
    path: '/v1/webhooks',
    tag: 'Webhooks',
    access: 'key',
    summary: 'List webhooks',
    query: listQuery,
    success: { status: 200, description: 'a page of webhooks', data: Webhook, list: true },
  },
  { method: 'get', path: '/v1/webhooks/:id', tag: 'Webhooks', access: 'key', summary: 'Read a webhook', success: { status: 200, description: 'the webhook', data: Webhook } },
  {
    method: 'patch',
    path: '/v1/webhooks/:id',
    tag: 'Webhooks',
    access: 'key',
    summary: 'Change a webhook; changes reach the next attempt',
    description: 'Setting `active` to true resumes the deliveries that waited while it was disabled.',
    body: updateWebhookBody,
    success: { status: 200, description: 'the webhook', data: Webhook },
    examples: { disable: { active: false }, retarget: { url: 'https://example.com/webhooks/v2', events: ['user.joined'] } },
  },
  {
    method: 'delete',
    path: '/v1/webhooks/:id',
    tag: 'Webhooks',
    access: 'key',
    summary: 'Delete a webhook; its pending deliveries are cancelled',
    success: {
      status: 200,
      description: 'deleted',
      data: z.object({ id: z.string(), deleted: z.literal(true), cancelledDeliveries: z.number().int() }),
    },
  },
  {
    method: 'post',
    path: '/v1/webhooks/:id/rotate-secret',
    tag: 'Webhooks',
    access: 'key',
    summary: 'Rotate the signing secret; the old one keeps signing beside it for SECRET_ROTATION_GRACE',
    body: emptyBody,
    success: {
      status: 200,
      description: 'the new secret, shown this once',
      data: z.object({ secret: z.string(), previousSecretExpiresAt: nullableTs }),
    },
  },
  {
    method: 'post',
    path: '/v1/webhooks/:id/test',
    tag: 'Webhooks',
    access: 'key',
    summary: 'Send a webhook.test event to this webhook alone',
    body: emptyBody,
    success: { status: 202, description: 'accepted', data: EventAccepted },
    errors: [400, 401, 404, 409, 429],
  },
  {
    method: 'post',
    path: '/v1/webhooks/:id/replay',
    tag: 'Deliveries',
    access: 'key',
    summary: 'Replay every failed delivery of this webhook created in a window, as a job',
    description: 'The job runs durably (a workflow) at a bounded rate (BULK_REPLAY_RATE); read its progress at GET /v1/replay-jobs/{id}.',
    body: webhookReplayBody,
    success: { status: 202, description: 'the job, started', data: ReplayJob },
    errors: [400, 401, 404, 429, 503],
    examples: { lastDay: { since: '2026-11-28T12:00:00Z' }, window: { since: '2026-11-28T00:00:00Z', until: '2026-11-29T00:00:00Z' } },
  },
  {
    method: 'get',
    path: '/v1/replay-jobs/:id',
    tag: 'Deliveries',
    access: 'key',
    summary: 'A replay job and its progress',
    success: { status: 200, description: 'the job', data: ReplayJob },
  },
  {
    method: 'get',
    path: '/v1/webhooks/:id/deliveries',
    tag: 'Deliveries',
    access: 'key',
    summary: 'Recent deliveries of a webhook, newest first',
    query: webhookDeliveryListQuery,
    success: { status: 200, description: 'a page of deliveries', data: Delivery, list: true },
  },

  {
    method: 'get',
    path: '/v1/deliveries',
    tag: 'Deliveries',
    access: 'key',
    summary: 'List deliveries, newest first',
    query: deliveryListQuery,
    success: { status: 200, description: 'a page of deliveries', data: Delivery, list: true },
  },
  {
    method: 'get',
    path: '/v1/deliveries/:id',
    tag: 'Deliveries',
    access: 'key',
    summary: 'A delivery with every attempt and its Temporal workflow',
    success: { status: 200, description: 'the delivery', data: Delivery },
  },
  {
    method: 'post',
    path: '/v1/deliveries/:id/replay',
    tag: 'Deliveries',
    access: 'key',
    summary: 'Replay a delivery (any final status): a fresh run of the schedule, same delivery id',
    body: emptyBody,
    success: { status: 202, description: 'replay started', data: Delivery },
    errors: [400, 401, 404, 429, 503],
  },
];

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'invalid input; `detail` names each wrong field',
  401: 'missing or bad credential',
  404: 'not found, or another community’s',
  409: 'conflict',
  413: 'body over MAX_BODY_BYTES',
  415: 'the body is not JSON',
  429: 'rate limited; see Retry-After',
  503: 'a dependency (Postgres or Temporal) is unreachable; retry',
};

/** `/v1/webhooks/:id` → `/v1/webhooks/{id}` */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** JSON Schema 2020-12 (what OpenAPI 3.1 uses); named schemas (`.meta({id})`) point into components. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return JSON.parse(JSON.stringify(rest).replaceAll('"#/$defs/', '"#/components/schemas/')) as Record<string, unknown>;
}

/** A schema, with the named schemas it uses (itself too, when named) moved to components. */
function schemaWithComponents(schema: z.ZodType, io: 'input' | 'output', components: Record<string, unknown>): Record<string, unknown> {
  const { $defs, ...rest } = jsonSchema(schema, io) as { $defs?: Record<string, unknown> };
  for (const [name, def] of Object.entries($defs ?? {})) components[name] = def;
  return rest;
}

function queryParameters(schema: z.ZodType) {
  const converted = jsonSchema(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(converted.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: converted.required?.includes(name) ?? false,
    schema: property,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  }));
}

function pathParameters(expressPath: string) {
  return [...expressPath.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
}

/** The request body of POST /v1/events: `data` is one of the catalog's schemas, chosen by `type`. */
function eventBodySchema(components: Record<string, unknown>): Record<string, unknown> {
  const base = jsonSchema(createEventBody, 'input') as { properties: Record<string, unknown> };
  const sources = EVENT_TYPES.filter((t) => t.source && t.data);
  for (const t of sources) components[t.schemaName] = jsonSchema(t.data!, 'input');
  base.properties.data = {
    description: 'The event’s data; its schema is the one of `type` in the catalog (GET /v1/event-types).',
    oneOf: [...new Set(sources.map((t) => t.schemaName))].map((name) => ({ $ref: `#/components/schemas/${name}` })),
  };
  return base;
}

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const components: Record<string, unknown> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const success = route.success;
    const data = success.data ? schemaWithComponents(success.data, 'output', components) : undefined;
    const content = success.contentType
      ? { [success.contentType]: { schema: success.contentType === 'application/json' ? { type: 'object' } : { type: 'string' } } }
      : {
          'application/json': {
            schema: {
              type: 'object',
              required: ['status', 'data'],
              properties: {
                status: { const: 'success' },
                data: success.list ? { type: 'array', items: data ?? {} } : (data ?? {}),
                ...(success.list ? { meta: { type: 'object', properties: { nextCursor: { type: ['string', 'null'] } } } } : {}),
              },
            },
          },
        };
    const errors = route.errors ?? (route.access === 'public' ? [] : [400, 401, 404, 429]);
    const parameters = [...pathParameters(route.path), ...(route.query ? queryParameters(route.query) : [])];
    const operation: Record<string, unknown> = {
      operationId: `${route.method}${openApiPath(route.path).replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      ...(route.access === 'public' ? { security: [] } : {}),
      ...(route.access === 'admin' ? { description: `${route.description ?? ''}\n\nOperator only (ADMIN_TOKEN).`.trim() } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: route.body !== emptyBody,
              content: {
                'application/json': {
                  schema: route.body === createEventBody ? eventBodySchema(components) : jsonSchema(route.body, 'input'),
                  ...(route.examples
                    ? { examples: Object.fromEntries(Object.entries(route.examples).map(([name, value]) => [name, { value }])) }
                    : {}),
                },
              },
            },
          }
        : {}),
      responses: {
        [String(success.status)]: { description: success.description, content },
        ...Object.fromEntries(
          errors.map((code) => [String(code), { description: ERROR_DESCRIPTIONS[code] ?? 'error', $ref: '#/components/responses/Error' }]),
        ),
      },
    };
    const key = openApiPath(route.path);
    paths[key] = { ...paths[key], [route.method]: operation };
  }

  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Hookline',
      version: VERSION,
      description:
        'Durable outgoing webhooks. Authenticate with `Authorization: Bearer <token>`: a community API key sees only its own community; the operator’s ADMIN_TOKEN may do everything (and names `communityId` where a community is meant). Every answer uses the envelope `{"status":"success","data":…}` or `{"status":"error","message","detail","solution","meta":{"statusCode"}}`.',
    },
    servers: [{ url: '/' }],
    tags: ['Webhooks', 'Deliveries', 'Events', 'API keys', 'Communities', 'Operations'].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A community API key or the ADMIN_TOKEN' } },
      responses: {
        Error: {
          description: 'The error envelope',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['status', 'message', 'solution', 'meta'],
                properties: {
                  status: { const: 'error' },
                  message: { type: 'string' },
                  detail: { description: 'what exactly was wrong, e.g. [{field, message}]' },
                  solution: { type: 'string' },
                  meta: { type: 'object', properties: { statusCode: { type: 'integer' } } },
                },
              },
            },
          },
        },
      },
      schemas: components,
    },
    security: [{ bearer: [] }],
  };
  return cached;
}

/** Matches a request to its route template (for metrics labels): bounded, never the raw path. */
const matchers = ROUTES.map((route) => ({
  method: route.method.toUpperCase(),
  template: route.path,
  regex: new RegExp(`^${route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+')}/?$`),
}));

export function routeTemplate(method: string, requestPath: string): string | undefined {
  const upper = method === 'HEAD' ? 'GET' : method;
  return matchers.find((m) => m.method === upper && m.regex.test(requestPath))?.template;
}

const require = createRequire(import.meta.url);
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Hookline API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="docs"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

// validatorUrl null: the default would call a public validator, and the page must work offline
const DOCS_INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#docs',
  validatorUrl: null,
  deepLinking: true,
  tryItOutEnabled: false,
  persistAuthorization: false,
});
`;

/** GET /openapi.json, and /docs: Swagger UI from the installed package, no CDN. */
export function docsRoutes(): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(DOCS_HTML);
  });
  // an asset, like the ones below, so not a documented route
  router.use('/docs/init.js', (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.type('application/javascript').send(DOCS_INIT);
  });
  router.use('/docs/assets', express.static(SWAGGER_UI_DIR, { index: false, maxAge: '1h' }));
  return router;
}
