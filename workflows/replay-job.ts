import { continueAsNew, proxyActivities, setCurrentDetails, setHandler } from '@temporalio/workflow';
import {
  type ReplayJobActivities,
  type ReplayJobProgress,
  replayJobProgressQuery,
  type ReplayJobWorkflow,
  type ReplayJobWorkflowInput,
} from '../src/contract/replay-job.js';

/**
 * A bulk replay (POST /v1/webhooks/:id/replay) as one workflow, id `replay-<job id>`: it walks the
 * webhook's failed deliveries in the window one bounded batch per activity, each batch paging
 * Postgres by keyset and replaying at BULK_REPLAY_RATE. The workflow holds only the keyset position;
 * progress lives in the `replay_jobs` row (read by the API) and is mirrored here for the Temporal UI
 * (the `replayJobProgress` query and the workflow's current details). Every few batches it continues
 * as new, so 10,000 deliveries make twenty short histories rather than one long one.
 */
/** Batches per run before continuing as new: about 6 history events each. */
const BATCHES_PER_RUN = 5;

export async function replayJobWorkflow(input: ReplayJobWorkflowInput): Promise<ReplayJobProgress | null> {
  const { replayBatch } = proxyActivities<ReplayJobActivities>({
    // a batch is paced (100 replays at 1/s at worst) and heartbeats per replay
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
  });
  let progress: ReplayJobProgress | null = null;
  setHandler(replayJobProgressQuery, () => progress);

  let cursor = input.cursor;
  for (let batch = 0; batch < BATCHES_PER_RUN; batch++) {
    const result = await replayBatch({ jobId: input.jobId, cursor });
    progress = result.progress;
    cursor = result.cursor;
    setCurrentDetails(
      `${progress.status}: ${progress.done} of ${progress.total} replays started` +
        (progress.failed ? `, ${progress.failed} could not be started` : ''),
    );
    if (result.finished) return progress;
  }
  return continueAsNew<typeof replayJobWorkflow>({ jobId: input.jobId, cursor });
}

replayJobWorkflow satisfies ReplayJobWorkflow;
