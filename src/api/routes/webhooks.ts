import { Router } from 'express';
import { checkUrl, destinationPolicy } from '../../destination/index.js';
import { dispatchDeliveries } from '../../delivery/dispatch.js';
import { communityExists } from '../../store/communities.js';
import { listAttemptsOf, listDeliveries, listPendingDeliveryIds } from '../../store/deliveries.js';
import { recordEvent } from '../../store/events.js';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhooks,
  rotateWebhookSecret,
  updateWebhook,
} from '../../store/webhooks.js';
import { communityScope } from '../../store/scope.js';
import { signalDeliveries } from '../../temporal/deliveries.js';
import { actingCommunity, principalOf, scopeOf } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, notFound, sendSuccess } from '../envelope.js';
import { createWebhookBody, emptyBody, listQuery, updateWebhookBody, webhookDeliveryListQuery } from '../schemas.js';
import { parseWith } from '../validate.js';
import { cursorOrThrow } from './communities.js';
import { presentDelivery, presentEventAccepted } from './present.js';

export function webhookRoutes(deps: ApiDeps): Router {
  const { db, box, config, temporal, logger } = deps;
  const router = Router();

  /** SSRF defence at save time: the URL's text and every address its name resolves to. */
  async function checkedUrl(raw: string): Promise<string> {
    const result = await checkUrl(raw, destinationPolicy(config.delivery));
    if (!result.ok) {
      throw new ApiError(400, `invalid url: ${result.message}`, solutionFor(result.code), [
        { field: 'url', message: result.message, code: result.code },
      ]);
    }
    return result.url.href;
  }

  router.post('/webhooks', async (req, res) => {
    const body = parseWith(createWebhookBody, req.body);
    const communityId = actingCommunity(res, body.communityId);
    if (principalOf(res).kind === 'admin' && !(await communityExists(db, communityId))) throw notFound('community');
    const url = await checkedUrl(body.url);
    const { webhook, secret } = await createWebhook(db, box, communityId, {
      ...body,
      url,
      encryption: body.encryption as Parameters<typeof createWebhook>[3]['encryption'],
    });
    sendSuccess(res, 201, { ...webhook, secret });
  });

  router.get('/webhooks', async (req, res) => {
    const query = parseWith(listQuery, req.query);
    const scope = query.communityId ? communityScope(actingCommunity(res, query.communityId)) : scopeOf(res);
    const page = await listWebhooks(db, scope, { limit: query.limit, cursor: cursorOrThrow(query.cursor) });
    sendSuccess(res, 200, page.items, page.nextCursor);
  });

  router.get('/webhooks/:id', async (req, res) => {
    const webhook = await getWebhook(db, scopeOf(res), req.params.id);
    if (!webhook) throw notFound('webhook');
    sendSuccess(res, 200, webhook);
  });

  router.patch('/webhooks/:id', async (req, res) => {
    const body = parseWith(updateWebhookBody, req.body);
    const current = await getWebhook(db, scopeOf(res), req.params.id);
    if (!current) throw notFound('webhook');
    const events = body.events ?? current.events;
    const channelIds = body.channelIds !== undefined ? body.channelIds : current.channelIds;
    if (events.includes('channel.message.posted') && !channelIds?.length) {
      throw new ApiError(400, 'invalid channelIds: required when subscribing to channel.message.posted', 'Add channelIds.', [
        { field: 'channelIds', message: 'required (at least one) when subscribing to channel.message.posted' },
      ]);
    }
    if (body.encryption?.enabled && body.encryption.key === undefined && !current.encryption.enabled) {
      throw new ApiError(400, 'invalid encryption.key: required when enabling encryption', 'Add a 32-character key.', [
        { field: 'encryption.key', message: 'required when encryption is enabled' },
      ]);
    }
    const url = body.url !== undefined ? await checkedUrl(body.url) : undefined;
    const updated = await updateWebhook(db, box, scopeOf(res), req.params.id, {
      ...body,
      url,
      encryption: body.encryption as Parameters<typeof updateWebhook>[4]['encryption'],
    });
    if (!updated) throw notFound('webhook');
    if (!updated.before.active && updated.after.active) {
      // held deliveries wait on this signal; they also re-check on their own every hour
      await signalDeliveries(temporal, await listPendingDeliveryIds(db, updated.after.id), 'resume').catch((error: unknown) =>
        logger.warn({ err: error, webhookId: updated.after.id }, 'could not signal held deliveries; they resume on their next check'),
      );
    }
    sendSuccess(res, 200, updated.after);
  });

  router.delete('/webhooks/:id', async (req, res) => {
    parseWith(emptyBody, req.body ?? {});
    const cancelled = await deleteWebhook(db, scopeOf(res), req.params.id);
    if (!cancelled) throw notFound('webhook');
    await signalDeliveries(temporal, cancelled, 'cancel').catch((error: unknown) =>
      logger.warn({ err: error, webhookId: req.params.id }, 'could not signal cancelled deliveries; they stop at their next attempt'),
    );
    sendSuccess(res, 200, { id: req.params.id, deleted: true, cancelledDeliveries: cancelled.length });
  });

  router.post('/webhooks/:id/rotate-secret', async (req, res) => {
    parseWith(emptyBody, req.body ?? {});
    const rotated = await rotateWebhookSecret(db, box, scopeOf(res), req.params.id, config.secretRotationGraceMs);
    if (!rotated) throw notFound('webhook');
    sendSuccess(res, 200, { secret: rotated.secret, previousSecretExpiresAt: rotated.previousExpiresAt });
  });

  router.post('/webhooks/:id/test', async (req, res) => {
    parseWith(emptyBody, req.body ?? {});
    const webhook = await getWebhook(db, scopeOf(res), req.params.id);
    if (!webhook) throw notFound('webhook');
    // a disabled webhook gets no new deliveries (SPEC §5); a test would sit held, unseen
    if (!webhook.active) {
      throw new ApiError(409, 'the webhook is disabled, so a test event would not be sent', 'Enable it (PATCH {"active": true}) and send the test again.', [
        { field: 'active', message: `is false (${webhook.disabledReason ?? 'disabled'})` },
      ]);
    }
    const result = await recordEvent(db, {
      communityId: webhook.communityId,
      type: 'webhook.test',
      occurredAt: new Date(),
      data: { message: 'This is a test event from Hookline.' },
      onlyWebhookId: webhook.id,
    });
    if (result.outcome === 'conflict') throw new Error('a fresh test event cannot conflict');
    await dispatchOrLeaveToSweeper(deps, result.deliveries.map((d) => ({ ...d, communityId: webhook.communityId, eventType: 'webhook.test' })));
    sendSuccess(res, 202, presentEventAccepted(result.event, result.deliveries));
  });

  router.get('/webhooks/:id/deliveries', async (req, res) => {
    const webhook = await getWebhook(db, scopeOf(res), req.params.id);
    if (!webhook) throw notFound('webhook');
    const query = parseWith(webhookDeliveryListQuery, req.query);
    const page = await listDeliveries(
      db,
      scopeOf(res),
      { ...query, webhookId: webhook.id, status: query.status as never },
      { limit: query.limit, cursor: cursorOrThrow(query.cursor) },
    );
    const attempts = await listAttemptsOf(db, scopeOf(res), page.items.map((d) => d.id));
    sendSuccess(res, 200, page.items.map((d) => presentDelivery(d, config, attempts.get(d.id) ?? [])), page.nextCursor);
  });

  return router;
}

/**
 * Starts the workflows of just-recorded deliveries. They are already durable in Postgres, so when
 * Temporal cannot be reached the request still succeeds and the dispatch sweeper starts them later.
 */
export async function dispatchOrLeaveToSweeper(
  { temporal, config, db, logger }: ApiDeps,
  deliveries: { id: string; webhookId: string; communityId: string; eventType: string }[],
): Promise<void> {
  try {
    await dispatchDeliveries(temporal, config, db, deliveries);
  } catch (error) {
    logger.warn({ err: error, count: deliveries.length }, 'could not start delivery workflows now; the sweeper will');
  }
}

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
