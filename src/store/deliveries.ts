import { type Selectable, sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { AttemptsTable, DeliveryStatus } from '../db/schema.js';
import { nextOrderingSeqs } from './webhooks.js';
import { beforeCursor, createdAtText, type Cursor, type Page, toPage } from './pagination.js';
import { inScope, type Scope } from './scope.js';

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'cancelled'];

export interface Delivery {
  id: string;
  communityId: string;
  eventId: string;
  webhookId: string;
  eventType: string;
  status: DeliveryStatus;
  attemptCount: number;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Attempt {
  attemptNumber: number;
  startedAt: string;
  durationMs: number;
  request: { url: string; headers: Record<string, string> };
  response: { status: number; headers: Record<string, string>; body: string; bodyTruncated: boolean } | null;
  error: { code: string; message: string } | null;
}

type DeliveryRow = {
  id: string;
  community_id: string;
  event_id: string;
  webhook_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempt_count: number;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
  created_at: Date;
  updated_at: Date;
};

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    communityId: row.community_id,
    eventId: row.event_id,
    webhookId: row.webhook_id,
    eventType: row.event_type,
    status: row.status,
    attemptCount: row.attempt_count,
    lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
    nextAttemptAt: row.next_attempt_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const deliveryColumns = [
  'id',
  'community_id',
  'event_id',
  'webhook_id',
  'event_type',
  'status',
  'attempt_count',
  'last_attempt_at',
  'next_attempt_at',
  'created_at',
  'updated_at',
] as const;

export interface DeliveryFilter {
  webhookId?: string | undefined;
  eventId?: string | undefined;
  status?: DeliveryStatus | undefined;
  eventType?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
}

export async function listDeliveries(
  db: Db,
  scope: Scope,
  filter: DeliveryFilter,
  page: { limit: number; cursor?: Cursor | undefined },
): Promise<Page<Delivery>> {
  let query = db
    .selectFrom('deliveries')
    .select(deliveryColumns)
    .select(createdAtText.as('cursor_created_at'))
    .where(inScope(scope, 'community_id'))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (filter.webhookId) query = query.where('webhook_id', '=', filter.webhookId);
  if (filter.eventId) query = query.where('event_id', '=', filter.eventId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.eventType) query = query.where('event_type', '=', filter.eventType);
  if (filter.since) query = query.where('created_at', '>=', filter.since);
  if (filter.until) query = query.where('created_at', '<', filter.until);
  if (page.cursor) query = query.where(beforeCursor(page.cursor));
  return toPage(await query.execute(), page.limit, toDelivery);
}

export async function getDelivery(db: Db, scope: Scope, id: string): Promise<Delivery | undefined> {
  const row = await db
    .selectFrom('deliveries')
    .select(deliveryColumns)
    .where('id', '=', id)
    .where(inScope(scope, 'community_id'))
    .executeTakeFirst();
  return row && toDelivery(row);
}

/**
 * One page of a delivery's attempts, newest first (by attempt number, which replays continue), at
 * most `limit`, those before attempt number `before` when given. `nextBefore` is the attempt number
 * to continue from, or null on the last page. Paged, never whole: a delivery replayed thousands of
 * times with 20 kB response bodies must not be read into memory at once.
 */
export async function listAttemptsPage(
  db: Db,
  scope: Scope,
  deliveryId: string,
  page: { limit: number; before?: number | undefined },
): Promise<{ items: Attempt[]; nextBefore: number | null }> {
  let query = db
    .selectFrom('attempts')
    .selectAll()
    .where('delivery_id', '=', deliveryId)
    .where('delivery_id', 'in', (eb) => eb.selectFrom('deliveries').select('id').where('id', '=', deliveryId).where(inScope(scope, 'community_id')))
    .orderBy('attempt_number', 'desc')
    .limit(page.limit + 1);
  if (page.before !== undefined) query = query.where('attempt_number', '<', page.before);
  const rows = await query.execute();
  const items = rows.slice(0, page.limit);
  return { items: items.map(toAttempt), nextBefore: rows.length > page.limit ? items[items.length - 1]!.attempt_number : null };
}

/**
 * The latest `perDelivery` attempts of each delivery of a page, newest first, in one query (a
 * lateral join that reads at most `perDelivery + 1` rows per delivery through the primary key), and
 * whether each has older ones (`nextBefore`, as listAttemptsPage gives it).
 */
export async function latestAttemptsOf(
  db: Db,
  scope: Scope,
  deliveryIds: readonly string[],
  perDelivery: number,
): Promise<Map<string, { items: Attempt[]; nextBefore: number | null }>> {
  const byDelivery = new Map<string, { items: Attempt[]; nextBefore: number | null }>(deliveryIds.map((id) => [id, { items: [], nextBefore: null }]));
  if (deliveryIds.length === 0) return byDelivery;
  const rows = await db
    .selectFrom('deliveries as d')
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('attempts')
          .selectAll()
          .whereRef('attempts.delivery_id', '=', 'd.id')
          .orderBy('attempt_number', 'desc')
          .limit(perDelivery + 1)
          .as('a'),
      (join) => join.onTrue(),
    )
    .selectAll('a')
    .where('d.id', 'in', [...deliveryIds])
    .where(inScope(scope, 'd.community_id'))
    .orderBy('a.delivery_id')
    .orderBy('a.attempt_number', 'desc')
    .execute();
  for (const row of rows) {
    const entry = byDelivery.get(row.delivery_id);
    if (!entry) continue;
    if (entry.items.length < perDelivery) entry.items.push(toAttempt(row));
    else entry.nextBefore = entry.items[entry.items.length - 1]!.attemptNumber;
  }
  return byDelivery;
}

