import { Router } from 'express';
import { createReplayJob, getReplayJob, markReplayJobFailed, type ReplayJob } from '../../store/replay-jobs.js';
import { getWebhook } from '../../store/webhooks.js';
import type { Config } from '../../config.js';
import { replayJobWorkflowId, startReplayJobWorkflow } from '../../temporal/replay-jobs.js';
import { scopeOf } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, notFound, sendSuccess } from '../envelope.js';
import { webhookReplayBody } from '../schemas.js';
import { parseWith } from '../validate.js';
import { workflowLink } from './present.js';

/**
 * Bulk replay (SPEC §2): `POST /v1/webhooks/:id/replay {since, until?}` answers 202 with a job that
 * replays every failed delivery of the webhook created in the window, durably (a workflow) and at
 * a bounded rate; `GET /v1/replay-jobs/:id` reads its progress back.
 */
export function replayJobRoutes({ db, config, temporal, logger }: ApiDeps): Router {
  const router = Router();

  router.post('/webhooks/:id/replay', async (req, res) => {
    const body = parseWith(webhookReplayBody, req.body ?? {});
    const webhook = await getWebhook(db, scopeOf(res), req.params.id);
    if (!webhook) throw notFound('webhook');
    const job = await createReplayJob(db, {
      communityId: webhook.communityId,
      webhookId: webhook.id,
      since: body.since,
      until: body.until ?? null,
    });
    try {
      await startReplayJobWorkflow(temporal, config, job);
    } catch (error) {
      logger.warn({ err: error, jobId: job.id }, 'could not start a replay job');
      await markReplayJobFailed(db, job.id);
      throw new ApiError(503, 'Temporal is unreachable; the replay job was not started', 'Try again in a moment.', null, {
        'retry-after': '5',
      });
    }
    sendSuccess(res, 202, presentReplayJob(job, config));
  });

  router.get('/replay-jobs/:id', async (req, res) => {
    const job = await getReplayJob(db, scopeOf(res), req.params.id);
    if (!job) throw notFound('replay job');
    sendSuccess(res, 200, presentReplayJob(job, config));
  });

  return router;
}

export function presentReplayJob(job: ReplayJob, config: Pick<Config, 'temporal'>) {
  return { ...job, temporal: workflowLink(config, replayJobWorkflowId(job.id)) };
}
