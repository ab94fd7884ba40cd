import {
  getDelivery,
  latestAttemptsOf,
  listAttemptsPage,
  listDeliveries,
  releaseReplay,
  reserveReplay,
  setDeliveryStatus,
} from '../../store/deliveries.js';
import { markReplayUnlessExpunged } from '../../store/expunge.js';
import { encodeAttemptCursor } from '../../store/pagination.js';
import { communityScope } from '../../store/scope.js';
import { replayDeliveryWorkflow } from '../../temporal/deliveries.js';
import { actingCommunity } from '../auth.js';
import { ApiError, notFound } from '../envelope.js';
import { Attempt, Delivery } from '../responses.js';
import { defineRoute } from '../route.js';
import { attemptListQuery, deliveryListQuery, emptyBody } from '../schemas.js';
import { attemptCursorOrThrow, cursorOrThrow } from '../validate.js';
import { DELIVERY_ATTEMPTS_SHOWN, LIST_ATTEMPTS_SHOWN, presentDelivery } from './present.js';

/** Deliveries: listing and reading them with their attempts, replaying one. */
const tag = 'Deliveries';

/** The window of REPLAYS_PER_DELIVERY_PER_HOUR. */
const REPLAY_WINDOW_MS = 3_600_000;


export const deliveryRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/deliveries',
    access: 'community',
    tag,
    summary: 'List deliveries, newest first, each with its latest attempt',
    query: deliveryListQuery,
    response: { status: 200, description: 'a page of deliveries', data: Delivery, list: true },
    handler: async ({ query, res, scope, deps }) => {
      const inScope = query.communityId ? communityScope(actingCommunity(res, query.communityId)) : scope;
      const page = await listDeliveries(deps.db, inScope, { ...query, status: query.status as never }, {
        limit: query.limit,
        cursor: cursorOrThrow(query.cursor),
      });
      const attempts = await latestAttemptsOf(deps.db, inScope, page.items.map((d) => d.id), LIST_ATTEMPTS_SHOWN);
      return {
        status: 200,
        data: page.items.map((d) => presentDelivery(d, deps.config, attempts.get(d.id))),
        nextCursor: page.nextCursor,
      };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/deliveries/:id',
    access: 'community',
    tag,
    summary: 'A delivery with its latest 20 attempts (newest first), the cursor of the older ones, and its Temporal workflow',
    response: { status: 200, description: 'the delivery', data: Delivery },
    handler: async ({ params, scope, deps }) => {
      const delivery = await getDelivery(deps.db, scope, params.id!);
      if (!delivery) throw notFound('delivery');
      const attempts = await listAttemptsPage(deps.db, scope, delivery.id, { limit: DELIVERY_ATTEMPTS_SHOWN });
      return { status: 200, data: presentDelivery(delivery, deps.config, attempts) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/deliveries/:id/attempts',
    access: 'community',
    tag,
    summary: "A delivery's attempts, newest first, a page at a time (limit at most 100)",
    query: attemptListQuery,
    response: { status: 200, description: 'a page of attempts', data: Attempt, list: true },
    handler: async ({ params, query, scope, deps }) => {
      const before = attemptCursorOrThrow(query.cursor);
      const delivery = await getDelivery(deps.db, scope, params.id!);
      if (!delivery) throw notFound('delivery');
      const page = await listAttemptsPage(deps.db, scope, delivery.id, { limit: query.limit, before });
      return { status: 200, data: page.items, nextCursor: page.nextBefore === null ? null : encodeAttemptCursor(page.nextBefore) };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/v1/deliveries/:id/replay',
    access: 'community',
    tag,
    summary: 'Replay a delivery (any final status): a fresh run of the schedule, same delivery id',
    description: 'At most REPLAYS_PER_DELIVERY_PER_HOUR (10) replays of one delivery in any hour; then 429 with Retry-After.',
    body: emptyBody,
    response: { status: 202, description: 'replay started', data: Delivery },
    errors: [400, 401, 404, 409, 429, 503],
    handler: async ({ params, scope, deps }) => {
      const { db, config, temporal } = deps;
      const delivery = await getDelivery(db, scope, params.id!);
      if (!delivery) throw notFound('delivery');
      const limit = config.limits.replaysPerDeliveryPerHour;
      const reservation = await reserveReplay(db, scope, delivery.id, { limit, windowMs: REPLAY_WINDOW_MS });
      if (!reservation) throw notFound('delivery');
      if (!reservation.reserved) {
        const seconds = Math.ceil(reservation.retryAfterMs / 1000);
        throw new ApiError(
          429,
          `replay limit reached: at most ${limit} replays of one delivery an hour (REPLAYS_PER_DELIVERY_PER_HOUR)`,
          `Wait ${seconds} seconds (Retry-After) before replaying this delivery again; if it keeps failing, fix the receiver first (its attempts say why).`,
          { limit, windowSeconds: REPLAY_WINDOW_MS / 1000, retryAfterSeconds: seconds },
          { 'retry-after': String(seconds) },
        );
      }
      // pending first, so an attempt that lands right after the signal is not overwritten; not
      // when its event was expunged (docs/retention.md#expunge), and not once purged
      const marked = await markReplayUnlessExpunged(db, scope, delivery);
      if (marked.outcome !== 'marked') {
        // a replay that is not made does not count
        await releaseReplay(db, delivery.id, reservation.at);
        if (marked.outcome === 'missing') throw notFound('delivery');
        throw new ApiError(
          409,
          `delivery ${delivery.id} cannot be replayed: its event ${delivery.eventId} was expunged at ${marked.expungedAt.toISOString()}, so there is nothing left to send`,
          'An expunged event is never sent again. Emit a new event if its receiver still needs one.',
          [{ field: 'eventId', message: 'expunged' }],
        );
      }
      try {
        await replayDeliveryWorkflow(temporal, config, delivery, 'api');
      } catch {
        await releaseReplay(db, delivery.id, reservation.at);
        await setDeliveryStatus(db, delivery.id, delivery.status, delivery.nextAttemptAt ? new Date(delivery.nextAttemptAt) : null);
        throw new ApiError(503, 'Temporal is unreachable; the replay was not started', 'Try again in a moment.', null, {
          'retry-after': '5',
        });
      }
      return { status: 202, data: presentDelivery({ ...delivery, status: 'pending' }, config) };
    },
  }),
];
