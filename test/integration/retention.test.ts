import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';

/**
 * Retention and purge (docs/retention.md) against a real Hookline: RETENTION=5s and
 * PURGE_INTERVAL=2s, so the `hookline-purge` schedule runs every two seconds and purges what is
 * final and older than five. What a user would check: the API answers 404 for what went, the rows
 * are gone, and what must stay (pending, waiting for a replay, a community that keeps longer) stays.
 */
let hookline: Hookline;
let receiver: TestReceiver;

const REPLAY_RETENTION_S = 20;

beforeAll(async () => {
  hookline = await startHookline({
    RETENTION: '5s',
    PURGE_INTERVAL: '2s',
    DELIVERY_REPLAY_RETENTION: `${REPLAY_RETENTION_S}s`,
    SECRET_ROTATION_GRACE: '1s',
  });
  receiver = await TestReceiver.start();
  receiver.responder = (arrival) => {
    if (arrival.path.startsWith('/fail')) return { status: 500 };
    // a retry an hour away: the delivery stays pending
    if (arrival.path.startsWith('/later')) return { status: 429, headers: { 'retry-after': '3600' } };
    return { status: 200 };
  };
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

const joined = (n: string) => ({ type: 'user.joined', data: { user: { id: `u-${n}`, username: n }, joinedAt: '2026-11-29T10:00:00.000Z' } });

async function webhook(key: string, path: string): Promise<string> {
  const created = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', path), events: ['user.joined'] }, key);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.data.id;
}

async function emit(key: string, body: unknown): Promise<{ eventId: string; deliveries: { id: string; webhookId: string }[] }> {
  const emitted = await hookline.call('POST', '/v1/events', body, key);
  expect(emitted.status, JSON.stringify(emitted.body)).toBe(202);
  return { eventId: emitted.body.data.event.id, deliveries: emitted.body.data.deliveries };
}

const statusOf = async (id: string, key: string) => {
  const read = await hookline.call('GET', `/v1/deliveries/${id}`, undefined, key);
  return read.status === 200 ? (read.body.data.status as string) : read.status;
};

async function rows(table: 'deliveries' | 'events' | 'replay_jobs' | 'api_keys', id: string): Promise<number> {
  const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where id = ${id}`.execute(hookline.db);
  return result.rows[0]!.n;
}

const attemptRows = async (deliveryId: string) =>
  (await sql<{ n: number }>`select count(*)::int as n from attempts where delivery_id = ${deliveryId}`.execute(hookline.db)).rows[0]!.n;

describe('retention', () => {
  it('purges final rows older than RETENTION, keeps pending ones, failed ones waiting for a replay, and a community that keeps longer', async () => {
    const a = await hookline.newCommunity('Retention A');
    const b = await hookline.newCommunity('Retention B (keeps 1 day)');
    const patched = await hookline.call('PATCH', `/v1/communities/${b.communityId}`, { retentionDays: 1 });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ id: b.communityId, retentionDays: 1 });

    const ok = await webhook(a.key, '/ok');
    const fail = await webhook(a.key, '/fail');
    const later = await webhook(a.key, '/later');
    const okB = await webhook(b.key, '/ok-b');
    const event = await emit(a.key, joined('a'));
    const deliveryTo = (webhookId: string) => event.deliveries.find((d) => d.webhookId === webhookId)!.id;
    const [succeeded, failed, pending] = [deliveryTo(ok), deliveryTo(fail), deliveryTo(later)];
    // an event no webhook receives: no delivery at all, purged on its own age
    const lonely = await emit(a.key, { type: 'user.visited', data: { user: { id: 'u-l', username: 'l' }, visitedAt: '2026-11-29T10:00:00.000Z' } });
    expect(lonely.deliveries).toEqual([]);
    const eventB = await emit(b.key, joined('b'));
    const succeededB = eventB.deliveries[0]!.id;

    // a finished replay job (nothing to replay on /ok), a revoked key, a rotated-out secret
    const job = await hookline.call('POST', `/v1/webhooks/${ok}/replay`, { since: new Date(Date.now() - 60_000).toISOString() }, a.key);
    expect(job.status).toBe(202);
    const jobId = job.body.data.id as string;
    await eventually(async () => ((await hookline.call('GET', `/v1/replay-jobs/${jobId}`, undefined, a.key)).body.data.status === 'completed' ? true : undefined));
    const extraKey = await hookline.call('POST', `/v1/communities/${a.communityId}/api-keys`, { name: 'to revoke' });
    const keyId = extraKey.body.data.id as string;
    expect((await hookline.call('DELETE', `/v1/communities/${a.communityId}/api-keys/${keyId}`, {})).status).toBe(200);
    expect((await hookline.call('POST', `/v1/webhooks/${ok}/rotate-secret`, {}, a.key)).status).toBe(200);
    const secretsOf = async (webhookId: string) =>
      (await sql<{ n: number }>`select count(*)::int as n from webhook_secrets where webhook_id = ${webhookId}`.execute(hookline.db)).rows[0]!.n;
    expect(await secretsOf(ok)).toBe(2);

    await eventually(async () => ((await statusOf(succeeded, a.key)) === 'succeeded' && (await statusOf(failed, a.key)) === 'failed' ? true : undefined));
    expect(await statusOf(pending, a.key)).toBe('pending');
    await eventually(async () => ((await statusOf(succeededB, b.key)) === 'succeeded' ? true : undefined));

    // within a few purges after 5 s: the final delivery, its attempts, the lonely event, the job, the key, the old secret
    await eventually(async () => ((await statusOf(succeeded, a.key)) === 404 ? true : undefined), 30_000, 250);
    expect(await rows('deliveries', succeeded)).toBe(0);
    expect(await attemptRows(succeeded)).toBe(0);
    await eventually(async () => ((await hookline.call('GET', `/v1/events/${lonely.eventId}`, undefined, a.key)).status === 404 ? true : undefined), 15_000, 250);
    expect(await rows('events', lonely.eventId)).toBe(0);
    await eventually(async () => ((await hookline.call('GET', `/v1/replay-jobs/${jobId}`, undefined, a.key)).status === 404 ? true : undefined), 15_000, 250);
    expect(await rows('replay_jobs', jobId)).toBe(0);
    await eventually(async () => ((await rows('api_keys', keyId)) === 0 ? true : undefined), 15_000, 250);
    await eventually(async () => ((await secretsOf(ok)) === 1 ? true : undefined), 15_000, 250);
    // what the dashboard lists is these routes: the purged delivery is gone from its webhook's page too
    const listed = await hookline.call('GET', `/v1/webhooks/${ok}/deliveries`, undefined, a.key);
    expect(listed.body.data.map((d: { id: string }) => d.id)).not.toContain(succeeded);

    // still there: the pending delivery, the failed one whose workflow waits for a replay, the event they hang on, and B's
    expect(await statusOf(pending, a.key)).toBe('pending');
    expect(await statusOf(failed, a.key)).toBe('failed');
    expect(await attemptRows(failed)).toBe(3);
    const waiting = await hookline.temporal.workflow.getHandle(`delivery-${failed}`).query<{ phase: string }>('deliveryState');
    expect(waiting.phase).toBe('waiting_replay');
    const read = await hookline.call('GET', `/v1/events/${event.eventId}`, undefined, a.key);
    expect(read.status).toBe(200);
    expect(read.body.data.deliveries.map((d: { id: string }) => d.id).sort()).toEqual([failed, pending].sort());
    expect(await statusOf(succeededB, b.key)).toBe('succeeded');
    expect(await attemptRows(succeededB)).toBe(1);

    // the purge's own account of it: the last run, and the counter
    const latest = await hookline.call('GET', '/v1/purge-runs/latest');
    expect(latest.status).toBe(200);
    expect(latest.body.data.schedule).toMatchObject({ scheduleId: `hookline-purge-${hookline.config.temporal.taskQueue}`, everyMs: 2000, paused: false });
    const metrics = await (await fetch(`${hookline.api.url}/metrics`)).text();
    const purged = (table: string) => Number(new RegExp(`^hookline_purged_rows_total\\{table="${table}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    expect(purged('deliveries')).toBeGreaterThanOrEqual(1);
    expect(purged('attempts')).toBeGreaterThanOrEqual(1);
    expect(purged('events')).toBeGreaterThanOrEqual(1);
    expect(purged('replay_jobs')).toBeGreaterThanOrEqual(1);
    expect(purged('api_keys')).toBeGreaterThanOrEqual(1);
    expect(purged('webhook_secrets')).toBeGreaterThanOrEqual(1);

    // once its workflow has stopped waiting (DELIVERY_REPLAY_RETENTION after it failed), the failed one goes too
    await hookline.temporal.workflow.getHandle(`delivery-${failed}`).result();
    await eventually(async () => ((await statusOf(failed, a.key)) === 404 ? true : undefined), 30_000, 250);
    expect(await attemptRows(failed)).toBe(0);
    expect((await hookline.call('POST', `/v1/deliveries/${failed}/replay`, {}, a.key)).status).toBe(404);
    // the event stays while its pending delivery does
    expect((await hookline.call('GET', `/v1/events/${event.eventId}`, undefined, a.key)).status).toBe(200);
    expect(await statusOf(pending, a.key)).toBe('pending');
    expect(await statusOf(succeededB, b.key)).toBe('succeeded');
  }, 120_000);

  it('PATCH /v1/communities/:communityId takes 1–365 days or null, for the operator only', async () => {
    const c = await hookline.newCommunity('Retention C');
    for (const bad of [0, 366, 1.5, '30']) {
      const answer = await hookline.call('PATCH', `/v1/communities/${c.communityId}`, { retentionDays: bad });
      expect(answer.status, String(bad)).toBe(400);
      expect(answer.body.message).toContain('retentionDays');
    }
    expect((await hookline.call('PATCH', `/v1/communities/${c.communityId}`, { retentionDays: 30 }, c.key)).status).toBe(404);
    expect((await hookline.call('PATCH', `/v1/communities/cmty_nope`, { retentionDays: 30 })).status).toBe(404);
    const renamed = await hookline.call('PATCH', `/v1/communities/${c.communityId}`, { name: 'Renamed', retentionDays: 365 });
    expect(renamed.body.data).toMatchObject({ name: 'Renamed', retentionDays: 365 });
    const reset = await hookline.call('PATCH', `/v1/communities/${c.communityId}`, { retentionDays: null });
    expect(reset.body.data).toMatchObject({ name: 'Renamed', retentionDays: null });
  });
});

