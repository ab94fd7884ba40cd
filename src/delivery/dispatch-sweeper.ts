import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { listUndispatched } from '../store/deliveries.js';
import { pumpFlow } from '../store/flow.js';
import { listStalledReplayJobs } from '../store/replay-jobs.js';
import { attemptTimeoutMs, signalDeliveries } from '../temporal/deliveries.js';
import { startReplayJobIfNeverStarted } from '../temporal/replay-jobs.js';
import { withSpan } from '../tracing/index.js';
import { dispatchDeliveries } from './dispatch.js';
import { sweepOperationalEvents } from './operational-events.js';

/** A running replay job this long without progress is checked for a workflow that never started. */
const REPLAY_JOB_IDLE_MS = 60_000;

/** A delivery handed a slot that has not taken it this long is signalled again. */
const ADMIT_RESIGNAL_AFTER_MS = 5_000;

/**
 * The safety net behind "nothing accepted is lost": deliveries are committed to Postgres before the
 * API answers 202, and their workflows started right after; if the API dies in between, this sweep
 * (run by every worker; starts are idempotent) starts what was left, and likewise a bulk replay job
 * whose workflow never started.
 *
 * The same for flow control (docs/flow-control.md): slots freed by leases that expired (a worker that
 * died), FIFO deliveries released by a cancellation, and admit signals that were lost are handed on
 * and signalled by a second, more frequent pass (hookline_flow_pump). It is a safety net: in the
 * normal course the attempt that frees a slot hands it on and signals the waiter itself.
 */
export function startDispatchSweeper(options: {
  client: Client;
  config: Pick<Config, 'temporal' | 'delivery'>;
  db: Db;
  logger: Logger;
  intervalMs?: number;
  olderThanMs?: number;
  flowIntervalMs?: number;
}): () => Promise<void> {
  const { client, config, db, logger } = options;
  const intervalMs = options.intervalMs ?? 10_000;
  const flowIntervalMs = options.flowIntervalMs ?? 2_000;
  const olderThanMs = options.olderThanMs ?? 15_000;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const sweep = async () => {
    for (;;) {
      const rows = await listUndispatched(db, olderThanMs, 500);
      if (stopped) return;
      if (rows.length === 0) break;
      // with tracing on, the workflows it starts are children of one span of the sweep
      await withSpan('hookline.dispatch_sweep', { 'hookline.deliveries': rows.length }, () =>
        dispatchDeliveries(
          client,
          config,
          db,
          rows.map((r) => ({ id: r.id, communityId: r.community_id, webhookId: r.webhook_id, eventType: r.event_type })),
        ),
      );
      logger.warn({ count: rows.length }, 'dispatch sweeper started workflows left behind');
      if (rows.length < 500) break;
    }
    // operational events queued by a change whose process died before emitting them
    const emitted = await sweepOperationalEvents({ temporal: client, config, db, logger });
    if (emitted > 0) logger.warn({ count: emitted }, 'dispatch sweeper emitted operational events left queued');
    if (stopped) return;
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
  const pump = async () => {
    const handed = await pumpFlow(db, attemptTimeoutMs(config), ADMIT_RESIGNAL_AFTER_MS);
    if (stopped || handed.length === 0) return;
    await signalDeliveries(client, handed.map((h) => h.deliveryId), 'admit');
    logger.info({ count: handed.length }, 'flow sweeper signalled deliveries holding a slot');
  };
  const timer = setInterval(() => {
    running = running.then(sweep).catch((error: unknown) => logger.error({ err: error }, 'dispatch sweep failed'));
  }, intervalMs);
  timer.unref();
  let pumping: Promise<void> = Promise.resolve();
  const flowTimer = setInterval(() => {
    pumping = pumping.then(pump).catch((error: unknown) => logger.error({ err: error }, 'flow sweep failed'));
  }, flowIntervalMs);
  flowTimer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    clearInterval(flowTimer);
    await Promise.all([running, pumping]);
  };
}
