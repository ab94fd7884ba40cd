import { type Selectable, sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { WebhookOrdering, WebhooksTable } from '../db/schema.js';
import { newId } from '../ids.js';
import { SEALED, type SecretBox } from '../security/secret-box.js';
import { newSigningSecret } from '../security/tokens.js';
import { customHeaderProblems, mergeCustomHeaders } from '../wire/custom-headers.js';
import type { EncryptionAlgorithm } from '../wire/encrypt.js';
import { type Flow, flowOf } from './flow.js';
import { queueOperationalEvent } from './operational-outbox.js';
import { beforeCursor, createdAtText, type Cursor, type Page, toPage } from './pagination.js';
import { inScope, type Scope } from './scope.js';

export type WebhookFormat = 'json' | 'xml';

/** A webhook as the API reads it back: never the signing secret nor the encryption key. */
export interface Webhook {
  id: string;
  communityId: string;
  url: string;
  description: string | null;
  format: WebhookFormat;
  events: string[];
  channelIds: string[] | null;
  active: boolean;
  disabledReason: string | null;
  encryption: { enabled: boolean; algorithm: EncryptionAlgorithm | null };
  /** Attempts in flight to it at once, across every worker (docs/flow-control.md). */
  maxConcurrency: number;
  /** Attempts started per second; null for no limit. */
  rateLimitPerSecond: number | null;
  /** `fifo`: its deliveries are attempted one at a time, in the order their events were accepted. */
  ordering: WebhookOrdering;
  /** The names of its custom request headers; their values are never read back. */
  headerNames: string[];
  flow: Flow;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookEncryptionInput {
  enabled: boolean;
  algorithm?: EncryptionAlgorithm | undefined;
  key?: string | undefined;
}

export interface WebhookInput {
  url: string;
  description?: string | null | undefined;
  format: WebhookFormat;
  events: string[];
  channelIds?: string[] | null | undefined;
  active: boolean;
  encryption?: WebhookEncryptionInput | undefined;
  maxConcurrency?: number | undefined;
  rateLimitPerSecond?: number | null | undefined;
  ordering?: WebhookOrdering | undefined;
  /** Custom request headers, validated by the caller (src/wire/custom-headers.ts). */
  headers?: Record<string, string> | undefined;
}

type WebhookRow = Selectable<WebhooksTable>;

/** Rows to webhooks, each with its flow state (two queries for the whole list). */
async function withFlow(db: Db, rows: WebhookRow[]): Promise<Webhook[]> {
  const flows = await flowOf(db, rows.map((r) => ({ id: r.id, maxConcurrency: r.max_concurrency })));
  return rows.map((row) => toWebhook(row, flows.get(row.id)!));
}

function toWebhook(row: WebhookRow, flow: Flow): Webhook {
  return {
    id: row.id,
    communityId: row.community_id,
    url: row.url,
    description: row.description,
    format: row.format,
    events: row.events,
    channelIds: row.channel_ids,
    active: row.active,
    disabledReason: row.disabled_reason,
    encryption: { enabled: row.encryption_algorithm !== null, algorithm: row.encryption_algorithm },
    maxConcurrency: row.max_concurrency,
    rateLimitPerSecond: row.rate_limit_per_second,
    ordering: row.ordering,
    headerNames: row.header_names,
    flow,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function encryptionColumns(box: SecretBox, webhookId: string, encryption: WebhookEncryptionInput | undefined) {
  if (!encryption?.enabled || !encryption.algorithm || !encryption.key) {
    return { encryption_algorithm: null, encryption_key_sealed: null };
  }
  return { encryption_algorithm: encryption.algorithm, encryption_key_sealed: box.seal(encryption.key, SEALED.webhookEncryptionKey(webhookId)) };
}

/** The custom-header columns for a map: the names in clear, in order, and the map sealed to the webhook. */
function headerColumns(box: SecretBox, webhookId: string, headers: Record<string, string> | undefined) {
  const names = Object.keys(headers ?? {});
  if (names.length === 0) return { header_names: [], headers_sealed: null };
  return { header_names: names, headers_sealed: box.seal(JSON.stringify(headers), SEALED.webhookHeaders(webhookId)) };
}

/** A webhook's custom headers, opened; throws when SECRETS_KEY cannot open them. */
export function openHeaders(box: SecretBox, webhookId: string, sealed: string | null): Record<string, string> {
  return sealed === null ? {} : (JSON.parse(box.open(sealed, SEALED.webhookHeaders(webhookId))) as Record<string, string>);
}

/** updateWebhook's refusal of a headers patch: what the merge would leave is not allowed, or the current ones do not open. */
export class WebhookHeadersError extends Error {}

/** createWebhook's refusal: the community holds MAX_WEBHOOKS_PER_COMMUNITY webhooks already. */
export class WebhookLimitError extends Error {
  constructor(readonly count: number) {
    super(`the community has ${count} webhooks`);
  }
}

/**
 * Registers a webhook, unless its community holds `maxWebhooks` (not deleted; disabled ones count)
 * already: then WebhookLimitError. The community's row is held while it counts and inserts, so
 * concurrent creates cannot pass the limit together.
 */
export async function createWebhook(
  db: Db,
  box: SecretBox,
  communityId: string,
  input: WebhookInput,
  maxWebhooks: number = Number.MAX_SAFE_INTEGER,
): Promise<{ webhook: Webhook; secret: string }> {
  const secret = newSigningSecret();
  const now = new Date();
  const id = newId('wh');
  return db.transaction().execute(async (trx) => {
    await trx.selectFrom('communities').select('id').where('id', '=', communityId).forNoKeyUpdate().executeTakeFirst();
    const { n } = await trx
      .selectFrom('webhooks')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('community_id', '=', communityId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (n >= maxWebhooks) throw new WebhookLimitError(n);
    const row = await trx
      .insertInto('webhooks')
      .values({
        id,
        community_id: communityId,
        url: input.url,
        description: input.description ?? null,
        format: input.format,
        events: input.events,
        channel_ids: input.channelIds ?? null,
        active: input.active,
        disabled_reason: input.active ? null : 'disabled',
        ...encryptionColumns(box, id, input.encryption),
        ...headerColumns(box, id, input.headers),
        ...(input.maxConcurrency !== undefined ? { max_concurrency: input.maxConcurrency } : {}),
        rate_limit_per_second: input.rateLimitPerSecond ?? null,
        ...(input.ordering !== undefined ? { ordering: input.ordering } : {}),
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx.insertInto('webhook_secrets').values({ webhook_id: row.id, secret_sealed: box.seal(secret, SEALED.webhookSecret(row.id)) }).execute();
    await trx.insertInto('webhook_flow').values({ webhook_id: row.id, effective_concurrency: row.max_concurrency }).execute();
    return { webhook: (await withFlow(trx, [row]))[0]!, secret };
  });
}

export async function listWebhooks(
  db: Db,
  scope: Scope,
  page: { limit: number; cursor?: Cursor | undefined },
): Promise<Page<Webhook>> {
  let query = db
    .selectFrom('webhooks')
    .selectAll()
    .select(createdAtText.as('cursor_created_at'))
    .where(inScope(scope, 'community_id'))
    .where('deleted_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (page.cursor) query = query.where(beforeCursor(page.cursor));
  const rows = toPage(await query.execute(), page.limit, (row) => row);
  return { items: await withFlow(db, rows.items), nextCursor: rows.nextCursor };
}

export async function getWebhook(db: Db, scope: Scope, id: string): Promise<Webhook | undefined> {
  const row = await db
    .selectFrom('webhooks')
    .selectAll()
    .where('id', '=', id)
    .where(inScope(scope, 'community_id'))
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row && (await withFlow(db, [row]))[0];
}

export type WebhookPatch = Partial<Omit<WebhookInput, 'headers'>> & {
  /** A merge patch of the custom headers (mergeCustomHeaders); null removes them all. */
  headers?: Record<string, string | null> | null | undefined;
};

/** Applies a patch; returns the webhook before and after, or undefined when it is not in scope. */
export async function updateWebhook(
  db: Db,
  box: SecretBox,
  scope: Scope,
  id: string,
  patch: WebhookPatch,
): Promise<{ before: Webhook; after: Webhook } | undefined> {
  return db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', id)
      .where(inScope(scope, 'community_id'))
      .where('deleted_at', 'is', null)
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!current) return undefined;
    const headers = patch.headers === undefined ? undefined : patchedHeaders(box, current, patch.headers);
    const row = await trx
      .updateTable('webhooks')
      .set({
        ...(headers !== undefined ? headerColumns(box, id, headers) : {}),
        ...(patch.url !== undefined ? { url: patch.url } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.format !== undefined ? { format: patch.format } : {}),
        ...(patch.events !== undefined ? { events: patch.events } : {}),
        ...(patch.channelIds !== undefined ? { channel_ids: patch.channelIds } : {}),
        ...(patch.active !== undefined
          ? { active: patch.active, disabled_reason: patch.active ? null : 'disabled', ...(patch.active ? { failing_since: null } : {}) }
          : {}),
        ...(patch.encryption !== undefined ? keepKeyIfOmitted(box, patch.encryption, current) : {}),
        ...(patch.maxConcurrency !== undefined ? { max_concurrency: patch.maxConcurrency } : {}),
        ...(patch.rateLimitPerSecond !== undefined ? { rate_limit_per_second: patch.rateLimitPerSecond } : {}),
        ...(patch.ordering !== undefined ? { ordering: patch.ordering } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (patch.maxConcurrency !== undefined) {
      // a lower limit applies at once; a higher one is reached by successes, as after a slow-down
      await trx
        .updateTable('webhook_flow')
        .set({ effective_concurrency: sql<number>`least(effective_concurrency, ${row.max_concurrency})` })
        .where('webhook_id', '=', id)
        .execute();
    }
    // told to the community's other webhooks (docs/operational-events.md), in this transaction
    if (current.active !== row.active) {
      const webhook = { id: row.id, url: row.url };
      const at = row.updated_at.toISOString();
      await queueOperationalEvent(trx, {
        communityId: row.community_id,
        aboutWebhookId: row.id,
        event: row.active
          ? { type: 'webhook.enabled', data: { webhook, enabledAt: at } }
          : { type: 'webhook.disabled', data: { webhook, reason: 'manual', disabledAt: at } },
      });
    }
    const [before, after] = await withFlow(trx, [current, row]);
    return { before: before!, after: after! };
  });
}

/** The custom headers a patch leaves, checked as a whole; WebhookHeadersError when they may not be stored. */
function patchedHeaders(box: SecretBox, current: WebhookRow, patch: Record<string, string | null> | null): Record<string, string> {
  if (patch === null) return {};
  let stored: Record<string, string>;
  try {
    stored = openHeaders(box, current.id, current.headers_sealed);
  } catch {
    throw new WebhookHeadersError(
      'the custom headers stored for this webhook cannot be opened with SECRETS_KEY: send "headers": null to remove them, then set them again',
    );
  }
  const merged = mergeCustomHeaders(stored, patch);
  const problems = customHeaderProblems(merged);
  if (problems.length > 0) throw new WebhookHeadersError(`with this change the headers would break a rule: ${problems[0]!.message}`);
  return merged;
}

/** Changing only the algorithm, or re-enabling, keeps the stored key when no new one is given. */
function keepKeyIfOmitted(box: SecretBox, encryption: WebhookEncryptionInput, current: WebhookRow) {
  if (encryption.enabled && encryption.key === undefined && current.encryption_key_sealed) {
    return { encryption_algorithm: encryption.algorithm ?? current.encryption_algorithm, encryption_key_sealed: current.encryption_key_sealed };
  }
  return encryptionColumns(box, current.id, encryption);
}

/**
 * Deletes a webhook (a soft delete, so its delivery history stays readable to the operator) and
 * marks its pending deliveries cancelled; returns their ids so their workflows can be told.
 */
export async function deleteWebhook(db: Db, scope: Scope, id: string): Promise<string[] | undefined> {
  return db.transaction().execute(async (trx) => {
    const deleted = await trx
      .updateTable('webhooks')
      .set({ deleted_at: new Date(), active: false, disabled_reason: 'deleted', updated_at: new Date() })
      .where('id', '=', id)
      .where(inScope(scope, 'community_id'))
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (deleted.numUpdatedRows === 0n) return undefined;
    const cancelled = await trx
      .updateTable('deliveries')
      .set({ status: 'cancelled', next_attempt_at: null, updated_at: new Date() })
      .where('webhook_id', '=', id)
      .where('status', '=', 'pending')
      .returning('id')
      .execute();
    return cancelled.map((r) => r.id);
  });
}

/**
 * Adds a new signing secret; the one that signed until now keeps signing beside it until the grace
 * period ends, and any older secret still in the grace of an earlier rotation stops at once. So at
 * most two secrets are ever live (docs/wire-format.md#secret-rotation): 100,000 rotations cannot
 * grow every attempt's webhook-signature header, nor the worker's signing work.
 */
export async function rotateWebhookSecret(
  db: Db,
  box: SecretBox,
  scope: Scope,
  id: string,
  graceMs: number,
): Promise<{ secret: string; previousExpiresAt: string } | undefined> {
  const secret = newSigningSecret();
  const expiresAt = new Date(Date.now() + graceMs);
  return db.transaction().execute(async (trx) => {
    const webhook = await trx
      .selectFrom('webhooks')
      .select('id')
      .where('id', '=', id)
      .where(inScope(scope, 'community_id'))
      .where('deleted_at', 'is', null)
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!webhook) return undefined;
    const now = new Date();
    // older secrets still in an earlier rotation's grace: their grace ends now
    await trx
      .updateTable('webhook_secrets')
      .set({ expires_at: now })
      .where('webhook_id', '=', id)
      .where('expires_at', 'is not', null)
      .where('expires_at', '>', now)
      .execute();
    // the current secret signs beside the new one for the grace
    await trx.updateTable('webhook_secrets').set({ expires_at: expiresAt }).where('webhook_id', '=', id).where('expires_at', 'is', null).execute();
    await trx.insertInto('webhook_secrets').values({ webhook_id: id, secret_sealed: box.seal(secret, SEALED.webhookSecret(id)) }).execute();
    return { secret, previousExpiresAt: expiresAt.toISOString() };
  });
}

/** Everything an attempt needs, secrets opened (loadAttemptContext, store/attempt-context.ts); for activities only, never for API reads. */
export interface WebhookForDelivery {
  id: string;
  communityId: string;
  url: string;
  format: WebhookFormat;
  active: boolean;
  deleted: boolean;
  encryption: { algorithm: EncryptionAlgorithm; key: string } | null;
  /** Live signing secrets, newest first. */
  secrets: string[];
  /** Custom request headers, opened (never logged, never recorded: attempt rows redact them). */
  headers: Record<string, string>;
  /** What could not be opened with SECRETS_KEY (then `secrets`, `encryption` and `headers` are empty), or null. */
  unreadable: 'a signing secret' | 'the encryption key' | 'the custom headers' | null;
}

/** Active webhooks of a community that subscribe to a type (the channel filter is applied by the caller). */
export async function listSubscribedWebhooks(db: Db, communityId: string, types: string[]) {
  return db
    .selectFrom('webhooks')
    .select(['id', 'events', 'channel_ids', 'ordering'])
    .where('community_id', '=', communityId)
    .where('active', '=', true)
    .where('deleted_at', 'is', null)
    .where('events', '&&', sql<string[]>`${types}::text[]`)
    .execute();
}

export async function disableWebhook(db: Db, id: string, reason: string): Promise<void> {
  await db
    .updateTable('webhooks')
    .set({ active: false, disabled_reason: reason, updated_at: new Date() })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .execute();
}

/** Takes the next place in the order of each FIFO webhook given (its row stays locked until commit). */
export async function nextOrderingSeqs(db: Db, webhookIds: readonly string[]): Promise<Map<string, string>> {
  if (webhookIds.length === 0) return new Map();
  const rows = await db
    .updateTable('webhooks')
    .set({ ordering_seq: sql<string>`ordering_seq + 1` })
    .where('id', 'in', [...webhookIds])
    .returning(['id', 'ordering_seq'])
    .execute();
  return new Map(rows.map((r) => [r.id, r.ordering_seq]));
}
