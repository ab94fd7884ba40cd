import { z } from 'zod';
import { DELIVERY_STATUSES } from '../store/deliveries.js';
import { ENCRYPTION_ALGORITHMS } from '../wire/encrypt.js';

/**
 * What the API answers, as zod schemas: the documentation of the presenters (src/api/routes/present.ts),
 * turned into the OpenAPI document's response schemas. test/integration/ops-openapi.test.ts checks
 * real answers against them.
 */
export const ts = z.iso.datetime({ offset: true });
export const nullableTs = ts.nullable();

/** What the API answers: documentation of the presenters (the test checks real answers against it). */
export const Community = z
  .object({
    id: z.string(),
    name: z.string(),
    retentionDays: z.number().int().nullable().describe("days its final deliveries are kept; null: the deployment's RETENTION"),
    createdAt: ts,
  })
  .meta({ id: 'Community' });
export const ApiKey = z
  .object({
    id: z.string(),
    communityId: z.string(),
    name: z.string(),
    prefix: z.string().describe('the first characters of the key, to recognise it'),
    disabled: z.boolean(),
    lastUsedAt: nullableTs,
    createdAt: ts,
  })
  .meta({ id: 'ApiKey' });
export const ApiKeyCreated = ApiKey.extend({ key: z.string().describe('shown this once') }).meta({ id: 'ApiKeyCreated' });
export const PortalSessionCreated = z
  .object({
    id: z.string(),
    url: z.string().describe('the dashboard, signed in as the community: /dashboard#portal=<token>; shown this once'),
    expiresAt: ts,
  })
  .meta({ id: 'PortalSessionCreated' });
export const Webhook = z
  .object({
    id: z.string(),
    communityId: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    format: z.enum(['json', 'xml']),
    events: z.array(z.string()),
    channelIds: z.array(z.string()).nullable(),
    active: z.boolean(),
    disabledReason: z.string().nullable().describe('why Hookline disabled it, e.g. "gone" after a 410'),
    encryption: z.object({ enabled: z.boolean(), algorithm: z.enum(ENCRYPTION_ALGORITHMS as [string, ...string[]]).nullable() }),
    maxConcurrency: z.number().int(),
    rateLimitPerSecond: z.number().nullable(),
    ordering: z.enum(['none', 'fifo']),
    headerNames: z.array(z.string()).describe('names of its custom request headers; their values are never returned'),
    flow: z
      .object({
        inFlight: z.number().int().describe('attempts holding a slot now, across every worker'),
        effectiveConcurrency: z.number().int().describe('the adaptive limit: halved by 429, 503 and timeouts, raised by one per success'),
        pausedUntil: nullableTs.describe('set while a Retry-After pauses the whole webhook'),
        waiting: z.number().int().describe('deliveries waiting for a slot (or, FIFO, for earlier deliveries)'),
      })
      .meta({ id: 'WebhookFlow' }),
    createdAt: ts,
    updatedAt: ts,
  })
  .meta({ id: 'Webhook' });
export const WebhookCreated = Webhook.extend({
  secret: z.string().describe('the signing secret (whsec_…), shown this once'),
}).meta({ id: 'WebhookCreated' });
export const Event = z
  .object({
    id: z.string(),
    externalId: z.string().nullable(),
    communityId: z.string(),
    type: z.string(),
    occurredAt: ts,
    data: z.unknown().describe('the event data; null once expunged'),
    createdAt: ts,
    expungedAt: nullableTs.describe('when DELETE /v1/events/:id erased the data for good; null otherwise'),
  })
  .meta({ id: 'Event' });
