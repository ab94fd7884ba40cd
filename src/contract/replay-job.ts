import { defineQuery } from '@temporalio/workflow';

/**
 * What the bulk replay workflow (workflows/replay-job.ts) and its batch activity
 * (activities/replay-job.ts) share, and what the API uses to start it (src/temporal/replay-jobs.ts).
 */

export const REPLAY_JOB_WORKFLOW = 'replayJobWorkflow';

/** Keyset position in a webhook's deliveries: created_at as Postgres text (microseconds kept) and id. */
export interface ReplayCursor {
  createdAt: string;
  id: string;
}

export function sameCursor(a: ReplayCursor | null, b: ReplayCursor | null): boolean {
  return a === b || (a !== null && b !== null && a.createdAt === b.createdAt && a.id === b.id);
}

export interface ReplayJobWorkflowInput {
  jobId: string;
  /** Where the previous run stopped; null at the start. */
  cursor: ReplayCursor | null;
}

export interface ReplayJobProgress {
  id: string;
  status: 'running' | 'completed' | 'failed';
  total: number;
  done: number;
  failed: number;
}

export type ReplayJobWorkflow = (input: ReplayJobWorkflowInput) => Promise<ReplayJobProgress | null>;

export const replayJobProgressQuery = defineQuery<ReplayJobProgress | null>('replayJobProgress');

export interface ReplayBatchInput {
  jobId: string;
  cursor: ReplayCursor | null;
}

export interface ReplayBatchResult {
  progress: ReplayJobProgress;
  cursor: ReplayCursor | null;
  finished: boolean;
}

export interface ReplayJobActivities {
  replayBatch(input: ReplayBatchInput): Promise<ReplayBatchResult>;
}
