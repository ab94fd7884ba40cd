import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Hookline, LOG_DIR, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { HEADER } from '../../src/wire/headers.js';

/**
 * Secrets stay secret: signing secrets, encryption keys, API keys, the admin token and SECRETS_KEY
 * are never in API reads after creation, in error answers, in the database as plaintext, in attempt
 * rows, in Temporal histories or search attributes, nor in the logs the run wrote.
 */
let hookline: Hookline;
let receiver: TestReceiver;
const secrets = new Map<string, string>(); // value -> what it is
let logFile: string;

const key32 = () => randomBytes(24).toString('base64').slice(0, 32);
const joined = (user: string) => ({ type: 'user.joined', data: { user: { id: user, username: user }, joinedAt: '2026-11-29T10:00:00Z' } });

function remember(value: string, what: string) {
  secrets.set(value, what);
  // the part after a prefix is the secret material; a leak of it alone counts too
  const bare = value.replace(/^(whsec_|hk_)/, '');
  if (bare !== value) secrets.set(bare, `${what} (without prefix)`);
}

/** The secrets found in `text`, by what they are. */
function leaked(text: string): string[] {
  return [...secrets].filter(([value]) => text.includes(value)).map(([, what]) => what);
}

/** Temporal payloads are bytes; show them as text so a secret in one would be visible. */
function historyText(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (typeof v === 'bigint') return v.toString();
    return v;
  });
}

let community: { communityId: string; key: string };
const deliveryIds: string[] = [];

beforeAll(async () => {
  hookline = await startHookline();
  receiver = await TestReceiver.start();
  logFile = path.join(LOG_DIR, `${hookline.config.temporal.taskQueue.replace('hookline-test-', '')}.log`);
  remember(hookline.adminToken, 'admin token');
  remember(hookline.config.secretsKey, 'SECRETS_KEY');

  community = await hookline.newCommunity('secrets');
  remember(community.key, 'API key');
  const second = await hookline.call('POST', `/v1/communities/${community.communityId}/api-keys`, { name: 'second' });
  remember(second.body.data.key, 'second API key');
  await hookline.call('DELETE', `/v1/communities/${community.communityId}/api-keys/${second.body.data.id}`);

  receiver.responder = (arrival) => (arrival.path === '/flaky' ? { status: 500, body: 'nope' } : { status: 200, body: 'ok' });
  const plain = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', '/plain'), events: ['user.joined'] }, community.key);
  remember(plain.body.data.secret, 'signing secret (plain)');
  const gcmKey = key32();
  remember(gcmKey, 'encryption key (gcm)');
  const gcm = await hookline.call(
    'POST',
    '/v1/webhooks',
    { url: receiver.url.replace('/hook', '/gcm'), events: ['user.joined'], encryption: { enabled: true, algorithm: 'aes-256-gcm', key: gcmKey } },
    community.key,
  );
  remember(gcm.body.data.secret, 'signing secret (gcm)');
  const cbcKey = key32();
  remember(cbcKey, 'encryption key (cbc)');
  const cbc = await hookline.call(
    'POST',
    '/v1/webhooks',
    { url: receiver.url.replace('/hook', '/flaky'), format: 'xml', events: ['user.joined'], encryption: { enabled: true, algorithm: 'aes-256-cbc', key: cbcKey } },
    community.key,
  );
  remember(cbc.body.data.secret, 'signing secret (cbc)');
  const rotated = await hookline.call('POST', `/v1/webhooks/${cbc.body.data.id}/rotate-secret`, undefined, community.key);
  remember(rotated.body.data.secret, 'rotated signing secret');
  const newGcmKey = key32();
  remember(newGcmKey, 'replaced encryption key');
  const patched = await hookline.call('PATCH', `/v1/webhooks/${gcm.body.data.id}`, { encryption: { enabled: true, algorithm: 'aes-256-gcm', key: newGcmKey } }, community.key);
  expect(patched.status).toBe(200);

  for (const user of ['s1', 's2']) {
    const emitted = await hookline.call('POST', '/v1/events', joined(user), community.key);
    deliveryIds.push(...emitted.body.data.deliveries.map((d: { id: string }) => d.id));
  }
  const test = await hookline.call('POST', `/v1/webhooks/${plain.body.data.id}/test`, undefined, community.key);
  deliveryIds.push(...test.body.data.deliveries.map((d: { id: string }) => d.id));
  // every delivery final: successes, and the flaky one failed after its retries
  await eventually(async () => {
    const rows = await hookline.db.selectFrom('deliveries').select('status').execute();
    return rows.length === deliveryIds.length && rows.every((r) => r.status !== 'pending') ? true : undefined;
  }, 30_000);
  const failed = await hookline.db.selectFrom('deliveries').select('id').where('status', '=', 'failed').execute();
  expect(failed.length).toBeGreaterThan(0);
  const replay = await hookline.call('POST', `/v1/deliveries/${failed[0]!.id}/replay`, undefined, community.key);
  expect(replay.status).toBe(202);
  await eventually(async () => {
    const rows = await hookline.db.selectFrom('deliveries').select('status').execute();
    return rows.every((r) => r.status !== 'pending') ? true : undefined;
  }, 30_000);
});
let stopped = false;
async function stop() {
  if (stopped) return;
  stopped = true;
  await hookline?.stop();
}
afterAll(async () => {
  await receiver?.stop();
  await stop();
});

