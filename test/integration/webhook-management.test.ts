import { createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEALED, SecretBox } from '../../src/security/secret-box.js';
import { eventually, type Hookline, LOG_DIR, startHookline } from '../support/harness.js';
import { type Arrival, type Responder, TestReceiver } from '../support/receiver.js';
import { HEADER } from '../../src/wire/headers.js';

/** Webhook management as a community uses it: CRUD, pagination, active, test, rotation, secrets. */
const GRACE_MS = 5000;
let hookline: Hookline;
let receiver: TestReceiver;
/** Per-path answers; anything else gets 200. */
const routes = new Map<string, Responder>();

beforeAll(async () => {
  // a short grace, so one test can watch an old secret stop signing
  hookline = await startHookline({ SECRET_ROTATION_GRACE: `${GRACE_MS}ms` });
  receiver = await TestReceiver.start();
  receiver.responder = (arrival, index) => routes.get(arrival.path)?.(arrival, index) ?? { status: 200, body: 'ok' };
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

const urlFor = (p: string) => receiver.url.replace('/hook', p);
const arrivalsAt = (p: string) => receiver.arrivals.filter((a) => a.path === p);
const waitForArrivals = (p: string, n: number, timeoutMs = 20_000) =>
  eventually(async () => (arrivalsAt(p).length >= n ? arrivalsAt(p) : undefined), timeoutMs);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const verifies = (secret: string, a: Arrival) => {
  try {
    new Webhook(secret).verify(a.body, a.headers, { jsonParse: false });
    return true;
  } catch {
    return false;
  }
};

const joined = (userId: string) => ({
  type: 'user.joined',
  data: { user: { id: userId, username: `name-${userId}` }, joinedAt: '2026-11-29T10:00:00.000Z' },
});
const posted = (messageId: string, channelId: string) => ({
  type: 'message.posted',
  data: {
    message: { id: messageId, text: `hello from ${channelId}` },
    user: { id: 'usr_1', username: 'ada' },
    channel: { id: channelId, name: channelId },
    postedAt: '2026-11-29T10:00:00.000Z',
  },
});

async function create(token: string, body: Record<string, unknown>) {
  const created = await hookline.call('POST', '/v1/webhooks', { events: ['user.joined'], ...body }, token);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.data as { id: string; secret: string } & Record<string, unknown>;
}

async function deliveryStatus(id: string, token: string, status: string) {
  return eventually(async () => {
    const read = await hookline.call('GET', `/v1/deliveries/${id}`, undefined, token);
    return read.body.data.status === status ? read.body.data : undefined;
  });
}

describe('create, read, list, update, delete', () => {
  it('creates with defaults, shows the secret once, and reads back exactly the documented fields', async () => {
    const { key } = await hookline.newCommunity('crud');
    const created = await create(key, { url: urlFor('/crud') });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(created.secret.slice(6), 'base64')).toHaveLength(24);
    const read = await hookline.call('GET', `/v1/webhooks/${created.id}`, undefined, key);
    expect(read.status).toBe(200);
    expect(Object.keys(read.body.data).sort()).toEqual(
      [
        'id', 'communityId', 'url', 'description', 'format', 'events', 'channelIds', 'active', 'disabledReason', 'encryption',
        'maxConcurrency', 'rateLimitPerSecond', 'ordering', 'headerNames', 'flow', 'createdAt', 'updatedAt',
      ].sort(),
    );
    expect(read.body.data).toMatchObject({
      id: expect.stringMatching(/^wh_/),
      url: urlFor('/crud'),
      description: null,
      format: 'json',
      events: ['user.joined'],
      channelIds: null,
      active: true,
      disabledReason: null,
      encryption: { enabled: false, algorithm: null },
      maxConcurrency: 10,
      rateLimitPerSecond: null,
      ordering: 'none',
      headerNames: [],
      flow: { inFlight: 0, effectiveConcurrency: 10, pausedUntil: null, waiting: 0 },
    });
    const { secret: _secret, ...withoutSecret } = created;
    expect(read.body.data).toEqual(withoutSecret);
  });

  it('lists newest first with a cursor, only the caller\'s community, and the operator by communityId', async () => {
    const mine = await hookline.newCommunity('list mine');
    const theirs = await hookline.newCommunity('list theirs');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create(mine.key, { url: urlFor(`/list-${i}`) })).id);
    await create(theirs.key, { url: urlFor('/list-theirs') });

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: any } = await hookline.call('GET', `/v1/webhooks?limit=2${cursor ? `&cursor=${cursor}` : ''}`, undefined, mine.key);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((w: { id: string }) => w.id));
      cursor = page.body.meta.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());

    const asOperator = await hookline.call('GET', `/v1/webhooks?communityId=${mine.communityId}&limit=200`, undefined);
    expect(asOperator.body.data.map((w: { id: string }) => w.id)).toEqual([...ids].reverse());
    expect(JSON.stringify(asOperator.body)).not.toContain('whsec_');
  });

  it('updates fields, keeps the others, and moves updatedAt', async () => {
    const { key } = await hookline.newCommunity('update');
    const created = await create(key, { url: urlFor('/update'), description: 'first' });
    await sleep(5);
    const patched = await hookline.call(
      'PATCH',
      `/v1/webhooks/${created.id}`,
      { description: 'second', events: ['user.joined', 'channel.message.posted'], channelIds: ['ch_1'], format: 'xml' },
      key,
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.data).toMatchObject({
      url: urlFor('/update'),
      description: 'second',
      events: ['user.joined', 'channel.message.posted'],
      channelIds: ['ch_1'],
      format: 'xml',
      active: true,
      createdAt: created.createdAt,
    });
    expect(Date.parse(patched.body.data.updatedAt)).toBeGreaterThan(Date.parse(created.updatedAt as string));
    const read = await hookline.call('GET', `/v1/webhooks/${created.id}`, undefined, key);
    expect(read.body.data).toEqual(patched.body.data);

    const cleared = await hookline.call('PATCH', `/v1/webhooks/${created.id}`, { description: null, events: ['user.joined'], channelIds: null }, key);
    expect(cleared.body.data).toMatchObject({ description: null, events: ['user.joined'], channelIds: null });
  });

  it('deletes: the webhook is gone, gets nothing more, and its pending deliveries are cancelled', async () => {
    const { key } = await hookline.newCommunity('delete');
    const webhook = await create(key, { url: urlFor('/delete') });
    // answers 503 and asks for a long wait, so the delivery is pending when the webhook is deleted
    routes.set('/delete', () => ({ status: 503, headers: { 'retry-after': '30' } }));
    const emitted = await hookline.call('POST', '/v1/events', joined('del'), key);
    const [delivery] = emitted.body.data.deliveries;
    await waitForArrivals('/delete', 1);
    await eventually(async () => ((await hookline.call('GET', `/v1/deliveries/${delivery.id}`, undefined, key)).body.data.attemptCount === 1 ? true : undefined));

    const deleted = await hookline.call('DELETE', `/v1/webhooks/${webhook.id}`, undefined, key);
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toEqual({ id: webhook.id, deleted: true, cancelledDeliveries: 1 });
    expect((await hookline.call('GET', `/v1/webhooks/${webhook.id}`, undefined, key)).status).toBe(404);
    expect((await hookline.call('DELETE', `/v1/webhooks/${webhook.id}`, undefined, key)).status).toBe(404);
    expect((await hookline.call('PATCH', `/v1/webhooks/${webhook.id}`, { description: 'x' }, key)).status).toBe(404);
    expect((await hookline.call('GET', '/v1/webhooks', undefined, key)).body.data).toEqual([]);
    const cancelled = await hookline.call('GET', `/v1/deliveries/${delivery.id}`, undefined, key);
    expect(cancelled.body.data.status).toBe('cancelled');
    // the workflow was told, and stopped without another attempt
    await eventually(async () => {
      const { status } = await hookline.temporal.workflow.getHandle(`delivery-${delivery.id}`).describe();
      return status.name === 'COMPLETED' ? true : undefined;
    });
    const after = await hookline.call('POST', '/v1/events', joined('del-2'), key);
    expect(after.body.data.deliveries).toEqual([]);
    expect(arrivalsAt('/delete')).toHaveLength(1);
  });

  it('answers 404, never 403, for another community\'s webhook', async () => {
    const owner = await hookline.newCommunity('owner');
    const stranger = await hookline.newCommunity('stranger');
    const webhook = await create(owner.key, { url: urlFor('/owned') });
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', `/v1/webhooks/${webhook.id}`],
      ['PATCH', `/v1/webhooks/${webhook.id}`, { description: 'mine now' }],
      ['DELETE', `/v1/webhooks/${webhook.id}`],
      ['POST', `/v1/webhooks/${webhook.id}/test`],
      ['POST', `/v1/webhooks/${webhook.id}/rotate-secret`],
      ['GET', `/v1/webhooks/${webhook.id}/deliveries`],
    ];
    for (const [method, url, body] of attempts) {
      const answer = await hookline.call(method, url, body, stranger.key);
      expect(answer.status, `${method} ${url}`).toBe(404);
      expect(answer.body).toMatchObject({ status: 'error', meta: { statusCode: 404 } });
    }
    const read = await hookline.call('GET', `/v1/webhooks/${webhook.id}`, undefined, owner.key);
    expect(read.body.data.description).toBeNull();
    expect(arrivalsAt('/owned')).toHaveLength(0);
  });
});

