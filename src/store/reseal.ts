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
  customHeaders: ResealCounts;
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
  const report: ResealReport = { webhookSecrets: emptyCounts(), encryptionKeys: emptyCounts(), customHeaders: emptyCounts(), unreadable: [] };

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

  // the sealed columns of webhooks, by webhook id (deleted webhooks too: every sealed value moves to the new key)
  await resealWebhookColumn(db, box, 'encryption_key_sealed', SEALED.webhookEncryptionKey, report.encryptionKeys, report, batchSize, options);
  await resealWebhookColumn(db, box, 'headers_sealed', SEALED.webhookHeaders, report.customHeaders, report, batchSize, options);
  return report;
}

async function resealWebhookColumn(
  db: Db,
  box: SecretBox,
  column: 'encryption_key_sealed' | 'headers_sealed',
  binding: (webhookId: string) => string,
  counts: ResealCounts,
  report: ResealReport,
  batchSize: number,
  options: ResealOptions,
): Promise<void> {
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('webhooks')
      .select(['id', column])
      .where(column, 'is not', null)
      .where('id', '>', after)
      .orderBy('id')
      .limit(batchSize)
      .execute();
    for (const row of rows) {
      const sealed = (row as Record<string, string | null>)[column]!;
      const next = resealed(box, sealed, binding(row.id), counts);
      if (next === undefined) {
        report.unreadable.push(`webhooks.${column} of ${row.id}`);
        continue;
      }
      if (next === null) continue;
      await options.beforeUpdate?.({ table: 'webhooks', id: row.id });
      const updated = await db
        .updateTable('webhooks')
        .set({ [column]: next })
        .where('id', '=', row.id)
        .where(column, '=', sealed)
        .executeTakeFirst();
      if (updated.numUpdatedRows > 0n) counts.resealed++;
      else counts.changed++;
    }
    if (rows.length < batchSize) break;
    after = rows[rows.length - 1]!.id;
  }
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
