import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';
import { HEADER } from '../../src/wire/headers.js';

/** The foundation path, for real: API → Postgres → Temporal workflow → signed POST → attempt rows. */
let hookline: Hookline;
let receiver: TestReceiver;
let community: { communityId: string; key: string };

beforeAll(async () => {
  hookline = await startHookline();
  receiver = await TestReceiver.start();
  community = await hookline.newCommunity();
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

const joined = (userId: string) => ({
  type: 'user.joined',
  data: { user: { id: userId, username: `user-${userId}` }, joinedAt: '2026-11-29T10:00:00.000Z' },
});

async function createWebhook(path: string, extra: Record<string, unknown> = {}) {
  const created = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', path), events: ['user.joined'], ...extra }, community.key);
  expect(created.status).toBe(201);
  return created.body.data as { id: string; secret: string };
}

async function finalDelivery(deliveryId: string, status: string) {
  return eventually(async () => {
    const read = await hookline.call('GET', `/v1/deliveries/${deliveryId}`, undefined, community.key);
    return read.body.data.status === status ? read.body.data : undefined;
  });
}

describe('one delivery end to end', () => {
  it('delivers a signed Standard Webhooks POST and records the attempt', async () => {
    const webhook = await createWebhook('/ok');
    receiver.responder = () => ({ status: 200, body: 'thanks' });
    const before = receiver.arrivals.length;
    const emitted = await hookline.call('POST', '/v1/events', { id: 'join-ok', ...joined('u1') }, community.key);
    expect(emitted.status).toBe(202);
    expect(emitted.body.status).toBe('success');
    const [delivery] = emitted.body.data.deliveries;
    expect(delivery.webhookId).toBe(webhook.id);

    const delivered = await finalDelivery(delivery.id, 'succeeded');
    const arrivals = receiver.arrivals.slice(before).filter((a) => a.path === '/ok');
    expect(arrivals).toHaveLength(1);
    const arrival = arrivals[0]!;
    // the package receivers use verifies the signature over the exact bytes
    const payload = new Webhook(webhook.secret).verify(arrival.body, arrival.headers) as Record<string, unknown>;
    expect(payload).toEqual({
      id: emitted.body.data.event.id,
      type: 'user.joined',
      timestamp: emitted.body.data.event.occurredAt,
      communityId: community.communityId,
      data: joined('u1').data,
    });
    expect(arrival.headers[HEADER.webhookId]).toBe(delivery.id);
    expect(arrival.headers['content-type']).toBe('application/json');
    expect(arrival.headers[HEADER.userAgent]).toMatch(/^Hookline\/\d+\.\d+\.\d+$/);
    expect(arrival.headers[HEADER.eventType]).toBe('user.joined');
    expect(arrival.headers[HEADER.attempt]).toBe('1');

    expect(delivered.attemptCount).toBe(1);
    expect(delivered.attempts).toHaveLength(1);
    const attempt = delivered.attempts[0];
    expect(attempt.attemptNumber).toBe(1);
    expect(attempt.response).toMatchObject({ status: 200, body: 'thanks', bodyTruncated: false });
    expect(attempt.error).toBeNull();
    expect(attempt.request.url).toBe(receiver.url.replace('/hook', '/ok'));
    expect(attempt.request.headers[HEADER.webhookId]).toBe(delivery.id);
    expect(JSON.stringify(attempt.request.headers)).not.toContain(webhook.secret);
    expect(delivered.temporal.workflowId).toBe(`delivery-${delivery.id}`);
    expect(delivered.temporal.uiUrl).toBe(`http://localhost:8233/namespaces/default/workflows/delivery-${delivery.id}`);

    // the workflow is real, and carries ids only
    const handle = hookline.temporal.workflow.getHandle(`delivery-${delivery.id}`);
    // the row is written by the attempt, a moment before the workflow itself completes
    expect(await handle.result()).toBe('succeeded');
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    const history = JSON.stringify((await handle.fetchHistory()).events);
    expect(history).not.toContain('user-u1');
    expect(history).not.toContain(webhook.secret.slice(6));
  });

  it('retries a receiver that fails twice, then succeeds: three attempt rows', async () => {
    const webhook = await createWebhook('/flaky');
    let calls = 0;
    receiver.responder = (a) => (a.path === '/flaky' && ++calls <= 2 ? { status: 500, body: 'boom' } : { status: 204 });
    const emitted = await hookline.call('POST', '/v1/events', joined('u2'), community.key);
    const delivery = emitted.body.data.deliveries.find((d: { webhookId: string }) => d.webhookId === webhook.id);
    const delivered = await finalDelivery(delivery.id, 'succeeded');
    // newest first
    expect(delivered.attempts.map((a: { attemptNumber: number }) => a.attemptNumber)).toEqual([3, 2, 1]);
    expect(delivered.attempts.map((a: { response: { status: number } }) => a.response.status)).toEqual([204, 500, 500]);
    expect(delivered.attempts[2].error).toEqual({ code: 'http_500', message: 'receiver answered HTTP 500' });
    const flaky = receiver.arrivals.filter((a) => a.path === '/flaky');
    expect(new Set(flaky.map((a) => a.headers[HEADER.webhookId]))).toEqual(new Set([delivery.id]));
    expect(flaky.map((a) => a.headers[HEADER.attempt])).toEqual(['1', '2', '3']);
  });

  it('marks a delivery failed once the schedule is spent', async () => {
    // a separate community so the other webhooks do not receive this event
    const other = await hookline.newCommunity('always failing');
    const created = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', '/down'), events: ['user.joined'] }, other.key);
    receiver.responder = (a) => (a.path === '/down' ? { status: 503, body: 'down' } : { status: 200 });
    const emitted = await hookline.call('POST', '/v1/events', joined('u3'), other.key);
    const [delivery] = emitted.body.data.deliveries;
    const failed = await eventually(async () => {
      const read = await hookline.call('GET', `/v1/deliveries/${delivery.id}`, undefined, other.key);
      return read.body.data.status === 'failed' ? read.body.data : undefined;
    });
    // schedule 300ms,300ms: one first attempt and two retries
    expect(failed.attempts).toHaveLength(3);
    expect(failed.nextAttemptAt).toBeNull();
    expect(created.body.data.id).toBe(failed.webhookId);
    // newest first: oldest last
    const times = failed.attempts.map((a: { startedAt: string }) => Date.parse(a.startedAt)).reverse();
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(300);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(300);
  });

  it('treats a repeated event id as the same event: one delivery, nothing new started', async () => {
    await createWebhook('/idem');
    receiver.responder = () => ({ status: 200 });
    const first = await hookline.call('POST', '/v1/events', { id: 'join-twice', ...joined('u4') }, community.key);
    const second = await hookline.call('POST', '/v1/events', { id: 'join-twice', ...joined('u4') }, community.key);
    expect(second.status).toBe(202);
    expect(second.body.data).toEqual(first.body.data);
    const rows = await hookline.db.selectFrom('deliveries').select(sql<number>`count(*)::int`.as('n')).where('event_id', '=', first.body.data.event.id).executeTakeFirstOrThrow();
    expect(rows.n).toBe(first.body.data.deliveries.length);
    const conflicting = await hookline.call('POST', '/v1/events', { id: 'join-twice', ...joined('someone-else') }, community.key);
    expect(conflicting.status).toBe(409);
    expect(conflicting.body).toMatchObject({ status: 'error', meta: { statusCode: 409 } });
  });

  it('answers bad input with the error envelope and creates nothing', async () => {
    const count = async (table: 'webhooks' | 'events' | 'deliveries') =>
      (await hookline.db.selectFrom(table).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;
    const before = { webhooks: await count('webhooks'), events: await count('events'), deliveries: await count('deliveries') };

    const badWebhook = await hookline.call('POST', '/v1/webhooks', { url: 'ftp://example.com', events: ['user.joined'] }, community.key);
    expect(badWebhook.status).toBe(400);
    expect(badWebhook.body).toMatchObject({ status: 'error', meta: { statusCode: 400 } });
    expect(badWebhook.body.detail[0].field).toBe('url');
    expect(typeof badWebhook.body.solution).toBe('string');

    const unknownEvent = await hookline.call('POST', '/v1/webhooks', { url: receiver.url, events: ['user.left'] }, community.key);
    expect(unknownEvent.status).toBe(400);
    expect(unknownEvent.body.detail[0].field).toBe('events[0]');

    const unknownField = await hookline.call('POST', '/v1/webhooks', { url: receiver.url, events: ['user.joined'], colour: 'red' }, community.key);
    expect(unknownField.status).toBe(400);

    const badData = await hookline.call('POST', '/v1/events', { type: 'user.joined', data: { user: { id: 'x' } } }, community.key);
    expect(badData.status).toBe(400);
    expect(badData.body.detail.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['data.user.username', 'data.joinedAt']));

    const notJson = await hookline.call('POST', '/v1/events', '{"type":', community.key);
    expect(notJson.status).toBe(400);
    const noAuth = await hookline.call('POST', '/v1/events', joined('u5'), 'hk_not_a_key');
    expect(noAuth.status).toBe(401);
    expect(noAuth.body).toMatchObject({ status: 'error', meta: { statusCode: 401 } });

    expect({ webhooks: await count('webhooks'), events: await count('events'), deliveries: await count('deliveries') }).toEqual(before);
  });

  it('lists a webhook\'s recent deliveries newest first', async () => {
    const webhook = await createWebhook('/list');
    receiver.responder = () => ({ status: 200 });
    const ids: string[] = [];
    for (const user of ['a', 'b', 'c']) {
      const emitted = await hookline.call('POST', '/v1/events', joined(user), community.key);
      ids.push(emitted.body.data.deliveries.find((d: { webhookId: string }) => d.webhookId === webhook.id).id);
    }
    const page1 = await hookline.call('GET', `/v1/webhooks/${webhook.id}/deliveries?limit=2`, undefined, community.key);
    expect(page1.status).toBe(200);
    expect(page1.body.data.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[1]]);
    const page2 = await hookline.call('GET', `/v1/webhooks/${webhook.id}/deliveries?limit=2&cursor=${page1.body.meta.nextCursor}`, undefined, community.key);
    expect(page2.status, JSON.stringify(page2.body)).toBe(200);
    expect(page2.body.data.map((d: { id: string }) => d.id)).toEqual([ids[0]]);
    expect(page2.body.meta.nextCursor).toBeNull();
  });
});