describe('active on and off', () => {
  it('a disabled webhook gets no new deliveries; enabled again, it gets the next ones', async () => {
    const { key } = await hookline.newCommunity('toggle');
    const webhook = await create(key, { url: urlFor('/toggle'), active: false });
    expect(webhook).toMatchObject({ active: false, disabledReason: 'disabled' });
    const whileOff = await hookline.call('POST', '/v1/events', joined('off'), key);
    expect(whileOff.body.data.deliveries).toEqual([]);

    const on = await hookline.call('PATCH', `/v1/webhooks/${webhook.id}`, { active: true }, key);
    expect(on.body.data).toMatchObject({ active: true, disabledReason: null });
    const whileOn = await hookline.call('POST', '/v1/events', joined('on'), key);
    expect(whileOn.body.data.deliveries).toHaveLength(1);
    await deliveryStatus(whileOn.body.data.deliveries[0].id, key, 'succeeded');
    expect(arrivalsAt('/toggle')).toHaveLength(1);
  });

  it('a pending delivery waits while its webhook is disabled and resumes when it is enabled', async () => {
    const { key } = await hookline.newCommunity('held');
    const webhook = await create(key, { url: urlFor('/held') });
    routes.set('/held', () => (arrivalsAt('/held').length === 1 ? { status: 503, headers: { 'retry-after': '2' } } : { status: 200 }));
    const emitted = await hookline.call('POST', '/v1/events', joined('held'), key);
    const [delivery] = emitted.body.data.deliveries;
    await waitForArrivals('/held', 1);
    expect((await hookline.call('PATCH', `/v1/webhooks/${webhook.id}`, { active: false }, key)).status).toBe(200);

    // the retry was due after 2 s; held, it does not come
    await sleep(3500);
    expect(arrivalsAt('/held')).toHaveLength(1);
    const held = await hookline.call('GET', `/v1/deliveries/${delivery.id}`, undefined, key);
    expect(held.body.data).toMatchObject({ status: 'pending', attemptCount: 1 });

    await hookline.call('PATCH', `/v1/webhooks/${webhook.id}`, { active: true }, key);
    const arrivals = await waitForArrivals('/held', 2, 10_000);
    expect(arrivals[1]!.headers[HEADER.attempt]).toBe('2');
    expect(arrivals[1]!.headers[HEADER.webhookId]).toBe(delivery.id);
    const done = await deliveryStatus(delivery.id, key, 'succeeded');
    expect(done.attempts).toHaveLength(2);
  });
});