export const Attempt = z
  .object({
    attemptNumber: z.number().int(),
    startedAt: ts,
    durationMs: z.number(),
    request: z.object({ url: z.string(), headers: z.record(z.string(), z.string()) }),
    response: z
      .object({ status: z.number().int(), headers: z.record(z.string(), z.string()), body: z.string(), bodyTruncated: z.boolean() })
      .nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .meta({ id: 'Attempt' });
export const Delivery = z
  .object({
    id: z.string(),
    communityId: z.string(),
    eventId: z.string(),
    webhookId: z.string(),
    eventType: z.string(),
    status: z.enum(DELIVERY_STATUSES as [string, ...string[]]),
    attemptCount: z.number().int(),
    lastAttemptAt: nullableTs,
    nextAttemptAt: nullableTs,
    createdAt: ts,
    updatedAt: ts,
    temporal: z.object({ workflowId: z.string(), uiUrl: z.string() }),
    attempts: z
      .array(Attempt)
      .optional()
      .describe('newest first: the latest 20 in GET /v1/deliveries/{id}, the latest one in lists; the rest through GET /v1/deliveries/{id}/attempts'),
    attemptsNextCursor: z
      .string()
      .nullable()
      .optional()
      .describe('the cursor of the older attempts (GET /v1/deliveries/{id}/attempts?cursor=…), or null when `attempts` holds them all'),
  })
  .meta({ id: 'Delivery' });
export const EventAccepted = z
  .object({ event: Event, deliveries: z.array(z.object({ id: z.string(), webhookId: z.string() })) })
  .meta({ id: 'EventAccepted' });
export const EventType = z
  .object({
    type: z.string(),
    name: z.string(),
    schemaName: z.string(),
    description: z.string(),
    source: z.boolean().describe('whether POST /v1/events accepts it'),
    operational: z.boolean().describe('emitted by Hookline itself about one of the community’s webhooks'),
    schema: z.unknown().describe('JSON Schema of the event data'),
    example: z.unknown(),
    subscriptionOnly: z
      .object({ deliversAs: z.string(), requires: z.literal('channelIds') })
      .nullable()
      .describe('a filter on another type: a webhook subscribed to it lists `requires` and gets `deliversAs` events'),
  })
  .meta({ id: 'EventType' });

export const ReplayJob = z
  .object({
    id: z.string(),
    communityId: z.string(),
    webhookId: z.string(),
    since: ts,
    until: nullableTs,
    status: z.enum(['running', 'completed', 'failed']),
    total: z.number().int().describe('failed deliveries replayed or to replay; final once completed'),
    done: z.number().int(),
    failed: z.number().int(),
    createdAt: ts,
    updatedAt: ts,
    completedAt: nullableTs,
    temporal: z.object({ workflowId: z.string(), uiUrl: z.string() }),
  })
  .meta({ id: 'ReplayJob' });

/** The `temporal` link of a delivery or a replay job. */
export const TemporalLink = z.object({ workflowId: z.string(), uiUrl: z.string() });

const PurgeCounts = z.object({
  deliveries: z.number().int(),
  attempts: z.number().int(),
  events: z.number().int(),
  replayJobs: z.number().int(),
  webhookSecrets: z.number().int(),
  apiKeys: z.number().int(),
  portalSessions: z.number().int().describe('ended portal sessions (expired or revoked)'),
});

/** A run of the purge (docs/retention.md): from the `hookline-purge` schedule and the run's workflow. */
export const PurgeRun = z
  .object({
    workflowId: z.string(),
    status: z.enum(['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out']),
    started: z.boolean().optional().describe('POST only: false when a run was already going and no second one was started'),
    startedAt: ts,
    closedAt: nullableTs,
    stage: z.enum(['community', 'secrets', 'vacuum', 'done']).nullable().describe('where the run stands; null when its progress could not be read'),
    deleted: PurgeCounts.nullable().describe('rows deleted so far (all of them once completed)'),
    batches: z.number().int().nullable().describe('delete statements run'),
    communities: z.number().int().nullable().describe('communities gone through'),
    vacuumed: z.array(z.string()).nullable().describe('tables VACUUMed at the end'),
    schedule: z.object({
      scheduleId: z.string(),
      everyMs: z.number().int().nullable(),
      paused: z.boolean(),
      nextRunAt: nullableTs,
    }),
    temporal: TemporalLink,
  })
  .meta({ id: 'PurgeRun' });
