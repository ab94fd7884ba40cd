import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Hookline, startHookline } from '../support/harness.js';

/**
 * Every validation rule of webhooks, events and delivery lists, each with a bad input: a 400 in the
 * error envelope whose detail names the field, and nothing written. This Hookline runs with the
 * production network policy (https only, no private or loopback targets), so the URL rules are the
 * real ones; it never delivers anything.
 */
let hookline: Hookline;
let community: { communityId: string; key: string };
let webhookId: string;
// a public address literal, so no DNS is needed to accept it
const GOOD_URL = 'https://1.1.1.1/hooks/hookline';
const KEY_32 = 'abcdefghijklmnopqrstuvwxyz012345';

beforeAll(async () => {
  hookline = await startHookline({ DELIVERY_ALLOW_HTTP: 'false', DELIVERY_ALLOW_PRIVATE_NETWORKS: 'false' }, { worker: false });
  community = await hookline.newCommunity('validation');
  const created = await hookline.call('POST', '/v1/webhooks', { url: GOOD_URL, events: ['user.joined'] }, community.key);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  webhookId = created.body.data.id;
});
afterAll(async () => {
  await hookline?.stop();
});

type ErrorBody = { status: string; message: string; detail: Array<{ field: string; message: string }> | null; solution: string; meta: { statusCode: number } };

/** The error envelope (docs/api.md#errors), a one-line message, something to do, and `field` named in detail. */
function expectRejected(answer: { status: number; body: ErrorBody }, field: string) {
  const context = JSON.stringify(answer.body);
  expect(answer.status, context).toBe(400);
  expect(answer.body).toMatchObject({ status: 'error', meta: { statusCode: 400 } });
  expect(answer.body.message, context).toMatch(/^[^\n]+$/);
  expect(answer.body.solution.length, context).toBeGreaterThan(0);
  expect(Array.isArray(answer.body.detail), context).toBe(true);
  const named = answer.body.detail!.find((d) => d.field === field);
  expect(named, `detail names ${field}: ${context}`).toBeDefined();
  expect(named!.message.length).toBeGreaterThan(0);
  return named!;
}

