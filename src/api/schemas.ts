import { z } from 'zod';
import { customHeaderProblems, MAX_CUSTOM_HEADER_VALUE, MAX_CUSTOM_HEADERS } from '../wire/custom-headers.js';
import { DELIVERED_TYPES, EVENT_TYPES, OPERATIONAL_TYPES, SOURCE_TYPES, SUBSCRIBABLE_TYPES, subscriptionProblem } from '../catalog/event-types.js';
import { DELIVERY_STATUSES } from '../store/deliveries.js';
import { ENCRYPTION_ALGORITHMS } from '../wire/encrypt.js';

/** Request schemas: the single source for validation and for the OpenAPI document. */
const name = z.string().trim().min(1).max(200);
const communityIdField = z.string().min(1).max(64).optional();

export const createCommunityBody = z.strictObject({ name });
/** PATCH /v1/communities/:communityId: retentionDays overrides RETENTION for the community's rows; null goes back to it. */
export const updateCommunityBody = z
  .strictObject({ name: name.optional(), retentionDays: z.number().int().min(1).max(365).nullable().optional() })
  .refine((v) => v.name !== undefined || v.retentionDays !== undefined, { message: 'give name or retentionDays' });
export const createApiKeyBody = z.strictObject({ name });
export const updateApiKeyBody = z
  .strictObject({ name: name.optional(), disabled: z.boolean().optional() })
  .refine((v) => v.name !== undefined || v.disabled !== undefined, { message: 'give name or disabled' });

/** How long a portal link signs the dashboard in (docs/portal.md): a minute to a day. */
export const PORTAL_TTL_SECONDS = { min: 60, max: 86_400, default: 3_600 } as const;
export const createPortalSessionBody = z.strictObject({
  ttlSeconds: z.number().int().min(PORTAL_TTL_SECONDS.min).max(PORTAL_TTL_SECONDS.max).default(PORTAL_TTL_SECONDS.default),
});

const encryption = z
  .strictObject({
    enabled: z.boolean(),
    algorithm: z.enum(ENCRYPTION_ALGORITHMS as [string, ...string[]]).optional(),
    key: z
      .string()
      .refine((k) => [...k].length === 32 && Buffer.byteLength(k, 'utf8') === 32, {
        message: 'must be exactly 32 characters (ASCII, 32 bytes)',
      })
      .optional(),
  })
  .superRefine((value, ctx) => {
    if (value.enabled && value.algorithm === undefined) {
      ctx.addIssue({ code: 'custom', path: ['algorithm'], message: 'required when encryption is enabled (aes-256-gcm or aes-256-cbc)' });
    }
  });

/** Custom request headers (docs/api.md#custom-headers): each rule of src/wire/custom-headers.ts, named by the header. */
function headersRule(headers: Record<string, string | null>, ctx: z.RefinementCtx) {
  const set = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== null));
  for (const problem of customHeaderProblems(set)) ctx.addIssue({ code: 'custom', path: problem.name ? [problem.name] : [], message: problem.message });
}
const headersDescription =
  `custom request headers sent on every attempt, {name: value}: at most ${MAX_CUSTOM_HEADERS}, names [A-Za-z0-9-]{1,64}, ` +
  `values printable ASCII up to ${MAX_CUSTOM_HEADER_VALUE} characters; Hookline's own headers, host, content-length, connection ` +
  'and transfer-encoding are refused. Values are sealed at rest and never returned (read back headerNames).';

const webhookFields = {
  url: z.string().min(1).max(2048),
  description: z.string().max(500).nullable().optional(),
  format: z.enum(['json', 'xml']),
  events: z
    .array(z.enum(SUBSCRIBABLE_TYPES as [string, ...string[]]))
    .min(1)
    .max(SUBSCRIBABLE_TYPES.length)
    .refine((e) => new Set(e).size === e.length, { message: 'must not repeat a type' }),
  channelIds: z.array(z.string().min(1).max(128)).max(500).nullable().optional(),
  active: z.boolean(),
  encryption: encryption.optional(),
  // flow control and ordering (docs/flow-control.md)
  maxConcurrency: z.number().int().min(1).max(100).describe('attempts in flight to this webhook at once, across every worker'),
  rateLimitPerSecond: z.number().min(0.1).max(1000).nullable().describe('attempts started per second; null for no limit'),
  ordering: z.enum(['none', 'fifo']).describe('fifo: one attempt at a time, in the order the events were accepted'),
  headers: z.record(z.string(), z.string()).superRefine(headersRule).describe(headersDescription),
};

