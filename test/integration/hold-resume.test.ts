import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_STATUS } from '../../src/contract/search-attributes.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';
import { HEADER } from '../../src/wire/headers.js';

/**
 * Hold and resume (docs/delivery.md#hold-resume-and-disable): a disabled webhook (by its owner, by 410 Gone, or by failing every
 * attempt for WEBHOOK_DISABLE_AFTER) gets no new deliveries and its pending ones wait without
 * attempting; enabling it resumes them. Deleting a webhook cancels its pending deliveries.
 * Retries wait 2 s here, and a webhook failing for 1 s is disabled.
 */
let hookline: Hookline;
let receiver: TestReceiver;

beforeAll(async () => {
  hookline = await startHookline({ DELIVERY_RETRY_SCHEDULE: '2s,2s,2s', WEBHOOK_DISABLE_AFTER: '1s' });
  receiver = await TestReceiver.start();
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

let userSeq = 0;
/** A community of its own with one webhook at `path`, so events reach only that webhook. */
async function webhookAt(path: string) {
  const community = await hookline.newCommunity(path);
  const created = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', path), events: ['user.joined'] }, community.key);
  expect(created.status).toBe(201);
  const id: string = created.body.data.id;
  const call = (method: string, url: string, body?: unknown) => hookline.call(method, url, body, community.key);
  return {
    id,
    call,
    async emit(): Promise<string[]> {
      const emitted = await call('POST', '/v1/events', {
        type: 'user.joined',
        data: { user: { id: `u${++userSeq}`, username: 'ada' }, joinedAt: '2026-11-29T10:00:00Z' },
      });
      expect(emitted.status).toBe(202);
      return emitted.body.data.deliveries.map((d: { id: string }) => d.id);
    },
    async delivery(deliveryId: string) {
      return (await call('GET', `/v1/deliveries/${deliveryId}`)).body.data;
    },
    async webhook() {
      return (await call('GET', `/v1/webhooks/${id}`)).body.data;
    },
    arrivals: () => receiver.arrivals.filter((a) => a.path === path),
  };
}

const handleOf = (deliveryId: string) => hookline.temporal.workflow.getHandle(`delivery-${deliveryId}`);

async function phaseOf(deliveryId: string): Promise<string> {
  return (await handleOf(deliveryId).query<{ phase: string }>('deliveryState')).phase;
}

async function untilPhase(deliveryId: string, phase: string): Promise<void> {
  await eventually(async () => ((await phaseOf(deliveryId)) === phase ? true : undefined));
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('hold and resume', () => {
  it('holds a disabled webhook\'s pending delivery without attempting, and delivers it once enabled', async () => {
    const hook = await webhookAt('/hold');
    receiver.responder = (a) => (a.path === '/hold' && a.headers[HEADER.attempt] === '1' ? { status: 500 } : { status: 200 });
    const [deliveryId] = await hook.emit();
    await eventually(async () => (hook.arrivals().length === 1 ? true : undefined));
    const disabled = await hook.call('PATCH', `/v1/webhooks/${hook.id}`, { active: false });
    expect(disabled.body.data).toMatchObject({ active: false, disabledReason: 'disabled' });

    // the 2 s retry comes due, finds the webhook disabled and holds
    await untilPhase(deliveryId!, 'held');
    await pause(1_500);
    expect(hook.arrivals()).toHaveLength(1);
    expect(await phaseOf(deliveryId!)).toBe('held');
    expect((await hook.delivery(deliveryId!)).status).toBe('pending');
    // and a disabled webhook gets no new deliveries
    expect(await hook.emit()).toEqual([]);

    const enabled = await hook.call('PATCH', `/v1/webhooks/${hook.id}`, { active: true });
    expect(enabled.body.data).toMatchObject({ active: true, disabledReason: null });
    expect(await handleOf(deliveryId!).result()).toBe('succeeded');
    const delivered = await hook.delivery(deliveryId!);
    expect(delivered.status).toBe('succeeded');
    // newest first
    expect(delivered.attempts.map((a: { attemptNumber: number; response: { status: number } }) => [a.attemptNumber, a.response.status])).toEqual([
      [2, 200],
      [1, 500],
    ]);
    expect(hook.arrivals().map((a) => a.headers[HEADER.webhookId])).toEqual([deliveryId, deliveryId]);
  });

  it('ends a delivery answered 410 Gone, disables the webhook ("gone") and holds its other pending delivery', async () => {
    const hook = await webhookAt('/gone');
    receiver.responder = () => ({ status: 500 });
    const [waitingId] = await hook.emit();
    await eventually(async () => (hook.arrivals().length === 1 ? true : undefined));
    receiver.responder = () => ({ status: 410, body: 'gone' });
    const [goneId] = await hook.emit();

    await eventually(async () => ((await hook.delivery(goneId!)).status === 'failed' ? true : undefined));
    const gone = await hook.delivery(goneId!);
    expect(gone.attempts).toHaveLength(1);
    expect(gone.attempts[0].response.status).toBe(410);
    expect(await hook.webhook()).toMatchObject({ active: false, disabledReason: 'gone' });

    await untilPhase(waitingId!, 'held');
    expect(hook.arrivals()).toHaveLength(2);
    receiver.responder = () => ({ status: 200 });
    await hook.call('PATCH', `/v1/webhooks/${hook.id}`, { active: true });
    expect(await handleOf(waitingId!).result()).toBe('succeeded');
    // the gone delivery stays failed: 410 ends it, only a replay would try again
    expect((await hook.delivery(goneId!)).status).toBe('failed');
  });

  it('disables a webhook whose attempts have all failed for WEBHOOK_DISABLE_AFTER ("failing")', async () => {
    const hook = await webhookAt('/failing');
    receiver.responder = () => ({ status: 500 });
    const [deliveryId] = await hook.emit();
    // attempt 1 starts the streak; attempt 2, 2 s later, finds it older than 1 s
    await eventually(async () => ((await hook.webhook()).active === false ? true : undefined), 15_000);
    expect(await hook.webhook()).toMatchObject({ active: false, disabledReason: 'failing' });
    expect(hook.arrivals()).toHaveLength(2);
    await untilPhase(deliveryId!, 'held');
    expect(hook.arrivals()).toHaveLength(2);
  });

  it('ends the failing streak on a success, so a later failure starts a new one', async () => {
    const hook = await webhookAt('/recovering');
    receiver.responder = (a) => (a.headers[HEADER.attempt] === '1' ? { status: 500 } : { status: 200 });
    const failingSince = async () =>
      (await hookline.db.selectFrom('webhooks').select('failing_since').where('id', '=', hook.id).executeTakeFirstOrThrow()).failing_since;
    const [first] = await hook.emit();
    await eventually(async () => (hook.arrivals().length === 1 ? true : undefined));
    await eventually(async () => ((await failingSince()) !== null ? true : undefined));
    expect(await handleOf(first!).result()).toBe('succeeded');
    expect(await failingSince()).toBeNull();

    // 2 s after the first failure, a fresh one: not disabled, the streak restarts now
    const [second] = await hook.emit();
    await eventually(async () => (hook.arrivals().length === 3 ? true : undefined));
    await eventually(async () => ((await failingSince()) !== null ? true : undefined));
    expect(await hook.webhook()).toMatchObject({ active: true, disabledReason: null });
    expect(await handleOf(second!).result()).toBe('succeeded');
    expect(await hook.webhook()).toMatchObject({ active: true, disabledReason: null });
  });

  it('cancels a deleted webhook\'s pending deliveries, waiting or held', async () => {
    const hook = await webhookAt('/doomed');
    receiver.responder = () => ({ status: 500 });
    const [waitingId] = await hook.emit();
    await untilPhase(waitingId!, 'waiting_retry');

    const deleted = await hook.call('DELETE', `/v1/webhooks/${hook.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.data.cancelledDeliveries).toBe(1);
    // the cancel signal cuts the 2 s wait short
    expect(await handleOf(waitingId!).result()).toBe('cancelled');
    expect((await handleOf(waitingId!).describe()).typedSearchAttributes.get(DELIVERY_STATUS)).toBe('cancelled');
    const row = await hookline.db.selectFrom('deliveries').select('status').where('id', '=', waitingId!).executeTakeFirstOrThrow();
    expect(row.status).toBe('cancelled');
    expect(hook.arrivals()).toHaveLength(1);

    const heldHook = await webhookAt('/doomed-held');
    const [heldId] = await heldHook.emit();
    await eventually(async () => (heldHook.arrivals().length === 1 ? true : undefined));
    await heldHook.call('PATCH', `/v1/webhooks/${heldHook.id}`, { active: false });
    await untilPhase(heldId!, 'held');
    expect((await heldHook.call('DELETE', `/v1/webhooks/${heldHook.id}`)).body.data.cancelledDeliveries).toBe(1);
    expect(await handleOf(heldId!).result()).toBe('cancelled');
    expect(heldHook.arrivals()).toHaveLength(1);
  });
});
