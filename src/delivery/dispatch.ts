import type { Client } from '@temporalio/client';
import pMap from 'p-map';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { listUndispatched, markDispatched } from '../store/deliveries.js';
import { listStalledReplayJobs } from '../store/replay-jobs.js';
import { startReplayJobIfNeverStarted } from '../temporal/replay-jobs.js';
import { type DeliveryToStart, startDeliveryWorkflow } from '../temporal/deliveries.js';

/** A running replay job this long without progress is checked for a workflow that never started. */
const REPLAY_JOB_IDLE_MS = 60_000;

/** Starts the workflows of recorded deliveries and marks them dispatched. */
export async function dispatchDeliveries(
  client: Client,
  config: Pick<Config, 'temporal' | 'delivery'>,
  db: Db,
  deliveries: readonly DeliveryToStart[],
): Promise<void> {
  await pMap(deliveries, (d) => startDeliveryWorkflow(client, config, d), { concurrency: 32 });
  await markDispatched(
    db,
    deliveries.map((d) => d.id),
  );
}

/**
 * The safety net behind "nothing accepted is lost": deliveries are committed to Postgres before the
 * API answers 202, and their workflows started right after; if the API dies in between, this sweep
 * (run by every worker; starts are idempotent) starts what was left, and likewise a bulk replay job
 * whose workflow never started.
 */
export function startDispatchSweeper(options: {
  client: Client;
  config: Pick<Config, 'temporal' | 'delivery'>;
  db: Db;
  logger: Logger;
  intervalMs?: number;
  olderThanMs?: number;
}): () => Promise<void> {
  const { client, config, db, logger } = options;
  const intervalMs = options.intervalMs ?? 10_000;
  const olderThanMs = options.olderThanMs ?? 15_000;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const sweep = async () => {
    for (;;) {
      const rows = await listUndispatched(db, olderThanMs, 500);
      if (stopped) return;
      if (rows.length === 0) break;
      await dispatchDeliveries(
        client,
        config,
        db,
        rows.map((r) => ({ id: r.id, communityId: r.community_id, webhookId: r.webhook_id, eventType: r.event_type })),
      );
      logger.warn({ count: rows.length }, 'dispatch sweeper started workflows left behind');
      if (rows.length < 500) break;
    }
    // the same gap for bulk replay jobs: recorded, then the API died before starting the workflow
    for (const job of await listStalledReplayJobs(db, REPLAY_JOB_IDLE_MS, 100)) {
      if (stopped) return;
      const started = await startReplayJobIfNeverStarted(client, config, {
        id: job.id,
        communityId: job.community_id,
        webhookId: job.webhook_id,
      });
      if (started) logger.warn({ jobId: job.id }, 'dispatch sweeper started a replay job left behind');
    }
  };
  const timer = setInterval(() => {
    running = running.then(sweep).catch((error: unknown) => logger.error({ err: error }, 'dispatch sweep failed'));
  }, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}

/**
 * Starts the workflows of just-recorded deliveries. They are already durable in Postgres, so when
 * Temporal cannot be reached the request still succeeds and the dispatch sweeper starts them later.
 */
export async function dispatchOrLeaveToSweeper(
  { temporal, config, db, logger }: { temporal: Client; config: Pick<Config, 'temporal' | 'delivery'>; db: Db; logger: Logger },
  deliveries: readonly DeliveryToStart[],
): Promise<void> {
  try {
    await dispatchDeliveries(temporal, config, db, deliveries);
  } catch (error) {
    logger.warn({ err: error, count: deliveries.length }, 'could not start delivery workflows now; the sweeper will');
  }
}
