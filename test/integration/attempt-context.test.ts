import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { attemptActivities } from '../../activities/attempt-delivery.js';
import { loadConfig } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/database.js';
import type { Database } from '../../src/db/schema.js';
import { dropDatabase, ensureDatabase } from '../../src/db/migrate.js';
import { createDeliveryAgent } from '../../src/delivery/send.js';
import { createLogger } from '../../src/logger.js';
import { SEALED, SecretBox } from '../../src/security/secret-box.js';
import { type AttemptRecord, loadAttemptContext, recordAttemptOutcome, type WebhookOutcome } from '../../src/store/attempt-context.js';
import { recordEvent } from '../../src/store/events.js';
import { communityScope } from '../../src/store/scope.js';
import { createWebhook, deleteWebhook } from '../../src/store/webhooks.js';
import { TestReceiver } from '../support/receiver.js';
import { HEADER } from '../../src/wire/headers.js';

/**
 * The two statements of an attempt (src/store/attempt-context.ts) against a real Postgres: what the
 * read returns, what the write changes (the same rules recordAttempt, recordWebhookOutcome and
 * disableWebhook had as separate statements), and that a sent attempt costs two round trips.
 */
let databaseUrl: string;
let db: Db;
const box = new SecretBox(randomBytes(32).toString('base64'));
const DAY = 86_400_000;

beforeAll(async () => {
  const templateUrl = new URL(inject('databaseTemplateUrl'));
  const url = new URL(templateUrl);
  url.pathname = `/hookline_test_${randomBytes(6).toString('hex')}`;
  databaseUrl = url.toString();
  await ensureDatabase(databaseUrl, templateUrl.pathname.slice(1));
  db = createDb(databaseUrl);
});
afterAll(async () => {
  await db?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl).catch(() => {});
});

let seq = 0;
/** A community with one webhook and one event, so one pending delivery. */
async function fixture(options: { url?: string; encryptionKey?: string } = {}) {
  seq += 1;
  const communityId = `com_attempt_${seq}`;
  await db.insertInto('communities').values({ id: communityId, name: `attempt ${seq}` }).execute();
  const { webhook, secret } = await createWebhook(db, box, communityId, {
    url: options.url ?? 'https://example.com/hook',
    format: 'json',
    events: ['user.joined'],
    active: true,
    ...(options.encryptionKey ? { encryption: { enabled: true, algorithm: 'aes-256-gcm' as const, key: options.encryptionKey } } : {}),
  });
  const recorded = await recordEvent(db, {
    communityId,
    type: 'user.joined',
    occurredAt: new Date('2026-11-29T12:00:00.000Z'),
    data: { user: { id: `u${seq}`, username: 'ada' }, joinedAt: '2026-11-29T12:00:00.000Z' },
  });
  if (recorded.outcome !== 'created') throw new Error(`unexpected ${recorded.outcome}`);
  expect(recorded.deliveries).toHaveLength(1);
  return { communityId, webhook, secret, event: recorded.event, deliveryId: recorded.deliveries[0]!.id };
}

function attemptRow(deliveryId: string, attemptNumber: number, startedAt: Date, status: number | null): AttemptRecord {
  return {
    deliveryId,
    attemptNumber,
    startedAt,
    durationMs: 12,
    requestUrl: 'https://example.com/hook',
    requestHeaders: { [HEADER.webhookId]: deliveryId },
    responseStatus: status,
    responseHeaders: status === null ? null : { 'retry-after': '7' },
    responseBody: status === null ? null : `answer ${status}`,
    responseBodyTruncated: false,
    errorCode: status === null ? 'timeout' : status >= 300 ? `http_${status}` : null,
    errorMessage: status === null ? 'timed out' : status >= 300 ? `receiver answered HTTP ${status}` : null,
  };
}

async function record(deliveryId: string, attemptNumber: number, at: Date, status: number | null, webhook: WebhookOutcome) {
  const ok = status !== null && status >= 200 && status < 300;
  return recordAttemptOutcome(
    db,
    attemptRow(deliveryId, attemptNumber, at, status),
    ok ? { status: 'succeeded', nextAttemptAt: null } : { status: 'pending', nextAttemptAt: new Date(at.getTime() + 60_000) },
    webhook,
  );
}

