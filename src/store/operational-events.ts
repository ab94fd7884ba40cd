import type { Db } from '../db/database.js';
import { type DeliveryRef, recordEventIn } from './events.js';

/**
 * Emitting what the outbox holds (./operational-outbox.ts): one transaction per row records the
 * event with its deliveries (recordEventIn, the path of every event) and deletes the row, so an
 * event is emitted once.
 */
export interface EmittedOperationalEvent {
  eventId: string;
  type: string;
  communityId: string;
  deliveries: (DeliveryRef & { communityId: string; eventType: string })[];
}

/**
 * Emits up to `limit` queued operational events, oldest first, each in a transaction of its own
 * that records it and deletes its outbox row. Rows another drain holds are skipped, so workers and
 * API processes may drain at once. Returns the deliveries to start.
 */
export async function drainOperationalEvents(db: Db, limit = 100): Promise<EmittedOperationalEvent[]> {
  const emitted: EmittedOperationalEvent[] = [];
  for (let n = 0; n < limit; n++) {
    const one = await db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('operational_outbox')
        .selectAll()
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!row) return undefined;
      const result = await recordEventIn(trx, {
        communityId: row.community_id,
        type: row.type,
        occurredAt: row.occurred_at,
        data: row.data,
        exceptWebhookId: row.about_webhook_id,
      });
      await trx.deleteFrom('operational_outbox').where('id', '=', row.id).execute();
      if (result.outcome === 'conflict') return undefined; // no caller id: cannot happen
      return {
        eventId: result.event.id,
        type: row.type,
        communityId: row.community_id,
        deliveries: result.deliveries.map((d) => ({ ...d, communityId: row.community_id, eventType: row.type })),
      };
    });
    if (!one) break;
    emitted.push(one);
  }
  return emitted;
}

