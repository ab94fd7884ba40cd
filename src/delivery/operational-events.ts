import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { drainOperationalEvents } from '../store/operational-events.js';
import type { DeliveryToStart } from '../temporal/deliveries.js';
import { dispatchDeliveries, dispatchOrLeaveToSweeper } from './dispatch.js';

export interface EmitDeps {
  db: Db;
  temporal?: Client | undefined;
  config: Pick<Config, 'temporal' | 'delivery'>;
  logger: Logger;
}

/**
 * Emits the operational events queued in the outbox (src/store/operational-events.ts) and starts
 * their deliveries' workflows. Called right after a change that queued one (an attempt, a PATCH);
 * a crash in between leaves the row queued for the workers' sweeper, and a start that fails leaves
 * the deliveries to the dispatch sweeper, so nothing queued is lost. Never throws: the change that
 * queued the event has committed, and its caller's answer does not depend on the event.
 */
export async function emitOperationalEvents(deps: EmitDeps): Promise<number> {
  try {
    const emitted = await drainOperationalEvents(deps.db);
    const deliveries = toStart(emitted);
    if (deps.temporal && deliveries.length > 0) await dispatchOrLeaveToSweeper({ ...deps, temporal: deps.temporal }, deliveries);
    return emitted.length;
  } catch (error) {
    deps.logger.warn({ err: error }, 'could not emit operational events now; the sweeper will');
    return 0;
  }
}

/** The sweeper's pass: drains what was left queued and starts the deliveries (errors go to the sweeper's log). */
export async function sweepOperationalEvents(deps: Required<Pick<EmitDeps, 'temporal'>> & EmitDeps): Promise<number> {
  const emitted = await drainOperationalEvents(deps.db, 500);
  const deliveries = toStart(emitted);
  if (deliveries.length > 0) await dispatchDeliveries(deps.temporal, deps.config, deps.db, deliveries);
  return emitted.length;
}

function toStart(emitted: Awaited<ReturnType<typeof drainOperationalEvents>>): DeliveryToStart[] {
  return emitted.flatMap((e) => e.deliveries.map((d) => ({ id: d.id, communityId: d.communityId, webhookId: d.webhookId, eventType: d.eventType })));
}
