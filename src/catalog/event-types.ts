import { z } from 'zod';

/**
 * The event catalog (SPEC §3): one zod schema per event's `data`, the single source for request
 * validation, `GET /v1/event-types` (as JSON Schema) and the OpenAPI document.
 */
const id = z.string().min(1).max(128);
const shortText = z.string().max(256);
const timestamp = z.iso.datetime({ offset: true });

const eventUser = z.strictObject({
  id,
  username: z.string().min(1).max(128),
  displayName: shortText.optional(),
  email: z.email().max(320).optional(),
  avatar: z.url().max(2048).optional(),
});

const messageUser = z.strictObject({
  id,
  username: z.string().min(1).max(128),
  email: z.email().max(320).optional(),
});

export const userJoinedData = z.strictObject({ user: eventUser, joinedAt: timestamp });
export const userVisitedData = z.strictObject({ user: eventUser, visitedAt: timestamp });
export const messagePostedData = z.strictObject({
  message: z.strictObject({ id, text: z.string().max(16_384) }),
  user: messageUser,
  channel: z.strictObject({ id, name: z.string().min(1).max(256) }),
  postedAt: timestamp,
});
export const storeItemPurchasedData = z.strictObject({
  purchase: z.strictObject({
    id,
    quantity: z.number().int().positive().max(1_000_000),
    price: z.number().nonnegative().max(1e12),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD'),
  }),
  item: z.strictObject({ id, name: z.string().min(1).max(256), category: shortText.optional() }),
  user: messageUser,
  purchasedAt: timestamp,
});
export const webhookTestData = z.strictObject({ message: z.string().max(1024) });

export interface EventTypeDefinition {
  type: string;
  /** The name the platform's settings page shows. */
  name: string;
  schemaName: string;
  description: string;
  /** Whether the platform emits it through POST /v1/events (vs. subscription-only or internal). */
  source: boolean;
  data: z.ZodType | undefined;
  example: unknown;
}

const exampleUser = { id: 'usr_42', username: 'ada', displayName: 'Ada Lovelace', email: 'ada@example.com' };

export const EVENT_TYPES: readonly EventTypeDefinition[] = [
  {
    type: 'user.joined',
    name: 'User Joins Server',
    schemaName: 'UserJoinedCommunityEvent',
    description: 'A user joined the community.',
    source: true,
    data: userJoinedData,
    example: { user: exampleUser, joinedAt: '2026-11-29T12:00:00.000Z' },
  },
  {
    type: 'user.visited',
    name: 'User Visits server',
    schemaName: 'UserVisitedCommunityEvent',
    description: 'A user opened the community.',
    source: true,
    data: userVisitedData,
    example: { user: exampleUser, visitedAt: '2026-11-29T12:00:00.000Z' },
  },
  {
    type: 'message.posted',
    name: 'New Message Posted Anywhere',
    schemaName: 'ChannelMessagePostedEvent',
    description: 'A message was posted in any channel.',
    source: true,
    data: messagePostedData,
    example: {
      message: { id: 'msg_1', text: 'Hello <world> & friends' },
      user: { id: 'usr_42', username: 'ada' },
      channel: { id: 'ch_general', name: 'general' },
      postedAt: '2026-11-29T12:00:00.000Z',
    },
  },
  {
    type: 'channel.message.posted',
    name: 'New Message Posted To channel',
    schemaName: 'ChannelMessagePostedEvent',
    description:
      "Subscription only: a message.posted whose channel.id is in the webhook's channelIds. Delivered typed message.posted.",
    source: false,
    data: messagePostedData,
    example: undefined,
  },
  {
    type: 'store.item.purchased',
    name: 'Purchased Store Item',
    schemaName: 'PurchasedStoreItemEvent',
    description: 'A user bought an item in the community store.',
    source: true,
    data: storeItemPurchasedData,
    example: {
      purchase: { id: 'pur_9', quantity: 2, price: 4.5, currency: 'USD' },
      item: { id: 'itm_3', name: 'Golden badge', category: 'badges' },
      user: { id: 'usr_42', username: 'ada' },
      purchasedAt: '2026-11-29T12:00:00.000Z',
    },
  },
  {
    type: 'webhook.test',
    name: '(test button)',
    schemaName: 'WebhookTestEvent',
    description: 'Sent by POST /v1/webhooks/:id/test to that webhook alone.',
    source: false,
    data: webhookTestData,
    example: { message: 'This is a test event from Hookline.' },
  },
];

export const SUBSCRIBABLE_TYPES = EVENT_TYPES.map((t) => t.type);
export const SOURCE_TYPES = EVENT_TYPES.filter((t) => t.source).map((t) => t.type);
/** The types a delivery can carry: what is emitted, and the test event (never a subscription-only type). */
export const DELIVERED_TYPES = [...SOURCE_TYPES, 'webhook.test'];

export function findEventType(type: string): EventTypeDefinition | undefined {
  return EVENT_TYPES.find((t) => t.type === type);
}

/**
 * Which event types a webhook must subscribe to for it to receive an event. A message posted in a
 * channel reaches webhooks on `message.posted` and, when the channel is listed, on
 * `channel.message.posted` — once, typed `message.posted`.
 */
export function webhookWantsEvent(
  webhook: { events: readonly string[]; channelIds: readonly string[] | null },
  event: { type: string; data: unknown },
): boolean {
  if (webhook.events.includes(event.type)) return true;
  if (event.type === 'message.posted' && webhook.events.includes('channel.message.posted')) {
    const channelId = (event.data as { channel?: { id?: string } }).channel?.id;
    return channelId !== undefined && (webhook.channelIds ?? []).includes(channelId);
  }
  return false;
}
