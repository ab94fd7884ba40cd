import type { Client } from '@temporalio/client';
import pMap from 'p-map';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { markDispatched } from '../store/deliveries.js';
import { type DeliveryToStart, startDeliveryWorkflow } from '../temporal/deliveries.js';

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
