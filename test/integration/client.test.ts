import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHooklineClient, type Delivery, HooklineApiError } from '../../packages/client/src/index.js';
import { freePort } from '../support/free-port.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';

/**
 * The typed client against a real Hookline (API, worker, Temporal, Postgres) and a real receiver:
 * what a user of the package does, from creating a community to paging through its deliveries, and
 * each kind of refusal as a HooklineApiError.
 */
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

const errorOf = (call: Promise<unknown>) => call.then(() => expect.fail('expected a HooklineApiError'), (e: unknown) => e as HooklineApiError);

describe('typed client against the API', () => {
  it('creates a community, a key and a webhook, posts events, and pages through the deliveries', async () => {
    const admin = createHooklineClient({ baseUrl: hookline.api.url, token: hookline.adminToken });
    const community = await admin.POST('/v1/communities', { body: { name: 'Typed client' } });
    const key = await admin.POST('/v1/communities/{communityId}/api-keys', { params: { path: { communityId: community.id } }, body: { name: 'client' } });
    expect(key.key).toMatch(/^hk_/);

    const requests: string[] = [];
    const client = createHooklineClient({
      baseUrl: hookline.api.url,
      token: key.key,
      fetch: (request) => (requests.push(`${request.method} ${new URL(request.url).pathname}${new URL(request.url).search}`), fetch(request)),
    });
    receiver.responder = () => ({ status: 200 });
    const webhook = await client.POST('/v1/webhooks', { body: { url: `${receiver.url}/typed`, events: ['user.joined'] } });
    expect(webhook.secret).toMatch(/^whsec_/);
    expect(webhook.communityId).toBe(community.id);

    const accepted = [];
    for (let i = 0; i < 5; i++) {
      accepted.push(
        await client.POST('/v1/events', {
          body: { type: 'user.joined', data: { user: { id: `u-${i}`, username: `typed${i}` }, joinedAt: '2026-11-29T10:00:00.000Z' } },
        }),
      );
    }
    const deliveryIds = accepted.map((a) => a.deliveries[0]!.id);
    await eventually(async () => {
      const read = await Promise.all(deliveryIds.map((id) => client.GET('/v1/deliveries/{id}', { params: { path: { id } } })));
      return read.every((d) => d.status === 'succeeded') ? true : undefined;
    });
    expect(receiver.arrivals.filter((a) => a.path === new URL(`${receiver.url}/typed`).pathname)).toHaveLength(5);

    requests.length = 0;
    const paged: Delivery[] = [];
    for await (const delivery of client.paginate('/v1/webhooks/{id}/deliveries', { params: { path: { id: webhook.id }, query: { limit: 2 } } })) {
      paged.push(delivery);
    }
    expect(paged.map((d) => d.id).toSorted()).toEqual(deliveryIds.toSorted());
    expect(paged.every((d) => d.status === 'succeeded' && d.webhookId === webhook.id)).toBe(true);
    // 5 deliveries, 2 a page: three pages, each after the first from the cursor of the one before
    expect(requests).toHaveLength(3);
    expect(requests[0]).toBe(`GET /v1/webhooks/${webhook.id}/deliveries?limit=2`);
    expect(requests.slice(1).every((r) => /[?&]cursor=[^&]+/.test(r))).toBe(true);

    const filtered = await client.page('/v1/deliveries', { params: { query: { status: 'failed' } } });
    expect(filtered).toEqual({ data: [], nextCursor: null });
  });

  it('throws the API’s error envelope as a HooklineApiError', async () => {
    const { key } = await hookline.newCommunity('Typed client errors');
    const other = await hookline.newCommunity('Typed client other');
    const client = createHooklineClient({ baseUrl: hookline.api.url, token: key });
    const foreign = await createHooklineClient({ baseUrl: hookline.api.url, token: other.key }).POST('/v1/webhooks', {
      body: { url: `${receiver.url}/foreign`, events: ['user.joined'] },
    });

    const missing = await errorOf(client.GET('/v1/webhooks/{id}', { params: { path: { id: foreign.id } } }));
    expect(missing).toBeInstanceOf(HooklineApiError);
    expect(missing).toMatchObject({ statusCode: 404, message: 'webhook not found', method: 'GET', path: `/v1/webhooks/${foreign.id}` });
    expect(missing.solution).toContain('your community');

    const invalid = await errorOf(client.POST('/v1/webhooks', { body: { url: `${receiver.url}/x`, events: ['no.such.event' as 'user.joined'] } }));
    expect(invalid.statusCode).toBe(400);
    expect(invalid.message).toMatch(/^invalid events\[0\]/);
    expect(invalid.detail).toEqual([expect.objectContaining({ field: 'events[0]' })]);

    const badToken = await errorOf(createHooklineClient({ baseUrl: hookline.api.url, token: 'hk_not_a_key' }).GET('/v1/webhooks'));
    expect(badToken.statusCode).toBe(401);
    expect(badToken.message).toContain('invalid, revoked or disabled credential');

    // nothing was created by the refusals
    expect(await client.GET('/v1/webhooks')).toEqual([]);
  });

  it('names the status of an answer that is not Hookline’s, and leaves a refused connection to fetch', async () => {
    receiver.responder = () => ({ status: 502, headers: { 'content-type': 'text/html' }, body: '<html><h1>502 Bad Gateway</h1></html>' });
    const proxied = await errorOf(createHooklineClient({ baseUrl: new URL(receiver.url).origin, token: 'hk_x' }).GET('/v1/webhooks'));
    expect(proxied).toMatchObject({ statusCode: 502, message: 'not a Hookline answer', detail: null, path: '/v1/webhooks' });

    const nothing = createHooklineClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, token: 'hk_x' });
    const refused = await nothing.GET('/v1/webhooks').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(TypeError);
    expect(refused).not.toBeInstanceOf(HooklineApiError);
  });
});