const count = async (table: 'webhooks' | 'events' | 'deliveries') =>
  (await hookline.db.selectFrom(table).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;

const webhook = (extra: Record<string, unknown>) => ({ url: GOOD_URL, events: ['user.joined'], ...extra });

describe('POST /v1/webhooks', () => {
  const cases: Array<[string, unknown, string, RegExp?]> = [
    ['url missing', { events: ['user.joined'] }, 'url'],
    ['url empty', webhook({ url: '' }), 'url'],
    ['url not a URL', webhook({ url: 'not a url' }), 'url'],
    ['url over 2048 characters', webhook({ url: `https://1.1.1.1/${'a'.repeat(2050)}` }), 'url'],
    ['url plain http', webhook({ url: 'http://1.1.1.1/hook' }), 'url', /https/],
    ['url with credentials', webhook({ url: 'https://user:pass@1.1.1.1/hook' }), 'url', /password|credential/i],
    ['url on loopback', webhook({ url: 'https://127.0.0.1/hook' }), 'url', /public/],
    ['url on loopback, IPv6', webhook({ url: 'https://[::1]/hook' }), 'url'],
    ['url named localhost', webhook({ url: 'https://localhost/hook' }), 'url'],
    ['url on a private network', webhook({ url: 'https://10.1.2.3/hook' }), 'url'],
    ['url on a link-local / metadata address', webhook({ url: 'https://169.254.169.254/latest/meta-data' }), 'url'],
    ['url naming the metadata service', webhook({ url: 'https://metadata.google.internal/' }), 'url'],
    ['url on a port not allowed', webhook({ url: 'https://1.1.1.1:22/hook' }), 'url'],
    ['description too long', webhook({ description: 'x'.repeat(501) }), 'description'],
    ['description not a string', webhook({ description: 42 }), 'description'],
    ['format unknown', webhook({ format: 'yaml' }), 'format'],
    ['events missing', { url: GOOD_URL }, 'events'],
    ['events empty', webhook({ events: [] }), 'events'],
    ['events not a list', webhook({ events: 'user.joined' }), 'events'],
    ['events with an unknown type', webhook({ events: ['user.joined', 'user.left'] }), 'events[1]'],
    ['events repeating a type', webhook({ events: ['user.joined', 'user.joined'] }), 'events'],
    ['channel.message.posted without channelIds', webhook({ events: ['channel.message.posted'] }), 'channelIds', /channelIds|at least one/],
    ['channel.message.posted with empty channelIds', webhook({ events: ['channel.message.posted'], channelIds: [] }), 'channelIds'],
    ['channelIds with an empty id', webhook({ events: ['channel.message.posted'], channelIds: ['ch_1', ''] }), 'channelIds[1]'],
    ['active not a boolean', webhook({ active: 'yes' }), 'active'],
    ['encryption not an object', webhook({ encryption: 'aes' }), 'encryption'],
    ['encryption.enabled missing', webhook({ encryption: { algorithm: 'aes-256-gcm', key: KEY_32 } }), 'encryption.enabled'],
    ['encryption enabled without an algorithm', webhook({ encryption: { enabled: true, key: KEY_32 } }), 'encryption.algorithm', /aes-256-gcm/],
    ['encryption algorithm unknown', webhook({ encryption: { enabled: true, algorithm: 'aes-128-cbc', key: KEY_32 } }), 'encryption.algorithm'],
    ['encryption enabled without a key', webhook({ encryption: { enabled: true, algorithm: 'aes-256-gcm' } }), 'encryption.key', /required/],
    ['encryption key of 31 characters', webhook({ encryption: { enabled: true, algorithm: 'aes-256-gcm', key: KEY_32.slice(1) } }), 'encryption.key', /32/],
    ['encryption key of 33 characters', webhook({ encryption: { enabled: true, algorithm: 'aes-256-cbc', key: `${KEY_32}x` } }), 'encryption.key', /32/],
    ['encryption key of 32 non-ASCII characters (64 bytes)', webhook({ encryption: { enabled: true, algorithm: 'aes-256-cbc', key: 'é'.repeat(32) } }), 'encryption.key'],
  ];

  it.each(cases)('rejects %s', async (_name, body, field, message) => {
    const before = await count('webhooks');
    const answer = await hookline.call('POST', '/v1/webhooks', body, community.key);
    const named = expectRejected(answer, field);
    if (message) expect(named.message).toMatch(message);
    expect(await count('webhooks')).toBe(before);
  });

  it('rejects unknown fields, naming them', async () => {
    const top = await hookline.call('POST', '/v1/webhooks', webhook({ colour: 'red' }), community.key);
    expectRejected(top, 'colour');
    expect(top.body.message).toContain('colour');
    expectRejected(await hookline.call('POST', '/v1/webhooks', webhook({ encryption: { enabled: false, salt: 'x' } }), community.key), 'encryption.salt');
    // a secret cannot be chosen by the caller: Hookline makes it
    expectRejected(await hookline.call('POST', '/v1/webhooks', webhook({ secret: 'whsec_AAAA' }), community.key), 'secret');
  });

  it('names every wrong field at once', async () => {
    const answer = await hookline.call('POST', '/v1/webhooks', { url: 'https://1.1.1.1/', format: 'csv', events: [], active: 1 }, community.key);
    expect(answer.status).toBe(400);
    expect(answer.body.detail.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['format', 'events', 'active']));
  });

  it('asks the operator which community', async () => {
    expectRejected(await hookline.call('POST', '/v1/webhooks', webhook({}), hookline.adminToken), 'communityId');
  });

  it('accepts the valid forms the rules allow', async () => {
    const ok = await hookline.call(
      'POST',
      '/v1/webhooks',
      webhook({
        url: 'https://1.1.1.1:8443/hook?token=abc',
        description: 'x'.repeat(500),
        format: 'xml',
        events: ['channel.message.posted', 'store.item.purchased'],
        channelIds: ['ch_1'],
        active: false,
        encryption: { enabled: true, algorithm: 'aes-256-cbc', key: KEY_32 },
      }),
      community.key,
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const off = await hookline.call('POST', '/v1/webhooks', webhook({ encryption: { enabled: false } }), community.key);
    expect(off.status, JSON.stringify(off.body)).toBe(201);
    expect(off.body.data.encryption).toEqual({ enabled: false, algorithm: null });
  });
});

describe('PATCH /v1/webhooks/:id', () => {
  const cases: Array<[string, unknown, string]> = [
    ['an empty change', {}, ''],
    ['url plain http', { url: 'http://1.1.1.1/' }, 'url'],
    ['url on loopback', { url: 'https://127.0.0.1/' }, 'url'],
    ['url null', { url: null }, 'url'],
    ['format unknown', { format: 'csv' }, 'format'],
    ['events empty', { events: [] }, 'events'],
    ['events unknown type', { events: ['nope'] }, 'events[0]'],
    ['subscribing to channel.message.posted without channelIds', { events: ['channel.message.posted'] }, 'channelIds'],
    ['enabling encryption without a key on a webhook that has none', { encryption: { enabled: true, algorithm: 'aes-256-gcm' } }, 'encryption.key'],
    ['enabling encryption without an algorithm', { encryption: { enabled: true, key: KEY_32 } }, 'encryption.algorithm'],
    ['an encryption key of the wrong length', { encryption: { enabled: true, algorithm: 'aes-256-gcm', key: 'short' } }, 'encryption.key'],
    ['active null', { active: null }, 'active'],
  ];

  it.each(cases)('rejects %s and changes nothing', async (_name, body, field) => {
    const before = await hookline.call('GET', `/v1/webhooks/${webhookId}`, undefined, community.key);
    expectRejected(await hookline.call('PATCH', `/v1/webhooks/${webhookId}`, body, community.key), field);
    const after = await hookline.call('GET', `/v1/webhooks/${webhookId}`, undefined, community.key);
    expect(after.body.data).toEqual(before.body.data);
  });

  it('rejects unknown fields, naming them', async () => {
    for (const name of ['secret', 'communityId', 'id']) {
      expectRejected(await hookline.call('PATCH', `/v1/webhooks/${webhookId}`, { [name]: 'x' }, community.key), name);
    }
  });

  it('keeps the stored key when only the algorithm changes', async () => {
    const created = await hookline.call('POST', '/v1/webhooks', webhook({ encryption: { enabled: true, algorithm: 'aes-256-gcm', key: KEY_32 } }), community.key);
    const id = created.body.data.id;
    const switched = await hookline.call('PATCH', `/v1/webhooks/${id}`, { encryption: { enabled: true, algorithm: 'aes-256-cbc' } }, community.key);
    expect(switched.status, JSON.stringify(switched.body)).toBe(200);
    expect(switched.body.data.encryption).toEqual({ enabled: true, algorithm: 'aes-256-cbc' });
    const row = await hookline.db.selectFrom('webhooks').select('encryption_key_sealed').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.encryption_key_sealed).not.toBeNull();
  });
});

