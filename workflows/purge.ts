import { continueAsNew, proxyActivities, setCurrentDetails, setHandler } from '@temporalio/workflow';
import {
  addCounts,
  noCounts,
  type PurgeActivities,
  type PurgeProgress,
  purgeProgressQuery,
  type PurgeResult,
  PURGE_START,
  type PurgeWorkflow,
  type PurgeWorkflowInput,
} from '../src/contract/purge.js';

/**
 * The purge (docs/retention.md), started by the `hookline-purge` Temporal Schedule every
 * PURGE_INTERVAL (overlap policy SKIP: a run still going when the next is due makes that one
 * skipped, not queued). It deletes for good what the retention no longer keeps: each `purgeStep`
 * activity runs bounded delete statements (one transaction each, a delivery always with its
 * attempts) for a few seconds and heartbeats its position after each; this workflow holds only
 * that position and the counts, shows them (the `purgeProgress` query, the current details) and
 * continues as new every few dozen steps, so a purge of millions of rows keeps short histories. A
 * worker killed mid-step loses at most the statement in flight, which rolls back whole; the step
 * runs again from its last heartbeat.
 */

/** Steps per run before continuing as new: about 6 history events each. */
const STEPS_PER_RUN = 50;

export async function purgeWorkflow(input: PurgeWorkflowInput): Promise<PurgeResult> {
  const { purgeStep } = proxyActivities<PurgeActivities>({
    // a step works for a few seconds (activities/purge.ts) and heartbeats after each statement; a
    // worker that died is noticed after the heartbeat timeout and the step runs again elsewhere
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
  });
  const { purgeVacuum } = proxyActivities<PurgeActivities>({
    // one VACUUM statement per table: it heartbeats on a timer while the statement runs
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m' },
  });

  const now = () => new Date(Date.now()).toISOString();
  const progress: PurgeProgress = input.progress ?? {
    position: PURGE_START,
    deleted: noCounts(),
    batches: 0,
    communities: 0,
    startedAt: now(),
    updatedAt: now(),
    vacuumed: [],
  };
  setHandler(purgeProgressQuery, () => progress);
  const show = () => setCurrentDetails(describe(progress));
  show();

  for (let step = 0; step < STEPS_PER_RUN; step++) {
    const position = progress.position;
    if (position.stage === 'done') return progress;
    if (position.stage === 'vacuum') {
      const anything = Object.values(progress.deleted).some((n) => n > 0);
      progress.vacuumed = anything ? await purgeVacuum({ deleted: progress.deleted }) : [];
      progress.position = { stage: 'done' };
    } else {
      const result = await purgeStep({ retentionMs: input.retentionMs, replayRetentionMs: input.replayRetentionMs, position });
      progress.position = result.position;
      progress.deleted = addCounts(progress.deleted, result.deleted);
      progress.batches += result.batches;
      progress.communities += result.communities;
    }
    progress.updatedAt = now();
    show();
  }
  if (progress.position.stage === 'done') return progress;
  return continueAsNew<typeof purgeWorkflow>({ ...input, progress });
}

purgeWorkflow satisfies PurgeWorkflow;

function describe(progress: PurgeProgress): string {
  const d = progress.deleted;
  const counts =
    `${d.deliveries} deliveries, ${d.attempts} attempts, ${d.events} events, ${d.replayJobs} replay jobs, ` +
    `${d.webhookSecrets} expired secrets, ${d.apiKeys} revoked keys, ${d.portalSessions ?? 0} ended portal sessions deleted`;
  const p = progress.position;
  switch (p.stage) {
    case 'community':
      return `purging: community ${p.communityId ?? '(first)'}, ${p.part} (${progress.communities} communities done); ${counts}`;
    case 'secrets':
      return `purging: expired signing secrets (${progress.communities} communities done); ${counts}`;
    case 'vacuum':
      return `vacuuming the tables rows were deleted from; ${counts}`;
    case 'done':
      return `done: ${counts}${progress.vacuumed.length ? `; vacuumed ${progress.vacuumed.join(', ')}` : ''}`;
  }
}
