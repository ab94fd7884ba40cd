import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { OperationalEvent } from './operational-outbox.js';
import type { DeliveryStatus } from '../db/schema.js';
import { SEALED, type SecretBox } from '../security/secret-box.js';
import type { EncryptionAlgorithm } from '../wire/encrypt.js';
import { type StoredEvent, toEvent } from './events.js';
import { openHeaders, type WebhookForDelivery } from './webhooks.js';

/**
 * The database side of one delivery attempt, in two statements: one before the POST
 * (`loadAttemptContext`, which also asks its webhook's flow control for a slot) and one after it
 * (`recordAttemptOutcome`, which also gives the slot back). The Temporal server and Postgres share
 * the machine's cores and an attempt's cost is mostly round trips, so each is a single statement
 * rather than the ten or so separate queries (and a transaction) it would be table by table.
 */

/** What an attempt needs to know before it sends: the delivery, and what it points at. */
export interface AttemptContext {
  delivery: { id: string; community_id: string; event_id: string; webhook_id: string; status: DeliveryStatus };
  /** This attempt's row when it was recorded already (the activity is running again after a crash). */
  recorded:
    | { started_at: Date; response_status: number | null; response_headers: Record<string, string> | null; error_code: string | null }
    | undefined;
  /** Undefined when the row is missing; a soft-deleted webhook comes back with `deleted: true`. */
  webhook: WebhookForDelivery | undefined;
  event: StoredEvent | undefined;
  /** The flow control's answer, when one was asked for and the attempt is to be sent. */
  admission: Admission | undefined;
}

/**
 * hookline_flow_admit's answer (migrations/0004_flow_control.sql): a slot (the lease may start
 * later, for the rate limit or a pause), or a place in the queue; and the waiters that got a slot
 * meanwhile, whose workflows the caller signals.
 */
export interface Admission {
  granted: boolean;
  startAt: Date | null;
  /** How long until the slot's start, by the database's clock (0: now). */
  waitMs: number;
  pausedUntil: Date | null;
  waitReason: 'concurrency' | 'queue' | 'ordering' | null;
  /** The receiver was slow lately: the attempt should run as a normal activity. */
  slow: boolean;
  woken: string[];
}

/**
 * The delivery, this attempt's recorded row if any, its webhook with the live signing secrets
 * (newest first) and the encryption key opened, and its event, in ONE statement: the delivery row
 * left-joined to the others (so a missing webhook or event reads as undefined), the secrets as a
 * correlated `array(...)` subquery. Undefined when the delivery does not exist.
 *
 * With `admit`, the same statement asks for a slot (hookline_flow_admit), but only when the attempt
 * is to be sent: the delivery is not cancelled, this attempt was not recorded, the webhook exists,
 * is active and not deleted, and the event exists. The lease lives `leaseMs` from its start; a
 * start within `sleepMs` is committed (the attempt waits that little and sends).
 */
