import type express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../src/api/routes/index.js';
import { concretePath, registeredRoutes } from '../support/express-routes.js';
import { type Hookline, startHookline } from '../support/harness.js';

/**
 * Every route is declared once (defineRoute, src/api/routes/) and its access rule is enforced by
 * that declaration: the app registers exactly the declared routes, every route that is not public
 * answers 401 without a credential, and a community key gets from every operator route the same 404
 * as from a route that does not exist. A portal session is walked the same way: it gets what a
 * community key gets, except from the API keys routes, which answer it 403.
 */
let hookline: Hookline;
let key: string;
let communityId: string;
let portalToken: string;

beforeAll(async () => {
  hookline = await startHookline({}, { worker: false });
  ({ key, communityId } = await hookline.newCommunity('route walker'));
  const session = await hookline.call('POST', `/v1/communities/${communityId}/portal-sessions`, {});
  portalToken = new URL(session.body.data.url as string).hash.replace('#portal=', '');
});
afterAll(async () => {
  await hookline?.stop();
});

async function request(method: string, path: string, token?: string) {
  const response = await fetch(`${hookline.api.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
    ...(method === 'GET' ? {} : { body: '{}' }),
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

const nonPublic = API_ROUTES.filter((r) => r.access !== 'public');
const adminOnly = API_ROUTES.filter((r) => r.access === 'admin');
const refusingPortal = API_ROUTES.filter((r) => r.refusesPortalSessions);
const label = (r: (typeof API_ROUTES)[number]) => `${r.method.toUpperCase()} ${r.path}`;

describe('route declarations', () => {
  it('the app registers exactly the declared routes, each once', () => {
    const app = hookline.api.server.listeners('request')[0] as express.Express;
    const registered = registeredRoutes(app);
    expect(registered.toSorted()).toEqual(API_ROUTES.map(label).toSorted());
    expect(new Set(registered).size).toBe(registered.length);
  });

  it('every declaration says who may call it, what it answers and why it is there', () => {
    for (const route of API_ROUTES) {
      expect(['public', 'admin', 'community'], label(route)).toContain(route.access);
      expect(route.summary.length, label(route)).toBeGreaterThan(5);
      expect(route.response.status, label(route)).toBeGreaterThanOrEqual(200);
      expect(route.response.data ?? route.response.contentType, `${label(route)}: a response schema or a content type`).toBeDefined();
      if (route.method !== 'get') expect(route.body, `${label(route)}: a body schema (emptyBody when it takes none)`).toBeDefined();
    }
    expect(adminOnly.length).toBeGreaterThan(0);
  });

  it.each(nonPublic.map((r) => [label(r), r] as const))('%s answers 401 without a credential', async (_label, route) => {
    const answer = await request(route.method.toUpperCase(), concretePath(route.path));
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ status: 'error', meta: { statusCode: 401 } });
  });

  it.each(adminOnly.map((r) => [label(r), r] as const))('%s answers a community key 404, as a route that does not exist', async (_label, route) => {
    const path = concretePath(route.path);
    const answer = await request(route.method.toUpperCase(), path, key);
    const unknown = await request(route.method.toUpperCase(), `${path}-no-such-route`, key);
    expect(answer.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(answer.body.solution).toBe(unknown.body.solution);
    expect(answer.body.message).toBe(`no route ${route.method.toUpperCase()} ${path}`);
  });

  it.each(adminOnly.filter((r) => !r.refusesPortalSessions).map((r) => [label(r), r] as const))(
    '%s answers a portal session 404, as a route that does not exist',
    async (_label, route) => {
      const path = concretePath(route.path);
      const answer = await request(route.method.toUpperCase(), path, portalToken);
      expect(answer.status).toBe(404);
      expect(answer.body.message).toBe(`no route ${route.method.toUpperCase()} ${path}`);
    },
  );

  it('every API keys route, and only those, refuses a portal session (403)', async () => {
    expect(refusingPortal.map(label).toSorted()).toEqual(API_ROUTES.filter((r) => r.tag === 'API keys').map(label).toSorted());
    for (const route of refusingPortal) {
      const path = route.path.replace(':communityId', communityId).replace(/:([A-Za-z0-9_]+)/g, 'x_$1');
      const answer = await request(route.method.toUpperCase(), path, portalToken);
      expect(answer.status, label(route)).toBe(403);
      expect(answer.body).toMatchObject({ status: 'error', message: 'portal sessions cannot manage API keys', meta: { statusCode: 403 } });
    }
  });

  it('a portal session reaches every community route as a community key does', async () => {
    for (const route of API_ROUTES.filter((r) => r.access === 'community' && !r.refusesPortalSessions)) {
      const path = concretePath(route.path);
      const [asKey, asPortal] = [await request(route.method.toUpperCase(), path, key), await request(route.method.toUpperCase(), path, portalToken)];
      expect([401, 403], label(route)).not.toContain(asPortal.status);
      expect(asPortal.status, label(route)).toBe(asKey.status);
      expect(asPortal.body?.message ?? '', label(route)).toBe(asKey.body?.message ?? '');
    }
  });

  it.each(API_ROUTES.filter((r) => r.access === 'public').map((r) => [label(r), r] as const))('%s needs no credential', async (_label, route) => {
    const answer = await request(route.method.toUpperCase(), route.path);
    expect(answer.status).not.toBe(401);
    expect(answer.status).toBeLessThan(500);
  });

  it('the operator reaches every operator route (it is not refused for access)', async () => {
    for (const route of adminOnly) {
      const answer = await request(route.method.toUpperCase(), concretePath(route.path), hookline.adminToken);
      expect([401, 403], label(route)).not.toContain(answer.status);
      expect(answer.body?.message ?? '', label(route)).not.toMatch(/^no route/);
    }
  });
});
