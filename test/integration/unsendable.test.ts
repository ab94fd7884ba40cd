import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchDeliveries } from '../../src/delivery/dispatch.js';
import { SEALED, SecretBox } from '../../src/security/secret-box.js';
import { recordEvent } from '../../src/store/events.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';
import { HEADER } from '../../src/wire/headers.js';

/**
 * Failures that no retry can fix end the delivery honestly: each becomes a recorded attempt with an
 * error code and a message, the delivery follows its schedule (300ms,300ms here: three attempts) and
 * ends `failed`, and nothing reaches the receiver. Before, such an attempt threw out of the activity,
 * which Temporal retried for ever with no row, and the delivery showed `pending` for good.
 */
let hookline: Hookline;
let receiver: TestReceiver;
let community: { communityId: string; key: string };

beforeAll(async () => {
  hookline = await startHookline();
  receiver = await TestReceiver.start();
  community = await hookline.newCommunity();
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

async function webhook(body: Record<string, unknown> = {}): Promise<string> {
  const created = await hookline.call('POST', '/v1/webhooks', { url: receiver.url, events: ['user.joined'], ...body }, community.key);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.data.id;
}

/** An event recorded for one webhook and its workflow started, as POST /v1/events does. */
async function deliverTo(webhookId: string, data: unknown = { user: { id: 'u1', username: 'ada' }, joinedAt: '2026-11-29T12:00:00Z' }) {
  const recorded = await recordEvent(hookline.db, {
    communityId: community.communityId,
    type: 'user.joined',
    occurredAt: new Date('2026-11-29T12:00:00Z'),
    data,
    onlyWebhookId: webhookId,
  });
  if (recorded.outcome === 'conflict') throw new Error('unexpected conflict');
  const [delivery] = recorded.deliveries;
  await dispatchDeliveries(hookline.temporal, hookline.config, hookline.db, [
    { id: delivery!.id, webhookId, communityId: community.communityId, eventType: 'user.joined' },
  ]);
  return delivery!.id;
}

async function failedDelivery(deliveryId: string) {
  return eventually(async () => {
    const read = await hookline.call('GET', `/v1/deliveries/${deliveryId}`, undefined, community.key);
    return read.body.data.status === 'failed' ? read.body.data : undefined;
  });
}

/** Three recorded attempts, each with `code`, none sent; the workflow waits for a replay, as after any failure. */
async function expectFailedWith(deliveryId: string, code: string, message: RegExp) {
  const delivery = await failedDelivery(deliveryId);
  expect(delivery.attempts.map((a: { error: { code: string } }) => a.error.code)).toEqual([code, code, code]);
  for (const attempt of delivery.attempts) {
    expect(attempt.error.message).toMatch(message);
    expect(attempt.response).toBeNull();
    expect(attempt.request.headers).toEqual({});
    expect(attempt.durationMs).toBe(0);
  }
  const state = await hookline.temporal.workflow.getHandle(`delivery-${deliveryId}`).query<{ phase: string }>('deliveryState');
  expect(state.phase).toBe('waiting_replay');
  expect(receiver.arrivals.filter((a) => a.headers[HEADER.webhookId] === deliveryId)).toHaveLength(0);
  return delivery;
}

describe('an attempt that cannot be made', () => {
  it('render_error: data that XML cannot carry (stored under an older, looser schema)', async () => {
    const webhookId = await webhook({ format: 'xml' });
    const deliveryId = await deliverTo(webhookId, { user: { id: 'u1', username: 'ada' }, 'joined at': '2026-11-29T12:00:00Z' });
    await expectFailedWith(deliveryId, 'render_error', /cannot be rendered as xml: .*"joined at" is not a usable XML element name/);
  });

  it('no_signing_secret: every signing secret has expired', async () => {
    const webhookId = await webhook();
    await hookline.db.updateTable('webhook_secrets').set({ expires_at: new Date(Date.now() - 1000) }).where('webhook_id', '=', webhookId).execute();
    const deliveryId = await deliverTo(webhookId);
    await expectFailedWith(deliveryId, 'no_signing_secret', /no live signing secret/);
  });

  it('secret_unreadable: a signing secret sealed under another SECRETS_KEY', async () => {
    const webhookId = await webhook();
    const other = new SecretBox(randomBytes(32).toString('base64'));
    await hookline.db.updateTable('webhook_secrets').set({ secret_sealed: other.seal('whsec_AAAA', SEALED.webhookSecret(webhookId)) }).where('webhook_id', '=', webhookId).execute();
    const deliveryId = await deliverTo(webhookId);
    await expectFailedWith(deliveryId, 'secret_unreadable', /a signing secret of this webhook cannot be opened with SECRETS_KEY or SECRETS_KEY_PREVIOUS/);
  });

  it('signing_error: a stored secret that is not a whsec_ secret, never quoted', async () => {
    const webhookId = await webhook();
    const box = new SecretBox(hookline.config.secretsKey);
    await hookline.db.updateTable('webhook_secrets').set({ secret_sealed: box.seal('not-a-secret!', SEALED.webhookSecret(webhookId)) }).where('webhook_id', '=', webhookId).execute();
    const deliveryId = await deliverTo(webhookId);
    const delivery = await expectFailedWith(deliveryId, 'signing_error', /malformed; rotate its secret/);
    expect(JSON.stringify(delivery)).not.toContain('not-a-secret');
  });

  it('encryption_error: a stored key of the wrong length', async () => {
    const webhookId = await webhook({ encryption: { enabled: true, algorithm: 'aes-256-gcm', key: 'k'.repeat(32) } });
    const box = new SecretBox(hookline.config.secretsKey);
    await hookline.db.updateTable('webhooks').set({ encryption_key_sealed: box.seal('short', SEALED.webhookEncryptionKey(webhookId)) }).where('id', '=', webhookId).execute();
    const deliveryId = await deliverTo(webhookId);
    await expectFailedWith(deliveryId, 'encryption_error', /cannot be encrypted: encryption key must be exactly 32 bytes/);
  });

  it('a fixed webhook delivers on replay: the codes were the truth, not a stuck workflow', async () => {
    const webhookId = await webhook();
    await hookline.db.updateTable('webhook_secrets').set({ expires_at: new Date(Date.now() - 1000) }).where('webhook_id', '=', webhookId).execute();
    const deliveryId = await deliverTo(webhookId);
    await failedDelivery(deliveryId);
    const rotated = await hookline.call('POST', `/v1/webhooks/${webhookId}/rotate-secret`, undefined, community.key);
    expect(rotated.status).toBe(200);
    expect((await hookline.call('POST', `/v1/deliveries/${deliveryId}/replay`, undefined, community.key)).status).toBe(202);
    const arrival = await eventually(async () => receiver.arrivals.find((a) => a.headers[HEADER.webhookId] === deliveryId));
    expect(arrival.headers[HEADER.attempt]).toBe('4');
  });
});
