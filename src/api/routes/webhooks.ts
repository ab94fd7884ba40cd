import { z } from 'zod';
import { subscriptionProblem } from '../../catalog/event-types.js';
import { dispatchOrLeaveToSweeper } from '../../delivery/dispatch.js';
import { emitOperationalEvents } from '../../delivery/operational-events.js';
import { checkUrl, destinationPolicy } from '../../destination/index.js';
import { communityExists } from '../../store/communities.js';
import { latestAttemptsOf, listDeliveries, listPendingDeliveryIds } from '../../store/deliveries.js';
import { recordEvent } from '../../store/events.js';
import { communityScope } from '../../store/scope.js';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhooks,
  rotateWebhookSecret,
  updateWebhook,
  WebhookHeadersError,
  WebhookLimitError,
} from '../../store/webhooks.js';
import { signalDeliveries } from '../../temporal/deliveries.js';
import { actingCommunity } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, notFound } from '../envelope.js';
import { Delivery, EventAccepted, nullableTs, Webhook, WebhookCreated } from '../responses.js';
import { defineRoute } from '../route.js';
import { createWebhookBody, emptyBody, listQuery, updateWebhookBody, webhookDeliveryListQuery } from '../schemas.js';
import { cursorOrThrow } from '../validate.js';
import { LIST_ATTEMPTS_SHOWN, presentDelivery, presentEventAccepted } from './present.js';

/** Webhooks: registering, changing, deleting, rotating the secret, the test button, recent deliveries. */
const tag = 'Webhooks';

/** SSRF defence at save time: the URL's text and every address its name resolves to. */
async function checkedUrl(deps: ApiDeps, raw: string): Promise<string> {
  const result = await checkUrl(raw, destinationPolicy(deps.config.delivery));
  if (!result.ok) {
    throw new ApiError(400, `invalid url: ${result.message}`, solutionFor(result.code), [
      { field: 'url', message: result.message, code: result.code },
    ]);
  }
  return result.url.href;
}

