import { Router } from 'express';
import { getDelivery, listAttempts, listAttemptsOf, listDeliveries, markReplayRequested, setDeliveryStatus } from '../../store/deliveries.js';
import { communityScope } from '../../store/scope.js';
import { replayDeliveryWorkflow } from '../../temporal/deliveries.js';
import { actingCommunity, scopeOf } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, notFound, sendSuccess } from '../envelope.js';
import { deliveryListQuery, emptyBody } from '../schemas.js';
import { parseWith } from '../validate.js';
import { cursorOrThrow } from './communities.js';
import { presentDelivery } from './present.js';

export function deliveryRoutes({ db, config, temporal }: ApiDeps): Router {
  const router = Router();

  router.get('/deliveries', async (req, res) => {
    const query = parseWith(deliveryListQuery, req.query);
    const scope = query.communityId ? communityScope(actingCommunity(res, query.communityId)) : scopeOf(res);
    const page = await listDeliveries(db, scope, { ...query, status: query.status as never }, {
      limit: query.limit,
      cursor: cursorOrThrow(query.cursor),
    });
    const attempts = await listAttemptsOf(db, scope, page.items.map((d) => d.id));
    sendSuccess(res, 200, page.items.map((d) => presentDelivery(d, config, attempts.get(d.id) ?? [])), page.nextCursor);
  });

  router.get('/deliveries/:id', async (req, res) => {
    const delivery = await getDelivery(db, scopeOf(res), req.params.id);
    if (!delivery) throw notFound('delivery');
    sendSuccess(res, 200, presentDelivery(delivery, config, await listAttempts(db, scopeOf(res), delivery.id)));
  });

  router.post('/deliveries/:id/replay', async (req, res) => {
    parseWith(emptyBody, req.body ?? {});
    const delivery = await getDelivery(db, scopeOf(res), req.params.id);
    if (!delivery) throw notFound('delivery');
    // pending first, so an attempt that lands right after the signal is not overwritten
    await markReplayRequested(db, scopeOf(res), delivery.id);
    try {
      await replayDeliveryWorkflow(temporal, config, delivery);
    } catch (error) {
      await setDeliveryStatus(db, delivery.id, delivery.status, delivery.nextAttemptAt ? new Date(delivery.nextAttemptAt) : null);
      throw new ApiError(503, 'Temporal is unreachable; the replay was not started', 'Try again in a moment.', null, {
        'retry-after': '5',
      });
    }
    sendSuccess(res, 202, presentDelivery({ ...delivery, status: 'pending' }, config));
  });

  return router;
}