function toAttempt(r: Selectable<AttemptsTable>): Attempt {
  return {
    attemptNumber: r.attempt_number,
    startedAt: r.started_at.toISOString(),
    durationMs: r.duration_ms,
    request: { url: r.request_url, headers: r.request_headers },
    response:
      r.response_status === null
        ? null
        : {
            status: r.response_status,
            headers: r.response_headers ?? {},
            body: r.response_body ?? '',
            bodyTruncated: r.response_body_truncated,
          },
    error: r.error_code === null ? null : { code: r.error_code, message: r.error_message ?? '' },
  };
}

/** Marks deliveries whose workflow has been started (the ids as one array parameter: any fan-out fits). */
export async function markDispatched(db: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('deliveries')
    .set({ dispatched_at: new Date() })
    .where('id', '=', sql<string>`any(${ids}::text[])`)
    .where('dispatched_at', 'is', null)
    .execute();
}

/** Deliveries recorded but never started (the API died between commit and start). */
export async function listUndispatched(db: Db, olderThanMs: number, limit: number) {
  return db
    .selectFrom('deliveries')
    .select(['id', 'community_id', 'webhook_id', 'event_type'])
    .where('dispatched_at', 'is', null)
    .where('created_at', '<', sql<Date>`now() - ${`${olderThanMs} milliseconds`}::interval`)
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

/**
 * Counts a replay of one delivery against its hourly budget (REPLAYS_PER_DELIVERY_PER_HOUR), in one
 * transaction that holds the delivery's row, so concurrent replays of the same delivery cannot both
 * take the last one, whatever API process they reach. Replays older than the window are forgotten
 * here, so a delivery keeps at most `limit` rows in delivery_replays. Undefined when the delivery is
 * not in scope; otherwise either the reservation (release it if the replay is not started after
 * all) or how long until the oldest replay in the window leaves it.
 */
export async function reserveReplay(
  db: Db,
  scope: Scope,
  deliveryId: string,
  budget: { limit: number; windowMs: number },
): Promise<{ reserved: true; at: Date } | { reserved: false; retryAfterMs: number } | undefined> {
  const windowStart = sql<Date>`now() - ${`${budget.windowMs} milliseconds`}::interval`;
  return db.transaction().execute(async (trx) => {
    const delivery = await trx
      .selectFrom('deliveries')
      .select('id')
      .where('id', '=', deliveryId)
      .where(inScope(scope, 'community_id'))
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!delivery) return undefined;
    await trx.deleteFrom('delivery_replays').where('delivery_id', '=', deliveryId).where('requested_at', '<=', windowStart).execute();
    const { n, wait_ms } = await trx
      .selectFrom('delivery_replays')
      .select([
        sql<number>`count(*)::int`.as('n'),
        sql<number | null>`ceil(extract(epoch from (min(requested_at) + ${`${budget.windowMs} milliseconds`}::interval - now())) * 1000)::bigint`.as('wait_ms'),
      ])
      .where('delivery_id', '=', deliveryId)
      .executeTakeFirstOrThrow();
    if (n >= budget.limit) return { reserved: false, retryAfterMs: Math.max(1000, Number(wait_ms ?? budget.windowMs)) };
    const row = await trx
      .insertInto('delivery_replays')
      .values({ delivery_id: deliveryId, requested_at: sql<Date>`date_trunc('milliseconds', now())` }) // exact as a JS Date, for releaseReplay
      .returning('requested_at')
      .executeTakeFirstOrThrow();
    return { reserved: true, at: row.requested_at };
  });
}