/** The catalog's rule for subscription-only types (channel.message.posted needs channelIds). */
function subscriptionRule(value: { events?: string[] | undefined; channelIds?: string[] | null | undefined }, ctx: z.RefinementCtx) {
  const problem = subscriptionProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
}

export const createWebhookBody = z
  .strictObject({
    communityId: communityIdField,
    ...webhookFields,
    format: webhookFields.format.default('json'),
    active: webhookFields.active.default(true),
    maxConcurrency: webhookFields.maxConcurrency.default(10),
    rateLimitPerSecond: webhookFields.rateLimitPerSecond.default(null),
    ordering: webhookFields.ordering.default('none'),
    headers: webhookFields.headers.optional(),
  })
  .superRefine((value, ctx) => {
    subscriptionRule(value, ctx);
    if (value.encryption?.enabled && value.encryption.key === undefined) {
      ctx.addIssue({ code: 'custom', path: ['encryption', 'key'], message: 'required when encryption is enabled' });
    }
  });

export const updateWebhookBody = z
  .strictObject({
    url: webhookFields.url.optional(),
    description: webhookFields.description,
    format: webhookFields.format.optional(),
    events: webhookFields.events.optional(),
    channelIds: webhookFields.channelIds,
    active: webhookFields.active.optional(),
    encryption: webhookFields.encryption,
    maxConcurrency: webhookFields.maxConcurrency.optional(),
    rateLimitPerSecond: webhookFields.rateLimitPerSecond.optional(),
    ordering: webhookFields.ordering.optional(),
    headers: z
      .record(z.string(), z.string().nullable())
      .superRefine(headersRule)
      .nullable()
      .optional()
      .describe('a merge patch of the custom headers: a name with a value sets it, a name with null removes it, a name left out keeps its value; null removes them all'),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field to change' });

export const createEventBody = z.strictObject({
  communityId: communityIdField,
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._:-]+$/, 'may use letters, digits and . _ : - only')
    .refine((v) => !v.startsWith('evt_'), { message: 'must not start with evt_ (reserved for Hookline ids)' })
    .optional(),
  type: z.enum(SOURCE_TYPES as [string, ...string[]], {
    error: (issue) =>
      typeof issue.input === 'string' && OPERATIONAL_TYPES.includes(issue.input)
        ? `${issue.input} is an operational event: Hookline emits it itself and does not accept it here`
        : `must be one of ${SOURCE_TYPES.join(', ')}`,
  }),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
  data: z.unknown(),
});

const SUBSCRIPTION_ONLY_NOTE = EVENT_TYPES.flatMap((t) =>
  t.subscriptionOnly ? [`${t.type} deliveries are typed ${t.subscriptionOnly.deliversAs}`] : [],
).join('; ');

const limit = z.coerce.number().int().min(1).max(200).default(50);
const cursor = z.string().max(512).optional();
const isoTime = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

export const listQuery = z.strictObject({ limit, cursor, communityId: communityIdField });

const deliveryListFields = {
  limit,
  cursor,
  communityId: communityIdField,
  webhookId: z.string().min(1).max(64).optional(),
  status: z.enum(DELIVERY_STATUSES as [string, ...string[]]).optional(),
  eventType: z
    .enum(DELIVERED_TYPES as [string, ...string[]], {
      error: `must be one of ${DELIVERED_TYPES.join(', ')} (${SUBSCRIPTION_ONLY_NOTE})`,
    })
    .optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
};

function windowRule(value: { since?: Date | undefined; until?: Date | undefined }, ctx: z.RefinementCtx) {
  if (value.since && value.until && value.since >= value.until) {
    ctx.addIssue({ code: 'custom', path: ['until'], message: 'must be later than since' });
  }
}

export const deliveryListQuery = z.strictObject(deliveryListFields).superRefine(windowRule);

const { webhookId: _webhookId, communityId: _communityId, ...webhookDeliveryListFields } = deliveryListFields;
export const webhookDeliveryListQuery = z.strictObject(webhookDeliveryListFields).superRefine(windowRule);

/** GET /v1/deliveries/:id/attempts: newest first, at most 100 a page. */
export const attemptListQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20), cursor });

/** For actions that take no body: anything sent is an unknown field. */
export const emptyBody = z.strictObject({});

/** POST /v1/webhooks/:id/replay: the window of failed deliveries to replay, on their creation time. */
export const webhookReplayBody = z
  .strictObject({ since: z.iso.datetime({ offset: true }).transform((v) => new Date(v)), until: isoTime.optional() })
  .superRefine(windowRule);
