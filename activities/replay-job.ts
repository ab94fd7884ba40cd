import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import pMap from 'p-map';
import type { Logger } from 'pino';
import type { Config } from '../src/config.js';
import {
  type ReplayBatchInput,
  type ReplayBatchResult,
  type ReplayJobActivities,
  sameCursor,
} from '../src/contract/replay-job.js';
import type { Db } from '../src/db/database.js';
import {
  claimReplayPage,
  loadReplayJobForBatch,
  type ReplayCandidate,
  type ReplayJob,
  recordReplayBatch,
  unclaimReplay,
} from '../src/store/replay-jobs.js';
import { replayDeliveryWorkflow } from '../src/temporal/deliveries.js';

export interface ReplayJobDeps {
  db: Db;
  config: Pick<Config, 'delivery' | 'temporal'>;
  logger: Logger;
  /** The client that signals delivery workflows; defaults to the worker's own (activity context). */
  temporal?: Client;
  /** Deliveries per batch (one activity); the memory a batch holds is bounded by this. */
  batchSize?: number;
}

/** Replays in flight at once within a batch; the rate, not this, bounds the load. */
const CONCURRENCY = 8;

export function replayJobActivities(deps: ReplayJobDeps): ReplayJobActivities {
  const batchSize = deps.batchSize ?? 100;

  return {
    /**
     * One batch of a bulk replay: claims the next page of the window's failed deliveries, replays
     * each (signal, or signal-with-start when its workflow has closed) at no more than
     * BULK_REPLAY_RATE per second, and commits the job's progress and keyset position. A batch
     * that runs again after a crash finds its progress committed, or re-claims only what is still
     * failed, so no delivery is replayed twice by one job.
     */
    async replayBatch(input: ReplayBatchInput): Promise<ReplayBatchResult> {
      const { db, config } = deps;
      const log = deps.logger.child({ jobId: input.jobId });
      if (typeof input?.jobId !== 'string' || !input.jobId.startsWith('job_')) {
        throw ApplicationFailure.nonRetryable(`replayBatch needs a job id (job_…), got ${JSON.stringify(input?.jobId)}`, 'InvalidInput');
      }
      const loaded = await loadReplayJobForBatch(db, input.jobId);
      // the webhook (and with it the job) was deleted: nothing left to do
      if (!loaded) return jobGone(input);
      if (loaded.job.status !== 'running' || !sameCursor(loaded.cursor, input.cursor)) {
        return { progress: progressOf(loaded.job), cursor: loaded.cursor, finished: loaded.job.status !== 'running' };
      }

      const page = await claimReplayPage(db, loaded.job, input.cursor, batchSize);
      const temporal = deps.temporal ?? Context.current().client;
      const context = Context.current();
      const intervalMs = 1000 / config.delivery.bulkReplayRatePerSecond;
      const started = Date.now();
      const unstarted: string[] = [];
      // replay i starts no earlier than started + i * interval: a steady rate, not bursts of a batch
      await pMap(
        page.claimed,
        async (delivery: ReplayCandidate, index) => {
          const wait = started + index * intervalMs - Date.now();
          if (wait > 0) await sleep(wait);
          try {
            await replayDeliveryWorkflow(temporal, config, delivery, 'bulk');
          } catch (error) {
            unstarted.push(delivery.id);
            log.warn({ err: error, deliveryId: delivery.id }, 'bulk replay could not start a replay');
          }
          context.heartbeat(index);
        },
        { concurrency: CONCURRENCY },
      );
      await unclaimReplay(db, unstarted);

      const committed = await recordReplayBatch(db, input.jobId, {
        from: input.cursor,
        to: page.last,
        done: page.claimed.length - unstarted.length,
        failed: unstarted.length,
        finished: page.exhausted,
      });
      if (!committed) return jobGone(input);
      log.info({ replayed: page.claimed.length - unstarted.length, failed: unstarted.length, ms: Date.now() - started }, 'replay batch done');
      return { progress: progressOf(committed.job), cursor: committed.cursor, finished: committed.job.status !== 'running' };
    },
  };
}

/** The job was deleted with its webhook: the workflow ends; retrying would find nothing either. */
function jobGone(input: ReplayBatchInput): ReplayBatchResult {
  return { progress: { id: input.jobId, status: 'completed', total: 0, done: 0, failed: 0 }, cursor: input.cursor, finished: true };
}

function progressOf(job: ReplayJob): ReplayBatchResult['progress'] {
  return { id: job.id, status: job.status, total: job.total, done: job.done, failed: job.failed };
}
