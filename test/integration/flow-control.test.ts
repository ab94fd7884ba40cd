import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADER } from '../../src/wire/headers.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';

/**
 * Per-webhook flow control with two workers on one task queue (docs/flow-control.md): the limit on
 * attempts in flight holds across both, the rate limit spaces starts, a 429 with Retry-After pauses
 * the whole webhook, 429s halve the adaptive limit and successes restore it. A wait is never an
 * attempt: every delivery below succeeds with exactly one attempt.
 */
let hookline: Hookline;
let receiver: TestReceiver;
let community: { communityId: string; key: string };

beforeAll(async () => {
  hookline = await startHookline();
  await hookline.startWorker();
  receiver = await TestReceiver.start();
  community = await hookline.newCommunity('flow control');
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

async function webhook(path: string, settings: Record<string, unknown>): Promise<string> {
  const created = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', path), events: ['user.joined'], ...settings }, community.key);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.data.id;
}

let userSeq = 0;
async function emit(): Promise<string[]> {
  const emitted = await hookline.call(
    'POST',
    '/v1/events',
    { type: 'user.joined', data: { user: { id: `u${++userSeq}`, username: 'ada' }, joinedAt: '2026-11-29T10:00:00Z' } },
    community.key,
  );
  expect(emitted.status).toBe(202);
  return emitted.body.data.deliveries.map((d: { id: string }) => d.id);
}

const arrivalsAt = (path: string) => receiver.arrivals.filter((a) => a.path === path);
const readWebhook = async (id: string) => (await hookline.call('GET', `/v1/webhooks/${id}`, undefined, community.key)).body.data;

async function expectOneAttemptEach(webhookId: string, count: number) {
  const deliveries = await eventually(async () => {
    const page = await hookline.call('GET', `/v1/webhooks/${webhookId}/deliveries?limit=200`, undefined, community.key);
    const items = page.body.data as Array<{ status: string; attemptCount: number }>;
    return items.length === count && items.every((d) => d.status === 'succeeded') ? items : undefined;
  }, 60_000);
  expect(deliveries.map((d) => d.attemptCount)).toEqual(Array(count).fill(1));
}

describe('flow control across two workers', () => {
  it('never has more than maxConcurrency attempts of one webhook in flight, with two workers and a 300 ms receiver', async () => {
    const id = await webhook('/concurrency', { maxConcurrency: 3 });
    receiver.responder = (a) => (a.path === '/concurrency' ? { status: 200, delayMs: 300 } : { status: 200 });
    const started = Date.now();
    for (let i = 0; i < 4; i++) await Promise.all(Array.from({ length: 6 }, () => emit()));
    const seenInFlight: number[] = [];
    let metrics = '';
    await eventually(async () => {
      const read = await readWebhook(id);
      seenInFlight.push(read.flow.inFlight);
      if (read.flow.waiting > 0 && !metrics) metrics = await (await fetch(`${hookline.api.url}/metrics`)).text();
      return arrivalsAt('/concurrency').length >= 24 ? true : undefined;
    }, 60_000, 50);
    // the same seen by Prometheus: bounded series, the webhook by id only among the most waited on
    expect(metrics).toMatch(/^hookline_flow_in_flight [1-9]/m);
    expect(metrics).toMatch(/^hookline_flow_waiting\{reason="(concurrency|queue)"\} [1-9]/m);
    expect(metrics).toContain(`hookline_flow_webhook_waiting{webhook_id="${id}"}`);
    expect(metrics).toMatch(/^hookline_flow_waits_total\{reason="(concurrency|queue)"\} [1-9]/m);
    expect(receiver.maxOpen.get('/concurrency')).toBe(3);
    expect(Math.max(...seenInFlight)).toBeLessThanOrEqual(3);
    // 24 answers of 300 ms, three at a time, take at least 8 rounds
    expect(Date.now() - started).toBeGreaterThanOrEqual(8 * 300);
    await expectOneAttemptEach(id, 24);
    expect(new Set(arrivalsAt('/concurrency').map((a) => a.headers[HEADER.webhookId])).size).toBe(24);
    await eventually(async () => ((await readWebhook(id)).flow.inFlight === 0 ? true : undefined));
  });

  it('starts at most rateLimitPerSecond attempts a second (one more at a window edge: the burst)', async () => {
    const id = await webhook('/rate', { rateLimitPerSecond: 5 });
    receiver.responder = () => ({ status: 200 });
    await Promise.all(Array.from({ length: 15 }, () => emit()));
    const arrivals = await eventually(async () => (arrivalsAt('/rate').length >= 15 ? arrivalsAt('/rate') : undefined), 30_000);
    const times = arrivals.map((a) => a.at).sort((a, b) => a - b);
    // the starts as the worker made them (each attempt row's start), not as this test's receiver
    // took them in: on a loaded machine its event loop can take two spaced requests in one turn
    const started = await hookline.db
      .selectFrom('attempts as a')
      .innerJoin('deliveries as d', 'd.id', 'a.delivery_id')
      .select('a.started_at')
      .where('d.webhook_id', '=', id)
      .execute();
    const starts = started.map((r) => r.started_at.getTime()).sort((a, b) => a - b);
    expect(starts).toHaveLength(15);
    const most = Math.max(...starts.map((t) => starts.filter((u) => u >= t && u < t + 1000).length));
    expect(most).toBeLessThanOrEqual(6);
    // and over the run the rate holds: 15 starts spaced 200 ms apart span at least 2.8 s
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(2_600);
    await expectOneAttemptEach(id, 15);
  });

  it('pauses every delivery of the webhook for a 429 with Retry-After: 3, and shows the pause', async () => {
    const id = await webhook('/pause', {});
    let throttled: number | undefined;
    receiver.responder = (a) => {
      if (a.path !== '/pause') return { status: 200 };
      if (throttled === undefined) {
        throttled = a.at;
        return { status: 429, headers: { 'retry-after': '3' } };
      }
      return { status: 200 };
    };
    await emit();
    await eventually(async () => (throttled !== undefined ? true : undefined));
    const paused = await eventually(async () => {
      const read = await readWebhook(id);
      return read.flow.pausedUntil ? read : undefined;
    });
    expect(Date.parse(paused.flow.pausedUntil) - throttled!).toBeGreaterThan(2_500);
    await Promise.all(Array.from({ length: 5 }, () => emit()));
    await eventually(async () => (arrivalsAt('/pause').length >= 7 ? true : undefined), 20_000);
    const after = arrivalsAt('/pause').slice(1);
    for (const arrival of after) expect(arrival.at - throttled!).toBeGreaterThanOrEqual(2_900);
    expect(after.filter((a) => a.headers[HEADER.attempt] === '1')).toHaveLength(5);
    expect((await readWebhook(id)).flow.pausedUntil).toBeNull();
  });

  it('halves the adaptive limit on each 429 (never below 1) and raises it by one per success, up to maxConcurrency', async () => {
    const id = await webhook('/adaptive', { maxConcurrency: 8 });
    let answered = 0;
    receiver.responder = (a) => (a.path === '/adaptive' && ++answered <= 3 ? { status: 429 } : { status: 200 });
    const limits: number[] = [(await readWebhook(id)).flow.effectiveConcurrency];
    for (let i = 1; i <= 3; i++) {
      await emit();
      limits.push(await eventually(async () => {
        const read = await readWebhook(id);
        return answered >= i && read.flow.effectiveConcurrency < limits.at(-1)! ? read.flow.effectiveConcurrency : undefined;
      }));
    }
    expect(limits).toEqual([8, 4, 2, 1]);
    for (let i = 0; i < 8; i++) await emit();
    const restored = await eventually(async () => {
      const read = await readWebhook(id);
      // up to maxConcurrency and no further, once the last attempts have given their slots back
      return read.flow.effectiveConcurrency >= 8 && read.flow.inFlight === 0 ? read : undefined;
    }, 30_000);
    expect(restored.flow).toMatchObject({ effectiveConcurrency: 8, inFlight: 0, waiting: 0 });
  });

  it('validates the settings and changes them with PATCH', async () => {
    for (const [field, value] of [
      ['maxConcurrency', 0],
      ['maxConcurrency', 101],
      ['maxConcurrency', 2.5],
      ['rateLimitPerSecond', 0.05],
      ['rateLimitPerSecond', 1001],
      ['ordering', 'lifo'],
    ] as const) {
      const res = await hookline.call('POST', '/v1/webhooks', { url: receiver.url, events: ['user.joined'], [field]: value }, community.key);
      expect(res.status, `${field}=${value}`).toBe(400);
      expect(res.body.detail.map((d: { field: string }) => d.field)).toContain(field);
    }
    const id = await webhook('/patched', { maxConcurrency: 6, rateLimitPerSecond: 0.5 });
    const patched = await hookline.call('PATCH', `/v1/webhooks/${id}`, { maxConcurrency: 2, rateLimitPerSecond: null, ordering: 'fifo' }, community.key);
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ maxConcurrency: 2, rateLimitPerSecond: null, ordering: 'fifo', flow: { effectiveConcurrency: 2 } });
  });
});
