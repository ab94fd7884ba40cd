import { getDelivery, listAttempts, listAttemptsOf, listDeliveries, setDeliveryStatus } from '../../store/deliveries.js';
import { markReplayUnlessExpunged } from '../../store/expunge.js';
import { communityScope } from '../../store/scope.js';
import { replayDeliveryWorkflow } from '../../temporal/deliveries.js';
import { actingCommunity } from '../auth.js';
import { ApiError, notFound } from '../envelope.js';
import { Delivery } from '../responses.js';
import { defineRoute } from '../route.js';
import { deliveryListQuery, emptyBody } from '../schemas.js';
import { cursorOrThrow } from '../validate.js';
import { presentDelivery } from './present.js';

/** Deliveries: listing and reading them with their attempts, replaying one. */
const tag = 'Deliveries';

export const deliveryRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/deliveries',
    access: 'community',
    tag,
    summary: 'List deliveries, newest first',
    query: deliveryListQuery,
    response: { status: 200, description: 'a page of deliveries', data: Delivery, list: true },
    handler: async ({ query, res, scope, deps }) => {
      const inScope = query.communityId ? communityScope(actingCommunity(res, query.communityId)) : scope;
      const page = await listDeliveries(deps.db, inScope, { ...query, status: query.status as never }, {
        limit: query.limit,
        cursor: cursorOrThrow(query.cursor),
      });
      const attempts = await listAttemptsOf(deps.db, inScope, page.items.map((d) => d.id));
      return {
        status: 200,
        data: page.items.map((d) => presentDelivery(d, deps.config, attempts.get(d.id) ?? [])),
        nextCursor: page.nextCursor,
      };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/deliveries/:id',
    access: 'community',
    tag,
    summary: 'A delivery with every attempt and its Temporal workflow',
    response: { status: 200, description: 'the delivery', data: Delivery },
    handler: async ({ params, scope, deps }) => {
      const delivery = await getDelivery(deps.db, scope, params.id!);
      if (!delivery) throw notFound('delivery');
      return { status: 200, data: presentDelivery(delivery, deps.config, await listAttempts(deps.db, scope, delivery.id)) };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/v1/deliveries/:id/replay',
    access: 'community',
    tag,
    summary: 'Replay a delivery (any final status): a fresh run of the schedule, same delivery id',
    body: emptyBody,
    response: { status: 202, description: 'replay started', data: Delivery },
    errors: [400, 401, 404, 409, 429, 503],
    handler: async ({ params, scope, deps }) => {
      const { db, config, temporal } = deps;
      const delivery = await getDelivery(db, scope, params.id!);
      if (!delivery) throw notFound('delivery');
      // pending first, so an attempt that lands right after the signal is not overwritten; not
      // when its event was expunged (docs/retention.md#expunge), and not once purged
      const marked = await markReplayUnlessExpunged(db, scope, delivery);
      if (marked.outcome === 'missing') throw notFound('delivery');
      if (marked.outcome === 'expunged') {
        throw new ApiError(
          409,
          `delivery ${delivery.id} cannot be replayed: its event ${delivery.eventId} was expunged at ${marked.expungedAt.toISOString()}, so there is nothing left to send`,
          'An expunged event is never sent again. Emit a new event if its receiver still needs one.',
          [{ field: 'eventId', message: 'expunged' }],
        );
      }
      try {
        await replayDeliveryWorkflow(temporal, config, delivery);
      } catch {
        await setDeliveryStatus(db, delivery.id, delivery.status, delivery.nextAttemptAt ? new Date(delivery.nextAttemptAt) : null);
        throw new ApiError(503, 'Temporal is unreachable; the replay was not started', 'Try again in a moment.', null, {
          'retry-after': '5',
        });
      }
      return { status: 202, data: presentDelivery({ ...delivery, status: 'pending' }, config) };
    },
  }),
];
