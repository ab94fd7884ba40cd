import type { Db } from '../db/database.js';
import { SEALED, type SecretBox } from '../security/secret-box.js';

/**
 * `hookline secrets reseal`: re-seals every stored sealed value under SECRETS_KEY, bound to its row
 * (src/security/secret-box.ts), after a key rotation (SECRETS_KEY new, SECRETS_KEY_PREVIOUS old) or
 * to bind values of the older v1 format.
 *
 * Safe while the service runs: it reads a small batch at a time (keyset, by id) and writes row by
 * row, each update conditional on the value still being the one it read, so a value the service
 * wrote meanwhile (a rotation, a new encryption key: sealed under SECRETS_KEY already) is never
 * overwritten. Idempotent: a value already v2 under SECRETS_KEY is left alone, so a second run
 * re-seals nothing.
 */
export interface ResealCounts {
  /** Values read. */
  checked: number;
  /** Re-sealed under SECRETS_KEY now. */
  resealed: number;
  /** Already v2 under SECRETS_KEY: nothing to do. */
  current: number;
  /** Changed by someone else between the read and the update (so left as the service wrote it). */
  changed: number;
  /** Opened with neither key (or not for this row): left as they are, listed in `unreadable`. */
  unreadable: number;
}

export interface ResealReport {
  webhookSecrets: ResealCounts;
  encryptionKeys: ResealCounts;
  /** Where each unreadable value is, e.g. `webhook_secrets id 12 (webhook wh_…)`. */
  unreadable: string[];
}

export interface ResealOptions {
  batchSize?: number;
  /** Runs between reading a value and its conditional update (tests use it to change the row meanwhile). */
  beforeUpdate?: (row: { table: 'webhook_secrets' | 'webhooks'; id: string }) => Promise<void>;
}

const emptyCounts = (): ResealCounts => ({ checked: 0, resealed: 0, current: 0, changed: 0, unreadable: 0 });

export async function resealAll(db: Db, box: SecretBox, options: ResealOptions = {}): Promise<ResealReport> {
  const batchSize = options.batchSize ?? 100;
  const report: ResealReport = { webhookSecrets: emptyCounts(), encryptionKeys: emptyCounts(), unreadable: [] };

  // signing secrets, by their identity id
  let afterSecret = '0';
  for (;;) {
    const rows = await db
      .selectFrom('webhook_secrets')
      .select(['id', 'webhook_id', 'secret_sealed'])
      .where('id', '>', afterSecret)
      .orderBy('id')
      .limit(batchSize)
      .execute();
    for (const row of rows) {
      const id = String(row.id);
      const counts = report.webhookSecrets;
      const next = resealed(box, row.secret_sealed, SEALED.webhookSecret(row.webhook_id), counts);
      if (next === undefined) {
        report.unreadable.push(`webhook_secrets id ${id} (webhook ${row.webhook_id})`);
        continue;
      }
      if (next === null) continue;
      await options.beforeUpdate?.({ table: 'webhook_secrets', id });
      const updated = await db
        .updateTable('webhook_secrets')
        .set({ secret_sealed: next })
        .where('id', '=', id)
        .where('secret_sealed', '=', row.secret_sealed)
        .executeTakeFirst();
      if (updated.numUpdatedRows > 0n) counts.resealed++;
      else counts.changed++;
    }
    if (rows.length < batchSize) break;
    afterSecret = String(rows[rows.length - 1]!.id);
  }

  // encryption keys, by webhook id (deleted webhooks too: every sealed value moves to the new key)
  let afterWebhook = '';
  for (;;) {
    const rows = await db
      .selectFrom('webhooks')
      .select(['id', 'encryption_key_sealed'])
      .where('encryption_key_sealed', 'is not', null)
      .where('id', '>', afterWebhook)
      .orderBy('id')
      .limit(batchSize)
      .execute();
    for (const row of rows) {
      const sealed = row.encryption_key_sealed!;
      const counts = report.encryptionKeys;
      const next = resealed(box, sealed, SEALED.webhookEncryptionKey(row.id), counts);
      if (next === undefined) {
        report.unreadable.push(`webhooks.encryption_key_sealed of ${row.id}`);
        continue;
      }
      if (next === null) continue;
      await options.beforeUpdate?.({ table: 'webhooks', id: row.id });
      const updated = await db
        .updateTable('webhooks')
        .set({ encryption_key_sealed: next })
        .where('id', '=', row.id)
        .where('encryption_key_sealed', '=', sealed)
        .executeTakeFirst();
      if (updated.numUpdatedRows > 0n) counts.resealed++;
      else counts.changed++;
    }
    if (rows.length < batchSize) break;
    afterWebhook = rows[rows.length - 1]!.id;
  }
  return report;
}

/** The value re-sealed, null when it is current already, undefined when it does not open (counted). */
function resealed(box: SecretBox, sealed: string, binding: string, counts: ResealCounts): string | null | undefined {
  counts.checked++;
  if (!box.needsReseal(sealed)) {
    // under SECRETS_KEY already; still check it opens for this row
    try {
      box.open(sealed, binding);
      counts.current++;
      return null;
    } catch {
      counts.unreadable++;
      return undefined;
    }
  }
  let plaintext: string;
  try {
    plaintext = box.open(sealed, binding);
  } catch {
    counts.unreadable++;
    return undefined;
  }
  return box.seal(plaintext, binding);
}
