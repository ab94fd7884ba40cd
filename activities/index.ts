import type { Client } from '@temporalio/client';
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { Config } from '../src/config.js';
import type { DeliveryActivities } from '../src/contract/delivery.js';
import type { ReplayJobActivities } from '../src/contract/replay-job.js';
import type { Db } from '../src/db/database.js';
import type { PurgeActivities } from '../src/contract/purge.js';
import type { AttemptMetrics, PurgeMetrics } from '../src/metrics/index.js';
import type { SecretBox } from '../src/security/secret-box.js';
import { attemptActivities } from './attempt-delivery.js';
import { type PurgeTuning, purgeActivities } from './purge.js';
import { replayJobActivities } from './replay-job.js';

/**
 * Every activity the worker runs, built from its dependencies (the samples' `createActivities(deps)`
 * shape). Workflows never import this module: what they call is declared in src/contract/.
 */
export interface ActivityDeps {
  db: Db;
  box: SecretBox;
  http: Dispatcher;
  config: Pick<Config, 'delivery' | 'temporal'>;
  logger: Logger;
  /** Attempt counters and latencies (src/metrics); the worker passes its process's registry. */
  metrics?: AttemptMetrics;
  /** Rows the purge deletes (hookline_purged_rows_total). */
  purgeMetrics?: PurgeMetrics;
  /** The purge's batch size, time budget and pacing; defaults in activities/purge.ts. */
  purgeTuning?: Partial<PurgeTuning>;
  /** Injected for tests; default to the wall clock, Math.random and the worker's client. */
  now?: () => Date;
  random?: () => number;
  temporal?: Client;
}

export function createActivities(deps: ActivityDeps): DeliveryActivities & ReplayJobActivities & PurgeActivities {
  return {
    ...attemptActivities(deps),
    ...replayJobActivities(deps),
    ...purgeActivities({
      db: deps.db,
      logger: deps.logger,
      ...(deps.purgeMetrics ? { metrics: deps.purgeMetrics } : {}),
      ...(deps.purgeTuning ? { tuning: deps.purgeTuning } : {}),
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