describe('secrets are shown once and never again', () => {
  it('API reads after creation show none', async () => {
    const reads = [
      '/v1/webhooks',
      ...(await hookline.call('GET', '/v1/webhooks', undefined, community.key)).body.data.map((w: { id: string }) => `/v1/webhooks/${w.id}`),
      `/v1/communities/${community.communityId}/api-keys`,
      '/v1/deliveries?limit=200',
      ...deliveryIds.map((id) => `/v1/deliveries/${id}`),
      ...(await hookline.call('GET', '/v1/webhooks', undefined, community.key)).body.data.map((w: { id: string }) => `/v1/webhooks/${w.id}/deliveries`),
    ];
    for (const read of reads) {
      const res = await hookline.call('GET', read, undefined, community.key);
      expect(res.status, read).toBe(200);
      expect(leaked(JSON.stringify(res.body)), read).toEqual([]);
    }
    const webhook = (await hookline.call('GET', '/v1/webhooks', undefined, community.key)).body.data.find((w: { encryption: { enabled: boolean } }) => w.encryption.enabled);
    expect(webhook.encryption).toEqual({ enabled: true, algorithm: expect.any(String) });
    expect(webhook.secret).toBeUndefined();
  });

  it('error answers do not echo a key or secret that was sent', async () => {
    const almost = `${key32().slice(0, 31)}`;
    remember(almost, 'rejected 31-character key');
    const tooShort = await hookline.call('POST', '/v1/webhooks', { url: receiver.url, events: ['user.joined'], encryption: { enabled: true, algorithm: 'aes-256-gcm', key: almost } }, community.key);
    expect(tooShort.status).toBe(400);
    const broken = key32();
    remember(broken, 'key in a malformed body');
    const malformed = await hookline.call('POST', '/v1/webhooks', `{"url":"${receiver.url}","encryption":{"enabled":true,"key":"${broken}"`, community.key);
    expect(malformed.status).toBe(400);
    expect(leaked(JSON.stringify(tooShort.body))).toEqual([]);
    expect(leaked(JSON.stringify(malformed.body))).toEqual([]);
  });

  it('the attempt rows record request headers without any secret', async () => {
    const attempts = await hookline.db.selectFrom('attempts').selectAll().execute();
    expect(attempts.length).toBeGreaterThanOrEqual(deliveryIds.length);
    for (const attempt of attempts) {
      expect(Object.keys(attempt.request_headers)).not.toContain('authorization');
      expect(leaked(JSON.stringify(attempt)), attempt.delivery_id).toEqual([]);
    }
    const encrypted = attempts.find((a) => a.request_headers[HEADER.encrypted] === 'true');
    expect(encrypted?.request_headers[HEADER.encryptionAlgorithm]).toMatch(/^aes-256-(gcm|cbc)$/);
  });
});