export async function loadAttemptContext(
  db: Db,
  box: SecretBox,
  deliveryId: string,
  attemptNumber: number,
  admit?: { leaseMs: number; sleepMs: number },
): Promise<AttemptContext | undefined> {
  const row = await db
    .selectFrom('deliveries as d')
    .leftJoin('attempts as a', (join) => join.onRef('a.delivery_id', '=', 'd.id').on('a.attempt_number', '=', attemptNumber))
    .leftJoin('webhooks as w', 'w.id', 'd.webhook_id')
    // retention (DELETE /v1/events/:id): an expunged event reads as missing, so it is never sent
    .leftJoin('events as e', (join) => join.onRef('e.id', '=', 'd.event_id').on('e.expunged_at', 'is', null))
    .select(['d.id', 'd.community_id', 'd.event_id', 'd.webhook_id', 'd.status'])
    .select(['a.started_at as a_started_at', 'a.response_status as a_response_status', 'a.response_headers as a_response_headers', 'a.error_code as a_error_code'])
    .select([
      'w.id as w_id',
      'w.community_id as w_community_id',
      'w.url as w_url',
      'w.format as w_format',
      'w.active as w_active',
      'w.deleted_at as w_deleted_at',
      'w.encryption_algorithm as w_encryption_algorithm',
      'w.encryption_key_sealed as w_encryption_key_sealed',
      'w.headers_sealed as w_headers_sealed',
    ])
    .select((eb) =>
      sql<string[]>`array(${eb
        .selectFrom('webhook_secrets as s')
        .select('s.secret_sealed')
        .whereRef('s.webhook_id', '=', 'w.id')
        .where((eb) => eb.or([eb('s.expires_at', 'is', null), eb('s.expires_at', '>', sql<Date>`now()`)]))
        .orderBy('s.created_at', 'desc')
        .orderBy('s.id', 'desc')})`.as('w_secrets_sealed'),
    )
    .select([
      'e.id as e_id',
      'e.external_id as e_external_id',
      'e.community_id as e_community_id',
      'e.type as e_type',
      'e.occurred_at as e_occurred_at',
      'e.data as e_data',
      'e.created_at as e_created_at',
    ])
    .select(
      admit
        ? sql<AdmissionRow | null>`case
            when d.status <> 'cancelled' and a.started_at is null and w.id is not null and w.deleted_at is null and w.active and e.id is not null
            then (select to_jsonb(f) from hookline_flow_admit(d.id, ${admit.leaseMs}, ${admit.sleepMs}) f)
          end`.as('admission')
        : sql<null>`null`.as('admission'),
    )
    .where('d.id', '=', deliveryId)
    .executeTakeFirst();
  if (!row) return undefined;
  // hookline_flow_admit read the delivery again (a FIFO one under a lock) and found it cancelled
  // meanwhile: that is the truth, not this statement's older snapshot (see the function)
  const cancelledMeanwhile = row.admission?.wait_reason === 'cancelled';
  const admission = cancelledMeanwhile ? null : row.admission;

  return {
    delivery: {
      id: row.id,
      community_id: row.community_id,
      event_id: row.event_id,
      webhook_id: row.webhook_id,
      status: cancelledMeanwhile ? 'cancelled' : row.status,
    },
    recorded:
      row.a_started_at === null
        ? undefined
        : {
            started_at: row.a_started_at,
            response_status: row.a_response_status,
            response_headers: row.a_response_headers,
            error_code: row.a_error_code,
          },
    webhook:
      row.w_id === null || row.w_community_id === null || row.w_url === null || row.w_format === null || row.w_active === null
        ? undefined
        : {
            id: row.w_id,
            communityId: row.w_community_id,
            url: row.w_url,
            format: row.w_format,
            active: row.w_active,
            deleted: row.w_deleted_at !== null,
            ...openSealed(box, row.w_encryption_algorithm, row.w_encryption_key_sealed, row.w_secrets_sealed, row.w_headers_sealed, row.w_id),
          },
    event:
      row.e_id === null || row.e_community_id === null || row.e_type === null || row.e_occurred_at === null || row.e_created_at === null
        ? undefined
        : toEvent({
            id: row.e_id,
            external_id: row.e_external_id,
            community_id: row.e_community_id,
            type: row.e_type,
            occurred_at: row.e_occurred_at,
            data: row.e_data,
            created_at: row.e_created_at,
          }),
    admission: admission
      ? {
          granted: admission.granted,
          startAt: admission.start_at ? new Date(admission.start_at) : null,
          waitMs: Number(admission.wait_ms ?? 0),
          pausedUntil: admission.paused_until ? new Date(admission.paused_until) : null,
          waitReason: admission.wait_reason === 'cancelled' ? null : admission.wait_reason,
          slow: admission.slow,
          woken: admission.woken ?? [],
        }
      : undefined,
  };
}

/** hookline_flow_admit's row, as to_jsonb gives it. */
interface AdmissionRow {
  granted: boolean;
  start_at: string | null;
  wait_ms: number | null;
  paused_until: string | null;
  /** 'cancelled': the function found the delivery cancelled since this statement began; never a wait */
  wait_reason: Admission['waitReason'] | 'cancelled';
  slow: boolean;
  woken: string[] | null;
}

/**
 * The webhook's secrets and encryption key, opened. A value that does not open (SECRETS_KEY changed
 * without re-sealing, a row edited by hand) is reported, not thrown: retrying cannot open it, so the
 * attempt records `secret_unreadable` and the delivery goes on by its schedule.
 */
function openSealed(
  box: SecretBox,
  algorithm: EncryptionAlgorithm | null,
  keySealed: string | null,
  secretsSealed: string[],
  headersSealed: string | null,
  webhookId: string,
): Pick<WebhookForDelivery, 'encryption' | 'secrets' | 'headers' | 'unreadable'> {
  // sealed values are bound to their webhook (src/security/secret-box.ts, SEALED)
  const keyBinding = SEALED.webhookEncryptionKey(webhookId);
  const opens = (open: () => unknown) => {
    try {
      open();
      return true;
    } catch {
      return false;
    }
  };
  try {
    return {
      encryption: algorithm && keySealed ? { algorithm, key: box.open(keySealed, keyBinding) } : null,
      secrets: secretsSealed.map((s) => box.open(s, SEALED.webhookSecret(webhookId))),
      headers: openHeaders(box, webhookId, headersSealed),
      unreadable: null,
    };
  } catch {
    const what =
      algorithm && keySealed && !opens(() => box.open(keySealed, keyBinding))
        ? 'the encryption key'
        : !opens(() => openHeaders(box, webhookId, headersSealed))
          ? 'the custom headers'
          : 'a signing secret';
    return { encryption: null, secrets: [], headers: {}, unreadable: what };
  }
}