describe('configuration changes reach the next attempt of a pending delivery', () => {
  it('URL, format, encryption and secret changed between two attempts: the retry arrives changed', async () => {
    const { key: token, communityId } = await hookline.newCommunity('changes');
    const webhook = await create(token, { url: urlFor('/before'), format: 'json' });
    routes.set('/before', () => ({ status: 503, headers: { 'retry-after': '2' } }));
    const emitted = await hookline.call('POST', '/v1/events', joined('changed'), token);
    const [delivery] = emitted.body.data.deliveries;
    const [first] = await waitForArrivals('/before', 1);
    expect(first!.headers['content-type']).toBe('application/json');
    expect(verifies(webhook.secret, first!)).toBe(true);

    const encryptionKey = randomBytes(16).toString('hex');
    const patched = await hookline.call(
      'PATCH',
      `/v1/webhooks/${webhook.id}`,
      { url: urlFor('/after'), format: 'xml', encryption: { enabled: true, algorithm: 'aes-256-gcm', key: encryptionKey } },
      token,
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const rotated = await hookline.call('POST', `/v1/webhooks/${webhook.id}/rotate-secret`, undefined, token);
    const newSecret = rotated.body.data.secret as string;

    const [second] = await waitForArrivals('/after', 1);
    expect(arrivalsAt('/before')).toHaveLength(1);
    expect(second!.headers[HEADER.webhookId]).toBe(delivery.id);
    expect(second!.headers[HEADER.attempt]).toBe('2');
    expect(second!.headers).toMatchObject({ [HEADER.contentType]: 'text/plain', [HEADER.encrypted]: 'true', [HEADER.encryptionAlgorithm]: 'aes-256-gcm', [HEADER.plaintextContentType]: 'application/xml' });
    expect(verifies(newSecret, second!)).toBe(true);
    const raw = Buffer.from(second!.body, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(encryptionKey, 'utf8'), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const xml = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
    expect(new XMLParser({ ignoreDeclaration: true }).parse(xml).event).toEqual({
      id: emitted.body.data.event.id,
      type: 'user.joined',
      timestamp: emitted.body.data.event.occurredAt,
      communityId,
      data: joined('changed').data,
    });
    const done = await deliveryStatus(delivery.id, token, 'succeeded');
    // newest first
    expect(done.attempts.map((a: { request: { url: string } }) => a.request.url)).toEqual([urlFor('/after'), urlFor('/before')]);
  });
});

describe('POST /v1/webhooks/:id/test', () => {
  it('sends webhook.test to that webhook alone, even if it does not subscribe to it', async () => {
    const { key, communityId } = await hookline.newCommunity('test button');
    const target = await create(key, { url: urlFor('/test-target') });
    const bystander = await create(key, { url: urlFor('/test-bystander'), events: ['user.joined', 'webhook.test'] });
    const sent = await hookline.call('POST', `/v1/webhooks/${target.id}/test`, undefined, key);
    expect(sent.status).toBe(202);
    expect(sent.body.data.event).toMatchObject({ type: 'webhook.test', communityId, data: { message: expect.any(String) } });
    expect(sent.body.data.deliveries).toEqual([{ id: expect.stringMatching(/^dlv_/), webhookId: target.id }]);
    const [arrival] = await waitForArrivals('/test-target', 1);
    expect(arrival!.headers[HEADER.eventType]).toBe('webhook.test');
    expect(verifies(target.secret, arrival!)).toBe(true);
    expect(JSON.parse(arrival!.body)).toMatchObject({ type: 'webhook.test', id: sent.body.data.event.id });

    // the bystander gets the next real event, and never the test
    const real = await hookline.call('POST', '/v1/events', joined('after-test'), key);
    await deliveryStatus(real.body.data.deliveries.find((d: { webhookId: string }) => d.webhookId === bystander.id).id, key, 'succeeded');
    expect(arrivalsAt('/test-bystander').map((a) => a.headers[HEADER.eventType])).toEqual(['user.joined']);
    const byType = await hookline.call('GET', `/v1/deliveries?eventType=webhook.test`, undefined, key);
    expect(byType.body.data.map((d: { webhookId: string }) => d.webhookId)).toEqual([target.id]);
  });

  it('refuses a disabled webhook with 409, and a body with 400', async () => {
    const { key } = await hookline.newCommunity('test disabled');
    const webhook = await create(key, { url: urlFor('/test-disabled'), active: false });
    const refused = await hookline.call('POST', `/v1/webhooks/${webhook.id}/test`, undefined, key);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ status: 'error', detail: [{ field: 'active' }], meta: { statusCode: 409 } });
    expect(refused.body.solution).toContain('active');
    await hookline.call('PATCH', `/v1/webhooks/${webhook.id}`, { active: true }, key);
    const withBody = await hookline.call('POST', `/v1/webhooks/${webhook.id}/test`, { message: 'hi' }, key);
    expect(withBody.status).toBe(400);
    expect(withBody.body.message).toContain('message');
    expect(arrivalsAt('/test-disabled')).toHaveLength(0);
  });
});