describe('at rest', () => {
  it('no table holds a secret in plaintext; sealed values open only with SECRETS_KEY', async () => {
    const tables = await sql<{ name: string }>`
      select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(hookline.db);
    let rows = 0;
    for (const { name } of tables.rows) {
      const dump = await sql<{ row: string }>`select to_jsonb(t)::text as row from ${sql.table(name)} t`.execute(hookline.db);
      rows += dump.rows.length;
      for (const { row } of dump.rows) expect(leaked(row), `${name}: ${row.slice(0, 120)}`).toEqual([]);
    }
    expect(rows).toBeGreaterThan(20);
    const sealed = await hookline.db.selectFrom('webhook_secrets').select('secret_sealed').execute();
    expect(sealed.length).toBe(4);
    // v2 under this run's SECRETS_KEY (src/security/secret-box.ts)
    const keyId = new SecretBox(hookline.config.secretsKey).keyId;
    for (const { secret_sealed } of sealed) expect(secret_sealed.startsWith(`v2.${keyId}.`), secret_sealed.slice(0, 12)).toBe(true);
  });
});

describe('Temporal', () => {
  it('no workflow history, search attribute or memo of this run holds a secret', async () => {
    const workflowIds = new Set(deliveryIds.map((id) => `delivery-${id}`));
    // anything else started on this run's task queue (replay jobs, ...) is checked too
    for await (const execution of hookline.temporal.workflow.list({ query: `TaskQueue = "${hookline.config.temporal.taskQueue}"` })) {
      workflowIds.add(execution.workflowId);
    }
    expect(workflowIds.size).toBeGreaterThanOrEqual(deliveryIds.length);
    // an attempt's result (a local-activity marker) enters the history when the workflow task that
    // ran it completes, a moment after its row: wait until every recorded attempt is there to check
    const attemptRows = await hookline.db.selectFrom('attempts').select('delivery_id').execute();
    const attemptsOf = new Map<string, number>();
    for (const { delivery_id } of attemptRows) attemptsOf.set(delivery_id, (attemptsOf.get(delivery_id) ?? 0) + 1);
    await eventually(async () => {
      for (const [deliveryId, attempts] of attemptsOf) {
        const history = await hookline.temporal.workflow.getHandle(`delivery-${deliveryId}`).fetchHistory();
        const markers = history.events?.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length ?? 0;
        if (markers < attempts) return undefined;
      }
      return true;
    });
    let events = 0;
    for (const workflowId of workflowIds) {
      const handle = hookline.temporal.workflow.getHandle(workflowId);
      const history = await handle.fetchHistory();
      events += history.events?.length ?? 0;
      const description = await handle.describe();
      const text = historyText({ history, searchAttributes: description.searchAttributes, typed: description.typedSearchAttributes, memo: await description.memo });
      expect(leaked(text), workflowId).toEqual([]);
      // the history is readable text: the delivery id is in it, so a secret would be too
      if (workflowId.startsWith('delivery-')) expect(text).toContain(workflowId.slice('delivery-'.length));
    }
    expect(events).toBeGreaterThan(workflowIds.size * 5);
  });
});

describe('logs', () => {
  it('the log of this run holds no secret, and no log in test-artifacts/logs holds anything shaped like one', async () => {
    // stopping flushes the log
    await stop();
    const text = await eventually(async () => {
      const content = readFileSync(logFile, 'utf8');
      return content.includes('attempt recorded') ? content : undefined;
    }, 10_000);
    expect(text.split('\n').length).toBeGreaterThan(20);
    expect(leaked(text)).toEqual([]);

    const shaped = /whsec_[A-Za-z0-9+/=]{16,}|hk_[A-Za-z0-9_-]{43}|adm_[A-Za-z0-9_-]{20,}/g;
    const files = readdirSync(LOG_DIR).filter((f) => f.endsWith('.log'));
    const found: string[] = [];
    for (const file of files) {
      const content = readFileSync(path.join(LOG_DIR, file), 'utf8');
      for (const match of content.match(shaped) ?? []) found.push(`${file}: ${match.slice(0, 12)}…`);
    }
    expect(files.length).toBeGreaterThan(0);
    expect(found).toEqual([]);
    process.stdout.write(`secrets: ${secrets.size} secret values checked; ${files.length} log files scanned; found ${found.length}\n`);
  });
});
