import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDelivery, latestAttemptsOf, listAttemptsPage, listDeliveries, markReplayRequested } from '../../src/store/deliveries.js';
import { getEvent, recordEvent } from '../../src/store/events.js';
import { communityScope } from '../../src/store/scope.js';
import { deleteWebhook, getWebhook, listWebhooks, rotateWebhookSecret, updateWebhook } from '../../src/store/webhooks.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';

/**
 * Tenancy with a real API, worker and receiver: community A's key, pointed at everything community B
 * owns, gets 404 or an empty list, and nothing of B's changes. Both communities use the same event id
 * on purpose.
 */
let hookline: Hookline;
let receiver: TestReceiver;
type Side = {
  communityId: string;
  key: string;
  webhookId: string;
  eventId: string;
  deliveryId: string;
};
let a: Side;
let b: Side;

const joined = (user: string) => ({
  id: 'same-id-in-both',
  type: 'user.joined',
  data: { user: { id: user, username: user }, joinedAt: '2026-11-29T10:00:00.000Z' },
});

async function side(name: string, path: string): Promise<Side> {
  const { communityId, key } = await hookline.newCommunity(name);
  const webhook = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', path), events: ['user.joined'] }, key);
  expect(webhook.status).toBe(201);
  const emitted = await hookline.call('POST', '/v1/events', joined(name), key);
  expect(emitted.status).toBe(202);
  expect(emitted.body.data.deliveries).toHaveLength(1);
  return {
    communityId,
    key,
    webhookId: webhook.body.data.id,
    eventId: emitted.body.data.event.id,
    deliveryId: emitted.body.data.deliveries[0].id,
  };
}

/** A digest of every row of B's tables, to show that nothing A did changed B. */
async function digestOfB(): Promise<string> {
  const rows = await sql<{ digest: string }>`
    select md5(concat_ws('|',
      (select string_agg(w::text, ',' order by w.id) from webhooks w where w.community_id = ${b.communityId}),
      (select string_agg(s::text, ',' order by s.id) from webhook_secrets s join webhooks w on w.id = s.webhook_id where w.community_id = ${b.communityId}),
      (select string_agg(e::text, ',' order by e.id) from events e where e.community_id = ${b.communityId}),
      (select string_agg(d.id || d.status || d.attempt_count, ',' order by d.id) from deliveries d where d.community_id = ${b.communityId}),
      (select string_agg(k::text, ',' order by k.id) from api_keys k where k.community_id = ${b.communityId})
    )) as digest`.execute(hookline.db);
  return rows.rows[0]!.digest;
}

/** Waits until no delivery is in flight, so B's rows only change if someone changes them. */
async function settled(): Promise<void> {
  await eventually(async () => {
    const rows = await hookline.db.selectFrom('deliveries').select('status').execute();
    return rows.every((r) => r.status !== 'pending') ? true : undefined;
  });
}

