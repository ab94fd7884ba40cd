import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import { replayJobWorkflow } from '../../workflows/replay-job.js';
import { COMMUNITY_ID, WEBHOOK_ID } from '../../workflows/search-attributes.js';

/** The workflow id of a bulk replay job: derived, so starting it twice is a no-op. */
export function replayJobWorkflowId(jobId: string): string {
  return `replay-${jobId}`;
}

/**
 * Starts a job's workflow, tagged with its community and webhook so the Temporal UI finds it beside
 * the webhook's deliveries (`HooklineWebhookId="wh_.."`).
 */
export async function startReplayJobWorkflow(
  client: Client,
  config: Pick<Config, 'temporal'>,
  job: { id: string; communityId: string; webhookId: string },
): Promise<void> {
  await client.workflow.start(replayJobWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: replayJobWorkflowId(job.id),
    args: [{ jobId: job.id, cursor: null }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: COMMUNITY_ID, value: job.communityId },
      { key: WEBHOOK_ID, value: job.webhookId },
    ],
  });
}