describe('secret rotation', () => {
  it('during the grace both secrets sign, so a receiver with only the old and one with only the new both verify; after it, only the new', async () => {
    const { key } = await hookline.newCommunity('rotation');
    const webhook = await create(key, { url: urlFor('/rotate') });
    const oldSecret = webhook.secret;
    const before = Date.now();
    const rotated = await hookline.call('POST', `/v1/webhooks/${webhook.id}/rotate-secret`, undefined, key);
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.data.secret as string;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    const expiresAt = Date.parse(rotated.body.data.previousSecretExpiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + GRACE_MS - 50);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + GRACE_MS + 50);

    const during = await hookline.call('POST', '/v1/events', joined('grace'), key);
    const [inGrace] = await waitForArrivals('/rotate', 1);
    expect(Date.now()).toBeLessThan(expiresAt);
    expect(inGrace!.headers[HEADER.webhookId]).toBe(during.body.data.deliveries[0].id);
    const signatures = inGrace!.headers[HEADER.webhookSignature]!.split(' ');
    expect(signatures).toHaveLength(2);
    for (const s of signatures) expect(s).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
    expect(verifies(oldSecret, inGrace!)).toBe(true);
    expect(verifies(newSecret, inGrace!)).toBe(true);
    expect(verifies(`whsec_${randomBytes(24).toString('base64')}`, inGrace!)).toBe(false);

    await sleep(Math.max(0, expiresAt - Date.now()) + 200);
    await hookline.call('POST', '/v1/events', joined('after-grace'), key);
    const [, afterGrace] = await waitForArrivals('/rotate', 2);
    expect(afterGrace!.headers[HEADER.webhookSignature]!.split(' ')).toHaveLength(1);
    expect(verifies(newSecret, afterGrace!)).toBe(true);
    expect(verifies(oldSecret, afterGrace!)).toBe(false);
  });

  it('rotating twice within the grace ends the oldest secret at once: the two newest sign, never more', async () => {
    const { key } = await hookline.newCommunity('double rotation');
    const webhook = await create(key, { url: urlFor('/rotate-twice') });
    const second = (await hookline.call('POST', `/v1/webhooks/${webhook.id}/rotate-secret`, undefined, key)).body.data.secret as string;
    const third = (await hookline.call('POST', `/v1/webhooks/${webhook.id}/rotate-secret`, undefined, key)).body.data.secret as string;
    await hookline.call('POST', '/v1/events', joined('twice'), key);
    const [arrival] = await waitForArrivals('/rotate-twice', 1);
    expect(arrival!.headers[HEADER.webhookSignature]!.split(' ')).toHaveLength(2);
    for (const secret of [second, third]) expect(verifies(secret, arrival!)).toBe(true);
    expect(verifies(webhook.secret, arrival!)).toBe(false);
  });
});