describe('actions without a body', () => {
  it('rotate-secret and test refuse any field', async () => {
    const secretsBefore = await hookline.db.selectFrom('webhook_secrets').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expectRejected(await hookline.call('POST', `/v1/webhooks/${webhookId}/rotate-secret`, { graceSeconds: 10 }, community.key), 'graceSeconds');
    expectRejected(await hookline.call('POST', `/v1/webhooks/${webhookId}/test`, { message: 'custom' }, community.key), 'message');
    const secretsAfter = await hookline.db.selectFrom('webhook_secrets').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(secretsAfter.n).toBe(secretsBefore.n);
  });
});

describe('POST /v1/events', () => {
  const user = { id: 'usr_1', username: 'ada' };
  const joinedData = { user, joinedAt: '2026-11-29T12:00:00Z' };
  const purchaseData = {
    purchase: { id: 'pur_1', quantity: 1, price: 1.5, currency: 'USD' },
    item: { id: 'itm_1', name: 'Badge' },
    user,
    purchasedAt: '2026-11-29T12:00:00Z',
  };
  const messageData = { message: { id: 'm1', text: 'hi' }, user, channel: { id: 'ch_1', name: 'general' }, postedAt: '2026-11-29T12:00:00Z' };
  const cases: Array<[string, unknown, string]> = [
    ['type missing', { data: joinedData }, 'type'],
    ['type unknown', { type: 'user.left', data: joinedData }, 'type'],
    ['type subscription-only (channel.message.posted)', { type: 'channel.message.posted', data: messageData }, 'type'],
    ['type internal (webhook.test)', { type: 'webhook.test', data: { message: 'x' } }, 'type'],
    ['data missing', { type: 'user.joined' }, 'data'],
    ['data not an object', { type: 'user.joined', data: 'ada joined' }, 'data'],
    ['data.user missing', { type: 'user.joined', data: { joinedAt: '2026-11-29T12:00:00Z' } }, 'data.user'],
    ['data.user.username missing', { type: 'user.joined', data: { user: { id: 'u' }, joinedAt: '2026-11-29T12:00:00Z' } }, 'data.user.username'],
    ['data.user.id empty', { type: 'user.joined', data: { user: { id: '', username: 'a' }, joinedAt: '2026-11-29T12:00:00Z' } }, 'data.user.id'],
    ['data.user.email not an email', { type: 'user.joined', data: { user: { ...user, email: 'not-an-email' }, joinedAt: '2026-11-29T12:00:00Z' } }, 'data.user.email'],
    ['data.user.avatar not a URL', { type: 'user.visited', data: { user: { ...user, avatar: 'face.png' }, visitedAt: '2026-11-29T12:00:00Z' } }, 'data.user.avatar'],
    ['data.joinedAt not a timestamp', { type: 'user.joined', data: { user, joinedAt: 'yesterday' } }, 'data.joinedAt'],
    ['data.visitedAt missing', { type: 'user.visited', data: { user } }, 'data.visitedAt'],
    ['data.message.text too long', { type: 'message.posted', data: { ...messageData, message: { id: 'm1', text: 'x'.repeat(16_385) } } }, 'data.message.text'],
    ['data.channel missing', { type: 'message.posted', data: { ...messageData, channel: undefined } }, 'data.channel'],
    ['data.purchase.quantity zero', { type: 'store.item.purchased', data: { ...purchaseData, purchase: { ...purchaseData.purchase, quantity: 0 } } }, 'data.purchase.quantity'],
    ['data.purchase.quantity fractional', { type: 'store.item.purchased', data: { ...purchaseData, purchase: { ...purchaseData.purchase, quantity: 1.5 } } }, 'data.purchase.quantity'],
    ['data.purchase.price negative', { type: 'store.item.purchased', data: { ...purchaseData, purchase: { ...purchaseData.purchase, price: -1 } } }, 'data.purchase.price'],
    ['data.purchase.price a string', { type: 'store.item.purchased', data: { ...purchaseData, purchase: { ...purchaseData.purchase, price: '1.50' } } }, 'data.purchase.price'],
    ['data.purchase.currency not ISO 4217', { type: 'store.item.purchased', data: { ...purchaseData, purchase: { ...purchaseData.purchase, currency: 'usd' } } }, 'data.purchase.currency'],
    ['data.item.name missing', { type: 'store.item.purchased', data: { ...purchaseData, item: { id: 'itm_1' } } }, 'data.item.name'],
    ['id too long', { id: 'x'.repeat(65), type: 'user.joined', data: joinedData }, 'id'],
    ['id with spaces', { id: 'join 1', type: 'user.joined', data: joinedData }, 'id'],
    ['id in Hookline\'s own form', { id: 'evt_1', type: 'user.joined', data: joinedData }, 'id'],
    ['occurredAt not a timestamp', { type: 'user.joined', occurredAt: '29/11/2026', data: joinedData }, 'occurredAt'],
  ];

  it.each(cases)('rejects %s', async (_name, body, field) => {
    const before = { events: await count('events'), deliveries: await count('deliveries') };
    expectRejected(await hookline.call('POST', '/v1/events', body, community.key), field);
    expect({ events: await count('events'), deliveries: await count('deliveries') }).toEqual(before);
  });

  it('rejects unknown fields in data and in the body, naming them', async () => {
    expectRejected(await hookline.call('POST', '/v1/events', { type: 'user.joined', data: { ...joinedData, mood: 'happy' } }, community.key), 'data.mood');
    expectRejected(await hookline.call('POST', '/v1/events', { type: 'user.joined', data: { ...joinedData, user: { ...user, age: 3 } } }, community.key), 'data.user.age');
    expectRejected(await hookline.call('POST', '/v1/events', { type: 'user.joined', data: joinedData, priority: 'high' }, community.key), 'priority');
  });
});

