import { sql } from 'kysely';
import type { OperationalType } from '../catalog/event-types.js';
import type { Db } from '../db/database.js';

/**
 * Operational events (docs/operational-events.md): Hookline tells a community that one of its
 * webhooks was disabled or enabled, or that a delivery ended failed. Each is queued in the
 * operational outbox (migrations/0007) in the same statement or transaction as the change it tells
 * of; drainOperationalEvents (./operational-events.ts) then emits it, so a crash in between loses
 * nothing.
 */
export type OperationalEvent =
  | { type: 'webhook.disabled'; data: { webhook: WebhookRef; reason: DisabledReason; disabledAt: string } }
  | { type: 'webhook.enabled'; data: { webhook: WebhookRef; enabledAt: string } }
  | {
      type: 'delivery.failed';
      data: {
        delivery: { id: string; eventId: string; eventType: string; webhookId: string; attempts: number; lastResponseStatus: number | null };
        failedAt: string;
      };
    };

export interface WebhookRef {
  id: string;
  url: string;
}

/** Why a webhook was disabled, as webhook.disabled tells it: its stored reason `disabled` is `manual`. */
export type DisabledReason = 'gone' | 'failing' | 'manual';

export interface QueuedOperationalEvent {
  communityId: string;
  /** The webhook the event is about: it never receives it. */
  aboutWebhookId: string;
  event: OperationalEvent;
}

export async function queueOperationalEvent(db: Db, queued: QueuedOperationalEvent): Promise<void> {
  await db
    .insertInto('operational_outbox')
    .values({
      community_id: queued.communityId,
      type: queued.event.type satisfies OperationalType,
      about_webhook_id: queued.aboutWebhookId,
      data: JSON.stringify(queued.event.data),
    })
    .execute();
}

/** How many operational events wait in the outbox (the sweeper's and tests' view). */
export async function countQueuedOperationalEvents(db: Db): Promise<number> {
  const { n } = await db.selectFrom('operational_outbox').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return n;
}