describe('channel.message.posted', () => {
  it('delivers only messages in the listed channels, and once to a webhook subscribed to both message types', async () => {
    const { key } = await hookline.newCommunity('channels');
    const channelOnly = await create(key, { url: urlFor('/ch-only'), events: ['channel.message.posted'], channelIds: ['ch_a', 'ch_b'] });
    const both = await create(key, { url: urlFor('/ch-both'), events: ['message.posted', 'channel.message.posted'], channelIds: ['ch_a'] });
    const anywhere = await create(key, { url: urlFor('/ch-anywhere'), events: ['message.posted'] });

    const expectations: Array<[string, string[]]> = [
      ['ch_a', [channelOnly.id, both.id, anywhere.id]],
      ['ch_b', [channelOnly.id, both.id, anywhere.id]],
      ['ch_c', [both.id, anywhere.id]],
    ];
    const deliveryIds: string[] = [];
    for (const [channel, webhooks] of expectations) {
      const emitted = await hookline.call('POST', '/v1/events', posted(`msg_${channel}`, channel), key);
      expect(emitted.status).toBe(202);
      expect(emitted.body.data.deliveries.map((d: { webhookId: string }) => d.webhookId).sort()).toEqual([...webhooks].sort());
      deliveryIds.push(...emitted.body.data.deliveries.map((d: { id: string }) => d.id));
    }
    for (const id of deliveryIds) await deliveryStatus(id, key, 'succeeded');
    const channelsAt = (p: string) => arrivalsAt(p).map((a) => JSON.parse(a.body).data.channel.id).sort();
    expect(channelsAt('/ch-only')).toEqual(['ch_a', 'ch_b']);
    expect(channelsAt('/ch-both')).toEqual(['ch_a', 'ch_b', 'ch_c']);
    expect(channelsAt('/ch-anywhere')).toEqual(['ch_a', 'ch_b', 'ch_c']);
    // delivered typed message.posted, whatever the subscription
    for (const a of [...arrivalsAt('/ch-only'), ...arrivalsAt('/ch-both')]) {
      expect(a.headers[HEADER.eventType]).toBe('message.posted');
      expect(JSON.parse(a.body).type).toBe('message.posted');
    }

    // a changed filter applies to the next message
    await hookline.call('PATCH', `/v1/webhooks/${channelOnly.id}`, { channelIds: ['ch_c'] }, key);
    const next = await hookline.call('POST', '/v1/events', posted('msg_a2', 'ch_a'), key);
    expect(next.body.data.deliveries.map((d: { webhookId: string }) => d.webhookId)).not.toContain(channelOnly.id);
    const inC = await hookline.call('POST', '/v1/events', posted('msg_c2', 'ch_c'), key);
    expect(inC.body.data.deliveries.map((d: { webhookId: string }) => d.webhookId)).toContain(channelOnly.id);
  });
});

