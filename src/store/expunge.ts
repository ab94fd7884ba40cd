import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { markReplayRequestedIn } from './deliveries.js';
import { type StoredEvent, toEvent } from './events.js';
import { inScope, type Scope } from './scope.js';

/**
 * Expunge (DELETE /v1/events/:id, docs/retention.md#expunge) and what must respect it. Expunging
 * sets the event's data to null for good and cancels its pending deliveries, in one transaction;
 * the delivery and attempt rows stay (what was sent when, and what the receivers answered). From
 * then on nothing of it is sent: the attempt reads an expunged event as missing
 * (src/store/attempt-context.ts), a single replay answers 409 and a bulk replay skips it.
 */

/**
 * Expunges the event (by Hookline id or the caller's id) in the scope. Idempotent: a second call
 * keeps the first `expungedAt` and finds nothing pending. Returns the ids of the deliveries it
 * cancelled, whose workflows the caller tells to stop; undefined when there is no such event.
 */
export async function expungeEvent(db: Db, scope: Scope, id: string): Promise<{ event: StoredEvent; cancelled: string[] } | undefined> {
  return db.transaction().execute(async (trx) => {
    const target = await trx
      .selectFrom('events')
      .select('id')
      .where(inScope(scope, 'community_id'))
      .where((eb) => (id.startsWith('evt_') ? eb('id', '=', id) : eb('external_id', '=', id)))
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!target) return undefined;
    // the event's row lock is what a single replay waits for (markReplayUnlessExpunged)
    const row = await trx
      .updateTable('events')
      .set({ data: null, expunged_at: sql<Date>`coalesce(expunged_at, now())` })
      .where('id', '=', target.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const cancelled = await trx
      .updateTable('deliveries')
      .set({ status: 'cancelled', next_attempt_at: null, updated_at: new Date() })
      .where('event_id', '=', target.id)
      .where('status', '=', 'pending')
      .returning('id')
      .execute();
    return { event: toEvent(row), cancelled: cancelled.map((d) => d.id) };
  });
}

/**
 * Before a single replay: marks the delivery pending unless its event has been expunged. The
 * event's row is read `for share`, so an expunge in progress is waited for and seen, and one that
 * comes after finds the delivery pending and cancels it: a replay and an expunge cannot cross.
 */
export async function markReplayUnlessExpunged(
  db: Db,
  scope: Scope,
  delivery: { id: string; eventId: string },
): Promise<{ outcome: 'marked' } | { outcome: 'expunged'; expungedAt: Date } | { outcome: 'missing' }> {
  return db.transaction().execute(async (trx) => {
    const event = await trx.selectFrom('events').select('expunged_at').where('id', '=', delivery.eventId).forShare().executeTakeFirst();
    if (event?.expunged_at) return { outcome: 'expunged', expungedAt: event.expunged_at };
    // false: purged between the read and this update
    return (await markReplayRequestedIn(trx, scope, delivery.id)) ? { outcome: 'marked' } : { outcome: 'missing' };
  });
}
