import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HEADER } from '../../src/wire/headers.js';
import type { Child } from '../faults/support/processes.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { type Arrival, TestReceiver } from '../support/receiver.js';
import { startWorkerProcess } from '../support/worker-process.js';

/**
 * FIFO ordering (docs/flow-control.md#ordering): a webhook's deliveries are attempted one at a time
 * in the order their events were accepted, none before every earlier one is final; a failing
 * delivery holds the ones behind it through its retries. 100 events to a FIFO webhook whose
 * receiver fails the 10th delivery's first three attempts: the receiver's successes come in event
 * order, and every delivery's first attempt comes after the last attempt of the one before it. The
 * same with a worker killed (SIGKILL) half-way, another taking over.
 */
const SCHEDULE = { DELIVERY_RETRY_SCHEDULE: '200ms,200ms,200ms,200ms,200ms' };
let receiver: TestReceiver;

beforeAll(async () => {
  receiver = await TestReceiver.start();
});
afterAll(async () => {
  await receiver?.stop();
});

/** Posts `count` events one after another (each accepted before the next is sent); returns the delivery ids in that order. */
async function emitInOrder(hookline: Hookline, key: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const emitted = await hookline.call(
      'POST',
      '/v1/events',
      { type: 'user.joined', data: { user: { id: `fifo-${i}`, username: 'ada' }, joinedAt: '2026-11-29T10:00:00Z' } },
      key,
    );
    expect(emitted.status).toBe(202);
    ids.push(emitted.body.data.deliveries[0].id);
  }
  return ids;
}

/** The receiver's view: successes in event order, and no delivery attempted before the one before it was done. */
function expectFifo(arrivals: Arrival[], order: string[]) {
  const byDelivery = new Map<string, Arrival[]>();
  for (const a of arrivals) byDelivery.set(a.headers[HEADER.webhookId]!, [...(byDelivery.get(a.headers[HEADER.webhookId]!) ?? []), a]);
  expect([...byDelivery.keys()].sort()).toEqual([...order].sort());
  for (let k = 1; k < order.length; k++) {
    const before = byDelivery.get(order[k - 1]!)!;
    const mine = byDelivery.get(order[k]!)!;
    // index in the receiver's arrival list: strictly after every attempt of the previous delivery
    const lastBefore = Math.max(...before.map((a) => arrivals.indexOf(a)));
    const firstMine = Math.min(...mine.map((a) => arrivals.indexOf(a)));
    expect(firstMine, `delivery ${k + 1} attempted before delivery ${k} was final`).toBeGreaterThan(lastBefore);
  }
}

