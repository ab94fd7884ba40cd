import { createReplayJob, getReplayJob, markReplayJobFailed, ReplayJobRunningError } from '../../store/replay-jobs.js';
import { getWebhook } from '../../store/webhooks.js';
import { startReplayJobWorkflow } from '../../temporal/replay-jobs.js';
import { ApiError, notFound } from '../envelope.js';
import { ReplayJob } from '../responses.js';
import { defineRoute } from '../route.js';
import { webhookReplayBody } from '../schemas.js';
import { presentReplayJob } from './present.js';

/**
 * Bulk replay: `POST /v1/webhooks/:id/replay {since, until?}` answers 202 with a job that replays
 * every failed delivery of the webhook created in the window, durably (a workflow) and at a bounded
 * rate; `GET /v1/replay-jobs/:id` reads its progress back (docs/delivery.md#bulk-replay).
 */
const tag = 'Deliveries';

/** The longest window one bulk replay may cover: since to until (or to now). */
export const MAX_REPLAY_WINDOW_DAYS = 30;
const MAX_REPLAY_WINDOW_MS = MAX_REPLAY_WINDOW_DAYS * 86_400_000;

export const replayJobRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/webhooks/:id/replay',
    access: 'community',
    tag,
    summary: 'Replay every failed delivery of this webhook created in a window, as a job',
    description:
      'The job runs durably (a workflow) at a bounded rate (BULK_REPLAY_RATE); read its progress at GET /v1/replay-jobs/{id}. The window spans at most 30 days; one job runs per webhook at a time (409 while one runs).',
    body: webhookReplayBody,
    response: { status: 202, description: 'the job, started', data: ReplayJob },
    errors: [400, 401, 404, 409, 429, 503],
    examples: { lastDay: { since: '2026-11-28T12:00:00Z' }, window: { since: '2026-11-28T00:00:00Z', until: '2026-11-29T00:00:00Z' } },
    handler: async ({ params, body, scope, deps }) => {
      const { db, config, temporal, logger } = deps;
      const webhook = await getWebhook(db, scope, params.id!);
      if (!webhook) throw notFound('webhook');
      const until = body.until ?? new Date();
      if (until.getTime() - body.since.getTime() > MAX_REPLAY_WINDOW_MS) {
        throw new ApiError(
          400,
          `invalid since: a bulk replay covers at most ${MAX_REPLAY_WINDOW_DAYS} days`,
          `Replay a window of at most ${MAX_REPLAY_WINDOW_DAYS} days (since to until, or to now); split a longer one into several jobs, one after the other.`,
          [{ field: 'since', message: `the window from since to ${body.until ? 'until' : 'now'} is longer than ${MAX_REPLAY_WINDOW_DAYS} days` }],
        );
      }
      let job;
      try {
        job = await createReplayJob(db, { communityId: webhook.communityId, webhookId: webhook.id, since: body.since, until: body.until ?? null });
      } catch (error) {
        if (!(error instanceof ReplayJobRunningError)) throw error;
        const running = error.running;
        throw new ApiError(
          409,
          `a bulk replay of this webhook is already running (${running.id}): one at a time per webhook`,
          `Wait until ${running.id} has finished (GET /v1/replay-jobs/${running.id}: ${running.done} of ${running.total} started so far), then start the next window.`,
          { runningJobId: running.id },
        );
      }
      try {
        await startReplayJobWorkflow(temporal, config, job);
      } catch (error) {
        logger.warn({ err: error, jobId: job.id }, 'could not start a replay job');
        await markReplayJobFailed(db, job.id);
        throw new ApiError(503, 'Temporal is unreachable; the replay job was not started', 'Try again in a moment.', null, {
          'retry-after': '5',
        });
      }
      return { status: 202, data: presentReplayJob(job, config) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/replay-jobs/:id',
    access: 'community',
    tag,
    summary: 'A replay job and its progress',
    response: { status: 200, description: 'the job', data: ReplayJob },
    handler: async ({ params, scope, deps }) => {
      const job = await getReplayJob(deps.db, scope, params.id!);
      if (!job) throw notFound('replay job');
      return { status: 200, data: presentReplayJob(job, deps.config) };
    },
  }),
];
