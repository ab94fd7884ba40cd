import { z } from 'zod';
import { EVENT_TYPES } from '../catalog/event-types.js';
import { VERSION } from '../version.js';
import type { RouteDefinition } from './route.js';
import { createEventBody, emptyBody } from './schemas.js';

/**
 * The OpenAPI 3.1 document, built from the route declarations (src/api/routes/, each made with
 * defineRoute): their zod request schemas turned into JSON Schema 2020-12, their response schemas
 * (src/api/responses.ts), summaries, access and examples, and the event catalog (each type's `data`
 * schema is a component, and POST /v1/events takes one of them).
 */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'invalid input; `detail` names each wrong field',
  401: 'missing or bad credential',
  403: 'a portal session: it cannot manage API keys',
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

const cached = new WeakMap<readonly RouteDefinition[], Record<string, unknown>>();

export function openApiDocument(routes: readonly RouteDefinition[]): Record<string, unknown> {
  const hit = cached.get(routes);
  if (hit) return hit;
  const components: Record<string, unknown> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const success = route.response;
    const data = success.data ? schemaWithComponents(success.data, 'output', components) : undefined;
    const content = success.contentType
      ? { [success.contentType]: { schema: success.contentType === 'application/json' ? { type: 'object' } : { type: 'string' } } }
      : {
          'application/json': {
            schema: {
              type: 'object',
              // a list always answers meta.nextCursor (null on the last page): clients page on it
              required: success.list ? ['status', 'data', 'meta'] : ['status', 'data'],
              properties: {
                status: { const: 'success' },
                data: success.list ? { type: 'array', items: data ?? {} } : (data ?? {}),
                ...(success.list
                  ? { meta: { type: 'object', required: ['nextCursor'], properties: { nextCursor: { type: ['string', 'null'] } } } }
                  : {}),
              },
            },
          },
        };
    const declared = route.errors ?? (route.access === 'public' ? [] : [400, 401, 404, 429]);
    const errors = route.refusesPortalSessions && !declared.includes(403) ? [...declared, 403].toSorted((a, b) => a - b) : declared;
    const parameters = [...pathParameters(route.path), ...(route.query ? queryParameters(route.query) : [])];
    const operation: Record<string, unknown> = {
      operationId: `${route.method}${openApiPath(route.path).replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      ...(route.access === 'public' ? { security: [] } : {}),
      ...(route.access === 'admin' ? { description: `${route.description ?? ''}\n\nOperator only (ADMIN_TOKEN).`.trim() } : {}),
      'x-hookline-access': route.access,
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

  const document = {
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
  cached.set(routes, document);
  return document;
}

/** Matches a request to its route template (for metrics labels): bounded, never the raw path. */
export function routeMatcher(routes: readonly RouteDefinition[]): (method: string, path: string) => string | undefined {
  const matchers = routes.map((route) => ({
    method: route.method.toUpperCase(),
    template: route.path,
    regex: new RegExp(`^${route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+')}/?$`),
  }));
  return (method, requestPath) => {
    const upper = method === 'HEAD' ? 'GET' : method;
    return matchers.find((m) => m.method === upper && m.regex.test(requestPath))?.template;
  };
}
