import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Config } from '../config.js';
import { REPLAY_JOB_WORKFLOW, type ReplayJobWorkflow } from '../contract/replay-job.js';
import { COMMUNITY_ID, WEBHOOK_ID } from '../contract/search-attributes.js';

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
  await client.workflow.start<ReplayJobWorkflow>(REPLAY_JOB_WORKFLOW, replayJobStartOptions(config, job));
}

/**
 * The sweeper's start: only a job whose workflow never ran is started; a running or closed one is
 * left as it is (a closed one has recorded its own end).
 */
export async function startReplayJobIfNeverStarted(
  client: Client,
  config: Pick<Config, 'temporal'>,
  job: { id: string; communityId: string; webhookId: string },
): Promise<boolean> {
  try {
    await client.workflow.start<ReplayJobWorkflow>(REPLAY_JOB_WORKFLOW, {
      ...replayJobStartOptions(config, job),
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}

function replayJobStartOptions(config: Pick<Config, 'temporal'>, job: { id: string; communityId: string; webhookId: string }) {
  return {
    taskQueue: config.temporal.taskQueue,
    workflowId: replayJobWorkflowId(job.id),
    args: [{ jobId: job.id, cursor: null }] as [{ jobId: string; cursor: null }],
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    typedSearchAttributes: [
      { key: COMMUNITY_ID, value: job.communityId },
      { key: WEBHOOK_ID, value: job.webhookId },
    ],
  };
}
