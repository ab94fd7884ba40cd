import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';
import { HEADER } from '../../src/wire/headers.js';

/**
 * A bulk replay job recorded by an API that died before it could start the job's workflow must
 * not stay `running` forever: the worker's dispatch sweeper starts it.
 */
let hookline: Hookline;
let receiver: TestReceiver;

beforeAll(async () => {
  hookline = await startHookline({ DELIVERY_RETRY_SCHEDULE: '50ms', DELIVERY_REPLAY_RETENTION: '1s' });
  receiver = await TestReceiver.start();
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

describe('a replay job left without its workflow', () => {
  it('is started by the sweeper and replays the failed delivery', async () => {
    const community = await hookline.newCommunity('orphan job');
    const webhook = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', '/orphan'), events: ['user.joined'] }, community.key);
    let failing = true;
    receiver.responder = () => (failing ? { status: 500 } : { status: 200 });
    const emitted = await hookline.call(
      'POST',
      '/v1/events',
      { type: 'user.joined', data: { user: { id: 'u1', username: 'ada' }, joinedAt: '2026-11-29T10:00:00.000Z' } },
      community.key,
    );
    const deliveryId = emitted.body.data.deliveries[0].id as string;
    await eventually(async () => {
      const read = await hookline.call('GET', `/v1/deliveries/${deliveryId}`, undefined, community.key);
      return read.body.data.status === 'failed' ? true : undefined;
    });
    failing = false;

    // what the API leaves behind when it dies right after recording the job: a row, no workflow,
    // last touched long enough ago for the sweeper to look at it
    const jobId = newId('job');
    const longAgo = new Date(Date.now() - 5 * 60_000);
    await hookline.db
      .insertInto('replay_jobs')
      .values({
        id: jobId,
        community_id: community.communityId,
        webhook_id: webhook.body.data.id,
        since: new Date(Date.now() - 3_600_000),
        until: null,
        status: 'running',
        total: 1,
        created_at: longAgo,
        updated_at: longAgo,
      })
      .execute();

    const job = await eventually(async () => {
      const read = await hookline.call('GET', `/v1/replay-jobs/${jobId}`, undefined, community.key);
      return read.body.data.status === 'completed' ? read.body.data : undefined;
    }, 45_000);
    expect(job).toMatchObject({ total: 1, done: 1, failed: 0 });
    const delivered = await eventually(async () => {
      const read = await hookline.call('GET', `/v1/deliveries/${deliveryId}`, undefined, community.key);
      return read.body.data.status === 'succeeded' ? read.body.data : undefined;
    });
    // newest first: the replay's attempt
    expect(delivered.attempts[0].response.status).toBe(200);
    expect(new Set(receiver.arrivals.filter((a) => a.path === '/orphan').map((a) => a.headers[HEADER.webhookId]))).toEqual(new Set([deliveryId]));
  });
});