export interface AttemptRecord {
  deliveryId: string;
  attemptNumber: number;
  startedAt: Date;
  durationMs: number;
  requestUrl: string;
  requestHeaders: Record<string, string>;
  responseStatus: number | null;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  responseBodyTruncated: boolean;
  errorCode: string | null;
  errorMessage: string | null;
}

/**
 * What the attempt means for its webhook's failing streak (docs/delivery.md#failing-streak, WEBHOOK_DISABLE_AFTER):
 * `succeeded` ends the streak; `failed` starts it or, when it began at least `disableAfterMs` before
 * this attempt, disables the webhook with reason "failing"; `gone` (410) disables it with reason
 * "gone" and leaves the streak as it is.
 */
export interface WebhookOutcome {
  id: string;
  outcome: 'succeeded' | 'failed' | 'gone';
  disableAfterMs: number;
}

/**
 * What the attempt tells its webhook's flow control as it gives its slot back (hookline_flow_release):
 * `success` raises the adaptive limit by one, `slow_down` (429, 503, a timeout) halves it; `pauseMs`
 * pauses the webhook (Retry-After); `slow` true marks the receiver slow, false clears it, null leaves
 * it; `final`: the delivery has just become final (the next of a FIFO webhook may go).
 */
export interface FlowRelease {
  signal: 'success' | 'slow_down' | 'none';
  pauseMs: number | null;
  slow: boolean | null;
  final: boolean;
  leaseMs: number;
}

/**
 * Records an attempt in ONE statement (data-modifying CTEs, one implicit transaction):
 * - the attempt row, keyed by the workflow's attempt number, so an activity run again after a crash
 *   finds its row and adds none (on conflict do nothing);
 * - the delivery's new status (a delivery cancelled meanwhile, by deleting its webhook, stays
 *   cancelled; attempt_count never goes back);
 * - the webhook's failing streak, see WebhookOutcome.
 *
 * The CTEs share one snapshot, which is safe here because none reads a table another one writes:
 * each update reads only its own row, and under READ COMMITTED re-reads the newest version of it
 * once it holds the row lock, as a statement of its own would (so concurrent attempts of the same
 * webhook cannot lose the streak's start). The webhook row is locked before the delivery row,
 * the order deleteWebhook takes them in, so the two cannot deadlock.
 *
 * - the attempt's slot given back to its webhook's flow control, see FlowRelease; hookline_flow_release
 *   locks the flow row, after the webhook's row, as every statement of an attempt does.
 *
 * Returns whether the attempt row was inserted (false: it was recorded before), for a failure whether
 * the webhook now stands disabled for failing, and the waiting deliveries that were handed a slot.
 */
