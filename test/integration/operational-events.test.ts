import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEventType } from '../../src/catalog/event-types.js';
import { countQueuedOperationalEvents, queueOperationalEvent } from '../../src/store/operational-outbox.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { type Arrival, TestReceiver } from '../support/receiver.js';

/**
 * Operational events (docs/operational-events.md) on the real path: webhook.disabled (gone, failing,
 * manual), webhook.enabled and delivery.failed, emitted by Hookline to the community's webhooks that
 * subscribe to them, never to the webhook they are about, never caused by a delivery of one, and
 * refused by POST /v1/events.
 */
let hookline: Hookline;
let receiver: TestReceiver;
/** Answers by path: `/ok…` 200, `/gone…` 410, `/down…` 500. */
const answer = (path: string) => (path.startsWith('/gone') ? 410 : path.startsWith('/down') ? 500 : 200);

beforeAll(async () => {
  // three attempts 300 ms apart (the harness's schedule); WEBHOOK_DISABLE_AFTER stays 5 days, and a
  // test that needs a webhook failing that long sets its failing_since back
  hookline = await startHookline();
  receiver = await TestReceiver.start();
  receiver.responder = (arrival) => ({ status: answer(arrival.path) });
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

async function webhook(key: string, path: string, events: string[]): Promise<string> {
  const created = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', path), events }, key);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.data.id;
}

let users = 0;
async function userJoined(key: string): Promise<{ eventId: string; deliveries: { id: string; webhookId: string }[] }> {
  const posted = await hookline.call(
    'POST',
    '/v1/events',
    { type: 'user.joined', data: { user: { id: `u${++users}`, username: 'ada' }, joinedAt: '2026-12-01T10:00:00Z' } },
    key,
  );
  expect(posted.status).toBe(202);
  return { eventId: posted.body.data.event.id, deliveries: posted.body.data.deliveries };
}

/** The operational events a path received, parsed, in order of arrival. */
function received(path: string, type?: string): { type: string; data: any; arrival: Arrival }[] {
  return receiver.arrivals
    .filter((a) => a.path === path)
    .map((a) => ({ ...(JSON.parse(a.body) as { type: string; data: unknown }), arrival: a }))
    .filter((e) => e.type !== 'user.joined' && (type === undefined || e.type === type))
    .map((e) => ({ type: e.type, data: e.data, arrival: e.arrival }));
}

async function statusOf(key: string, deliveryId: string): Promise<string> {
  return (await hookline.call('GET', `/v1/deliveries/${deliveryId}`, undefined, key)).body.data.status;
}

/** Each received event's data must match its catalog schema, as a receiver validating it would. */
function expectValid(type: string, data: unknown): void {
  const parsed = findEventType(type)!.data!.safeParse(data);
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
}

describe('operational events', () => {
  it('are in the catalog with their schemas, subscribable, and refused by POST /v1/events', async () => {
    const { key, communityId } = await hookline.newCommunity('catalog');
    const catalog = await hookline.call('GET', '/v1/event-types', undefined, key);
    const operational = catalog.body.data.filter((t: { operational: boolean }) => t.operational);
    expect(operational.map((t: { type: string }) => t.type).sort()).toEqual(['delivery.failed', 'webhook.disabled', 'webhook.enabled']);
    for (const t of operational) {
      expect(t.source).toBe(false);
      expect(t.schema.type).toBe('object');
      expectValid(t.type, t.example);
    }
    // subscribable like any type
    await webhook(key, '/ok-catalog', ['webhook.disabled', 'webhook.enabled', 'delivery.failed']);

    const before = await hookline.db.selectFrom('events').select(hookline.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    for (const type of ['webhook.disabled', 'webhook.enabled', 'delivery.failed']) {
      const posted = await hookline.call('POST', '/v1/events', { type, data: operational.find((t: { type: string }) => t.type === type).example }, key);
      expect(posted.status).toBe(400);
      expect(posted.body.status).toBe('error');
      expect(posted.body.message).toContain(type);
      expect(JSON.stringify(posted.body.detail)).toContain('operational event');
      // as the operator too
      const asAdmin = await hookline.call('POST', '/v1/events', { communityId, type, data: {} });
      expect(asAdmin.status).toBe(400);
    }
    const after = await hookline.db.selectFrom('events').select(hookline.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('410 Gone: webhook.disabled (gone) and delivery.failed reach the subscribers, not the webhook they are about', async () => {
    const { key } = await hookline.newCommunity('gone');
    // the webhook that breaks subscribes to the operational types too: it must get neither
    const gone = await webhook(key, '/gone-1', ['user.joined', 'webhook.disabled', 'delivery.failed']);
    await webhook(key, '/ok-watch-1', ['webhook.disabled', 'delivery.failed']);
    const { eventId, deliveries } = await userJoined(key);
    const delivery = deliveries.find((d) => d.webhookId === gone)!;

    await eventually(async () => (received('/ok-watch-1').length >= 2 ? true : undefined));
    const disabled = received('/ok-watch-1', 'webhook.disabled');
    const failed = received('/ok-watch-1', 'delivery.failed');
    expect(disabled).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(disabled[0]!.data).toMatchObject({ webhook: { id: gone, url: receiver.url.replace('/hook', '/gone-1') }, reason: 'gone' });
    expect(failed[0]!.data).toMatchObject({
      delivery: { id: delivery.id, eventId, eventType: 'user.joined', webhookId: gone, attempts: 1, lastResponseStatus: 410 },
    });
    expectValid('webhook.disabled', disabled[0]!.data);
    expectValid('delivery.failed', failed[0]!.data);
    // signed and shaped like every delivery: the same headers a receiver checks
    expect(disabled[0]!.arrival.headers['x-hookline-event-type']).toBe('webhook.disabled');
    expect(disabled[0]!.arrival.headers['webhook-signature']).toMatch(/^v1,/);

    const read = await hookline.call('GET', `/v1/webhooks/${gone}`, undefined, key);
    expect(read.body.data).toMatchObject({ active: false, disabledReason: 'gone' });
    await sleep(1000);
    expect(receiver.arrivals.filter((a) => a.path === '/gone-1')).toHaveLength(1); // the user.joined alone
    // and the events are readable like any: a delivery to the watcher of each
    const list = await hookline.call('GET', '/v1/deliveries?eventType=webhook.disabled', undefined, key);
    expect(list.body.data).toHaveLength(1);
    expect(await countQueuedOperationalEvents(hookline.db)).toBe(0);
  });

  it('a delivery whose schedule runs out: delivery.failed to the others, and the webhook stays enabled', async () => {
    const { key } = await hookline.newCommunity('exhausted');
    const down = await webhook(key, '/down-2', ['user.joined', 'delivery.failed', 'webhook.disabled']);
    await webhook(key, '/ok-watch-2', ['delivery.failed', 'webhook.disabled']);
    const { deliveries } = await userJoined(key);
    const delivery = deliveries.find((d) => d.webhookId === down)!;
    await eventually(async () => ((await statusOf(key, delivery.id)) === 'failed' ? true : undefined));
    await eventually(async () => (received('/ok-watch-2').length >= 1 ? true : undefined));
    await sleep(1000);

    const failed = received('/ok-watch-2');
    expect(failed.map((e) => e.type)).toEqual(['delivery.failed']);
    expect(failed[0]!.data.delivery).toMatchObject({ id: delivery.id, webhookId: down, eventType: 'user.joined', attempts: 3, lastResponseStatus: 500 });
    expectValid('delivery.failed', failed[0]!.data);
    expect(received('/down-2')).toHaveLength(0);
    expect((await hookline.call('GET', `/v1/webhooks/${down}`, undefined, key)).body.data.active).toBe(true);
  });

  it('every attempt failing for WEBHOOK_DISABLE_AFTER: webhook.disabled (failing); its delivery is held, not failed', async () => {
    const { key } = await hookline.newCommunity('failing');
    const down = await webhook(key, '/down-2b', ['user.joined', 'webhook.disabled']);
    await webhook(key, '/ok-watch-2b', ['delivery.failed', 'webhook.disabled']);
    // it has failed every attempt for six days: the next failure disables it
    await hookline.db.updateTable('webhooks').set({ failing_since: new Date(Date.now() - 6 * 86_400_000) }).where('id', '=', down).execute();
    const { deliveries } = await userJoined(key);
    const delivery = deliveries.find((d) => d.webhookId === down)!;
    await eventually(async () => (received('/ok-watch-2b').length >= 1 ? true : undefined));
    await sleep(1000);

    const events = received('/ok-watch-2b');
    expect(events.map((e) => e.type)).toEqual(['webhook.disabled']);
    expect(events[0]!.data).toMatchObject({ webhook: { id: down, url: receiver.url.replace('/hook', '/down-2b') }, reason: 'failing' });
    expectValid('webhook.disabled', events[0]!.data);
    expect((await hookline.call('GET', `/v1/webhooks/${down}`, undefined, key)).body.data).toMatchObject({ active: false, disabledReason: 'failing' });
    expect(await statusOf(key, delivery.id)).toBe('pending');
  });

  it('PATCH active: webhook.disabled (manual) and webhook.enabled, not to the webhook itself, once per change', async () => {
    const { key } = await hookline.newCommunity('manual');
    // it subscribes to its own operational events and stays active when enabled: still gets none
    const self = await webhook(key, '/ok-self-3', ['webhook.disabled', 'webhook.enabled']);
    await webhook(key, '/ok-watch-3', ['webhook.enabled', 'webhook.disabled']);
    // a webhook of another community that subscribes to everything hears nothing of this one
    const other = await hookline.newCommunity('manual-other');
    await webhook(other.key, '/ok-other-3', ['webhook.enabled', 'webhook.disabled', 'delivery.failed']);

    expect((await hookline.call('PATCH', `/v1/webhooks/${self}`, { active: false }, key)).status).toBe(200);
    // disabling it again changes nothing, and tells nothing
    expect((await hookline.call('PATCH', `/v1/webhooks/${self}`, { active: false }, key)).status).toBe(200);
    // other fields change nothing either
    expect((await hookline.call('PATCH', `/v1/webhooks/${self}`, { description: 'still off' }, key)).status).toBe(200);
    expect((await hookline.call('PATCH', `/v1/webhooks/${self}`, { active: true }, key)).status).toBe(200);

    await eventually(async () => (received('/ok-watch-3').length >= 2 ? true : undefined));
    await sleep(1000);
    const events = received('/ok-watch-3');
    expect(events.map((e) => e.type)).toEqual(['webhook.disabled', 'webhook.enabled']);
    expect(events[0]!.data).toMatchObject({ webhook: { id: self }, reason: 'manual' });
    expect(events[1]!.data).toMatchObject({ webhook: { id: self } });
    expectValid('webhook.disabled', events[0]!.data);
    expectValid('webhook.enabled', events[1]!.data);
    expect(received('/ok-self-3')).toHaveLength(0);
    expect(received('/ok-other-3')).toHaveLength(0);
  });

  it('a delivery of an operational event never causes another: its failure emits no delivery.failed, its disabling no webhook.disabled', async () => {
    const { key, communityId } = await hookline.newCommunity('no-loop');
    const source = await webhook(key, '/gone-4', ['user.joined']);
    // two watchers that fail every delivery (one failing for days already), one that listens
    const downA = await webhook(key, '/down-4a', ['delivery.failed', 'webhook.disabled']);
    const downB = await webhook(key, '/down-4b', ['delivery.failed', 'webhook.disabled']);
    await webhook(key, '/ok-watch-4', ['delivery.failed', 'webhook.disabled']);
    await hookline.db.updateTable('webhooks').set({ failing_since: new Date(Date.now() - 6 * 86_400_000) }).where('id', '=', downA).execute();
    const { deliveries } = await userJoined(key);
    expect(deliveries.map((d) => d.webhookId)).toEqual([source]);

    // the source's 410: one webhook.disabled and one delivery.failed, each to three watchers
    await eventually(async () => (received('/ok-watch-4').length >= 2 ? true : undefined));
    // downB's deliveries of those end failed; downA, failing for six days, is disabled by its first
    // failure and its deliveries wait (the other one unattempted if it came after the disabling)
    await eventually(async () => {
      const rows = await hookline.db.selectFrom('deliveries').select(['webhook_id', 'status', 'attempt_count']).where('webhook_id', 'in', [downA, downB]).execute();
      const ofB = rows.filter((r) => r.webhook_id === downB);
      const ofA = rows.filter((r) => r.webhook_id === downA);
      const done =
        ofB.length === 2 && ofB.every((r) => r.status === 'failed') && ofA.length === 2 && ofA.every((r) => r.status === 'pending') && ofA.some((r) => r.attempt_count >= 1);
      return done ? true : undefined;
    }, 40_000);
    const a = await hookline.db.selectFrom('webhooks').select(['active', 'disabled_reason']).where('id', '=', downA).executeTakeFirstOrThrow();
    expect(a).toEqual({ active: false, disabled_reason: 'failing' });
    await sleep(1500);
    expect(await countQueuedOperationalEvents(hookline.db)).toBe(0);
    const types = await hookline.db.selectFrom('events').select('type').where('community_id', '=', communityId).execute();
    // the user.joined and the two its failure caused, nothing more
    expect(types.map((t) => t.type).sort()).toEqual(['delivery.failed', 'user.joined', 'webhook.disabled']);
    expect(received('/ok-watch-4').map((e) => e.type).sort()).toEqual(['delivery.failed', 'webhook.disabled']);
  });

  it('an event left queued by a crash is emitted by the sweeper, once', async () => {
    const { key, communityId } = await hookline.newCommunity('sweeper');
    const about = await webhook(key, '/ok-about-5', ['user.joined']);
    await webhook(key, '/ok-watch-5', ['webhook.disabled']);
    // what the statement that disabled a webhook leaves when its process dies before draining
    await queueOperationalEvent(hookline.db, {
      communityId,
      aboutWebhookId: about,
      event: { type: 'webhook.disabled', data: { webhook: { id: about, url: 'https://example.com/x' }, reason: 'failing', disabledAt: new Date().toISOString() } },
    });
    await eventually(async () => (received('/ok-watch-5').length >= 1 ? true : undefined), 30_000);
    await sleep(1000);
    expect(received('/ok-watch-5')).toHaveLength(1);
    expect(await countQueuedOperationalEvents(hookline.db)).toBe(0);
  });
});
