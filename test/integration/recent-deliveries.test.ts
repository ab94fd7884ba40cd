import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { type Responder, TestReceiver } from '../support/receiver.js';
import { HEADER } from '../../src/wire/headers.js';

/**
 * "Recent deliveries": GET /v1/webhooks/:id/deliveries and GET /v1/deliveries, each delivery with its
 * latest attempt (lists never embed a delivery's whole history; GET /v1/deliveries/:id has the latest
 * 20 and GET /v1/deliveries/:id/attempts the rest, test/integration/security-limits.test.ts).
 */
let hookline: Hookline;
let receiver: TestReceiver;
const routes = new Map<string, Responder>();

beforeAll(async () => {
  hookline = await startHookline();
  receiver = await TestReceiver.start();
  receiver.responder = (arrival, index) => routes.get(arrival.path)?.(arrival, index) ?? { status: 200, body: 'ok' };
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

const urlFor = (p: string) => receiver.url.replace('/hook', p);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Delivery = { id: string; webhookId: string; eventType: string; status: string; attempts: any[]; attemptsNextCursor: string | null };

const joined = (userId: string) => ({
  type: 'user.joined',
  data: { user: { id: userId, username: `name-${userId}` }, joinedAt: '2026-11-29T10:00:00.000Z' },
});
const posted = (id: string) => ({
  type: 'message.posted',
  data: { message: { id, text: 'hi' }, user: { id: 'usr_1', username: 'ada' }, channel: { id: 'ch_1', name: 'general' }, postedAt: '2026-11-29T10:00:00.000Z' },
});

async function createWebhook(token: string, p: string, events = ['user.joined', 'message.posted']) {
  const created = await hookline.call('POST', '/v1/webhooks', { url: urlFor(p), events }, token);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.data as { id: string; secret: string };
}

async function emit(token: string, event: unknown): Promise<Array<{ id: string; webhookId: string }>> {
  const emitted = await hookline.call('POST', '/v1/events', event, token);
  expect(emitted.status, JSON.stringify(emitted.body)).toBe(202);
  return emitted.body.data.deliveries;
}

async function settled(token: string, ids: string[], status = ['succeeded', 'failed']) {
  for (const id of ids) {
    await eventually(async () => {
      const read = await hookline.call('GET', `/v1/deliveries/${id}`, undefined, token);
      return status.includes(read.body.data.status) ? true : undefined;
    });
  }
}

async function list(token: string, url: string): Promise<{ items: Delivery[]; nextCursor: string | null }> {
  const answer = await hookline.call('GET', url, undefined, token);
  expect(answer.status, `${url}: ${JSON.stringify(answer.body)}`).toBe(200);
  return { items: answer.body.data, nextCursor: answer.body.meta.nextCursor };
}

const idsOf = (items: Array<{ id: string }>) => items.map((d) => d.id);

describe('each listed delivery carries its latest attempt', () => {
  it('request headers without secrets, response status, headers and body, duration and error code', async () => {
    const { key } = await hookline.newCommunity('attempts');
    const webhook = await createWebhook(key, '/attempts');
    let calls = 0;
    routes.set('/attempts', () => (++calls === 1 ? { status: 500, headers: { 'x-receiver': 'first' }, body: 'boom' } : { status: 201, headers: { 'x-receiver': 'second' }, body: '{"ok":true}' }));
    const [delivery] = await emit(key, joined('a1'));
    await settled(key, [delivery!.id]);

    // the delivery read: every attempt (there are fewer than 20), newest first
    const single = await hookline.call('GET', `/v1/deliveries/${delivery!.id}`, undefined, key);
    const [second, first] = single.body.data.attempts;
    expect(single.body.data.attempts).toHaveLength(2);
    expect(single.body.data.attemptsNextCursor).toBeNull();
    for (const url of [`/v1/webhooks/${webhook.id}/deliveries`, '/v1/deliveries']) {
      const { items } = await list(key, url);
      expect(idsOf(items)).toEqual([delivery!.id]);
      // the list: the latest attempt, and the cursor of the older one
      expect(items[0]!.attempts).toEqual([second]);
      expect(items[0]!.attemptsNextCursor).toEqual(expect.any(String));
      const older = await hookline.call('GET', `/v1/deliveries/${delivery!.id}/attempts?cursor=${items[0]!.attemptsNextCursor}`, undefined, key);
      expect(older.body.data).toEqual([first]);
      expect(older.body.meta.nextCursor).toBeNull();
      expect(first).toMatchObject({
        attemptNumber: 1,
        request: { url: urlFor('/attempts'), headers: { [HEADER.webhookId]: delivery!.id, [HEADER.attempt]: '1', [HEADER.contentType]: 'application/json' } },
        response: { status: 500, body: 'boom', bodyTruncated: false, headers: { 'x-receiver': 'first' } },
        error: { code: 'http_500', message: expect.any(String) },
      });
      expect(second).toMatchObject({
        attemptNumber: 2,
        response: { status: 201, body: '{"ok":true}', bodyTruncated: false, headers: { 'x-receiver': 'second' } },
        error: null,
      });
      for (const attempt of [first, second]) {
        expect(Number.isInteger(attempt.durationMs) && attempt.durationMs >= 0).toBe(true);
        expect(Date.parse(attempt.startedAt)).not.toBeNaN();
        expect(attempt.request.headers[HEADER.webhookSignature]).toMatch(/^v1,/);
        expect(JSON.stringify(attempt)).not.toContain(webhook.secret.slice('whsec_'.length));
      }
    }
  });

  it('a network failure has an error code and no response', async () => {
    const { key } = await hookline.newCommunity('refused');
    // a port that was free a moment ago and has nothing listening now
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as { port: number };
        server.close(() => resolve(p));
      });
    });
    const created = await hookline.call('POST', '/v1/webhooks', { url: `http://127.0.0.1:${port}/nobody`, events: ['user.joined'] }, key);
    const [delivery] = await emit(key, joined('r1'));
    await settled(key, [delivery!.id], ['failed']);
    const { items } = await list(key, `/v1/webhooks/${created.body.data.id}/deliveries`);
    expect(items[0]!.attempts).toHaveLength(1);
    const read = await hookline.call('GET', `/v1/deliveries/${delivery!.id}`, undefined, key);
    expect(read.body.data.attempts).toHaveLength(3);
    expect(read.body.data.attempts[0]).toEqual(items[0]!.attempts[0]);
    for (const attempt of read.body.data.attempts) {
      expect(attempt.response).toBeNull();
      expect(attempt.error).toMatchObject({ code: 'connection_refused' });
    }
  });
});

