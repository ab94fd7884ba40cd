import { z } from 'zod';
import { EVENT_TYPES } from '../../catalog/event-types.js';
import { EventType } from '../responses.js';
import { defineRoute } from '../route.js';

/** `GET /v1/event-types`: the catalog with a JSON Schema of each type's `data`. */
const catalog = EVENT_TYPES.map((t) => ({
  type: t.type,
  name: t.name,
  schemaName: t.schemaName,
  description: t.description,
  source: t.source,
  // emitted by Hookline itself (webhook.disabled, webhook.enabled, delivery.failed)
  operational: t.operational === true,
  schema: t.data ? z.toJSONSchema(t.data) : null,
  example: t.example ?? null,
  // the rule of a subscription-only type, for clients that build subscription forms (the dashboard)
  subscriptionOnly: t.subscriptionOnly ? { deliversAs: t.subscriptionOnly.deliversAs, requires: t.subscriptionOnly.requires } : null,
}));

export const catalogRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/event-types',
    access: 'community',
    tag: 'Events',
    summary: 'The event catalog, with a JSON Schema of each type’s data',
    response: { status: 200, description: 'the catalog', data: EventType, list: true },
    handler: () => ({ status: 200, data: catalog, nextCursor: null }),
  }),
];
