import { EVENT_TYPES, findEventType } from '../../catalog/event-types.js';
import { dispatchOrLeaveToSweeper } from '../../delivery/dispatch.js';
import { annotateSpan } from '../../tracing/index.js';
import { communityExists } from '../../store/communities.js';
import { listDeliveries, listUndispatchedOfEvent } from '../../store/deliveries.js';
import { getEvent, recordEvent } from '../../store/events.js';
import { expungeEvent } from '../../store/expunge.js';
import { signalDeliveries } from '../../temporal/deliveries.js';
import { actingCommunity } from '../auth.js';
import { ApiError, notFound } from '../envelope.js';
import { Delivery, Event, EventAccepted } from '../responses.js';
import { defineRoute } from '../route.js';
import { createEventBody, emptyBody } from '../schemas.js';
import { parseWith } from '../validate.js';
import { presentDelivery, presentEvent, presentEventAccepted } from './present.js';

/** Events come in here; at most this many deliveries are listed with an event read. */
const EVENT_DELIVERIES_SHOWN = 200;

/**
 * POST /v1/events waits this long for its workflows to start, then answers 202 and lets the starts
 * go on: a large fan-out must not hold the answer (BENCHMARKS.md, "fanout"), and one delivery's
 * start takes a few ms, so a small event still answers after its workflow has started.
 */
const DISPATCH_BUDGET_MS = 500;

async function withinBudget(work: Promise<void>, budgetMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, budgetMs)))]);
  clearTimeout(timer);
}

const tag = 'Events';

export const eventRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/events',
    access: 'community',
    tag,
    summary: 'Emit an event: one durable delivery per subscribed active webhook',
    description:
      '`data` must match the schema of `type` (see the event-type schemas below). An `id` makes the call idempotent: the same id again returns the same event and deliveries and starts nothing new. The admin token must add `communityId`.',
    body: createEventBody,
    response: { status: 202, description: 'accepted; every delivery is durable', data: EventAccepted },
    errors: [400, 401, 404, 409, 413, 415, 429],
    examples: Object.fromEntries(EVENT_TYPES.filter((t) => t.source).map((t) => [t.type, { id: `${t.type}-1`, type: t.type, data: t.example }])),
    handler: async ({ body, res, principal, deps }) => {
      const { db } = deps;
      const communityId = actingCommunity(res, body.communityId);
      const definition = findEventType(body.type)!;
      const data = parseWith(definition.data!, body.data, ['data']);
      if (principal.kind === 'admin' && !(await communityExists(db, communityId))) throw notFound('community');

      const result = await recordEvent(db, {
        communityId,
        externalId: body.id,
        type: body.type,
        occurredAt: body.occurredAt ? new Date(body.occurredAt) : new Date(),
        data,
      });
      if (result.outcome === 'conflict' && result.event.expungedAt) {
        throw new ApiError(
          409,
          `event id ${body.id} belongs to ${result.event.id}, which was expunged at ${result.event.expungedAt}`,
          'An expunged event is not delivered again; use a new id for a new event.',
          [{ field: 'id', message: `already used by ${result.event.id} (expunged)` }],
        );
      }
      if (result.outcome === 'conflict') {
        throw new ApiError(
          409,
          `event id ${body.id} was already used for a different event`,
          'Use a new id for a new event; repeat an id only to retry the very same event.',
          [{ field: 'id', message: `already used by ${result.event.id}` }],
        );
      }
      annotateSpan({ 'hookline.event_id': result.event.id, 'hookline.event_type': body.type, 'hookline.deliveries': result.deliveries.length });
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
      return { status: 202, data: presentEventAccepted(result.event, result.deliveries) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/events/:id',
    access: 'community',
    tag,
    summary: 'An event with its deliveries',
    response: { status: 200, description: 'the event', data: Event.extend({ deliveries: Delivery.array() }) },
    handler: async ({ params, scope, deps }) => {
      const event = await getEvent(deps.db, scope, params.id!);
      if (!event) throw notFound('event');
      const deliveries = await listDeliveries(deps.db, scope, { eventId: event.id }, { limit: EVENT_DELIVERIES_SHOWN });
      return { status: 200, data: { ...presentEvent(event), deliveries: deliveries.items.map((d) => presentDelivery(d, deps.config)) } };
    },
  }),

  defineRoute({
    method: 'delete',
    path: '/v1/events/:id',
    access: 'community',
    tag,
    summary: "Expunge an event: its data is erased for good and its pending deliveries are cancelled",
    description:
      'The event reads afterwards with `data: null` and `expungedAt`. Its deliveries and their attempts stay (what was sent when, and what each receiver answered); the pending ones are cancelled and none is sent again: a replay answers 409, a bulk replay skips them. Idempotent. By Hookline id or by your own `id`. See docs/retention.md#expunge.',
    body: emptyBody,
    response: { status: 200, description: 'the expunged event with its deliveries', data: Event.extend({ deliveries: Delivery.array() }) },
    handler: async ({ params, scope, deps }) => {
      const expunged = await expungeEvent(deps.db, scope, params.id!);
      if (!expunged) throw notFound('event');
      // the rows say cancelled already; an attempt that wakes finds that and sends nothing, so a
      // workflow that misses this signal (Temporal unreachable) still ends without sending
      await signalDeliveries(deps.temporal, expunged.cancelled, 'cancel').catch((error: unknown) =>
        deps.logger.warn({ err: error, eventId: expunged.event.id }, 'expunge: could not signal every cancelled delivery; their next attempt finds them cancelled'),
      );
      const deliveries = await listDeliveries(deps.db, scope, { eventId: expunged.event.id }, { limit: EVENT_DELIVERIES_SHOWN });
      return { status: 200, data: { ...presentEvent(expunged.event), deliveries: deliveries.items.map((d) => presentDelivery(d, deps.config)) } };
    },
  }),
];
