import { z } from 'zod';

/**
 * The event catalog (docs/api.md#event-catalog): one zod schema per event's `data`, the single
 * source for request validation, `GET /v1/event-types` (as JSON Schema) and the OpenAPI document;
 * and the rule of each subscription-only type, which every reader of subscriptions takes from here.
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

// Operational events: Hookline's own, about a webhook of the community (docs/operational-events.md)
const webhookRef = z.strictObject({ id, url: z.string().max(2048) });
export const webhookDisabledData = z.strictObject({
  webhook: webhookRef,
  reason: z.enum(['gone', 'failing', 'manual']),
  disabledAt: timestamp,
});
export const webhookEnabledData = z.strictObject({ webhook: webhookRef, enabledAt: timestamp });
export const deliveryFailedData = z.strictObject({
  delivery: z.strictObject({
    id,
    eventId: id,
    eventType: z.string().max(128),
    webhookId: id,
    attempts: z.number().int().positive(),
    lastResponseStatus: z.number().int().nullable(),
  }),
  failedAt: timestamp,
});

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
  /** A subscription-only type: a filter on another type's events, never an event of its own. */
  subscriptionOnly?: SubscriptionFilter;
  /**
   * Emitted by Hookline itself about one of the community's webhooks: never accepted by
   * POST /v1/events, never delivered to the webhook it is about, and a delivery of one never
   * causes another (docs/operational-events.md).
   */
  operational?: true;
}

/**
 * A subscription to events of `deliversAs` narrowed by a list on the webhook: the webhook must list
 * at least one value in `requires`, and receives an event when `valueOf(event data)` is one of them,
 * typed `deliversAs` (once, also when it subscribes to `deliversAs` itself).
 */
export interface SubscriptionFilter {
  deliversAs: string;
  requires: 'channelIds';
  valueOf: (data: unknown) => string | undefined;
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
    subscriptionOnly: {
      deliversAs: 'message.posted',
      requires: 'channelIds',
      valueOf: (data) => (data as { channel?: { id?: string } }).channel?.id,
    },
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
  {
    type: 'webhook.disabled',
    name: '(operational) Webhook disabled',
    schemaName: 'WebhookDisabledEvent',
    description:
      'Hookline disabled one of the community\'s webhooks: its receiver answered 410 Gone (gone), every attempt failed for WEBHOOK_DISABLE_AFTER (failing), or someone set active to false (manual).',
    source: false,
    operational: true,
    data: webhookDisabledData,
    example: { webhook: { id: 'wh_0001', url: 'https://example.com/hooks' }, reason: 'failing', disabledAt: '2026-11-29T12:00:00.000Z' },
  },
  {
    type: 'webhook.enabled',
    name: '(operational) Webhook enabled',
    schemaName: 'WebhookEnabledEvent',
    description: 'A disabled webhook of the community was enabled again (active set to true).',
    source: false,
    operational: true,
    data: webhookEnabledData,
    example: { webhook: { id: 'wh_0001', url: 'https://example.com/hooks' }, enabledAt: '2026-11-29T12:00:00.000Z' },
  },
  {
    type: 'delivery.failed',
    name: '(operational) Delivery failed',
    schemaName: 'DeliveryFailedEvent',
    description: 'A delivery to one of the community\'s webhooks ended failed: its schedule ran out, or its receiver answered 410 Gone.',
    source: false,
    operational: true,
    data: deliveryFailedData,
    example: {
      delivery: { id: 'dlv_0001', eventId: 'evt_0001', eventType: 'user.joined', webhookId: 'wh_0001', attempts: 8, lastResponseStatus: 500 },
      failedAt: '2026-11-30T16:00:00.000Z',
    },
  },
];

export const SUBSCRIBABLE_TYPES = EVENT_TYPES.map((t) => t.type);
export const SOURCE_TYPES = EVENT_TYPES.filter((t) => t.source).map((t) => t.type);
export const OPERATIONAL_TYPES = EVENT_TYPES.filter((t) => t.operational).map((t) => t.type);
export type OperationalType = 'webhook.disabled' | 'webhook.enabled' | 'delivery.failed';

export function isOperational(type: string): boolean {
  return OPERATIONAL_TYPES.includes(type);
}
/** The types a delivery can carry: every type but the subscription-only ones (delivered as another). */
export const DELIVERED_TYPES = EVENT_TYPES.filter((t) => !t.subscriptionOnly).map((t) => t.type);

const SUBSCRIPTION_FILTERS = EVENT_TYPES.flatMap((t) => (t.subscriptionOnly ? [{ type: t.type, filter: t.subscriptionOnly }] : []));

export function findEventType(type: string): EventTypeDefinition | undefined {
  return EVENT_TYPES.find((t) => t.type === type);
}

/** The types a webhook may subscribe to that receive an event of `type`: itself and its filters. */
export function subscriptionsReceiving(type: string): string[] {
  return [type, ...SUBSCRIPTION_FILTERS.filter((f) => f.filter.deliversAs === type).map((f) => f.type)];
}

/**
 * Whether a webhook receives an event: it subscribes to the event's type, or to a subscription-only
 * type over it whose list holds the event's value. A message posted in a channel reaches webhooks on
 * `message.posted` and, when the channel is listed, on `channel.message.posted`: once, typed
 * `message.posted`.
 */
export function webhookWantsEvent(
  webhook: { events: readonly string[]; channelIds: readonly string[] | null },
  event: { type: string; data: unknown },
): boolean {
  if (webhook.events.includes(event.type)) return true;
  return SUBSCRIPTION_FILTERS.some(({ type, filter }) => {
    if (filter.deliversAs !== event.type || !webhook.events.includes(type)) return false;
    const value = filter.valueOf(event.data);
    return value !== undefined && (webhook[filter.requires] ?? []).includes(value);
  });
}

/**
 * What a webhook's subscription lacks, as `{field, message}`: a subscription-only type needs its list
 * (channel.message.posted needs at least one channelId). Undefined when nothing is missing.
 */
export function subscriptionProblem(webhook: {
  events?: readonly string[] | undefined;
  channelIds?: readonly string[] | null | undefined;
}): { field: 'channelIds'; message: string } | undefined {
  for (const { type, filter } of SUBSCRIPTION_FILTERS) {
    if (webhook.events?.includes(type) && !webhook[filter.requires]?.length) {
      return { field: filter.requires, message: `required (at least one) when subscribing to ${type}` };
    }
  }
  return undefined;
}