describe('FIFO webhook', () => {
  let hookline: Hookline;
  afterEach(async () => {
    await hookline?.stop();
  });

  it('attempts 100 deliveries one at a time, in event order; a failing one holds the rest through its retries', async () => {
    hookline = await startHookline(SCHEDULE);
    const { key } = await hookline.newCommunity('fifo');
    const created = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', '/fifo'), events: ['user.joined'], ordering: 'fifo' }, key);
    expect(created.status).toBe(201);
    const webhookId = created.body.data.id as string;

    let tenth: string | undefined;
    const failures = new Map<string, number>();
    receiver.responder = (a) => {
      if (a.path !== '/fifo') return { status: 200 };
      const id = a.headers[HEADER.webhookId]!;
      if (id === tenth && (failures.get(id) ?? 0) < 3) {
        failures.set(id, (failures.get(id) ?? 0) + 1);
        return { status: 500 };
      }
      return { status: 200 };
    };
    const first = await emitInOrder(hookline, key, 10);
    tenth = first[9];
    const order = [...first, ...(await emitInOrder(hookline, key, 90))];

    await eventually(async () => {
      const done = await hookline.db.selectFrom('deliveries').select('id').where('webhook_id', '=', webhookId).where('status', '=', 'succeeded').execute();
      return done.length === 100 ? true : undefined;
    }, 120_000);
    const arrivals = receiver.arrivals.filter((a) => a.path === '/fifo');
    expectFifo(arrivals, order);
    expect(receiver.maxOpen.get('/fifo')).toBe(1);
    // each attempt once (at-least-once allows an attempt sent again when its answer was lost, as a
    // timed-out local attempt on a loaded machine is: the same number then arrives twice in a row)
    const tenthAttempts = arrivals.filter((a) => a.headers[HEADER.webhookId] === tenth).map((a) => a.headers[HEADER.attempt]);
    expect(tenthAttempts.filter((n, i) => n !== tenthAttempts[i - 1])).toEqual(['1', '2', '3', '4']);
    expect(arrivals.length).toBeLessThanOrEqual(103 + 5);

    const read = await hookline.call('GET', `/v1/webhooks/${webhookId}/deliveries?limit=200&status=succeeded`, undefined, key);
    expect(read.body.data).toHaveLength(100);
    expect((await hookline.call('GET', `/v1/webhooks/${webhookId}`, undefined, key)).body.data.flow).toMatchObject({ inFlight: 0, waiting: 0 });
  });

  it('keeps the order when the worker holding the head is killed with SIGKILL and another takes over', async () => {
    hookline = await startHookline(SCHEDULE, { worker: false });
    const workers: Child[] = [await startWorkerProcess('fifo-worker-a', hookline.config), await startWorkerProcess('fifo-worker-b', hookline.config)];
    try {
      const { key } = await hookline.newCommunity('fifo kill');
      const created = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', '/fifo-kill'), events: ['user.joined'], ordering: 'fifo' }, key);
      expect(created.status).toBe(201);
      receiver.responder = (a) => (a.path === '/fifo-kill' ? { status: 200, delayMs: 30 } : { status: 200 });
      const order = await emitInOrder(hookline, key, 60);
      const at = () => receiver.arrivals.filter((a) => a.path === '/fifo-kill');
      await eventually(async () => (at().length >= 20 ? true : undefined), 60_000);
      await workers[0]!.kill9();
      const arrivals = await eventually(async () => {
        const seen = new Set(at().map((a) => a.headers[HEADER.webhookId]));
        return order.every((id) => seen.has(id)) ? at() : undefined;
      }, 120_000);
      expectFifo(arrivals, order);
      // at least once: an attempt cut by the kill may come again, never a delivery out of turn
      expect(arrivals.length - order.length).toBeLessThanOrEqual(2);
    } finally {
      await Promise.all(workers.map((w) => w.kill9()));
    }
  });
  it('holds while its webhook is disabled and goes on in order once enabled', async () => {
    hookline = await startHookline(SCHEDULE);
    const { key } = await hookline.newCommunity('fifo hold');
    const created = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', '/fifo-hold'), events: ['user.joined'], ordering: 'fifo' }, key);
    const webhookId = created.body.data.id as string;
    receiver.responder = (a) => (a.path === '/fifo-hold' ? { status: 200, delayMs: 150 } : { status: 200 });
    const order = await emitInOrder(hookline, key, 12);
    const at = () => receiver.arrivals.filter((a) => a.path === '/fifo-hold');
    await eventually(async () => (at().length >= 3 ? true : undefined), 30_000);
    expect((await hookline.call('PATCH', `/v1/webhooks/${webhookId}`, { active: false }, key)).status).toBe(200);
    const whenDisabled = at().length;
    await new Promise((r) => setTimeout(r, 1500));
    // the one in flight when it was disabled may finish; nothing after it is sent
    expect(at().length).toBeLessThanOrEqual(whenDisabled + 1);
    expect((await hookline.call('PATCH', `/v1/webhooks/${webhookId}`, { active: true }, key)).status).toBe(200);
    const arrivals = await eventually(async () => (at().length >= 12 ? at() : undefined), 60_000);
    expectFifo(arrivals, order);
  });

  it('sends a replayed delivery after the deliveries waiting when it was replayed', async () => {
    hookline = await startHookline(SCHEDULE);
    const { key } = await hookline.newCommunity('fifo replay');
    const created = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', '/fifo-replay'), events: ['user.joined'], ordering: 'fifo' }, key);
    expect(created.status).toBe(201);
    let first: string | undefined;
    let second: string | undefined;
    let replayed = false;
    // the first delivery to arrive fails until it is replayed; the second takes a second to answer
    receiver.responder = (a) => {
      if (a.path !== '/fifo-replay') return { status: 200 };
      const id = a.headers[HEADER.webhookId];
      first ??= id;
      if (id === first) return { status: replayed ? 200 : 500 };
      second ??= id;
      if (id === second) return { status: 200, delayMs: 1000 };
      return { status: 200 };
    };
    const order = await emitInOrder(hookline, key, 5);
    expect(await eventually(async () => first)).toBe(order[0]);
    await eventually(async () => {
      const read = await hookline.call('GET', `/v1/deliveries/${first}`, undefined, key);
      return read.body.data.status === 'failed' ? true : undefined;
    }, 30_000);
    // the second is being answered, the third to fifth wait behind it: replay the first now
    await eventually(async () => (receiver.arrivals.some((a) => a.headers[HEADER.webhookId] === second) ? true : undefined));
    replayed = true;
    // its attempts so far (the schedule's six, or more where a timed-out attempt was sent again)
    const attemptsOfFirst = () => receiver.arrivals.filter((a) => a.path === '/fifo-replay' && a.headers[HEADER.webhookId] === first).length;
    const beforeReplay = attemptsOfFirst();
    expect((await hookline.call('POST', `/v1/deliveries/${first}/replay`, undefined, key)).status).toBe(202);
    const arrivals = await eventually(async () => {
      const at = receiver.arrivals.filter((a) => a.path === '/fifo-replay');
      return attemptsOfFirst() > beforeReplay ? at : undefined;
    }, 30_000);
    const sequence = arrivals.map((a) => a.headers[HEADER.webhookId]).filter((id, i, all) => id !== all[i - 1]);
    expect(sequence).toEqual([first, ...order.slice(1), first]);
  });

  it('cancels the waiting deliveries when its webhook is deleted', async () => {
    hookline = await startHookline(SCHEDULE);
    const { key } = await hookline.newCommunity('fifo delete');
    const created = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', '/fifo-delete'), events: ['user.joined'], ordering: 'fifo' }, key);
    const webhookId = created.body.data.id as string;
    // the first never answers (each attempt runs to the timeout), so the delete comes while it is in flight
    receiver.responder = (a) => (a.path === '/fifo-delete' ? 'hang' : { status: 200 });
    const order = await emitInOrder(hookline, key, 6);
    await eventually(async () => (receiver.arrivals.some((a) => a.path === '/fifo-delete') ? true : undefined));
    const deleted = await hookline.call('DELETE', `/v1/webhooks/${webhookId}`, undefined, key);
    expect(deleted.body.data.cancelledDeliveries).toBeGreaterThanOrEqual(5);
    await new Promise((r) => setTimeout(r, 1500));
    // only the first was sent (once per attempt); none of those waiting behind it
    const sent = new Set(receiver.arrivals.filter((a) => a.path === '/fifo-delete').map((a) => a.headers[HEADER.webhookId]));
    expect([...sent]).toEqual([order[0]]);
    const statuses = await hookline.db.selectFrom('deliveries').select(['id', 'status']).where('webhook_id', '=', webhookId).execute();
    expect(statuses.filter((d) => d.id !== order[0]).map((d) => d.status)).toEqual(Array(5).fill('cancelled'));
    await eventually(async () => ((await hookline.db.selectFrom('flow_waiters').select('delivery_id').where('webhook_id', '=', webhookId).execute()).length === 0 ? true : undefined));
  });
});
