import { execFile } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import path from 'node:path';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEALED, SecretBox } from '../../src/security/secret-box.js';
import { resealAll } from '../../src/store/reseal.js';
import { HEADER } from '../../src/wire/headers.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { type Arrival, TestReceiver } from '../support/receiver.js';

/**
 * Secrets at rest (README, "Secrets at rest"): sealed values are bound to their row, SECRETS_KEY can
 * be rotated (SECRETS_KEY_PREVIOUS opens what the old key sealed while the service runs on the new
 * one) and `hookline secrets reseal` moves every stored value to the new key, safely while the
 * service runs, and idempotently.
 *
 * The rotation is played as an operator does it: values sealed under the OLD key are in the
 * database (written here with a SecretBox of the old key, as the service before the rotation
 * wrote them, plus one of the older v1 format), and the service runs with SECRETS_KEY=new,
 * SECRETS_KEY_PREVIOUS=old.
 */
const OLD = randomBytes(32).toString('base64');
const NEW = randomBytes(32).toString('base64');
const oldBox = new SecretBox(OLD);

let hookline: Hookline;
let receiver: TestReceiver;
let community: { communityId: string; key: string };

beforeAll(async () => {
  hookline = await startHookline({ SECRETS_KEY: NEW, SECRETS_KEY_PREVIOUS: OLD });
  receiver = await TestReceiver.start();
  community = await hookline.newCommunity('rotation of SECRETS_KEY');
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

const joined = (user: string) => ({ type: 'user.joined', data: { user: { id: user, username: user }, joinedAt: '2026-11-29T10:00:00Z' } });
const secretOf = () => `whsec_${randomBytes(24).toString('base64')}`;

/** The v1 format (before bindings): AES-256-GCM under the key, no associated data. */
function sealV1(key: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key, 'base64'), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64')}`;
}

/** A webhook whose stored values were sealed under the old key, as before the rotation. */
async function webhookSealedUnderOldKey(pathName: string, options: { encryptionKey?: string; v1?: boolean } = {}) {
  const body = { url: receiver.url.replace('/hook', pathName), events: ['user.joined'], ...(options.encryptionKey ? { encryption: { enabled: true, algorithm: 'aes-256-gcm', key: options.encryptionKey } } : {}) };
  const created = await hookline.call('POST', '/v1/webhooks', body, community.key);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.data.id as string;
  const secret = secretOf();
  const sealed = options.v1 ? sealV1(OLD, secret) : oldBox.seal(secret, SEALED.webhookSecret(id));
  await hookline.db.updateTable('webhook_secrets').set({ secret_sealed: sealed }).where('webhook_id', '=', id).execute();
  if (options.encryptionKey) {
    await hookline.db
      .updateTable('webhooks')
      .set({ encryption_key_sealed: oldBox.seal(options.encryptionKey, SEALED.webhookEncryptionKey(id)) })
      .where('id', '=', id)
      .execute();
  }
  return { id, secret };
}

const verifies = (secret: string, arrival: Arrival) => {
  try {
    new StandardWebhook(secret).verify(arrival.body, arrival.headers, { jsonParse: false });
    return true;
  } catch {
    return false;
  }
};

async function deliveredTo(pathName: string, user: string): Promise<Arrival> {
  const emitted = await hookline.call('POST', '/v1/events', joined(user), community.key);
  expect(emitted.status).toBe(202);
  const ids = new Set(emitted.body.data.deliveries.map((d: { id: string }) => d.id));
  return eventually(async () => receiver.arrivals.find((a) => a.path === pathName && ids.has(a.headers[HEADER.webhookId])));
}

const BIN = path.resolve('bin/hookline.js');
function reseal(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'secrets', 'reseal'],
      {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOOKLINE_DATA_DIR: path.resolve('test-artifacts/cli-data-none'), DATABASE_URL: hookline.config.databaseUrl, ...env },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('sealed values are bound to their row', () => {
  it("a signing secret or an encryption key copied into another webhook's row does not open there", async () => {
    const a = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', '/bound-a'), events: ['user.joined'] }, community.key);
    const b = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', '/bound-b'), events: ['user.joined'], encryption: { enabled: true, algorithm: 'aes-256-gcm', key: 'b'.repeat(32) } }, community.key);
    const c = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', '/bound-c'), events: ['user.joined'], encryption: { enabled: true, algorithm: 'aes-256-gcm', key: 'c'.repeat(32) } }, community.key);
    const [aId, bId, cId] = [a.body.data.id, b.body.data.id, c.body.data.id] as string[];
    // an attacker with write access to the database (not to SECRETS_KEY) copies A's sealed secret into
    // B's row, and B's sealed encryption key into C's row
    const aSealed = await hookline.db.selectFrom('webhook_secrets').select('secret_sealed').where('webhook_id', '=', aId!).executeTakeFirstOrThrow();
    await hookline.db.updateTable('webhook_secrets').set({ secret_sealed: aSealed.secret_sealed }).where('webhook_id', '=', bId!).execute();
    const bKey = await hookline.db.selectFrom('webhooks').select('encryption_key_sealed').where('id', '=', bId!).executeTakeFirstOrThrow();
    await hookline.db.updateTable('webhooks').set({ encryption_key_sealed: bKey.encryption_key_sealed }).where('id', '=', cId!).execute();

    const emitted = await hookline.call('POST', '/v1/events', joined('bound'), community.key);
    const byWebhook = new Map<string, string>(emitted.body.data.deliveries.map((d: { id: string; webhookId: string }) => [d.webhookId, d.id]));
    for (const [webhookId, what] of [
      [bId!, 'a signing secret'],
      [cId!, 'the encryption key'],
    ] as const) {
      const attempt = await eventually(async () => {
        const read = await hookline.call('GET', `/v1/deliveries/${byWebhook.get(webhookId)}`, undefined, community.key);
        return read.body.data.attempts[0];
      });
      expect(attempt.error.code).toBe('secret_unreadable');
      expect(attempt.error.message).toContain(`${what} of this webhook cannot be opened`);
    }
    // nothing was sent for either, and A itself still delivers
    const sent = receiver.arrivals.filter((x) => x.headers[HEADER.webhookId] === byWebhook.get(bId!) || x.headers[HEADER.webhookId] === byWebhook.get(cId!));
    expect(sent).toEqual([]);
    await eventually(async () => receiver.arrivals.find((x) => x.headers[HEADER.webhookId] === byWebhook.get(aId!)));
  });
});

describe('rotating SECRETS_KEY', () => {
  it('SECRETS_KEY_PREVIOUS opens what the old key sealed; reseal moves everything to the new key, while the service runs, once', async () => {
    const signed = await webhookSealedUnderOldKey('/old-signed');
    const encrypted = await webhookSealedUnderOldKey('/old-encrypted', { encryptionKey: 'e'.repeat(32) });
    const legacy = await webhookSealedUnderOldKey('/old-v1', { v1: true });
    // a webhook made through the API now is sealed under the new key already
    const fresh = await hookline.call('POST', '/v1/webhooks', { url: receiver.url.replace('/hook', '/fresh'), events: ['user.joined'] }, community.key);

    // before the reseal: the service, on the new key, signs with secrets the old key sealed
    for (const hook of [signed, encrypted, legacy]) {
      const pathName = hook === signed ? '/old-signed' : hook === encrypted ? '/old-encrypted' : '/old-v1';
      const arrival = await deliveredTo(pathName, `before-${pathName}`);
      expect(verifies(hook.secret, arrival), pathName).toBe(true);
      if (hook === encrypted) expect(arrival.headers[HEADER.encryptionAlgorithm]).toBe('aes-256-gcm');
    }

    const env = { SECRETS_KEY: NEW, SECRETS_KEY_PREVIOUS: OLD };
    const first = await reseal(env);
    expect(first.stderr).toBe('');
    const rotatedBox = new SecretBox(NEW, OLD);
    const newBox = new SecretBox(NEW);
    const secretRows = await hookline.db.selectFrom('webhook_secrets').select(['id', 'webhook_id', 'secret_sealed']).execute();
    const keyRows = await hookline.db.selectFrom('webhooks').select(['id', 'encryption_key_sealed']).where('encryption_key_sealed', 'is not', null).execute();
    const opens = (sealed: string, binding: string) => {
      try {
        rotatedBox.open(sealed, binding);
        return true;
      } catch {
        return false;
      }
    };
    // values that open with neither key for their row (the copies the test above made, if it ran)
    // are reported and left alone, and make the command exit 1
    const badSecrets = secretRows.filter((r) => !opens(r.secret_sealed, SEALED.webhookSecret(r.webhook_id)));
    const badKeys = keyRows.filter((r) => !opens(r.encryption_key_sealed!, SEALED.webhookEncryptionKey(r.id)));
    const counts = (what: string, checked: number, resealed: string, unreadable: number) =>
      new RegExp(`^${what}: ${checked} checked, ${resealed} re-sealed, \\d+ already under SECRETS_KEY, 0 changed meanwhile \\(left as written\\), ${unreadable} unreadable$`, 'm');
    expect(first.stdout).toMatch(counts('signing secrets', secretRows.length, '3', badSecrets.length));
    expect(first.stdout).toMatch(counts('encryption keys', keyRows.length, '1', badKeys.length));
    expect(first.code, first.stdout).toBe(badSecrets.length + badKeys.length > 0 ? 1 : 0);
    for (const row of badSecrets) expect(first.stdout).toContain(`unreadable: webhook_secrets id ${row.id} (webhook ${row.webhook_id})`);
    for (const row of badKeys) expect(first.stdout).toContain(`unreadable: webhooks.encryption_key_sealed of ${row.id}`);

    // once those are dealt with (their webhooks would get a new secret; here they are removed),
    // a second run re-seals nothing and exits 0
    for (const row of badSecrets) await hookline.db.deleteFrom('webhook_secrets').where('id', '=', row.id).execute();
    for (const row of badKeys) await hookline.db.updateTable('webhooks').set({ encryption_key_sealed: null, encryption_algorithm: null }).where('id', '=', row.id).execute();
    const second = await reseal(env);
    expect(second.code, second.stdout).toBe(0);
    expect(second.stdout).toMatch(counts('signing secrets', secretRows.length - badSecrets.length, '0', 0));
    expect(second.stdout).toMatch(counts('encryption keys', keyRows.length - badKeys.length, '0', 0));
    expect(second.stdout).toContain(`every sealed value is under SECRETS_KEY (key id ${newBox.keyId}); SECRETS_KEY_PREVIOUS can be removed`);

    // every stored value now opens with the new key alone, bound to its row
    for (const row of await hookline.db.selectFrom('webhook_secrets').select(['webhook_id', 'secret_sealed']).execute()) {
      expect(row.secret_sealed.startsWith(`v2.${newBox.keyId}.`)).toBe(true);
      expect(() => newBox.open(row.secret_sealed, SEALED.webhookSecret(row.webhook_id))).not.toThrow();
    }
    for (const hook of [signed, legacy]) {
      const row = await hookline.db.selectFrom('webhook_secrets').select('secret_sealed').where('webhook_id', '=', hook.id).executeTakeFirstOrThrow();
      expect(newBox.open(row.secret_sealed, SEALED.webhookSecret(hook.id))).toBe(hook.secret);
    }
    const encryptedRow = await hookline.db.selectFrom('webhooks').select('encryption_key_sealed').where('id', '=', encrypted.id).executeTakeFirstOrThrow();
    expect(newBox.open(encryptedRow.encryption_key_sealed!, SEALED.webhookEncryptionKey(encrypted.id))).toBe('e'.repeat(32));

    // and the service still signs with the very same secrets (the receivers change nothing)
    expect(verifies(signed.secret, await deliveredTo('/old-signed', 'after-signed'))).toBe(true);
    expect(verifies(legacy.secret, await deliveredTo('/old-v1', 'after-v1'))).toBe(true);
    expect(verifies(fresh.body.data.secret, await deliveredTo('/fresh', 'after-fresh'))).toBe(true);

    // without SECRETS_KEY_PREVIOUS the command has nothing it needs it for
    const alone = await reseal({ SECRETS_KEY: NEW });
    expect(alone.code).toBe(0);
    expect(alone.stdout).toContain(`every sealed value is under SECRETS_KEY (key id ${newBox.keyId})`);
    // a bad key stops it with one line naming the variable
    const bad = await reseal({ SECRETS_KEY: Buffer.alloc(32).toString('base64') });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/SECRETS_KEY .*trivial/);
  });

  it('never overwrites a value that changed between its read and its update', async () => {
    const hook = await webhookSealedUnderOldKey('/raced');
    const rotatedMeanwhile: string[] = [];
    const box = new SecretBox(NEW, OLD);
    const report = await resealAll(hookline.db, box, {
      batchSize: 2,
      beforeUpdate: async (row) => {
        if (row.table !== 'webhook_secrets' || rotatedMeanwhile.length > 0) return;
        const owner = await hookline.db.selectFrom('webhook_secrets').select('webhook_id').where('id', '=', row.id).executeTakeFirstOrThrow();
        if (owner.webhook_id !== hook.id) return;
        // the service writes this row meanwhile (as a rotation does, sealed under SECRETS_KEY)
        const written = box.seal('whsec_written_meanwhile', SEALED.webhookSecret(hook.id));
        await hookline.db.updateTable('webhook_secrets').set({ secret_sealed: written }).where('id', '=', row.id).execute();
        rotatedMeanwhile.push(written);
      },
    });
    expect(rotatedMeanwhile).toHaveLength(1);
    expect(report.webhookSecrets.changed).toBe(1);
    const row = await hookline.db.selectFrom('webhook_secrets').select('secret_sealed').where('webhook_id', '=', hook.id).executeTakeFirstOrThrow();
    expect(row.secret_sealed).toBe(rotatedMeanwhile[0]);
    // the next run finds it current
    const again = await resealAll(hookline.db, box);
    expect(again.webhookSecrets.resealed).toBe(0);
    expect(again.webhookSecrets.changed).toBe(0);
  });
});