const webhookRow = (id: string) =>
  db.selectFrom('webhooks').select(['active', 'disabled_reason', 'failing_since', 'updated_at', sql<string>`xmin::text`.as('xmin')]).where('id', '=', id).executeTakeFirstOrThrow();
const deliveryRow = (id: string) =>
  db.selectFrom('deliveries').select(['status', 'attempt_count', 'last_attempt_at', 'next_attempt_at']).where('id', '=', id).executeTakeFirstOrThrow();

/** Runs `write` with foreign keys off (superuser), to make rows the schema's cascades never leave. */
async function withoutForeignKeys(write: (trx: Db) => Promise<unknown>) {
  await db.transaction().execute(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx);
    await write(trx);
  });
}

describe('loadAttemptContext', () => {
  it('returns undefined for an unknown delivery', async () => {
    expect(await loadAttemptContext(db, box, 'dlv_nope', 1)).toBeUndefined();
  });

  it('returns the delivery, its webhook with secret and key opened, and its event; no recorded attempt yet', async () => {
    const key = 'k'.repeat(32);
    const f = await fixture({ encryptionKey: key });
    const context = await loadAttemptContext(db, box, f.deliveryId, 1);
    expect(context).toEqual({
      delivery: { id: f.deliveryId, community_id: f.communityId, event_id: f.event.id, webhook_id: f.webhook.id, status: 'pending' },
      recorded: undefined,
      webhook: {
        id: f.webhook.id,
        communityId: f.communityId,
        url: 'https://example.com/hook',
        format: 'json',
        active: true,
        deleted: false,
        encryption: { algorithm: 'aes-256-gcm', key },
        secrets: [f.secret],
        headers: {},
        unreadable: null,
      },
      event: f.event,
    });
  });

  it('reports a secret or key that SECRETS_KEY does not open instead of throwing', async () => {
    const other = new SecretBox(randomBytes(32).toString('base64'));
    const f = await fixture({ encryptionKey: 'k'.repeat(32) });
    // a signing secret sealed under another key (SECRETS_KEY changed without re-sealing)
    await db.updateTable('webhook_secrets').set({ secret_sealed: other.seal('whsec_AAAA', SEALED.webhookSecret(f.webhook.id)) }).where('webhook_id', '=', f.webhook.id).execute();
    const secretContext = await loadAttemptContext(db, box, f.deliveryId, 1);
    expect(secretContext?.webhook).toMatchObject({ unreadable: 'a signing secret', secrets: [], encryption: null });

    const g = await fixture({ encryptionKey: 'k'.repeat(32) });
    await db.updateTable('webhooks').set({ encryption_key_sealed: other.seal('k'.repeat(32), SEALED.webhookEncryptionKey(g.webhook.id)) }).where('id', '=', g.webhook.id).execute();
    const keyContext = await loadAttemptContext(db, box, g.deliveryId, 1);
    expect(keyContext?.webhook).toMatchObject({ unreadable: 'the encryption key', secrets: [], encryption: null });

    // custom headers sealed under another key
    const h = await fixture();
    await db
      .updateTable('webhooks')
      .set({ header_names: ['X-Api-Key'], headers_sealed: other.seal('{"X-Api-Key":"v"}', SEALED.webhookHeaders(h.webhook.id)) })
      .where('id', '=', h.webhook.id)
      .execute();
    const headersContext = await loadAttemptContext(db, box, h.deliveryId, 1);
    expect(headersContext?.webhook).toMatchObject({ unreadable: 'the custom headers', secrets: [], headers: {}, encryption: null });
  });

  it('returns the recorded row of this attempt number only', async () => {
    const f = await fixture();
    const at = new Date('2026-11-29T12:00:01.000Z');
    await record(f.deliveryId, 1, at, 503, { id: f.webhook.id, outcome: 'failed', disableAfterMs: DAY });
    const first = await loadAttemptContext(db, box, f.deliveryId, 1);
    expect(first?.recorded).toEqual({ started_at: at, response_status: 503, response_headers: { 'retry-after': '7' }, error_code: 'http_503' });
    expect((await loadAttemptContext(db, box, f.deliveryId, 2))?.recorded).toBeUndefined();
  });

  it('lists live secrets newest first and leaves expired ones out', async () => {
    const f = await fixture();
    const now = Date.now();
    const seal = (s: string) => box.seal(s, SEALED.webhookSecret(f.webhook.id));
    await db
      .insertInto('webhook_secrets')
      .values([
        { webhook_id: f.webhook.id, secret_sealed: seal('older-live'), created_at: new Date(now - 3 * DAY), expires_at: new Date(now + DAY) },
        { webhook_id: f.webhook.id, secret_sealed: seal('expired'), created_at: new Date(now - 2 * DAY), expires_at: new Date(now - 1000) },
        { webhook_id: f.webhook.id, secret_sealed: seal('newest'), created_at: new Date(now + 1000), expires_at: null },
      ])
      .execute();
    const context = await loadAttemptContext(db, box, f.deliveryId, 1);
    // the fixture's own secret was created "now", between older-live and newest
    expect(context?.webhook?.secrets).toEqual(['newest', f.secret, 'older-live']);
  });

  it('reads a deleted webhook as deleted', async () => {
    const f = await fixture();
    expect(await deleteWebhook(db, communityScope(f.communityId), f.webhook.id)).toEqual([f.deliveryId]);
    const context = await loadAttemptContext(db, box, f.deliveryId, 1);
    expect(context?.delivery.status).toBe('cancelled');
    expect(context?.webhook).toMatchObject({ id: f.webhook.id, deleted: true, active: false });
  });

  it('reads a missing webhook row or event row as undefined (left joins)', async () => {
    const f = await fixture();
    await withoutForeignKeys((trx) => trx.deleteFrom('events').where('id', '=', f.event.id).execute());
    const noEvent = await loadAttemptContext(db, box, f.deliveryId, 1);
    expect(noEvent?.event).toBeUndefined();
    expect(noEvent?.webhook?.id).toBe(f.webhook.id);

    await withoutForeignKeys((trx) => trx.deleteFrom('webhooks').where('id', '=', f.webhook.id).execute());
    const noWebhook = await loadAttemptContext(db, box, f.deliveryId, 1);
    expect(noWebhook?.delivery.id).toBe(f.deliveryId);
    expect(noWebhook?.webhook).toBeUndefined();
  });
});