describe('secrets stay secret', () => {
  it('no signing secret or encryption key in API reads, attempt rows, the database in clear, logs or Temporal history', async () => {
    const { key: token } = await hookline.newCommunity('secrets');
    const encryptionKey = randomBytes(16).toString('hex');
    const webhook = await create(token, { url: urlFor('/secrets'), encryption: { enabled: true, algorithm: 'aes-256-cbc', key: encryptionKey } });
    expect(JSON.stringify(webhook)).not.toContain(encryptionKey);
    const rotated = await hookline.call('POST', `/v1/webhooks/${webhook.id}/rotate-secret`, undefined, token);
    const newSecret = rotated.body.data.secret as string;
    const newKey = randomBytes(16).toString('hex');
    const patched = await hookline.call('PATCH', `/v1/webhooks/${webhook.id}`, { encryption: { enabled: true, algorithm: 'aes-256-gcm', key: newKey } }, token);
    expect(patched.body.data.encryption).toEqual({ enabled: true, algorithm: 'aes-256-gcm' });
    const emitted = await hookline.call('POST', '/v1/events', joined('secret-user'), token);
    const [delivery] = emitted.body.data.deliveries;
    await deliveryStatus(delivery.id, token, 'succeeded');

    const needles = [webhook.secret, newSecret, encryptionKey, newKey].flatMap((s) => [s, s.replace(/^whsec_/, '')]);
    const reads = [
      patched.body,
      (await hookline.call('GET', `/v1/webhooks/${webhook.id}`, undefined, token)).body,
      (await hookline.call('GET', '/v1/webhooks', undefined, token)).body,
      (await hookline.call('GET', `/v1/webhooks?communityId=${webhook.communityId}`, undefined)).body,
      (await hookline.call('GET', `/v1/deliveries/${delivery.id}`, undefined, token)).body,
      (await hookline.call('GET', '/v1/deliveries', undefined, token)).body,
      (await hookline.call('GET', `/v1/webhooks/${webhook.id}/deliveries`, undefined, token)).body,
      (await hookline.call('GET', `/v1/events/${emitted.body.data.event.id}`, undefined, token)).body,
    ].map((b) => JSON.stringify(b));
    for (const read of reads) for (const needle of needles) expect(read).not.toContain(needle);
    // the reads above did include the delivery, so they were worth searching
    expect(reads[4]).toContain(HEADER.webhookSignature);

    // at rest, sealed with SECRETS_KEY: unreadable as stored, readable with the key
    const box = new SecretBox(hookline.config.secretsKey);
    const secretRows = await hookline.db.selectFrom('webhook_secrets').select('secret_sealed').where('webhook_id', '=', webhook.id).execute();
    expect(secretRows.map((r) => box.open(r.secret_sealed, SEALED.webhookSecret(webhook.id))).sort()).toEqual([webhook.secret, newSecret].sort());
    const row = await hookline.db.selectFrom('webhooks').selectAll().where('id', '=', webhook.id).executeTakeFirstOrThrow();
    expect(box.open(row.encryption_key_sealed!, SEALED.webhookEncryptionKey(webhook.id))).toBe(newKey);
    const stored = JSON.stringify([secretRows, row]);
    for (const needle of needles) expect(stored).not.toContain(needle);

    // the attempts' results (local-activity markers) are in the history once the workflow has closed
    const workflow = hookline.temporal.workflow.getHandle(`delivery-${delivery.id}`);
    expect(await workflow.result()).toBe('succeeded');
    const history = JSON.stringify((await workflow.fetchHistory()).events);
    expect(history).toContain(delivery.id);
    for (const needle of [...needles, 'name-secret-user']) expect(history).not.toContain(needle);

    // the log file of this Hookline (named after its task queue's suffix) has the attempt, not the secrets
    const logFile = path.join(LOG_DIR, `${hookline.config.temporal.taskQueue.replace('hookline-test-', '')}.log`);
    const log = await eventually(async () => {
      const text = readFileSync(logFile, 'utf8');
      return text.includes(delivery.id) && text.includes('attempt recorded') ? text : undefined;
    });
    for (const needle of needles) expect(log).not.toContain(needle);
  });
});