describe('list queries', () => {
  const cases: Array<[string, string, string]> = [
    // an empty filter must not silently mean "no filter"
    ['webhookId empty', '/v1/deliveries?webhookId=', 'webhookId'],
    ['status unknown', '/v1/deliveries?status=done', 'status'],
    ['eventType unknown', '/v1/deliveries?eventType=user.left', 'eventType'],
    ['eventType subscription-only', '/v1/deliveries?eventType=channel.message.posted', 'eventType'],
    ['since not a timestamp', '/v1/deliveries?since=yesterday', 'since'],
    ['until not a timestamp', '/v1/deliveries?until=1700000000', 'until'],
    ['until before since', '/v1/deliveries?since=2026-11-29T12:00:00Z&until=2026-11-29T11:00:00Z', 'until'],
    ['limit zero', '/v1/deliveries?limit=0', 'limit'],
    ['limit over 200', '/v1/deliveries?limit=201', 'limit'],
    ['limit not a number', '/v1/deliveries?limit=ten', 'limit'],
    ['cursor not issued by the API', '/v1/deliveries?cursor=abc', 'cursor'],
    ['webhook list limit over 200', '/v1/webhooks?limit=500', 'limit'],
    ['webhook list cursor not issued by the API', '/v1/webhooks?cursor=abc', 'cursor'],
    // a delivery's attempts: at most 100 a page
    ['attempts limit over 100', '/v1/deliveries/dlv_any/attempts?limit=101', 'limit'],
    ['attempts limit zero', '/v1/deliveries/dlv_any/attempts?limit=0', 'limit'],
    ['attempts cursor not issued by the API', '/v1/deliveries/dlv_any/attempts?cursor=abc', 'cursor'],
    ['attempts cursor of another list', `/v1/deliveries/dlv_any/attempts?cursor=${Buffer.from('["2026-11-29 12:00:00+00","dlv_x"]').toString('base64url')}`, 'cursor'],
    ['attempts filter it does not take', '/v1/deliveries/dlv_any/attempts?status=failed', 'status'],
  ];

  it.each(cases)('GET rejects %s', async (_name, url, field) => {
    expectRejected(await hookline.call('GET', url, undefined, community.key), field);
  });

  it('a webhook\'s recent deliveries take the same filters, and no webhookId (it is in the path)', async () => {
    expectRejected(await hookline.call('GET', `/v1/webhooks/${webhookId}/deliveries?status=nope`, undefined, community.key), 'status');
    expectRejected(await hookline.call('GET', `/v1/webhooks/${webhookId}/deliveries?since=soon`, undefined, community.key), 'since');
    expectRejected(await hookline.call('GET', `/v1/webhooks/${webhookId}/deliveries?webhookId=${webhookId}`, undefined, community.key), 'webhookId');
  });

  it('rejects unknown query parameters, naming them', async () => {
    expectRejected(await hookline.call('GET', '/v1/deliveries?state=failed', undefined, community.key), 'state');
  });
});

