import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_WORKFLOW, type DeliveryWorkflow } from '../../src/contract/delivery.js';
import { COMMUNITY_ID, DELIVERY_STATUS, EVENT_TYPE, WEBHOOK_ID } from '../../src/contract/search-attributes.js';
import { HEADER } from '../../src/wire/headers.js';
import { eventually, type Hookline, startHookline, workflowBundle } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';

/**
 * Flow control is versioned by the workflow's input (`flowControl`, set by every start since): runs
 * without it keep their old path, so a delivery that started on the old code and was waiting for its
 * retry when the workers were upgraded finishes on the new code, and its history replays. Started
 * with the flag (a new API before the workers were upgraded), its later attempts go through flow
 * control; started without it (an old API), they do not.
 */
let hookline: Hookline;
let receiver: TestReceiver;
let oldBundle: { code: string };

beforeAll(async () => {
  hookline = await startHookline({ DELIVERY_RETRY_SCHEDULE: '4s' }, { worker: false });
  receiver = await TestReceiver.start();
  oldBundle = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('../support/fixtures/workflows-before-flow-control.ts', import.meta.url)),
    logger: new DefaultLogger('WARN'),
  });
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

async function upgradeMidDelivery(start: (delivery: { id: string; webhookId: string; communityId: string }) => Promise<void>) {
  const oldWorker = await hookline.startWorker(oldBundle);
  const { key, communityId } = await hookline.newCommunity();
  const path = `/upgrade-${Math.random().toString(36).slice(2, 8)}`;
  receiver.responder = (a) => (a.path === path && a.headers[HEADER.attempt] === '1' ? { status: 503 } : { status: 200 });
  // a rate limit: an attempt that went through flow control leaves its start in the webhook's flow
  const webhook = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', path), events: ['webhook.test'], rateLimitPerSecond: 1 }, key);
  expect(webhook.status).toBe(201);
  const webhookId = webhook.body.data.id as string;
  const event = await hookline.db.insertInto('events').values({ id: `evt_up${Date.now()}`, community_id: communityId, type: 'webhook.test', occurred_at: new Date(), data: JSON.stringify({ message: 'up' }) }).returning('id').executeTakeFirstOrThrow();
  const deliveryId = `dlv_up${Date.now()}`;
  await hookline.db
    .insertInto('deliveries')
    .values({ id: deliveryId, community_id: communityId, event_id: event.id, webhook_id: webhookId, event_type: 'webhook.test', status: 'pending', dispatched_at: new Date() })
    .execute();
  await start({ id: deliveryId, webhookId, communityId });
  const handle = hookline.temporal.workflow.getHandle(`delivery-${deliveryId}`);
  await eventually(async () => ((await handle.query<{ phase: string }>('deliveryState')).phase === 'waiting_retry' ? true : undefined));
  await oldWorker.shutdown();
  const newWorker = await hookline.startWorker();
  expect(await handle.result()).toBe('succeeded');
  await newWorker.shutdown();
  const arrivals = receiver.arrivals.filter((a) => a.path === path).map((a) => a.headers[HEADER.attempt]);
  expect(arrivals).toEqual(['1', '2']);
  await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, await handle.fetchHistory())).resolves.toBeUndefined();
  const flow = await hookline.db.selectFrom('webhook_flow').select(['last_start_at', 'leases']).where('webhook_id', '=', webhookId).executeTakeFirstOrThrow();
  return flow;
}

describe('upgrading workers to flow control', () => {
  it('a delivery started with the flag on the old code finishes through flow control on the new, and replays', async () => {
    const flow = await upgradeMidDelivery((d) =>
      hookline.temporal.workflow
        .start<DeliveryWorkflow>(DELIVERY_WORKFLOW, {
          taskQueue: hookline.config.temporal.taskQueue,
          workflowId: `delivery-${d.id}`,
          args: [{ deliveryId: d.id, firstAttemptNumber: 1, replayRetentionMs: 2000, attemptTimeoutMs: 17_000, flowControl: true }],
          typedSearchAttributes: [
            { key: COMMUNITY_ID, value: d.communityId },
            { key: WEBHOOK_ID, value: d.webhookId },
            { key: EVENT_TYPE, value: 'webhook.test' },
            { key: DELIVERY_STATUS, value: 'pending' },
          ],
        })
        .then(() => undefined),
    );
    expect(flow.last_start_at).not.toBeNull();
    expect(flow.leases).toEqual({});
  });

  it('a delivery started without the flag (an old API) keeps the old path after the upgrade, and replays', async () => {
    const flow = await upgradeMidDelivery((d) =>
      hookline.temporal.workflow
        .start<DeliveryWorkflow>(DELIVERY_WORKFLOW, {
          taskQueue: hookline.config.temporal.taskQueue,
          workflowId: `delivery-${d.id}`,
          args: [{ deliveryId: d.id, firstAttemptNumber: 1, replayRetentionMs: 2000, attemptTimeoutMs: 17_000 }],
        })
        .then(() => undefined),
    );
    expect(flow.last_start_at).toBeNull();
  });
});
