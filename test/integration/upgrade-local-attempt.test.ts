import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_ATTEMPT_PATCH } from '../../workflows/delivery.js';
import { eventually, type Hookline, startHookline, workflowBundle } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';
import { HEADER } from '../../src/wire/headers.js';

/**
 * Attempts became local activities behind patched(LOCAL_ATTEMPT_PATCH). A delivery that started on
 * the old code and was waiting for its retry when the workers were upgraded must finish on the new
 * code: its first attempt stays a normal activity in the history, its later attempts run locally,
 * and the mixed history still replays.
 */
let hookline: Hookline;
let receiver: TestReceiver;

beforeAll(async () => {
  hookline = await startHookline({ DELIVERY_RETRY_SCHEDULE: '4s' }, { worker: false });
  receiver = await TestReceiver.start();
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

describe('upgrading workers to local-activity attempts', () => {
  it('finishes a delivery started on the old code, and its history replays', async () => {
    const oldBundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../support/fixtures/workflows-before-local-attempt.ts', import.meta.url)),
      logger: new DefaultLogger('WARN'),
    });
    const oldWorker = await hookline.startWorker(oldBundle);
    receiver.responder = (_arrival, index) => (index === 0 ? { status: 503, body: 'busy' } : { status: 200, body: 'ok' });

    const { key } = await hookline.newCommunity();
    const webhook = await hookline.call('POST', '/v1/webhooks', { url: receiver.url, events: ['user.joined'] }, key);
    expect(webhook.status).toBe(201);
    const emitted = await hookline.call(
      'POST',
      '/v1/events',
      { type: 'user.joined', data: { user: { id: 'u1', username: 'ada' }, joinedAt: '2026-11-29T10:00:00Z' } },
      key,
    );
    expect(emitted.status).toBe(202);
    const deliveryId: string = emitted.body.data.deliveries[0].id;
    const handle = hookline.temporal.workflow.getHandle(`delivery-${deliveryId}`);

    // the old code made attempt 1 (503) and now waits for attempt 2: upgrade the workers
    await eventually(async () => ((await handle.query<{ phase: string }>('deliveryState')).phase === 'waiting_retry' ? true : undefined));
    await oldWorker.shutdown();
    await hookline.startWorker();

    await receiver.waitFor(2, 30_000);
    await eventually(async () => {
      const delivery = await hookline.call('GET', `/v1/deliveries/${deliveryId}`, undefined, key);
      return delivery.body.data.status === 'succeeded' ? true : undefined;
    }, 30_000);
    expect(receiver.arrivals.map((a) => a.headers[HEADER.attempt])).toEqual(['1', '2']);
    // the row is written inside the attempt; its marker reaches the history when the workflow task
    // that ran it completes, so read the history once the workflow has closed
    expect(await handle.result()).toBe('succeeded');

    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const markers = events.flatMap((e) => (e.markerRecordedEventAttributes ? [e.markerRecordedEventAttributes.markerName] : []));
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(1);
    expect(markers).toEqual(['core_patch', 'core_local_activity']);
    const patchMarker = events.find((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
    expect(JSON.stringify(patchMarker?.markerRecordedEventAttributes?.details)).toContain(
      Buffer.from(JSON.stringify(LOCAL_ATTEMPT_PATCH)).toString('base64'),
    );

    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history)).resolves.toBeUndefined();
  });
});
