import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADER } from '../../src/wire/headers.js';
import type { Child } from '../faults/support/processes.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';
import { startWorkerProcess } from '../support/worker-process.js';

/**
 * A worker killed with SIGKILL while it holds slots of a webhook's flow control: nothing is lost,
 * nothing is sent more often than at-least-once allows (once more for each attempt that was in
 * flight), and the webhook's capacity comes back: a slot whose holder never returns expires (its
 * lease), one whose attempt runs again elsewhere is taken up by that attempt.
 */
let hookline: Hookline;
let receiver: TestReceiver;
const workers: Child[] = [];

beforeAll(async () => {
  hookline = await startHookline({}, { worker: false });
  receiver = await TestReceiver.start();
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill9()));
  await receiver?.stop();
  await hookline?.stop();
});

describe('a worker killed while holding slots', () => {
  it('loses nothing, sends again at most what was in flight, and the slots come back', async () => {
    const { key } = await hookline.newCommunity('flow crash');
    const created = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', '/crash'), events: ['user.joined'], maxConcurrency: 4 }, key);
    const webhookId = created.body.data.id as string;
    // the first four requests (all from the first worker) never get an answer; later ones do
    let seen = 0;
    receiver.responder = (a) => (a.path === '/crash' && ++seen <= 4 ? 'hang' : { status: 200 });
    workers.push(await startWorkerProcess('flow-crash-a', hookline.config, { DELIVERY_TIMEOUT_MS: '30000' }));

    const deliveryIds: string[] = [];
    for (let i = 0; i < 8; i++) {
      const emitted = await hookline.call('POST', '/v1/events', { type: 'user.joined', data: { user: { id: `crash-${i}`, username: 'ada' }, joinedAt: '2026-11-29T10:00:00Z' } }, key);
      deliveryIds.push(emitted.body.data.deliveries[0].id);
    }
    // four attempts hang in the first worker, holding every slot; the other four wait for one
    await eventually(async () => (receiver.open.get('/crash') === 4 ? true : undefined), 60_000);
    // the other four ask for a slot once their workflows have started, which on a slow machine can
    // come after the first four are already hanging
    const during = await eventually(async () => {
      const read = (await hookline.call('GET', `/v1/webhooks/${webhookId}`, undefined, key)).body.data.flow;
      return read.waiting === 4 ? read : undefined;
    }, 30_000);
    expect(during).toMatchObject({ inFlight: 4, waiting: 4 });

    workers.push(await startWorkerProcess('flow-crash-b', hookline.config, { DELIVERY_TIMEOUT_MS: '30000' }));
    await workers[0]!.kill9();

    const arrivals = await eventually(async () => {
      const at = receiver.arrivals.filter((a) => a.path === '/crash');
      const seen = new Set(at.slice(4).map((a) => a.headers[HEADER.webhookId]));
      return deliveryIds.every((id) => seen.has(id)) ? at : undefined;
    }, 90_000);
    // each delivery arrived (answered) once after the kill; the four cut by it were sent again once
    const answered = arrivals.slice(4).map((a) => a.headers[HEADER.webhookId]);
    expect(new Set(answered).size).toBe(8);
    expect(arrivals.length).toBeLessThanOrEqual(8 + 4);
    const flow = await eventually(async () => {
      const read = (await hookline.call('GET', `/v1/webhooks/${webhookId}`, undefined, key)).body.data.flow;
      return read.inFlight === 0 && read.waiting === 0 ? read : undefined;
    }, 30_000);
    expect(flow.effectiveConcurrency).toBeGreaterThanOrEqual(1);
    const statuses = await hookline.db.selectFrom('deliveries').select('status').where('webhook_id', '=', webhookId).execute();
    expect(statuses.map((s) => s.status)).toEqual(Array(8).fill('succeeded'));
  });

  it('a slot whose holder never comes back expires: the next attempt is admitted without any release', async () => {
    const communityId = `cmty_crash_${randomBytes(4).toString('hex')}`;
    await hookline.db.insertInto('communities').values({ id: communityId, name: 'lease expiry' }).execute();
    const webhookId = `wh_crash_${randomBytes(4).toString('hex')}`;
    await hookline.db
      .insertInto('webhooks')
      .values({ id: webhookId, community_id: communityId, url: 'https://example.com/h', format: 'json', events: ['user.joined'], max_concurrency: 2 })
      .execute();
    await hookline.db.insertInto('webhook_flow').values({ webhook_id: webhookId, effective_concurrency: 2 }).execute();
    const deliveries: string[] = [];
    for (let i = 0; i < 3; i++) {
      const eventId = `evt_crash_${randomBytes(4).toString('hex')}`;
      await hookline.db.insertInto('events').values({ id: eventId, community_id: communityId, type: 'user.joined', occurred_at: new Date(), data: '{}' }).execute();
      const id = `dlv_crash_${randomBytes(4).toString('hex')}`;
      await hookline.db
        .insertInto('deliveries')
        .values({ id, community_id: communityId, event_id: eventId, webhook_id: webhookId, event_type: 'user.joined', status: 'pending' })
        .execute();
      deliveries.push(id);
    }
    const admit = async (id: string) =>
      (await sql<{ granted: boolean; wait_reason: string | null }>`select granted, wait_reason from hookline_flow_admit(${id}, 800, 1000)`.execute(hookline.db)).rows[0]!;
    expect(await admit(deliveries[0]!)).toEqual({ granted: true, wait_reason: null });
    expect(await admit(deliveries[1]!)).toEqual({ granted: true, wait_reason: null });
    // both slots are held by attempts that will never report back (their worker is gone)
    expect(await admit(deliveries[2]!)).toEqual({ granted: false, wait_reason: 'concurrency' });
    await new Promise((r) => setTimeout(r, 900));
    expect(await admit(deliveries[2]!)).toEqual({ granted: true, wait_reason: null });
  });
});