describe('expunge', () => {
  it("erases an event's data for good, cancels its pending deliveries, keeps what was sent when, and refuses to send it again", async () => {
    // this community keeps a day, so the purge (RETENTION=5s) leaves its rows to look at
    const c = await hookline.newCommunity('Expunge');
    await hookline.call('PATCH', `/v1/communities/${c.communityId}`, { retentionDays: 1 });
    const ok = await webhook(c.key, '/ok-expunge');
    const later = await webhook(c.key, '/later-expunge');
    const fail = await webhook(c.key, '/fail-expunge');
    const event = await emit(c.key, { id: 'order-42', ...joined('secret-person') });
    const deliveryTo = (webhookId: string) => event.deliveries.find((d) => d.webhookId === webhookId)!.id;
    const [sent, pending, failed] = [deliveryTo(ok), deliveryTo(later), deliveryTo(fail)];
    await eventually(async () =>
      (await statusOf(sent, c.key)) === 'succeeded' && (await statusOf(failed, c.key)) === 'failed' && (await attemptRows(pending)) === 1 ? true : undefined,
    );
    const arrivalsOf = (path: string) => receiver.arrivals.filter((r) => r.path === path).length;
    const laterArrivals = arrivalsOf('/later-expunge');

    const expunged = await hookline.call('DELETE', '/v1/events/order-42', {}, c.key);
    expect(expunged.status, JSON.stringify(expunged.body)).toBe(200);
    expect(expunged.body.data).toMatchObject({ id: event.eventId, externalId: 'order-42', data: null });
    const expungedAt = expunged.body.data.expungedAt as string;
    expect(Date.parse(expungedAt)).toBeGreaterThan(Date.now() - 60_000);
    const statuses = Object.fromEntries(expunged.body.data.deliveries.map((d: { id: string; status: string }) => [d.id, d.status]));
    expect(statuses).toEqual({ [sent]: 'succeeded', [pending]: 'cancelled', [failed]: 'failed' });

    // for good: the API shows null, and so does the row
    const read = await hookline.call('GET', `/v1/events/${event.eventId}`, undefined, c.key);
    expect(read.body.data).toMatchObject({ data: null, expungedAt });
    const row = await hookline.db.selectFrom('events').select(['data', 'expunged_at']).where('id', '=', event.eventId).executeTakeFirstOrThrow();
    expect(row.data).toBeNull();
    expect(row.expunged_at?.toISOString()).toBe(expungedAt);

    // the pending delivery's workflow stops, and nothing more is sent
    expect(await hookline.temporal.workflow.getHandle(`delivery-${pending}`).result()).toBe('cancelled');
    expect(arrivalsOf('/later-expunge')).toBe(laterArrivals);

    // what was sent when, and the answers, stay
    const kept = await hookline.call('GET', `/v1/deliveries/${sent}`, undefined, c.key);
    expect(kept.body.data.attempts).toHaveLength(1);
    expect(kept.body.data.attempts[0].response.status).toBe(200);
    expect((await hookline.call('GET', `/v1/deliveries/${pending}`, undefined, c.key)).body.data.attempts[0].response.status).toBe(429);

    // a replay answers 409 and says why; a bulk replay skips it
    const replay = await hookline.call('POST', `/v1/deliveries/${failed}/replay`, {}, c.key);
    expect(replay.status).toBe(409);
    expect(replay.body.message).toContain(`its event ${event.eventId} was expunged`);
    expect(await statusOf(failed, c.key)).toBe('failed');
    const failArrivals = arrivalsOf('/fail-expunge');
    const job = await hookline.call('POST', `/v1/webhooks/${fail}/replay`, { since: new Date(Date.now() - 600_000).toISOString() }, c.key);
    expect(job.status).toBe(202);
    const done = await eventually(async () => {
      const j = (await hookline.call('GET', `/v1/replay-jobs/${job.body.data.id}`, undefined, c.key)).body.data;
      return j.status === 'completed' ? j : undefined;
    });
    expect(done).toMatchObject({ total: 0, done: 0, failed: 0 });
    expect(await statusOf(failed, c.key)).toBe('failed');
    expect(arrivalsOf('/fail-expunge')).toBe(failArrivals);

    // the caller's id stays taken; expunging again changes nothing; another community sees no such event
    const again = await hookline.call('POST', '/v1/events', { id: 'order-42', ...joined('secret-person') }, c.key);
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('expunged');
    const twice = await hookline.call('DELETE', `/v1/events/${event.eventId}`, {}, c.key);
    expect(twice.body.data.expungedAt).toBe(expungedAt);
    const other = await hookline.newCommunity('Expunge other');
    expect((await hookline.call('DELETE', `/v1/events/${event.eventId}`, {}, other.key)).status).toBe(404);
    expect((await hookline.call('DELETE', '/v1/events/evt_nope', {}, c.key)).status).toBe(404);
  }, 90_000);
});
