import { Router } from 'express';
import { findEventType } from '../../catalog/event-types.js';
import { listDeliveries, listUndispatchedOfEvent } from '../../store/deliveries.js';
import { getEvent, recordEvent } from '../../store/events.js';
import { actingCommunity, principalOf, scopeOf } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, notFound, sendSuccess } from '../envelope.js';
import { createEventBody } from '../schemas.js';
import { parseWith } from '../validate.js';
import { communityExists } from '../../store/communities.js';
import { dispatchOrLeaveToSweeper } from './webhooks.js';
import { presentDelivery, presentEvent, presentEventAccepted } from './present.js';

/** Events come in here; at most this many deliveries are listed with an event read. */
const EVENT_DELIVERIES_SHOWN = 200;

/**
 * POST /v1/events waits this long for its workflows to start, then answers 202 and lets the starts
 * go on. Starting 1,000 workflows inline held the 202 for 23 s on a busy 2-core machine (0.8 s with
 * this budget; fan-out target 1 s, BENCHMARKS.md); one delivery's start takes a few ms, so a small
 * event still answers after its workflow has started.
 */
const DISPATCH_BUDGET_MS = 500;

async function withinBudget(work: Promise<void>, budgetMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, budgetMs)))]);
  clearTimeout(timer);
}

export function eventRoutes(deps: ApiDeps): Router {
  const { db, config } = deps;
  const router = Router();

  router.post('/events', async (req, res) => {
    const body = parseWith(createEventBody, req.body);
    const communityId = actingCommunity(res, body.communityId);
    const definition = findEventType(body.type)!;
    const data = parseWith(definition.data!, body.data, ['data']);
    if (principalOf(res).kind === 'admin' && !(await communityExists(db, communityId))) throw notFound('community');

    const result = await recordEvent(db, {
      communityId,
      externalId: body.id,
      type: body.type,
      occurredAt: body.occurredAt ? new Date(body.occurredAt) : new Date(),
      data,
    });
    if (result.outcome === 'conflict') {
      throw new ApiError(
        409,
        `event id ${body.id} was already used for a different event`,
        'Use a new id for a new event; repeat an id only to retry the very same event.',
        [{ field: 'id', message: `already used by ${result.event.id}` }],
      );
    }
    // A retry after a crash between commit and start finds deliveries not yet started.
    const toStart =
      result.outcome === 'created'
        ? result.deliveries.map((d) => ({ ...d, communityId, eventType: body.type }))
        : (await listUndispatchedOfEvent(db, result.event.id)).map((d) => ({
            id: d.id,
            webhookId: d.webhook_id,
            communityId: d.community_id,
            eventType: d.event_type,
          }));
    // The deliveries are durable once recordEvent commits; starting their workflows may outlast the
    // answer (a large fan-out), and the worker's dispatch sweeper starts whatever a crash leaves.
    if (toStart.length > 0) await withinBudget(dispatchOrLeaveToSweeper(deps, toStart), DISPATCH_BUDGET_MS);
    sendSuccess(res, 202, presentEventAccepted(result.event, result.deliveries));
  });

  router.get('/events/:id', async (req, res) => {
    const event = await getEvent(db, scopeOf(res), req.params.id);
    if (!event) throw notFound('event');
    const deliveries = await listDeliveries(db, scopeOf(res), { eventId: event.id }, { limit: EVENT_DELIVERIES_SHOWN });
    sendSuccess(res, 200, { ...presentEvent(event), deliveries: deliveries.items.map((d) => presentDelivery(d, config)) });
  });

  return router;
}
