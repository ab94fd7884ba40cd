import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryStatus } from '../../src/db/schema.js';
import { newId } from '../../src/ids.js';
import { WEBHOOK_ID } from '../../src/contract/search-attributes.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';
import { HEADER } from '../../src/wire/headers.js';

/**
 * Bulk replay (POST /v1/webhooks/:id/replay) of 1,000 failed deliveries: a durable job, at a bounded
 * rate, with progress readable while it runs, scoped to the webhook's community and window.
 * Most failed deliveries are written straight to Postgres (as a long outage would have left them,
 * their workflows long closed); a few fail for real first, through the API and worker.
 */
const RATE = 100;
let hookline: Hookline;
let receiver: TestReceiver;

beforeAll(async () => {
  hookline = await startHookline({
    DELIVERY_RETRY_SCHEDULE: '50ms',
    DELIVERY_REPLAY_RETENTION: '1s',
    BULK_REPLAY_RATE: String(RATE),
  });
  receiver = await TestReceiver.start();
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

async function newWebhook(path: string) {
  const community = await hookline.newCommunity(path);
  const created = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', path), events: ['user.joined'] }, community.key);
  expect(created.status).toBe(201);
  return { ...community, webhookId: created.body.data.id as string };
}

/** Writes `count` deliveries of one webhook with the given status, created at `createdAt(i)`. */
async function insertDeliveries(
  hook: { communityId: string; webhookId: string },
  count: number,
  status: DeliveryStatus,
  createdAt: (i: number) => Date,
): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 500) {
    const rows = Array.from({ length: Math.min(500, count - start) }, (_, k) => {
      const at = createdAt(start + k);
      return { eventId: newId('evt', at.getTime()), deliveryId: newId('dlv', at.getTime()), at, n: start + k };
    });
    await hookline.db
      .insertInto('events')
      .values(
        rows.map((r) => ({
          id: r.eventId,
          community_id: hook.communityId,
          type: 'user.joined',
          occurred_at: r.at,
          data: JSON.stringify({ user: { id: `bulk-${r.n}`, username: 'ada' }, joinedAt: r.at.toISOString() }),
          created_at: r.at,
        })),
      )
      .execute();
    await hookline.db
      .insertInto('deliveries')
      .values(
        rows.map((r) => ({
          id: r.deliveryId,
          community_id: hook.communityId,
          event_id: r.eventId,
          webhook_id: hook.webhookId,
          event_type: 'user.joined',
          status,
          attempt_count: 1,
          last_attempt_at: r.at,
          dispatched_at: r.at,
          created_at: r.at,
          updated_at: r.at,
        })),
      )
      .execute();
    ids.push(...rows.map((r) => r.deliveryId));
  }
  return ids;
}

