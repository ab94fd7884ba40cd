import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../src/api/routes/index.js';
import { concretePath } from '../support/express-routes.js';
import { type Hookline, startHookline } from '../support/harness.js';

/** Credentials with a real API: API keys shown once, stored hashed, revocable at once; the 401 and 429 envelopes. */
let hookline: Hookline;

beforeAll(async () => {
  hookline = await startHookline({}, { worker: false });
});
afterAll(async () => {
  await hookline?.stop();
});

/** A request with exactly the headers given (the harness always adds a bearer token). */
async function raw(h: Hookline, method: string, path: string, headers: Record<string, string>, body?: string | Buffer) {
  const response = await fetch(`${h.api.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

function expectUnauthorized(res: { status: number; body: any; headers: Headers }, what: string) {
  expect(res.status, what).toBe(401);
  expect(res.body, what).toMatchObject({ status: 'error', meta: { statusCode: 401 } });
  expect(typeof res.body.message, what).toBe('string');
  expect(typeof res.body.solution, what).toBe('string');
  expect(res.headers.get('www-authenticate'), what).toMatch(/^Bearer/);
}

// every declared route that needs a credential, and a /v1 path that is no route at all
const ROUTES: Array<[string, string]> = [
  ...API_ROUTES.filter((r) => r.access !== 'public').map((r): [string, string] => [r.method.toUpperCase(), concretePath(r.path)]),
  ['GET', '/v1/no-such-route'],
];

describe('every /v1 route needs a credential', () => {
  it.each(ROUTES)('%s %s answers 401 without one', async (method, path) => {
    const res = await raw(hookline, method, path, { 'content-type': 'application/json' }, method === 'GET' ? undefined : '{}');
    expectUnauthorized(res, `${method} ${path}`);
  });

  it('refuses malformed, unknown and near-miss credentials', async () => {
    const { key } = await hookline.newCommunity('near misses');
    const admin = hookline.adminToken;
    const headers = [
      `Basic ${Buffer.from(`x:${admin}`).toString('base64')}`,
      'Bearer',
      'Bearer ',
      `Token ${key}`,
      `${key}`,
      `Bearer ${key}x`,
      `Bearer ${key.slice(0, -1)}`,
      `Bearer ${admin}x`,
      `Bearer ${admin.slice(0, -1)}`,
      `Bearer ${admin.toUpperCase()}`,
      `Bearer hk_${'A'.repeat(43)}`,
      `Bearer ${'a'.repeat(600)}`,
      `Bearer ${key} ${key}`,
      `Bearer ${key},Bearer ${admin}`,
      'Bearer <script>',
      'Bearer \u00e9t\u00e9',
    ];
    for (const authorization of headers) {
      let res;
      try {
        res = await raw(hookline, 'GET', '/v1/webhooks', { authorization });
      } catch {
        continue; // fetch itself refuses some header values; nothing reached the server
      }
      expectUnauthorized(res, authorization.slice(0, 40));
    }
    // the scheme is case-insensitive; the token is not
    expect((await raw(hookline, 'GET', '/v1/webhooks', { authorization: `bearer ${key}` })).status).toBe(200);
    expect((await raw(hookline, 'GET', '/v1/communities', { authorization: `BEARER ${admin}` })).status).toBe(200);
  });

  it('answers 401 before reading the body: no 413, 415 or 400 leaks to a stranger', async () => {
    const big = Buffer.alloc(hookline.config.maxBodyBytes + 10, 'a');
    expectUnauthorized(await raw(hookline, 'POST', '/v1/events', { 'content-type': 'application/json' }, big), 'big');
    expectUnauthorized(await raw(hookline, 'POST', '/v1/events', { 'content-type': 'text/plain' }, 'hi'), 'text');
    expectUnauthorized(await raw(hookline, 'POST', '/v1/events', { 'content-type': 'application/json' }, '{"type":'), 'broken');
  });
});

describe('API keys', () => {
  it('shows a key once, stores only its hash, and never returns it again', async () => {
    const community = await hookline.call('POST', '/v1/communities', { name: 'Keys' });
    const cid = community.body.data.id;
    const created = await hookline.call('POST', `/v1/communities/${cid}/api-keys`, { name: 'backend' });
    expect(created.status).toBe(201);
    const key: string = created.body.data.key;
    expect(key).toMatch(/^hk_[A-Za-z0-9_-]{43}$/);
    expect(created.body.data).toMatchObject({ name: 'backend', communityId: cid, disabled: false });

    const listed = await hookline.call('GET', `/v1/communities/${cid}/api-keys`);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((k: { id: string }) => k.id)).toEqual([created.body.data.id]);
    expect(JSON.stringify(listed.body)).not.toContain(key.slice(10));
    expect(listed.body.data[0].key).toBeUndefined();

    // changing a key takes the admin token (the platform manages its communities' keys)
    const renamed = await hookline.call('PATCH', `/v1/communities/${cid}/api-keys/${created.body.data.id}`, { name: 'renamed' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data.name).toBe('renamed');
    expect(JSON.stringify(renamed.body)).not.toContain(key.slice(10));

    // at rest: no column of the row holds the key or its secret part
    const row = await hookline.db.selectFrom('api_keys').selectAll().where('id', '=', created.body.data.id).executeTakeFirstOrThrow();
    const rowText = JSON.stringify(row, (_k, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString('latin1') : v));
    expect(rowText).not.toContain(key.slice(10));
    expect(row.key_hash.length).toBe(32);
  });

  it('revokes a key at once; revoking again is 404', async () => {
    const { communityId, key } = await hookline.newCommunity('Revoke');
    // creating and revoking keys takes the admin token
    const second = await hookline.call('POST', `/v1/communities/${communityId}/api-keys`, { name: 'second' });
    const secondKey = second.body.data.key;
    expect((await hookline.call('GET', '/v1/webhooks', undefined, secondKey)).status).toBe(200);

    const revoked = await hookline.call('DELETE', `/v1/communities/${communityId}/api-keys/${second.body.data.id}`);
    expect(revoked.status).toBe(200);
    expectUnauthorized(await raw(hookline, 'GET', '/v1/webhooks', { authorization: `Bearer ${secondKey}` }), 'revoked');
    const listed = await hookline.call('GET', `/v1/communities/${communityId}/api-keys`, undefined, key);
    expect(listed.body.data.map((k: { id: string }) => k.id)).not.toContain(second.body.data.id);
    expect((await hookline.call('DELETE', `/v1/communities/${communityId}/api-keys/${second.body.data.id}`)).status).toBe(404);
    expect((await hookline.call('PATCH', `/v1/communities/${communityId}/api-keys/${second.body.data.id}`, { disabled: false })).status).toBe(404);
    // the key that revoked it still works
    expect((await hookline.call('GET', '/v1/webhooks', undefined, key)).status).toBe(200);
  });

  it('a disabled key is refused until it is enabled again', async () => {
    const { communityId, key } = await hookline.newCommunity('Disable');
    const other = await hookline.call('POST', `/v1/communities/${communityId}/api-keys`, { name: 'other' });
    const disabled = await hookline.call('PATCH', `/v1/communities/${communityId}/api-keys/${other.body.data.id}`, { disabled: true });
    expect(disabled.body.data.disabled).toBe(true);
    expectUnauthorized(await raw(hookline, 'GET', '/v1/webhooks', { authorization: `Bearer ${other.body.data.key}` }), 'disabled');
    // a community key cannot enable it again (admin only: the same 404 as an unknown route)
    expect((await hookline.call('PATCH', `/v1/communities/${communityId}/api-keys/${other.body.data.id}`, { disabled: false }, key)).status).toBe(404);
    await hookline.call('PATCH', `/v1/communities/${communityId}/api-keys/${other.body.data.id}`, { disabled: false });
    expect((await hookline.call('GET', '/v1/webhooks', undefined, other.body.data.key)).status).toBe(200);
  });

  it('a community key cannot reach operator routes or another community\'s keys', async () => {
    const a = await hookline.newCommunity('A');
    const b = await hookline.newCommunity('B');
    const bKeys = await hookline.call('GET', `/v1/communities/${b.communityId}/api-keys`);
    const bKeyId = bKeys.body.data[0].id;

    expect((await hookline.call('POST', '/v1/communities', { name: 'mine now' }, a.key)).status).toBe(404);
    expect((await hookline.call('GET', '/v1/communities', undefined, a.key)).status).toBe(404);
    const attempts: Array<[string, string, unknown?]> = [
      ['POST', `/v1/communities/${b.communityId}/api-keys`, { name: 'sneaky' }],
      ['GET', `/v1/communities/${b.communityId}/api-keys`],
      ['PATCH', `/v1/communities/${b.communityId}/api-keys/${bKeyId}`, { disabled: true }],
      ['DELETE', `/v1/communities/${b.communityId}/api-keys/${bKeyId}`],
      // B's key id under A's own community path
      ['PATCH', `/v1/communities/${a.communityId}/api-keys/${bKeyId}`, { disabled: true }],
      ['DELETE', `/v1/communities/${a.communityId}/api-keys/${bKeyId}`],
    ];
    for (const [method, path, body] of attempts) {
      const res = await hookline.call(method, path, body, a.key);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body).toMatchObject({ status: 'error', meta: { statusCode: 404 } });
    }
    // B's key is untouched and B has no new key
    expect((await hookline.call('GET', '/v1/webhooks', undefined, b.key)).status).toBe(200);
    expect((await hookline.call('GET', `/v1/communities/${b.communityId}/api-keys`)).body.data).toHaveLength(1);
    // the operator gets 404 for a community that does not exist
    expect((await hookline.call('POST', '/v1/communities/cmty_nope/api-keys', { name: 'x' })).status).toBe(404);
  });
});

describe('rate limits per community', () => {
  let limited: Hookline;
  beforeAll(async () => {
    limited = await startHookline({ API_RATE_LIMIT_PER_MINUTE: '5' }, { worker: false });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it('answers 429 with Retry-After after the limit, per community (all its keys together), for the admin token too', async () => {
    // making a community and its key spends two of the admin token's five
    const { communityId, key } = await limited.newCommunity('Limited');
    const spare = await limited.call('POST', `/v1/communities/${communityId}/api-keys`, { name: 'spare' });

    for (let i = 0; i < 5; i++) {
      const ok = await limited.call('GET', '/v1/webhooks', undefined, key);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('ratelimit-policy')).toMatch(/q=5/);
    }
    const limitedRes = await limited.call('GET', '/v1/webhooks', undefined, key);
    expect(limitedRes.status).toBe(429);
    expect(limitedRes.body).toMatchObject({ status: 'error', meta: { statusCode: 429 } });
    expect(limitedRes.body.solution).toMatch(/Retry-After/);
    const retryAfter = Number(limitedRes.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // writes are limited alike, and nothing is created
    const write = await limited.call('POST', '/v1/events', { type: 'user.joined', data: {} }, key);
    expect(write.status).toBe(429);

    // another key of the same community shares its budget (the limit is per community)
    expect((await limited.call('GET', '/v1/webhooks', undefined, spare.body.data.key)).status).toBe(429);
    // strangers are not counted against the community; their own requests count per address
    expectUnauthorized(await raw(limited, 'GET', '/v1/webhooks', { authorization: 'Bearer hk_unknown' }), 'stranger');

    // the admin token: three of its five were spent above
    let adminStatuses: number[] = [];
    for (let i = 0; i < 4; i++) adminStatuses.push((await limited.call('GET', '/v1/communities')).status);
    expect(adminStatuses).toEqual([200, 200, 429, 429]);
    adminStatuses = [];
  });
});
