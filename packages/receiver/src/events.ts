/**
 * The events a Hookline webhook receives, as TypeScript types: the envelope, and the `data` of each
 * type in Hookline's event catalog (`GET /v1/event-types` publishes a JSON Schema of each). The
 * Hookline repository checks these against the catalog's schemas, so they change together.
 * `channel.message.posted` is a subscription, not an event: it arrives typed `message.posted`.
 */

/** A user, as the user events carry it. */
export interface EventUser {
  id: string;
  username: string;
  displayName?: string;
  email?: string;
  avatar?: string;
}

/** A user, as message and purchase events carry it. */
export interface MessageUser {
  id: string;
  username: string;
  email?: string;
}

export interface UserJoinedData {
  user: EventUser;
  /** ISO 8601. */
  joinedAt: string;
}

export interface UserVisitedData {
  user: EventUser;
  visitedAt: string;
}

export interface MessagePostedData {
  message: { id: string; text: string };
  user: MessageUser;
  channel: { id: string; name: string };
  postedAt: string;
}

export interface StoreItemPurchasedData {
  purchase: {
    id: string;
    /** A positive integer. */
    quantity: number;
    price: number;
    /** ISO 4217, e.g. "USD". */
    currency: string;
  };
  item: { id: string; name: string; category?: string };
  user: MessageUser;
  purchasedAt: string;
}

export interface WebhookTestData {
  message: string;
}

/** Operational: Hookline disabled one of the community's webhooks. */
export interface WebhookDisabledData {
  webhook: { id: string; url: string };
  /** `gone`: its receiver answered 410; `failing`: every attempt failed for a while; `manual`: someone set it inactive. */
  reason: 'gone' | 'failing' | 'manual';
  disabledAt: string;
}

/** Operational: a disabled webhook of the community was enabled again. */
export interface WebhookEnabledData {
  webhook: { id: string; url: string };
  enabledAt: string;
}

/** Operational: a delivery to one of the community's webhooks ended `failed`. */
export interface DeliveryFailedData {
  delivery: {
    id: string;
    eventId: string;
    eventType: string;
    webhookId: string;
    attempts: number;
    /** The last answer's HTTP status, or null when the last attempt got none (timeout, refused, …). */
    lastResponseStatus: number | null;
  };
  failedAt: string;
}

/** Each event type, with the `data` it carries. */
export interface EventDataByType {
  'user.joined': UserJoinedData;
  'user.visited': UserVisitedData;
  'message.posted': MessagePostedData;
  'store.item.purchased': StoreItemPurchasedData;
  'webhook.test': WebhookTestData;
  'webhook.disabled': WebhookDisabledData;
  'webhook.enabled': WebhookEnabledData;
  'delivery.failed': DeliveryFailedData;
}

export type EventType = keyof EventDataByType;

/** Every type a delivery can carry, in the catalog's order. */
export const EVENT_TYPES: readonly EventType[] = Object.freeze([
  'user.joined',
  'user.visited',
  'message.posted',
  'store.item.purchased',
  'webhook.test',
  'webhook.disabled',
  'webhook.enabled',
  'delivery.failed',
] as const);

/** The body of a delivery: the same fields in JSON and in XML. */
export interface EventEnvelope<T extends string = string, D = unknown> {
  /** The event id (`evt_…`): shared by every webhook the event reaches. */
  id: string;
  type: T;
  /** When it happened (ISO 8601). */
  timestamp: string;
  /** The community (`cmty_…`). */
  communityId: string;
  data: D;
}

/** A JSON delivery's event: switch on `type` and `data` is typed. */
export type HooklineEvent = { [T in EventType]: EventEnvelope<T, EventDataByType[T]> }[EventType];

/**
 * What XML carries of a value: every leaf is text (numbers and booleans as their JSON text, null
 * as ""), and an array with one item reads back as that item (unless named in `xmlArrays`).
 */
export type AsXml<T> = T extends string
  ? T
  : T extends number | boolean | null
    ? string
    : T extends readonly (infer I)[]
      ? AsXml<I> | AsXml<I>[]
      : T extends object
        ? { [K in keyof T]: AsXml<T[K]> }
        : string;

/** An XML delivery's event: the same tree as JSON, with text leaves. */
export type HooklineXmlEvent = { [T in EventType]: EventEnvelope<T, AsXml<EventDataByType[T]>> }[EventType];

/** Whether a type is one this version of the package knows (a newer Hookline may send more). */
export function isKnownEventType(type: unknown): type is EventType {
  return typeof type === 'string' && (EVENT_TYPES as readonly string[]).includes(type);
}