describe('response bodies are kept up to 20,000 bytes', () => {
  it.each([
    { size: 50_000, kept: 20_000, truncated: true },
    { size: 20_001, kept: 20_000, truncated: true },
    { size: 20_000, kept: 20_000, truncated: false },
  ])('a $size-byte answer keeps $kept bytes (truncated: $truncated)', async ({ size, kept, truncated }) => {
    const { key } = await hookline.newCommunity(`body ${size}`);
    const p = `/body-${size}`;
    const answer = 'abcdefghij'.repeat(Math.ceil(size / 10)).slice(0, size);
    routes.set(p, () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: answer }));
    const webhook = await createWebhook(key, p);
    const [delivery] = await emit(key, joined(`b${size}`));
    await settled(key, [delivery!.id]);
    const { items } = await list(key, `/v1/webhooks/${webhook.id}/deliveries`);
    const response = items[0]!.attempts[0].response;
    expect(response.bodyTruncated).toBe(truncated);
    expect(Buffer.byteLength(response.body)).toBe(kept);
    expect(response.body).toBe(answer.slice(0, kept));
    expect(response.status).toBe(200);
  });
});

describe('GET /v1/deliveries filters', () => {
  it('status, eventType, since, until and webhookId each narrow the list, alone and together', async () => {
    const { key, communityId } = await hookline.newCommunity('filters');
    const ok = await createWebhook(key, '/f-ok');
    const down = await createWebhook(key, '/f-down', ['user.joined']);
    const slow = await createWebhook(key, '/f-slow', ['message.posted']);
    routes.set('/f-down', () => ({ status: 500 }));
    // asks for a minute, so its deliveries stay pending through the test
    routes.set('/f-slow', () => ({ status: 503, headers: { 'retry-after': '60' } }));

    const t0 = new Date();
    await sleep(20);
    const batch1 = [...(await emit(key, joined('f1'))), ...(await emit(key, posted('m1')))];
    await sleep(20);
    const t1 = new Date();
    await sleep(20);
    const batch2 = [...(await emit(key, joined('f2'))), ...(await emit(key, posted('m2')))];
    await sleep(20);
    const t2 = new Date();
    const all = [...batch1, ...batch2];
    expect(all).toHaveLength(8);
    await settled(key, all.filter((d) => d.webhookId !== slow.id).map((d) => d.id));
    // its first answer's Retry-After pauses the whole webhook (flow control), so one delivery has
    // been attempted and the other waits for the pause to end
    await eventually(async () => {
      const { items } = await list(key, `/v1/deliveries?webhookId=${slow.id}`);
      return items.some((d) => d.attempts.length === 1) ? true : undefined;
    });

    const of = (predicate: (d: { id: string; webhookId: string }) => boolean, from = all) => new Set(from.filter(predicate).map((d) => d.id));
    const typeOf = new Map<string, string>();
    for (const [i, d] of all.entries()) typeOf.set(d.id, [0, 1, 4, 5].includes(i) ? 'user.joined' : 'message.posted');
    const get = async (query: string, base = '/v1/deliveries') => new Set(idsOf((await list(key, `${base}?limit=200&${query}`)).items));

    expect(await get('')).toEqual(of(() => true));
    expect(await get(`webhookId=${ok.id}`)).toEqual(of((d) => d.webhookId === ok.id));
    expect(await get('status=succeeded')).toEqual(of((d) => d.webhookId === ok.id));
    expect(await get('status=failed')).toEqual(of((d) => d.webhookId === down.id));
    expect(await get('status=pending')).toEqual(of((d) => d.webhookId === slow.id));
    expect(await get('status=cancelled')).toEqual(new Set());
    expect(await get('eventType=message.posted')).toEqual(of((d) => typeOf.get(d.id) === 'message.posted'));
    expect(await get('eventType=user.joined')).toEqual(of((d) => typeOf.get(d.id) === 'user.joined'));
    expect(await get(`since=${t1.toISOString()}`)).toEqual(of(() => true, batch2));
    expect(await get(`until=${t1.toISOString()}`)).toEqual(of(() => true, batch1));
    expect(await get(`since=${t0.toISOString()}&until=${t2.toISOString()}`)).toEqual(of(() => true));
    expect(await get(`since=${t2.toISOString()}`)).toEqual(new Set());
    expect(await get(`webhookId=${ok.id}&eventType=message.posted&since=${t1.toISOString()}`)).toEqual(
      of((d) => d.webhookId === ok.id && typeOf.get(d.id) === 'message.posted', batch2),
    );
    // the operator filters the same, naming the community
    const asOperator = await hookline.call('GET', `/v1/deliveries?communityId=${communityId}&status=failed&limit=200`, undefined);
    expect(new Set(idsOf(asOperator.body.data))).toEqual(of((d) => d.webhookId === down.id));

    // the same filters on one webhook's recent deliveries
    const base = `/v1/webhooks/${ok.id}/deliveries`;
    expect(await get('', base)).toEqual(of((d) => d.webhookId === ok.id));
    expect(await get('eventType=user.joined', base)).toEqual(of((d) => d.webhookId === ok.id && typeOf.get(d.id) === 'user.joined'));
    expect(await get('status=failed', base)).toEqual(new Set());
    expect(await get(`until=${t1.toISOString()}`, base)).toEqual(of((d) => d.webhookId === ok.id, batch1));

    // statuses in the list are the deliveries' own
    const listed = (await list(key, '/v1/deliveries?limit=200')).items;
    for (const d of listed) {
      expect(d.status).toBe(d.webhookId === ok.id ? 'succeeded' : d.webhookId === down.id ? 'failed' : 'pending');
      expect(d.eventType).toBe(typeOf.get(d.id));
    }

    // another community sees none of them, even naming the webhook
    const stranger = await hookline.newCommunity('filters stranger');
    expect((await list(stranger.key, `/v1/deliveries?webhookId=${ok.id}`)).items).toEqual([]);
  });
});

