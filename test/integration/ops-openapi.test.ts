import type express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { findEventType } from '../../src/catalog/event-types.js';
import { openApiPath } from '../../src/api/openapi.js';
import type { RouteDefinition } from '../../src/api/route.js';
import { API_ROUTES } from '../../src/api/routes/index.js';
import { type Hookline, startHookline } from '../support/harness.js';
import { registeredRoutes } from '../support/express-routes.js';
import { TestReceiver } from '../support/receiver.js';

/** The OpenAPI document against the running app: same routes, examples that validate, true answers. */
let hookline: Hookline;
let receiver: TestReceiver;

beforeAll(async () => {
  hookline = await startHookline();
  receiver = await TestReceiver.start();
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

async function document(): Promise<any> {
  const response = await fetch(`${hookline.api.url}/openapi.json`);
  expect(response.status).toBe(200);
  return response.json();
}

function routeSpec(method: string, path: string): RouteDefinition {
  const spec = API_ROUTES.find((r) => r.method === method && r.path === path);
  if (!spec) throw new Error(`no route ${method} ${path} in API_ROUTES`);
  return spec;
}

/** Checks a real answer against what the document promises for that route. */
function expectDocumented(method: RouteDefinition['method'], path: string, response: { status: number; body: any }) {
  const spec = routeSpec(method, path);
  expect(response.status, JSON.stringify(response.body)).toBe(spec.response.status);
  expect(response.body.status).toBe('success');
  const data = spec.response.data as z.ZodType;
  if (spec.response.list) {
    expect(Array.isArray(response.body.data)).toBe(true);
    expect(response.body.meta).toHaveProperty('nextCursor');
    for (const item of response.body.data) expectParses(data, item, `${method} ${path}`);
  } else {
    expectParses(data, response.body.data, `${method} ${path}`);
  }
}

function expectParses(schema: z.ZodType, value: unknown, what: string) {
  const parsed = schema.safeParse(value);
  expect(parsed.success, `${what}: ${parsed.error?.message}\n${JSON.stringify(value)}`).toBe(true);
}

describe('OpenAPI document', () => {
  it('documents every route the server registers, and nothing it does not', async () => {
    const app = hookline.api.server.listeners('request')[0] as express.Express;
    const registered = registeredRoutes(app);
    expect(registered).toContain('POST /v1/webhooks');
    const doc = await document();
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const registeredAsOpenApi = registered.map((r) => {
      const [method, path] = r.split(' ') as [string, string];
      return `${method} ${openApiPath(path)}`;
    });
    expect(registeredAsOpenApi.filter((r) => !documented.includes(r)), 'registered but not declared in src/api/routes/').toEqual([]);
    expect(documented.filter((d) => !registeredAsOpenApi.includes(d)), 'documented but not registered').toEqual([]);
  });

  it('has example requests that validate against the same zod schemas the API uses', async () => {
    const doc = await document();
    let checked = 0;
    for (const route of API_ROUTES) {
      const content = doc.paths[openApiPath(route.path)][route.method].requestBody?.content['application/json'];
      for (const [name, example] of Object.entries((content?.examples ?? {}) as Record<string, { value: unknown }>)) {
        expect(route.body, `${route.method} ${route.path} has examples but no body schema`).toBeDefined();
        expectParses(route.body!, example.value, `${route.method} ${route.path} example ${name}`);
        if (route.path === '/v1/events') {
          const { type, data } = example.value as { type: string; data: unknown };
          expectParses(findEventType(type)!.data!, data, `event example ${name} data`);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('describes request bodies and query parameters from the request schemas', async () => {
    const doc = await document();
    const create = doc.paths['/v1/webhooks'].post.requestBody.content['application/json'].schema;
    expect(create.required).toEqual(expect.arrayContaining(['url', 'events']));
    expect(create.additionalProperties).toBe(false);
    expect(create.properties.events.items.enum).toContain('channel.message.posted');
    const listParams = doc.paths['/v1/deliveries'].get.parameters.map((p: { name: string }) => p.name);
    expect(listParams).toEqual(expect.arrayContaining(['limit', 'cursor', 'status', 'eventType', 'since', 'until']));
    const eventData = doc.paths['/v1/events'].post.requestBody.content['application/json'].schema.properties.data;
    expect(eventData.oneOf).toContainEqual({ $ref: '#/components/schemas/UserJoinedCommunityEvent' });
    expect(doc.components.schemas.UserJoinedCommunityEvent.required).toEqual(expect.arrayContaining(['user', 'joinedAt']));
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>)) {
      const named = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(ops)) {
        expect(op.parameters?.filter((p) => p.in === 'path').map((p) => p.name) ?? [], path).toEqual(named);
      }
    }
  });

  it('tells the truth about what the API answers', async () => {
    const community = await hookline.call('POST', '/v1/communities', { name: 'Docs' });
    expectDocumented('post', '/v1/communities', community);
    expectDocumented('get', '/v1/communities', await hookline.call('GET', '/v1/communities'));
    const communityId = community.body.data.id as string;
    const key = await hookline.call('POST', `/v1/communities/${communityId}/api-keys`, { name: 'docs' });
    expectDocumented('post', '/v1/communities/:communityId/api-keys', key);
    const token = key.body.data.key as string;
    expectDocumented('get', '/v1/communities/:communityId/api-keys', await hookline.call('GET', `/v1/communities/${communityId}/api-keys`, undefined, token));
    expectDocumented('get', '/v1/event-types', await hookline.call('GET', '/v1/event-types', undefined, token));

    receiver.responder = () => ({ status: 200 });
    const webhook = await hookline.call('POST', '/v1/webhooks', { url: receiver.url, events: ['user.joined'] }, token);
    expectDocumented('post', '/v1/webhooks', webhook);
    const webhookId = webhook.body.data.id as string;
    expectDocumented('get', '/v1/webhooks', await hookline.call('GET', '/v1/webhooks', undefined, token));
    expectDocumented('get', '/v1/webhooks/:id', await hookline.call('GET', `/v1/webhooks/${webhookId}`, undefined, token));
    expectDocumented('patch', '/v1/webhooks/:id', await hookline.call('PATCH', `/v1/webhooks/${webhookId}`, { description: 'docs' }, token));
    expectDocumented('post', '/v1/webhooks/:id/rotate-secret', await hookline.call('POST', `/v1/webhooks/${webhookId}/rotate-secret`, undefined, token));
    expectDocumented('post', '/v1/webhooks/:id/test', await hookline.call('POST', `/v1/webhooks/${webhookId}/test`, undefined, token));

    const example = routeSpec('post', '/v1/events').examples!['user.joined'];
    const event = await hookline.call('POST', '/v1/events', example, token);
    expectDocumented('post', '/v1/events', event);
    const deliveryId = event.body.data.deliveries[0].id as string;
    expectDocumented('get', '/v1/events/:id', await hookline.call('GET', `/v1/events/${event.body.data.event.id}`, undefined, token));
    expectDocumented('get', '/v1/deliveries', await hookline.call('GET', '/v1/deliveries', undefined, token));
    expectDocumented('get', '/v1/deliveries/:id', await hookline.call('GET', `/v1/deliveries/${deliveryId}`, undefined, token));
    expectDocumented('get', '/v1/deliveries/:id/attempts', await hookline.call('GET', `/v1/deliveries/${deliveryId}/attempts?limit=5`, undefined, token));
    expectDocumented('get', '/v1/webhooks/:id/deliveries', await hookline.call('GET', `/v1/webhooks/${webhookId}/deliveries`, undefined, token));
    expectDocumented('post', '/v1/deliveries/:id/replay', await hookline.call('POST', `/v1/deliveries/${deliveryId}/replay`, undefined, token));
    const job = await hookline.call('POST', `/v1/webhooks/${webhookId}/replay`, { since: new Date(Date.now() - 3_600_000).toISOString() }, token);
    expectDocumented('post', '/v1/webhooks/:id/replay', job);
    expectDocumented('get', '/v1/replay-jobs/:id', await hookline.call('GET', `/v1/replay-jobs/${job.body.data.id}`, undefined, token));

    // retention (docs/retention.md)
    expectDocumented('patch', '/v1/communities/:communityId', await hookline.call('PATCH', `/v1/communities/${communityId}`, { retentionDays: 90 }));
    const expunged = await hookline.call('DELETE', `/v1/events/${event.body.data.event.id}`, {}, token);
    expectDocumented('delete', '/v1/events/:id', expunged);
    expect(expunged.body.data.data).toBeNull();
    expectDocumented('post', '/v1/purge-runs', await hookline.call('POST', '/v1/purge-runs', {}));
    expectDocumented('get', '/v1/purge-runs/latest', await hookline.call('GET', '/v1/purge-runs/latest'));
  });

  it('serves a docs page that works offline: every asset it loads comes from this server', async () => {
    const page = await fetch(`${hookline.api.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset.startsWith('/'), `${asset} must be served by Hookline, not a CDN`).toBe(true);
      const response = await fetch(`${hookline.api.url}${asset}`);
      expect(response.status, asset).toBe(200);
      expect((await response.text()).length, asset).toBeGreaterThan(100);
    }
    const init = await (await fetch(`${hookline.api.url}/docs/init.js`)).text();
    expect(init).toContain("url: '/openapi.json'");
    expect(init).toContain('validatorUrl: null');
  });
});