describe('GET /v1/event-types', () => {
  it('publishes the catalog with a JSON Schema of each type\'s data, matching what POST /v1/events accepts', async () => {
    const answer = await hookline.call('GET', '/v1/event-types', undefined, community.key);
    expect(answer.status).toBe(200);
    const catalog = answer.body.data as Array<{ type: string; name: string; schemaName: string; source: boolean; schema: any; example: unknown }>;
    expect(catalog.map((t) => t.type)).toEqual([
      'user.joined',
      'user.visited',
      'message.posted',
      'channel.message.posted',
      'store.item.purchased',
      'webhook.test',
      'webhook.disabled',
      'webhook.enabled',
      'delivery.failed',
    ]);
    const byType = new Map(catalog.map((t) => [t.type, t]));
    expect(byType.get('user.joined')).toMatchObject({ name: 'User Joins Server', schemaName: 'UserJoinedCommunityEvent', source: true });
    expect(byType.get('user.visited')).toMatchObject({ name: 'User Visits server', schemaName: 'UserVisitedCommunityEvent', source: true });
    expect(byType.get('message.posted')).toMatchObject({ name: 'New Message Posted Anywhere', schemaName: 'ChannelMessagePostedEvent', source: true });
    expect(byType.get('channel.message.posted')).toMatchObject({ name: 'New Message Posted To channel', schemaName: 'ChannelMessagePostedEvent', source: false });
    expect(byType.get('store.item.purchased')).toMatchObject({ name: 'Purchased Store Item', schemaName: 'PurchasedStoreItemEvent', source: true });
    expect(byType.get('webhook.test')).toMatchObject({ source: false, operational: false });
    for (const type of ['webhook.disabled', 'webhook.enabled', 'delivery.failed']) expect(byType.get(type)).toMatchObject({ source: false, operational: true });
    expect(byType.get('user.joined')).toMatchObject({ operational: false });

    // The catalog's required fields (docs/api.md#event-catalog), as JSON Schema says them
    const sorted = (list: string[]) => [...list].sort();
    const schemaOf = (type: string) => byType.get(type)!.schema;
    for (const t of catalog) {
      expect(t.schema.$schema, t.type).toMatch(/json-schema\.org/);
      expect(t.schema.type).toBe('object');
      expect(t.schema.additionalProperties).toBe(false);
    }
    expect(sorted(schemaOf('user.joined').required)).toEqual(['joinedAt', 'user']);
    expect(sorted(schemaOf('user.joined').properties.user.required)).toEqual(['id', 'username']);
    expect(sorted(Object.keys(schemaOf('user.joined').properties.user.properties))).toEqual(['avatar', 'displayName', 'email', 'id', 'username']);
    expect(schemaOf('user.joined').properties.joinedAt).toMatchObject({ type: 'string', format: 'date-time' });
    expect(sorted(schemaOf('user.visited').required)).toEqual(['user', 'visitedAt']);
    expect(sorted(schemaOf('message.posted').required)).toEqual(['channel', 'message', 'postedAt', 'user']);
    expect(sorted(schemaOf('message.posted').properties.message.required)).toEqual(['id', 'text']);
    expect(sorted(schemaOf('message.posted').properties.user.required)).toEqual(['id', 'username']);
    expect(schemaOf('channel.message.posted')).toEqual(schemaOf('message.posted'));
    expect(sorted(schemaOf('store.item.purchased').required)).toEqual(['item', 'purchase', 'purchasedAt', 'user']);
    expect(sorted(schemaOf('store.item.purchased').properties.purchase.required)).toEqual(['currency', 'id', 'price', 'quantity']);
    expect(schemaOf('store.item.purchased').properties.purchase.properties.quantity.type).toBe('integer');
    expect(sorted(schemaOf('store.item.purchased').properties.item.required)).toEqual(['id', 'name']);
    expect(schemaOf('webhook.test').required).toEqual(['message']);

    // every published example is accepted by POST /v1/events, and its data comes back unchanged
    for (const t of catalog.filter((c) => c.source)) {
      const emitted = await hookline.call('POST', '/v1/events', { type: t.type, data: t.example }, community.key);
      expect(emitted.status, `${t.type}: ${JSON.stringify(emitted.body)}`).toBe(202);
      expect(emitted.body.data.event.data).toEqual(t.example);
    }
  });
});