/** Gives back a reservation whose replay was not started (Temporal unreachable). */
export async function releaseReplay(db: Db, deliveryId: string, at: Date): Promise<void> {
  await db.deleteFrom('delivery_replays').where('delivery_id', '=', deliveryId).where('requested_at', '=', at).execute();
}

/**
 * Marks a delivery pending again before a replay, so reads show it on its way. A delivery of a FIFO
 * webhook takes the next place in its webhook's order: a replay goes after the deliveries waiting
 * at that moment (docs/flow-control.md#ordering).
 */
export async function markReplayRequested(db: Db, scope: Scope, id: string): Promise<boolean> {
  return db.transaction().execute((trx) => markReplayRequestedIn(trx, scope, id));
}

/** markReplayRequested in the caller's transaction; false when the delivery is not in scope (or purged). */
export async function markReplayRequestedIn(trx: Db, scope: Scope, id: string): Promise<boolean> {
  const row = await trx
    .selectFrom('deliveries')
    .select(['webhook_id', 'ordering_seq'])
    .where('id', '=', id)
    .where(inScope(scope, 'community_id'))
    .executeTakeFirst();
  if (!row) return false;
  const seq = row.ordering_seq === null ? undefined : (await nextOrderingSeqs(trx, [row.webhook_id])).get(row.webhook_id);
  await trx
    .updateTable('deliveries')
    .set({ status: 'pending', updated_at: new Date(), ...(seq !== undefined ? { ordering_seq: seq } : {}) })
    .where('id', '=', id)
    .execute();
  return true;
}

export async function setDeliveryStatus(
  db: Db,
  id: string,
  status: DeliveryStatus,
  nextAttemptAt: Date | null = null,
): Promise<void> {
  await db
    .updateTable('deliveries')
    .set({ status, next_attempt_at: nextAttemptAt, updated_at: new Date() })
    .where('id', '=', id)
    .execute();
}

/** Deliveries of an event whose workflows have not been started yet (an idempotent retry after a crash). */
export async function listUndispatchedOfEvent(db: Db, eventId: string) {
  return db
    .selectFrom('deliveries')
    .select(['id', 'community_id', 'webhook_id', 'event_type'])
    .where('event_id', '=', eventId)
    .where('dispatched_at', 'is', null)
    .execute();
}

/** Pending deliveries of a webhook, to resume when it is enabled again. */
export async function listPendingDeliveryIds(db: Db, webhookId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('deliveries')
    .select('id')
    .where('webhook_id', '=', webhookId)
    .where('status', '=', 'pending')
    .execute();
  return rows.map((r) => r.id);
}