describe('recordAttemptOutcome', () => {
  it('records the attempt and the delivery, and inserts nothing the second time', async () => {
    const f = await fixture();
    const at = new Date('2026-11-29T12:00:01.000Z');
    const first = await record(f.deliveryId, 1, at, 200, { id: f.webhook.id, outcome: 'succeeded', disableAfterMs: DAY });
    expect(first).toEqual({ inserted: true, disabledForFailing: false, woken: [], operationalQueued: false });
    expect(await deliveryRow(f.deliveryId)).toEqual({ status: 'succeeded', attempt_count: 1, last_attempt_at: at, next_attempt_at: null });

    const again = await record(f.deliveryId, 1, at, 500, { id: f.webhook.id, outcome: 'failed', disableAfterMs: DAY });
    expect(again.inserted).toBe(false);
    const attempts = await db.selectFrom('attempts').select(['attempt_number', 'response_status', 'response_body']).where('delivery_id', '=', f.deliveryId).execute();
    expect(attempts).toEqual([{ attempt_number: 1, response_status: 200, response_body: 'answer 200' }]);
  });

  it('never moves attempt_count back', async () => {
    const f = await fixture();
    const at = new Date('2026-11-29T12:00:01.000Z');
    await record(f.deliveryId, 3, at, 503, { id: f.webhook.id, outcome: 'failed', disableAfterMs: DAY });
    await record(f.deliveryId, 2, at, 503, { id: f.webhook.id, outcome: 'failed', disableAfterMs: DAY });
    expect((await deliveryRow(f.deliveryId)).attempt_count).toBe(3);
  });

  it('keeps a cancelled delivery cancelled, and still records its attempt', async () => {
    const f = await fixture();
    await db.updateTable('deliveries').set({ status: 'cancelled' }).where('id', '=', f.deliveryId).execute();
    const at = new Date('2026-11-29T12:00:01.000Z');
    const result = await record(f.deliveryId, 1, at, 200, { id: f.webhook.id, outcome: 'succeeded', disableAfterMs: DAY });
    expect(result.inserted).toBe(true);
    expect(await deliveryRow(f.deliveryId)).toMatchObject({ status: 'cancelled', attempt_count: 1, last_attempt_at: at });
  });

  it('starts a failing streak, keeps its start, and disables the webhook ("failing") once it is disableAfterMs old', async () => {
    const f = await fixture();
    const t0 = new Date('2026-11-29T12:00:00.000Z');
    const outcome: WebhookOutcome = { id: f.webhook.id, outcome: 'failed', disableAfterMs: DAY };
    expect(await record(f.deliveryId, 1, t0, 503, outcome)).toEqual({ inserted: true, disabledForFailing: false, woken: [], operationalQueued: false });
    expect(await webhookRow(f.webhook.id)).toMatchObject({ active: true, disabled_reason: null, failing_since: t0 });

    expect((await record(f.deliveryId, 2, new Date(t0.getTime() + DAY - 1), null, outcome)).disabledForFailing).toBe(false);
    expect(await webhookRow(f.webhook.id)).toMatchObject({ active: true, disabled_reason: null, failing_since: t0 });

    const before = await webhookRow(f.webhook.id);
    expect((await record(f.deliveryId, 3, new Date(t0.getTime() + DAY), 500, outcome)).disabledForFailing).toBe(true);
    const after = await webhookRow(f.webhook.id);
    expect(after).toMatchObject({ active: false, disabled_reason: 'failing', failing_since: t0 });
    expect(after.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());
  });

  it('does not disable a webhook its owner disabled meanwhile, nor report it as failing', async () => {
    const f = await fixture();
    const t0 = new Date('2026-11-29T12:00:00.000Z');
    const outcome: WebhookOutcome = { id: f.webhook.id, outcome: 'failed', disableAfterMs: DAY };
    await record(f.deliveryId, 1, t0, 503, outcome);
    await db.updateTable('webhooks').set({ active: false, disabled_reason: 'disabled' }).where('id', '=', f.webhook.id).execute();
    expect((await record(f.deliveryId, 2, new Date(t0.getTime() + 2 * DAY), 503, outcome)).disabledForFailing).toBe(false);
    expect(await webhookRow(f.webhook.id)).toMatchObject({ active: false, disabled_reason: 'disabled', failing_since: t0 });
  });

  it('ends the streak on a success, and does not write the webhook when there is none', async () => {
    const f = await fixture();
    const t0 = new Date('2026-11-29T12:00:00.000Z');
    await record(f.deliveryId, 1, t0, 503, { id: f.webhook.id, outcome: 'failed', disableAfterMs: DAY });
    expect((await webhookRow(f.webhook.id)).failing_since).toEqual(t0);
    const ok = await record(f.deliveryId, 2, new Date(t0.getTime() + 2 * DAY), 200, { id: f.webhook.id, outcome: 'succeeded', disableAfterMs: DAY });
    expect(ok.disabledForFailing).toBe(false);
    const cleared = await webhookRow(f.webhook.id);
    expect(cleared).toMatchObject({ active: true, disabled_reason: null, failing_since: null });

    await record(f.deliveryId, 3, new Date(t0.getTime() + 3 * DAY), 200, { id: f.webhook.id, outcome: 'succeeded', disableAfterMs: DAY });
    expect((await webhookRow(f.webhook.id)).xmin).toBe(cleared.xmin);
  });

  it('disables the webhook for 410 Gone ("gone") and leaves its streak as it was', async () => {
    const f = await fixture();
    const t0 = new Date('2026-11-29T12:00:00.000Z');
    const result = await recordAttemptOutcome(db, attemptRow(f.deliveryId, 1, t0, 410), { status: 'failed', nextAttemptAt: null }, {
      id: f.webhook.id,
      outcome: 'gone',
      disableAfterMs: DAY,
    });
    expect(result).toEqual({ inserted: true, disabledForFailing: false, woken: [], operationalQueued: false });
    expect(await webhookRow(f.webhook.id)).toMatchObject({ active: false, disabled_reason: 'gone', failing_since: null });
    expect(await deliveryRow(f.deliveryId)).toMatchObject({ status: 'failed', attempt_count: 1, next_attempt_at: null });
  });

  it('leaves a deleted webhook alone on a failure or a 410', async () => {
    const f = await fixture();
    await deleteWebhook(db, communityScope(f.communityId), f.webhook.id);
    const t0 = new Date('2026-11-29T12:00:00.000Z');
    await record(f.deliveryId, 1, t0, 503, { id: f.webhook.id, outcome: 'failed', disableAfterMs: DAY });
    await record(f.deliveryId, 2, t0, 410, { id: f.webhook.id, outcome: 'gone', disableAfterMs: DAY });
    expect(await webhookRow(f.webhook.id)).toMatchObject({ active: false, disabled_reason: 'deleted', failing_since: null });
    expect((await deliveryRow(f.deliveryId)).status).toBe('cancelled');
  });

  it('locks the webhook before the delivery, as deleteWebhook does, so the two do not deadlock', async () => {
    const f = await fixture();
    const other = new pg.Client({ connectionString: databaseUrl });
    await other.connect();
    try {
      // deleteWebhook's order: the webhook row, then its pending deliveries
      await other.query('begin');
      await other.query('set local lock_timeout = 3000');
      await other.query(`update webhooks set deleted_at = now(), active = false, disabled_reason = 'deleted' where id = $1`, [f.webhook.id]);
      const recording = record(f.deliveryId, 1, new Date(), 503, { id: f.webhook.id, outcome: 'failed', disableAfterMs: DAY });
      // wait until the attempt's statement waits for the webhook's row lock
      for (let i = 0; ; i++) {
        const waiting = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
        if (waiting.rows[0]!.n > 0) break;
        if (i > 100) throw new Error('the attempt never waited for the webhook row');
        await new Promise((r) => setTimeout(r, 20));
      }
      // the delivery row is free: this does not wait (it would time out, or deadlock, otherwise)
      await other.query(`update deliveries set status = 'cancelled', next_attempt_at = null where id = $1 and status = 'pending'`, [f.deliveryId]);
      await other.query('commit');
      expect(await recording).toEqual({ inserted: true, disabledForFailing: false, woken: [], operationalQueued: false });
    } finally {
      await other.end();
    }
    expect((await deliveryRow(f.deliveryId)).status).toBe('cancelled');
    expect(await webhookRow(f.webhook.id)).toMatchObject({ disabled_reason: 'deleted', failing_since: null });
  });
});