beforeAll(async () => {
  hookline = await startHookline();
  receiver = await TestReceiver.start();
  a = await side('alpha', '/a');
  b = await side('bravo', '/b');
  // both first deliveries have landed, so B's state is settled before A starts poking at it
  await receiver.waitFor(2);
  await settled();
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

describe("another community's ids answer 404 and change nothing", () => {
  // a window a bulk replay may cover (at most 30 days)
  const since = new Date(Date.now() - 86_400_000).toISOString();
  const cases = (): Array<[string, string, unknown?]> => [
    ['GET', `/v1/webhooks/${b.webhookId}`],
    ['PATCH', `/v1/webhooks/${b.webhookId}`, { description: 'mine now' }],
    ['PATCH', `/v1/webhooks/${b.webhookId}`, { url: receiver.url.replace('/hook', '/stolen') }],
    ['DELETE', `/v1/webhooks/${b.webhookId}`],
    ['POST', `/v1/webhooks/${b.webhookId}/rotate-secret`],
    ['POST', `/v1/webhooks/${b.webhookId}/test`],
    ['GET', `/v1/webhooks/${b.webhookId}/deliveries`],
    ['POST', `/v1/webhooks/${b.webhookId}/replay`, { since }],
    ['GET', `/v1/events/${b.eventId}`],
    ['GET', `/v1/deliveries/${b.deliveryId}`],
    ['GET', `/v1/deliveries/${b.deliveryId}/attempts`],
    ['POST', `/v1/deliveries/${b.deliveryId}/replay`],
    ['GET', `/v1/webhooks?communityId=${b.communityId}`],
    ['GET', `/v1/deliveries?communityId=${b.communityId}`],
    ['POST', '/v1/webhooks', { communityId: b.communityId, url: receiver.url, events: ['user.joined'] }],
    ['POST', '/v1/events', { communityId: b.communityId, ...joined('intruder'), id: 'intruder-1' }],
  ];

  it('answers 404 to each, with the same body as for an id that does not exist', async () => {
    const before = await digestOfB();
    const arrivalsBefore = receiver.arrivals.length;
    for (const [method, path, body] of cases()) {
      const res = await hookline.call(method, path, body, a.key);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(404);
      expect(res.body).toMatchObject({ status: 'error', meta: { statusCode: 404 } });
    }
    // no oracle: someone else's id reads exactly like a made-up one
    const theirs = await hookline.call('GET', `/v1/webhooks/${b.webhookId}`, undefined, a.key);
    const madeUp = await hookline.call('GET', '/v1/webhooks/wh_doesnotexist', undefined, a.key);
    expect(theirs.body).toEqual(madeUp.body);

    expect(await digestOfB()).toBe(before);
    // no test send or replay reached B's endpoint either
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.arrivals.slice(arrivalsBefore).filter((x) => x.path === '/b')).toHaveLength(0);
  });

  it('the operator can still reach both (the routes exist and work)', async () => {
    expect((await hookline.call('GET', `/v1/webhooks/${b.webhookId}`)).status).toBe(200);
    expect((await hookline.call('GET', `/v1/deliveries/${a.deliveryId}`)).status).toBe(200);
    expect((await hookline.call('GET', `/v1/webhooks/${b.webhookId}/deliveries`, undefined, b.key)).status).toBe(200);
    const replay = await hookline.call('POST', `/v1/webhooks/${b.webhookId}/replay`, { since }, b.key);
    expect(replay.status, JSON.stringify(replay.body)).toBe(202);
    // B's replay job is B's alone
    expect((await hookline.call('GET', `/v1/replay-jobs/${replay.body.data.id}`, undefined, b.key)).status).toBe(200);
    expect((await hookline.call('GET', `/v1/replay-jobs/${replay.body.data.id}`, undefined, a.key)).status).toBe(404);
  });
});

describe('lists and filters stay inside the community', () => {
  it('lists only their own webhooks, deliveries and events', async () => {
    const webhooks = await hookline.call('GET', '/v1/webhooks', undefined, a.key);
    expect(webhooks.body.data.map((w: { id: string }) => w.id)).toEqual([a.webhookId]);
    const deliveries = await hookline.call('GET', '/v1/deliveries', undefined, a.key);
    expect(deliveries.body.data.length).toBeGreaterThan(0);
    for (const d of deliveries.body.data) expect(d.communityId).toBe(a.communityId);
  });

  it('filters that name B find nothing', async () => {
    for (const query of [`webhookId=${b.webhookId}`, `webhookId=${b.webhookId}&status=succeeded`, 'eventType=user.joined']) {
      const res = await hookline.call('GET', `/v1/deliveries?${query}`, undefined, a.key);
      expect(res.status, query).toBe(200);
      expect(res.body.data.filter((d: { communityId: string }) => d.communityId !== a.communityId), query).toEqual([]);
    }
    const byB = await hookline.call('GET', `/v1/deliveries?webhookId=${b.webhookId}`, undefined, a.key);
    expect(byB.body.data).toEqual([]);
  });

  it('the same caller event id resolves to their own event', async () => {
    const mine = await hookline.call('GET', '/v1/events/same-id-in-both', undefined, a.key);
    expect(mine.status).toBe(200);
    expect(mine.body.data.id).toBe(a.eventId);
    expect(mine.body.data.deliveries.map((d: { id: string }) => d.id)).toEqual([a.deliveryId]);
  });

  it('a cursor from B\'s pages positions A\'s list but never shows B', async () => {
    await hookline.call('POST', '/v1/events', { ...joined('b2'), id: 'b-2' }, b.key);
    const bPage = await hookline.call('GET', '/v1/deliveries?limit=1', undefined, b.key);
    expect(bPage.body.meta.nextCursor).not.toBeNull();
    const aPage = await hookline.call('GET', `/v1/deliveries?limit=200&cursor=${bPage.body.meta.nextCursor}`, undefined, a.key);
    expect(aPage.status).toBe(200);
    for (const d of aPage.body.data) expect(d.communityId).toBe(a.communityId);
  });
});

describe('fan-out and test sends never cross', () => {
  it("an event reaches only its community's webhooks", async () => {
    // B has a second webhook on the same type; A's event must not reach either
    const second = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', '/b2'), events: ['user.joined', 'user.visited'] }, b.key);
    expect(second.status).toBe(201);
    const before = receiver.arrivals.length;
    const emitted = await hookline.call('POST', '/v1/events', { ...joined('fan'), id: 'fan-a' }, a.key);
    expect(emitted.body.data.deliveries.map((d: { webhookId: string }) => d.webhookId)).toEqual([a.webhookId]);
    // B's own deliveries from earlier tests may still be landing: look at this event's arrivals
    const eventId = emitted.body.data.event.id as string;
    const ofThisEvent = () => receiver.arrivals.slice(before).filter((x) => (JSON.parse(x.body) as { id: string }).id === eventId);
    await eventually(async () => (ofThisEvent().length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 800));
    const arrived = ofThisEvent();
    expect(arrived.map((x) => x.path)).toEqual(['/a']);
    expect(JSON.parse(arrived[0]!.body).communityId).toBe(a.communityId);
  });

  it('a test send goes to that webhook alone', async () => {
    const before = receiver.arrivals.length;
    const sent = await hookline.call('POST', `/v1/webhooks/${a.webhookId}/test`, undefined, a.key);
    expect(sent.status).toBe(202);
    expect(sent.body.data.deliveries.map((d: { webhookId: string }) => d.webhookId)).toEqual([a.webhookId]);
    const eventId = sent.body.data.event.id as string;
    const ofThisEvent = () => receiver.arrivals.slice(before).filter((x) => (JSON.parse(x.body) as { id: string }).id === eventId);
    await eventually(async () => (ofThisEvent().length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    expect(ofThisEvent().map((x) => x.path)).toEqual(['/a']);
  });
});

describe('the data layer scopes by itself', () => {
  it("store functions given A's scope find, change and delete nothing of B's", async () => {
    await settled();
    const scopeA = communityScope(a.communityId);
    const box = new SecretBox(hookline.config.secretsKey);
    const before = await digestOfB();
    expect(await getWebhook(hookline.db, scopeA, b.webhookId)).toBeUndefined();
    expect(await updateWebhook(hookline.db, box, scopeA, b.webhookId, { description: 'x', active: false })).toBeUndefined();
    expect(await rotateWebhookSecret(hookline.db, box, scopeA, b.webhookId, 1000)).toBeUndefined();
    expect(await deleteWebhook(hookline.db, scopeA, b.webhookId)).toBeUndefined();
    expect(await getDelivery(hookline.db, scopeA, b.deliveryId)).toBeUndefined();
    expect(await getEvent(hookline.db, scopeA, b.eventId)).toBeUndefined();
    const listed = await listDeliveries(hookline.db, scopeA, { webhookId: b.webhookId }, { limit: 200 });
    expect(listed.items).toEqual([]);
    expect(await listAttemptsPage(hookline.db, scopeA, b.deliveryId, { limit: 100 })).toEqual({ items: [], nextBefore: null });
    expect((await latestAttemptsOf(hookline.db, scopeA, [b.deliveryId], 20)).get(b.deliveryId)).toEqual({ items: [], nextBefore: null });
    await markReplayRequested(hookline.db, scopeA, b.deliveryId);
    // a test send recorded for A but aimed at B's webhook delivers nowhere
    const aimed = await recordEvent(hookline.db, {
      communityId: a.communityId,
      type: 'webhook.test',
      occurredAt: new Date(),
      data: { message: 'x' },
      onlyWebhookId: b.webhookId,
    });
    expect(aimed.outcome === 'created' && aimed.deliveries).toEqual([]);
    const webhooks = await listWebhooks(hookline.db, scopeA, { limit: 200 });
    expect(webhooks.items.every((w) => w.communityId === a.communityId)).toBe(true);
    expect(await digestOfB()).toBe(before);
    // and the same calls with B's scope do find B's rows, so the emptiness above is the scope
    expect(await getWebhook(hookline.db, communityScope(b.communityId), b.webhookId)).toBeDefined();
    expect(await getDelivery(hookline.db, communityScope(b.communityId), b.deliveryId)).toBeDefined();
    expect((await listAttemptsPage(hookline.db, communityScope(b.communityId), b.deliveryId, { limit: 100 })).items.length).toBeGreaterThan(0);
  });
});
