import { afterAll, beforeAll, expect, it } from 'vitest';
import { createActivities } from '../../../activities/index.js';
import { createDeliveryAgent } from '../../../src/delivery/send.js';
import { createLogger } from '../../../src/logger.js';
import { SecretBox } from '../../../src/security/secret-box.js';
import { recordEvent } from '../../../src/store/events.js';
import { type Hookline, startHookline } from '../../support/harness.js';
import { TestReceiver } from '../../support/receiver.js';

/**
 * Found by the fault suite (worker kill -9): most attempts a killed worker left behind had already
 * written their row; Temporal ran them again (it never heard the result), and each was POSTed a
 * second time — a needless duplicate, and one whose answer could disagree with the row already
 * kept (row 503, delivery `succeeded`). An attempt that has its row is not sent again: the run
 * answers with what was recorded.
 */
let hookline: Hookline;
let receiver: TestReceiver;

beforeAll(async () => {
  hookline = await startHookline({}, { worker: false });
  receiver = await TestReceiver.start();
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

it('an attempt run again after its row was written is not sent again, and keeps its recorded outcome', async () => {
  const { communityId, key } = await hookline.newCommunity('rerun');
  const webhook = await hookline.call('POST', '/v1/webhooks', { url: receiver.url, events: ['user.joined'] }, key);
  expect(webhook.status).toBe(201);
  const recorded = await recordEvent(hookline.db, {
    communityId,
    type: 'user.joined',
    occurredAt: new Date(),
    data: { user: { id: 'u1', username: 'ada' }, joinedAt: '2026-11-29T12:00:00.000Z' },
  });
  if (recorded.outcome === 'conflict') throw new Error('unexpected conflict');
  const deliveryId = recorded.deliveries[0]!.id;

  const http = createDeliveryAgent({ allowPrivateNetworks: true, timeoutMs: hookline.config.delivery.timeoutMs });
  const activities = createActivities({
    db: hookline.db,
    box: new SecretBox(hookline.config.secretsKey),
    http,
    config: hookline.config,
    logger: createLogger('silent'),
    random: () => 0.5,
  });
  try {
    receiver.responder = () => ({ status: 503, body: 'busy' });
    const input = { deliveryId, attemptNumber: 1, failuresBefore: 0 };
    const first = await activities.attemptDelivery(input);
    expect(first).toMatchObject({ kind: 'attempted', responseStatus: 503, next: { kind: 'retry' } });

    // the worker died before Temporal heard of `first`; Temporal runs the same attempt again
    receiver.responder = () => ({ status: 200, body: 'ok' });
    const again = await activities.attemptDelivery(input);

    expect(receiver.arrivals).toHaveLength(1);
    expect(again).toEqual(first);
    const delivery = await hookline.db.selectFrom('deliveries').select(['status', 'attempt_count']).where('id', '=', deliveryId).executeTakeFirstOrThrow();
    expect(delivery).toEqual({ status: 'pending', attempt_count: 1 });
    const attempts = await hookline.db.selectFrom('attempts').select(['attempt_number', 'response_status']).where('delivery_id', '=', deliveryId).execute();
    expect(attempts).toEqual([{ attempt_number: 1, response_status: 503 }]);
  } finally {
    await http.close();
  }
});