export const webhookRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/webhooks',
    access: 'community',
    tag,
    summary: 'Register a webhook (its signing secret is shown this once); at most MAX_WEBHOOKS_PER_COMMUNITY per community',
    body: createWebhookBody,
    response: { status: 201, description: 'the webhook and its secret', data: WebhookCreated },
    errors: [400, 401, 404, 409, 413, 415, 429],
    examples: {
      json: { url: 'https://example.com/webhooks/hookline', events: ['user.joined', 'message.posted'], description: 'CRM sync' },
      encryptedXml: {
        url: 'https://example.com/webhooks/xml',
        format: 'xml',
        events: ['store.item.purchased'],
        encryption: { enabled: true, algorithm: 'aes-256-gcm', key: '0123456789abcdef0123456789abcdef' },
      },
      channel: { url: 'https://example.com/webhooks/general', events: ['channel.message.posted'], channelIds: ['ch_general'] },
    },
    handler: async ({ body, res, principal, deps }) => {
      const communityId = actingCommunity(res, body.communityId);
      if (principal.kind === 'admin' && !(await communityExists(deps.db, communityId))) throw notFound('community');
      const url = await checkedUrl(deps, body.url);
      const max = deps.config.limits.maxWebhooksPerCommunity;
      try {
        const { webhook, secret } = await createWebhook(
          deps.db,
          deps.box,
          communityId,
          { ...body, url, encryption: body.encryption as Parameters<typeof createWebhook>[3]['encryption'] },
          max,
        );
        return { status: 201, data: { ...webhook, secret } };
      } catch (error) {
        if (!(error instanceof WebhookLimitError)) throw error;
        throw new ApiError(
          409,
          `the community has ${error.count} webhooks, the most it may hold (MAX_WEBHOOKS_PER_COMMUNITY=${max})`,
          'Delete a webhook it no longer uses (disabled ones count until deleted), or ask the operator to raise MAX_WEBHOOKS_PER_COMMUNITY.',
          { limit: max, webhooks: error.count },
        );
      }
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/webhooks',
    access: 'community',
    tag,
    summary: 'List webhooks',
    query: listQuery,
    response: { status: 200, description: 'a page of webhooks', data: Webhook, list: true },
    handler: async ({ query, res, scope, deps }) => {
      const inScope = query.communityId ? communityScope(actingCommunity(res, query.communityId)) : scope;
      const page = await listWebhooks(deps.db, inScope, { limit: query.limit, cursor: cursorOrThrow(query.cursor) });
      return { status: 200, data: page.items, nextCursor: page.nextCursor };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/webhooks/:id',
    access: 'community',
    tag,
    summary: 'Read a webhook',
    response: { status: 200, description: 'the webhook', data: Webhook },
    handler: async ({ params, scope, deps }) => {
      const webhook = await getWebhook(deps.db, scope, params.id!);
      if (!webhook) throw notFound('webhook');
      return { status: 200, data: webhook };
    },
  }),

  defineRoute({
    method: 'patch',
    path: '/v1/webhooks/:id',
    access: 'community',
    tag,
    summary: 'Change a webhook; changes reach the next attempt',
    description: 'Setting `active` to true resumes the deliveries that waited while it was disabled.',
    body: updateWebhookBody,
    response: { status: 200, description: 'the webhook', data: Webhook },
    examples: { disable: { active: false }, retarget: { url: 'https://example.com/webhooks/v2', events: ['user.joined'] } },
    handler: async ({ params, body, scope, deps }) => {
      const current = await getWebhook(deps.db, scope, params.id!);
      if (!current) throw notFound('webhook');
      // the subscription as it will be after the change must still satisfy the catalog's rules
      const problem = subscriptionProblem({
        events: body.events ?? current.events,
        channelIds: body.channelIds !== undefined ? body.channelIds : current.channelIds,
      });
      if (problem) throw new ApiError(400, `invalid ${problem.field}: ${problem.message}`, `Add ${problem.field}.`, [problem]);
      if (body.encryption?.enabled && body.encryption.key === undefined && !current.encryption.enabled) {
        throw new ApiError(400, 'invalid encryption.key: required when enabling encryption', 'Add a 32-character key.', [
          { field: 'encryption.key', message: 'required when encryption is enabled' },
        ]);
      }
      const url = body.url !== undefined ? await checkedUrl(deps, body.url) : undefined;
      const updated = await updateWebhook(deps.db, deps.box, scope, params.id!, {
        ...body,
        url,
        encryption: body.encryption as Parameters<typeof updateWebhook>[4]['encryption'],
      }).catch((error: unknown) => {
        // the merge of a headers patch is checked as a whole, against what is stored
        if (!(error instanceof WebhookHeadersError)) throw error;
        throw new ApiError(400, `invalid headers: ${error.message}`, 'Remove headers (a name with null) or send fewer, then try again.', [
          { field: 'headers', message: error.message },
        ]);
      });
      if (!updated) throw notFound('webhook');
      if (updated.before.active !== updated.after.active) await emitOperationalEvents({ ...deps, logger: deps.logger });
      if (!updated.before.active && updated.after.active) {
        // held deliveries wait on this signal; they also re-check on their own every hour
        await signalDeliveries(deps.temporal, await listPendingDeliveryIds(deps.db, updated.after.id), 'resume').catch((error: unknown) =>
          deps.logger.warn({ err: error, webhookId: updated.after.id }, 'could not signal held deliveries; they resume on their next check'),
        );
      }
      return { status: 200, data: updated.after };
    },
  }),

  defineRoute({
    method: 'delete',
    path: '/v1/webhooks/:id',
    access: 'community',
    tag,
    summary: 'Delete a webhook; its pending deliveries are cancelled',
    body: emptyBody,
    response: {
      status: 200,
      description: 'deleted',
      data: z.object({ id: z.string(), deleted: z.literal(true), cancelledDeliveries: z.number().int() }),
    },
    handler: async ({ params, scope, deps }) => {
      const cancelled = await deleteWebhook(deps.db, scope, params.id!);
      if (!cancelled) throw notFound('webhook');
      await signalDeliveries(deps.temporal, cancelled, 'cancel').catch((error: unknown) =>
        deps.logger.warn({ err: error, webhookId: params.id }, 'could not signal cancelled deliveries; they stop at their next attempt'),
      );
      return { status: 200, data: { id: params.id, deleted: true, cancelledDeliveries: cancelled.length } };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/v1/webhooks/:id/rotate-secret',
    access: 'community',
    tag,
    summary: 'Rotate the signing secret; the old one keeps signing beside it for SECRET_ROTATION_GRACE',
    body: emptyBody,
    response: {
      status: 200,
      description: 'the new secret, shown this once',
      data: z.object({ secret: z.string(), previousSecretExpiresAt: nullableTs }),
    },
    handler: async ({ params, scope, deps }) => {
      const rotated = await rotateWebhookSecret(deps.db, deps.box, scope, params.id!, deps.config.secretRotationGraceMs);
      if (!rotated) throw notFound('webhook');
      return { status: 200, data: { secret: rotated.secret, previousSecretExpiresAt: rotated.previousExpiresAt } };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/v1/webhooks/:id/test',
    access: 'community',
    tag,
    summary: 'Send a webhook.test event to this webhook alone',
    body: emptyBody,
    response: { status: 202, description: 'accepted', data: EventAccepted },
    errors: [400, 401, 404, 409, 429],
    handler: async ({ params, scope, deps }) => {
      const webhook = await getWebhook(deps.db, scope, params.id!);
      if (!webhook) throw notFound('webhook');
      // a disabled webhook gets no new deliveries (docs/delivery.md); a test would sit held, unseen
      if (!webhook.active) {
        throw new ApiError(409, 'the webhook is disabled, so a test event would not be sent', 'Enable it (PATCH {"active": true}) and send the test again.', [
          { field: 'active', message: `is false (${webhook.disabledReason ?? 'disabled'})` },
        ]);
      }
      const result = await recordEvent(deps.db, {
        communityId: webhook.communityId,
        type: 'webhook.test',
        occurredAt: new Date(),
        data: { message: 'This is a test event from Hookline.' },
        onlyWebhookId: webhook.id,
      });
      if (result.outcome === 'conflict') throw new Error('a fresh test event cannot conflict');
      await dispatchOrLeaveToSweeper(
        deps,
        result.deliveries.map((d) => ({ ...d, communityId: webhook.communityId, eventType: 'webhook.test' })),
      );
      return { status: 202, data: presentEventAccepted(result.event, result.deliveries) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/webhooks/:id/deliveries',
    access: 'community',
    tag: 'Deliveries',
    summary: 'Recent deliveries of a webhook, newest first, each with its latest attempt',
    query: webhookDeliveryListQuery,
    response: { status: 200, description: 'a page of deliveries', data: Delivery, list: true },
    handler: async ({ params, query, scope, deps }) => {
      const webhook = await getWebhook(deps.db, scope, params.id!);
      if (!webhook) throw notFound('webhook');
      const page = await listDeliveries(
        deps.db,
        scope,
        { ...query, webhookId: webhook.id, status: query.status as never },
        { limit: query.limit, cursor: cursorOrThrow(query.cursor) },
      );
      const attempts = await latestAttemptsOf(deps.db, scope, page.items.map((d) => d.id), LIST_ATTEMPTS_SHOWN);
      return {
        status: 200,
        data: page.items.map((d) => presentDelivery(d, deps.config, attempts.get(d.id))),
        nextCursor: page.nextCursor,
      };
    },
  }),
];

function solutionFor(code: string): string {
  switch (code) {
    case 'scheme_not_allowed':
      return 'Use an https:// URL.';
    case 'credentials_in_url':
      return 'Remove the user and password from the URL; verify requests with the webhook signature instead.';
    case 'blocked_destination':
      return 'Use a public address: private, loopback, link-local and metadata addresses are refused.';
    case 'unresolvable_host':
      return 'Check the host name: it must resolve in public DNS.';
    case 'port_not_allowed':
      return 'Use a port the operator allows (DELIVERY_ALLOWED_PORTS; 443 and 8443 by default).';
    default:
      return 'Give an absolute https:// URL such as https://example.com/webhooks.';
  }
}