async function statusesOf(ids: readonly string[]): Promise<Record<string, number>> {
  const rows = await hookline.db
    .selectFrom('deliveries')
    .select(['status', sql<number>`count(*)::int`.as('n')])
    .where('id', 'in', [...ids])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

describe('bulk replay', () => {
  it('replays 1,000 failed deliveries of one webhook in a window, at a bounded rate, with progress along the way', async () => {
    const hook = await newWebhook('/bulk');
    const stranger = await newWebhook('/bulk-other');
    const now = Date.now();
    const since = new Date(now - 24 * 3_600_000);

    // five fail for real, through the API and the worker
    receiver.responder = () => ({ status: 500 });
    const realIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const emitted = await hookline.call(
        'POST',
        '/v1/events',
        { type: 'user.joined', data: { user: { id: `real-${i}`, username: 'ada' }, joinedAt: '2026-11-29T10:00:00Z' } },
        hook.key,
      );
      realIds.push(emitted.body.data.deliveries[0].id);
    }
    await eventually(async () => ((await statusesOf(realIds)).failed === 5 ? true : undefined));

    const inserted = await insertDeliveries(hook, 995, 'failed', (i) => new Date(now - 3_600_000 + i * 1000));
    const replayable = [...realIds, ...inserted];
    // not to be replayed: failed before the window, succeeded in it, another community's webhook
    const tooOld = await insertDeliveries(hook, 10, 'failed', (i) => new Date(since.getTime() - 60_000 - i));
    const succeeded = await insertDeliveries(hook, 10, 'succeeded', (i) => new Date(now - 1_800_000 + i));
    const others = await insertDeliveries(stranger, 10, 'failed', (i) => new Date(now - 1_800_000 + i));

    receiver.responder = () => ({ status: 200 });
    expect((await hookline.call('POST', `/v1/webhooks/${hook.webhookId}/replay`, { since: since.toISOString() }, stranger.key)).status).toBe(404);
    const invalid = await hookline.call('POST', `/v1/webhooks/${hook.webhookId}/replay`, { since: 'yesterday' }, hook.key);
    expect(invalid.status).toBe(400);

    const posted = await hookline.call('POST', `/v1/webhooks/${hook.webhookId}/replay`, { since: since.toISOString() }, hook.key);
    expect(posted.status).toBe(202);
    const job = posted.body.data;
    expect(job).toMatchObject({ id: expect.stringMatching(/^job_/), webhookId: hook.webhookId, status: 'running', total: 1000, done: 0, failed: 0 });
    expect(job.temporal.workflowId).toBe(`replay-${job.id}`);
    expect((await hookline.call('GET', `/v1/replay-jobs/${job.id}`, undefined, stranger.key)).status).toBe(404);

    const midway = await eventually(async () => {
      const read = await hookline.call('GET', `/v1/replay-jobs/${job.id}`, undefined, hook.key);
      const { done, total, status } = read.body.data;
      return status === 'running' && done > 0 && done < total ? read.body.data : undefined;
    }, 30_000, 50);
    expect(midway.total).toBe(1000);

    const finished = await eventually(async () => {
      const read = await hookline.call('GET', `/v1/replay-jobs/${job.id}`, undefined, hook.key);
      return read.body.data.status === 'completed' ? read.body.data : undefined;
      // the rate is an upper bound: on a busy machine the dev server's pace is the limit
    }, 240_000, 200);
    expect(finished).toMatchObject({ total: 1000, done: 1000, failed: 0 });
    const seconds = (Date.parse(finished.completedAt) - Date.parse(finished.createdAt)) / 1000;
    // paced at RATE per second: a batch of 100 spans at least 99 intervals
    expect(seconds).toBeGreaterThanOrEqual((1000 / RATE) * 0.99);
    console.info(`bulk replay: 1000 replays started in ${seconds.toFixed(1)} s (${(1000 / seconds).toFixed(0)}/s, BULK_REPLAY_RATE=${RATE})`);

    const drainStarted = Date.now();
    await eventually(async () => ((await statusesOf(replayable)).succeeded === 1000 ? true : undefined), 240_000, 500);
    console.info(`bulk replay: all 1000 delivered ${((Date.now() - drainStarted) / 1000).toFixed(1)} s after the job finished`);

    // each replay is a new attempt of the same delivery, under the same webhook-id
    const replayArrivals = receiver.arrivals.filter((a) => a.path === '/bulk' && a.headers[HEADER.attempt] !== '1');
    const byId = new Map(replayArrivals.map((a) => [a.headers[HEADER.webhookId], a.headers[HEADER.attempt]]));
    expect(new Set(byId.keys())).toEqual(new Set(replayable));
    expect(inserted.every((id) => byId.get(id) === '2')).toBe(true);
    // the real ones had attempts 1 and 2 (schedule 50ms) before failing
    expect(realIds.every((id) => byId.get(id) === '3')).toBe(true);

    expect(await statusesOf(tooOld)).toEqual({ failed: 10 });
    expect(await statusesOf(succeeded)).toEqual({ succeeded: 10 });
    expect(await statusesOf(others)).toEqual({ failed: 10 });
    expect(receiver.arrivals.filter((a) => a.path === '/bulk-other')).toHaveLength(0);

    // one job, several short runs (continue-as-new), its search attribute carried through
    const handle = hookline.temporal.workflow.getHandle(job.temporal.workflowId);
    const result = await handle.result();
    expect(result).toMatchObject({ done: 1000, status: 'completed' });
    const described = await handle.describe();
    expect(described.runId).not.toBe(described.raw.workflowExecutionInfo?.firstRunId);
    expect(described.typedSearchAttributes.get(WEBHOOK_ID)).toBe(hook.webhookId);
    expect((await handle.fetchHistory()).events!.length).toBeLessThan(60);
  }, 600_000);
});
