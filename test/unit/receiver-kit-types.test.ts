import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import {
  DELIVERED_TYPES,
  deliveryFailedData,
  EVENT_TYPES,
  findEventType,
  messagePostedData,
  storeItemPurchasedData,
  userJoinedData,
  userVisitedData,
  webhookDisabledData,
  webhookEnabledData,
  webhookTestData,
} from '../../src/catalog/event-types.js';
import { EVENT_TYPES as KIT_EVENT_TYPES, type EventDataByType } from '../../packages/receiver/src/events.js';

/**
 * The receiver kit's event types (packages/receiver/src/events.ts) are written for its users;
 * the catalog's zod schemas, from which `GET /v1/event-types` makes its JSON Schemas, are the
 * source. The types are compared by the compiler (`npx tsc --noEmit -p .`, part of `npm test`):
 * a field added, removed, renamed, made optional or retyped on either side fails it. At run time:
 * the kit lists every type a delivery can carry, and each schema below is the one the catalog uses.
 */
const SCHEMAS = {
  'user.joined': userJoinedData,
  'user.visited': userVisitedData,
  'message.posted': messagePostedData,
  'store.item.purchased': storeItemPurchasedData,
  'webhook.test': webhookTestData,
  'webhook.disabled': webhookDisabledData,
  'webhook.enabled': webhookEnabledData,
  'delivery.failed': deliveryFailedData,
} as const;

type CatalogData = { -readonly [T in keyof typeof SCHEMAS]: z.infer<(typeof SCHEMAS)[T]> };

describe('the receiver kit\'s event types', () => {
  it('are the catalog\'s, field for field (checked by tsc)', () => {
    expectTypeOf<EventDataByType>().toEqualTypeOf<CatalogData>();
    expectTypeOf<EventDataByType['store.item.purchased']['purchase']['quantity']>().toEqualTypeOf<number>();
  });

  it('cover every type a delivery can carry, in the catalog\'s order', () => {
    expect([...KIT_EVENT_TYPES]).toEqual(DELIVERED_TYPES);
    expect(Object.keys(SCHEMAS)).toEqual(DELIVERED_TYPES);
  });

  it('are compared with the schemas the catalog really uses', () => {
    for (const [type, schema] of Object.entries(SCHEMAS)) expect(findEventType(type)?.data, type).toBe(schema);
    // subscription-only types arrive as another type and are not in the kit's union
    const subscriptionOnly = EVENT_TYPES.filter((t) => t.subscriptionOnly).map((t) => t.type);
    expect(subscriptionOnly).toEqual(['channel.message.posted']);
    expect(KIT_EVENT_TYPES).not.toContain('channel.message.posted');
  });
});