export async function recordAttemptOutcome(
  db: Db,
  attempt: AttemptRecord,
  delivery: { status: DeliveryStatus; nextAttemptAt: Date | null },
  webhook: WebhookOutcome,
  flow?: FlowRelease,
  operational?: OperationalNotice,
): Promise<{ inserted: boolean; disabledForFailing: boolean; woken: string[]; operationalQueued: boolean }> {
  const now = new Date();
  const threshold = new Date(attempt.startedAt.getTime() - webhook.disableAfterMs);
  const canDisable = webhook.outcome !== 'succeeded';
  const row = await db
    // Locks the webhook's row and reads it as it stands before this statement changes it, to tell
    // whether this attempt is the one that disables it (webhook.disabled). Only when it can.
    // FOR NO KEY UPDATE, the lock an UPDATE takes: FOR UPDATE would also block the key-share lock a
    // foreign key takes, and an admission that holds the flow row and queues a waiter (whose row
    // references this webhook) would then deadlock with this statement, which takes the flow row next.
    .with('webhook_before', (db) =>
      db.selectFrom('webhooks').select(['id', 'active']).where('id', '=', webhook.id).where(sql<boolean>`${canDisable}`).forNoKeyUpdate(),
    )
    .with('webhook_update', (db) => {
      const update = db
        .updateTable('webhooks')
        .where('id', '=', webhook.id)
        // always true; it makes webhook_before lock the row first, as below for the delivery
        .where(sql<boolean>`(select count(*) from webhook_before) >= 0`);
      switch (webhook.outcome) {
        case 'succeeded':
          return update.set({ failing_since: null }).where('failing_since', 'is not', null).returning(['active', 'disabled_reason']);
        case 'gone':
          return update
            .set({ active: false, disabled_reason: 'gone', updated_at: now })
            .where('deleted_at', 'is', null)
            .returning(['active', 'disabled_reason']);
        case 'failed':
          return update
            .set({
              failing_since: sql<Date>`coalesce(failing_since, ${attempt.startedAt})`,
              active: sql<boolean>`case when active and failing_since <= ${threshold} then false else active end`,
              disabled_reason: sql<string | null>`case when active and failing_since <= ${threshold} then 'failing' else disabled_reason end`,
              updated_at: sql<Date>`case when active and failing_since <= ${threshold} then now() else updated_at end`,
            })
            .where('deleted_at', 'is', null)
            .returning(['active', 'disabled_reason']);
      }
    })
    .with('delivery_update', (db) =>
      db
        .updateTable('deliveries')
        .set({
          // a cancelled delivery (webhook deleted mid-attempt) stays cancelled
          status: sql<DeliveryStatus>`case when status = 'cancelled' then status else ${delivery.status} end`,
          attempt_count: sql<number>`greatest(attempt_count, ${attempt.attemptNumber})`,
          last_attempt_at: attempt.startedAt,
          next_attempt_at: delivery.nextAttemptAt,
          updated_at: now,
        })
        .where('id', '=', attempt.deliveryId)
        // Always true; it only makes the webhook's update run (and lock its row) before this one:
        // an uncorrelated condition is a one-time filter checked before the deliveries scan starts.
        .where(sql<boolean>`(select count(*) from webhook_update) >= 0`)
        .returning(['id', 'status']),
    )
    .with('attempt_insert', (db) =>
      db
        .insertInto('attempts')
        .values({
          delivery_id: attempt.deliveryId,
          attempt_number: attempt.attemptNumber,
          started_at: attempt.startedAt,
          duration_ms: attempt.durationMs,
          request_url: attempt.requestUrl,
          request_headers: JSON.stringify(attempt.requestHeaders),
          response_status: attempt.responseStatus,
          response_headers: attempt.responseHeaders === null ? null : JSON.stringify(attempt.responseHeaders),
          response_body: attempt.responseBody,
          response_body_truncated: attempt.responseBodyTruncated,
          error_code: attempt.errorCode,
          error_message: attempt.errorMessage,
        })
        .onConflict((oc) => oc.columns(['delivery_id', 'attempt_number']).doNothing())
        .returning('attempt_number'),
    )
    // The operational events this attempt causes, queued in its own statement (docs/operational-events.md):
    // webhook.disabled when it disabled its webhook, delivery.failed when its delivery ended failed.
    .with('operational_insert', (db) =>
      db
        .insertInto('operational_outbox')
        .columns(['community_id', 'type', 'about_webhook_id', 'data'])
        .expression(
          sql`select ${operational?.communityId ?? null}::text, 'webhook.disabled', ${webhook.id}::text, ${JSON.stringify(operational?.disabled ?? null)}::jsonb
                where ${operational !== undefined}
                  and exists (select 1 from webhook_before b, webhook_update u where b.active and not u.active)
              union all
              select ${operational?.communityId ?? null}::text, 'delivery.failed', ${webhook.id}::text, ${JSON.stringify(operational?.failed ?? null)}::jsonb
                where ${operational !== undefined}
                  and exists (select 1 from delivery_update where status = 'failed')
                  and exists (select 1 from attempt_insert)`,
        )
        .returning('id'),
    )
    .selectNoFrom((eb) => [
      // after the webhook's update (its row lock first, as above), the slot goes back
      flow
        ? sql<string[] | null>`(select hookline_flow_release(${attempt.deliveryId}, ${webhook.id}, ${flow.signal}, ${flow.pauseMs}::bigint,
            ${flow.slow}::boolean, ${flow.final}, ${flow.leaseMs}) where (select count(*) from webhook_update) >= 0)`.as('woken')
        : sql<null>`null`.as('woken'),
      eb.exists(eb.selectFrom('attempt_insert').select('attempt_number')).$castTo<boolean>().as('inserted'),
      eb
        .exists(eb.selectFrom('webhook_update').select('active').where('active', '=', false).where('disabled_reason', '=', 'failing'))
        .$castTo<boolean>()
        .as('failing'),
      eb.exists(eb.selectFrom('operational_insert').select('id')).$castTo<boolean>().as('operational'),
    ])
    .executeTakeFirstOrThrow();
  return {
    inserted: row.inserted,
    disabledForFailing: webhook.outcome === 'failed' && row.failing,
    woken: row.woken ?? [],
    operationalQueued: row.operational,
  };
}

/**
 * The operational events an attempt of a (non-operational) delivery may cause, ready to queue: the
 * statement queues `disabled` if it disables the webhook and `failed` if the delivery ends failed.
 * Left out for a delivery of an operational event, which never causes another.
 */
export interface OperationalNotice {
  communityId: string;
  disabled: OperationalEvent['data'];
  failed: OperationalEvent['data'];
}
