import { isDeepStrictEqual } from 'node:util';
import { subscriptionsReceiving, webhookWantsEvent } from '../catalog/event-types.js';
import type { Db } from '../db/database.js';
import { newId } from '../ids.js';
import { inScope, type Scope } from './scope.js';
import { listSubscribedWebhooks, nextOrderingSeqs } from './webhooks.js';

export interface StoredEvent {
  id: string;
  externalId: string | null;
  communityId: string;
  type: string;
  occurredAt: string;
  /** null once expunged */
  data: unknown;
  createdAt: string;
  /** When DELETE /v1/events/:id erased its data (docs/retention.md#expunge), or null. */
  expungedAt: string | null;
}

export interface DeliveryRef {
  id: string;
  webhookId: string;
}

export type EventRow = {
  id: string;
  external_id: string | null;
  community_id: string;
  type: string;
  occurred_at: Date;
  data: unknown;
  created_at: Date;
  /** Left out by readers that never see an expunged event (the attempt's, which skips them). */
  expunged_at?: Date | null;
};

export function toEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    externalId: row.external_id,
    communityId: row.community_id,
    type: row.type,
    occurredAt: row.occurred_at.toISOString(),
    data: row.data,
    createdAt: row.created_at.toISOString(),
    expungedAt: row.expunged_at?.toISOString() ?? null,
  };
}

export interface NewEvent {
  communityId: string;
  externalId?: string | undefined;
  type: string;
  occurredAt: Date;
  data: unknown;
  /** Deliver to this webhook alone, whatever it subscribes to (the test button). */
  onlyWebhookId?: string | undefined;
  /** Never deliver to this webhook: the one an operational event is about. */
  exceptWebhookId?: string | undefined;
}

/** Rows per insert of an event's deliveries (9 parameters each: 9,000 of Postgres' 65,535). */
export const DELIVERY_INSERT_CHUNK = 1000;

export type RecordEventResult =
  | { outcome: 'created' | 'existing'; event: StoredEvent; deliveries: DeliveryRef[] }
  /** the caller's id names another event, or an expunged one (its `expungedAt` is set: nothing left to compare) */
  | { outcome: 'conflict'; event: StoredEvent };

/**
 * Records an event and one pending delivery per subscribed active webhook in one transaction, so
 * that once it commits every delivery is durable (workflows are started after, and the dispatch
 * sweeper starts any that a crash left behind). The caller's id makes it idempotent.
 */
export async function recordEvent(db: Db, input: NewEvent): Promise<RecordEventResult> {
  return db.transaction().execute((trx) => recordEventIn(trx, input));
}

/** recordEvent inside a transaction the caller holds (the operational outbox's drain). */
export async function recordEventIn(trx: Db, input: NewEvent): Promise<RecordEventResult> {
  const now = new Date();
  const inserted = await trx
    .insertInto('events')
    .values({
      id: newId('evt'),
      community_id: input.communityId,
      external_id: input.externalId ?? null,
      type: input.type,
      occurred_at: input.occurredAt,
      data: JSON.stringify(input.data),
      created_at: now,
    })
    .onConflict((oc) => oc.columns(['community_id', 'external_id']).doNothing())
    .returningAll()
    .executeTakeFirst();

  if (!inserted) {
    const existing = await trx
      .selectFrom('events')
      .selectAll()
      .where('community_id', '=', input.communityId)
      .where('external_id', '=', input.externalId ?? null)
      .executeTakeFirstOrThrow();
    const event = toEvent(existing);
    if (existing.expunged_at !== null) return { outcome: 'conflict', event };
    // occurredAt is left out: a retry that omitted it would default to a new "now".
    const same = existing.type === input.type && isDeepStrictEqual(existing.data, input.data);
    if (!same) return { outcome: 'conflict', event };
    return { outcome: 'existing', event, deliveries: await deliveriesOfEvent(trx, existing.id) };
  }

  const webhooks = input.onlyWebhookId
    ? // the one webhook, and only when it belongs to the event's community
      await trx
        .selectFrom('webhooks')
        .select(['id', 'ordering'])
        .where('id', '=', input.onlyWebhookId)
        .where('community_id', '=', input.communityId)
        .where('deleted_at', 'is', null)
        .execute()
    : (await listSubscribedWebhooks(trx, input.communityId, subscriptionsReceiving(input.type))).filter(
        (w) => w.id !== input.exceptWebhookId && webhookWantsEvent({ events: w.events, channelIds: w.channel_ids }, input),
      );

  // A FIFO webhook's deliveries are numbered in the order their events are accepted. The counter
  // lives on the webhook's row, whose lock this transaction holds until it commits: a concurrent
  // event to the same webhook waits for this one, so the order of the numbers is the order of the
  // commits, and of the answers (docs/flow-control.md#ordering).
  const ordered = await nextOrderingSeqs(
    trx,
    webhooks.filter((w) => w.ordering === 'fifo').map((w) => w.id),
  );

  // sorted by id, the order in which a repeated call reads them back
  const deliveries = webhooks.map((w) => ({ id: newId('dlv'), webhookId: w.id })).sort((a, b) => (a.id < b.id ? -1 : 1));
  // in chunks: 9 parameters a row, and Postgres takes at most 65,535 in one statement, so one
  // insert of 7,282 or more rows would fail; every chunk is in this same transaction
  for (let start = 0; start < deliveries.length; start += DELIVERY_INSERT_CHUNK) {
    await trx
      .insertInto('deliveries')
      .values(
        deliveries.slice(start, start + DELIVERY_INSERT_CHUNK).map((d) => ({
          id: d.id,
          community_id: input.communityId,
          event_id: inserted.id,
          webhook_id: d.webhookId,
          event_type: input.type,
          status: 'pending' as const,
          ordering_seq: ordered.get(d.webhookId) ?? null,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  }
  return { outcome: 'created', event: toEvent(inserted), deliveries };
}

async function deliveriesOfEvent(db: Db, eventId: string): Promise<DeliveryRef[]> {
  const rows = await db
    .selectFrom('deliveries')
    .select(['id', 'webhook_id'])
    .where('event_id', '=', eventId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, webhookId: r.webhook_id }));
}

/** Reads an event by its id or by the caller's own id. */
export async function getEvent(db: Db, scope: Scope, id: string): Promise<StoredEvent | undefined> {
  const row = await db
    .selectFrom('events')
    .selectAll()
    .where(inScope(scope, 'community_id'))
    .where((eb) => (id.startsWith('evt_') ? eb('id', '=', id) : eb('external_id', '=', id)))
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && toEvent(row);
}