describe('cursor pagination while new deliveries arrive', () => {
  it.each(['/v1/deliveries', 'webhook'])('%s: page 2 continues page 1 without duplicates or gaps', async (endpoint) => {
    const { key } = await hookline.newCommunity(`paging ${endpoint}`);
    const webhook = await createWebhook(key, `/paging-${endpoint === 'webhook' ? 'wh' : 'all'}`);
    const base = endpoint === 'webhook' ? `/v1/webhooks/${webhook.id}/deliveries` : '/v1/deliveries';
    const original: string[] = [];
    for (let i = 0; i < 5; i++) original.push((await emit(key, joined(`p${i}`)))[0]!.id);
    const newestFirst = [...original].reverse();

    const page1 = await list(key, `${base}?limit=2`);
    expect(idsOf(page1.items)).toEqual(newestFirst.slice(0, 2));
    expect(page1.nextCursor).toEqual(expect.any(String));

    const arrivedLater: string[] = [];
    for (let i = 0; i < 3; i++) arrivedLater.push((await emit(key, joined(`late${i}`)))[0]!.id);

    const page2 = await list(key, `${base}?limit=2&cursor=${page1.nextCursor}`);
    expect(idsOf(page2.items)).toEqual(newestFirst.slice(2, 4));
    const page3 = await list(key, `${base}?limit=2&cursor=${page2.nextCursor}`);
    expect(idsOf(page3.items)).toEqual(newestFirst.slice(4));
    expect(page3.nextCursor).toBeNull();

    // a fresh first page starts with what arrived meanwhile
    const fresh = await list(key, `${base}?limit=3`);
    expect(idsOf(fresh.items)).toEqual([...arrivedLater].reverse());

    // a cursor keeps its filters' meaning: succeeded ones only, paged one by one
    await settled(key, [...original, ...arrivedLater]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Delivery[]; nextCursor: string | null } = await list(key, `${base}?limit=3&status=succeeded${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...idsOf(page.items));
      cursor = page.nextCursor;
    } while (cursor && seen.length < 50);
    expect(seen).toEqual([...original, ...arrivedLater].reverse());
  });

  it('refuses a cursor it did not issue', async () => {
    const { key } = await hookline.newCommunity('bad cursor');
    for (const cursor of ['not-a-cursor', Buffer.from('["yesterday","dlv_x"]').toString('base64url')]) {
      const answer = await hookline.call('GET', `/v1/deliveries?cursor=${cursor}`, undefined, key);
      expect(answer.status).toBe(400);
      expect(answer.body.detail).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    }
  });
});