describe('attemptDelivery', () => {
  let receiver: TestReceiver;
  beforeAll(async () => {
    receiver = await TestReceiver.start();
  });
  afterAll(async () => {
    await receiver?.stop();
  });

  it('makes two database round trips for an attempt it sends', async () => {
    const f = await fixture({ url: receiver.url });
    // a pool that counts what it sends Postgres: every query, BEGIN and COMMIT included
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    const sent: string[] = [];
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        const text = args[0];
        sent.push(typeof text === 'string' ? text : String((text as { text?: string }).text));
        return query(...args);
      };
    });
    const counted = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const config = loadConfig({ DELIVERY_ALLOW_HTTP: 'true', DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true', DELIVERY_RETRY_SCHEDULE: '300ms,300ms' });
    const http = createDeliveryAgent({ allowPrivateNetworks: true, timeoutMs: 2000 });
    const { attemptDelivery } = attemptActivities({ db: counted, box, http, config, logger: createLogger('silent'), random: () => 0.5 });
    try {
      receiver.responder = () => ({ status: 200, body: 'ok' });
      const ok = await attemptDelivery({ deliveryId: f.deliveryId, attemptNumber: 1, failuresBefore: 0 });
      expect(ok).toMatchObject({ kind: 'attempted', responseStatus: 200, next: { kind: 'succeeded' } });
      expect(receiver.arrivals).toHaveLength(1);
      expect(sent).toHaveLength(2);

      // a failure (and its streak) costs the same
      sent.length = 0;
      receiver.responder = () => ({ status: 503, body: 'busy' });
      const failed = await attemptDelivery({ deliveryId: f.deliveryId, attemptNumber: 2, failuresBefore: 0 });
      expect(failed).toMatchObject({ kind: 'attempted', responseStatus: 503, next: { kind: 'retry' } });
      expect(sent).toHaveLength(2);
      expect((await webhookRow(f.webhook.id)).failing_since).not.toBeNull();
    } finally {
      await http.close();
      await counted.destroy();
    }
  });
});
