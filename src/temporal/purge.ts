import {
  type Client,
  ScheduleAlreadyRunning,
  type ScheduleDescription,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import type { Config } from '../config.js';
import { PURGE_WORKFLOW, type PurgeProgress, purgeProgressQuery, type PurgeWorkflow, type PurgeWorkflowInput } from '../contract/purge.js';
import { formatDurationList } from '../durations.js';

/**
 * The purge's Temporal Schedule (docs/retention.md, docs/temporal.md#the-purge-schedule):
 * `hookline-purge`, every PURGE_INTERVAL, starting `purgeWorkflow` on the task queue with the
 * retention of this deployment, overlap policy SKIP. Every worker makes sure of it when it starts
 * (create, or update when PURGE_INTERVAL, RETENTION, DELIVERY_REPLAY_RETENTION or the task queue
 * changed), so it exists wherever Hookline runs, with no setup step; `npm run setup` does the same.
 */
export const PURGE_SCHEDULE_ID = 'hookline-purge';

/**
 * `hookline-purge` for the default task queue; `hookline-purge-<task queue>` for another, so two
 * Hooklines sharing a namespace (the test suite's, or a staging beside production) each keep their
 * own. The schedule's workflow ids are this id followed by the time of the run.
 */
export function purgeScheduleId(taskQueue: string): string {
  return taskQueue === 'hookline' ? PURGE_SCHEDULE_ID : `${PURGE_SCHEDULE_ID}-${taskQueue}`;
}

type PurgeConfig = Pick<Config, 'temporal' | 'retention' | 'delivery'>;

function wanted(config: PurgeConfig) {
  const scheduleId = purgeScheduleId(config.temporal.taskQueue);
  const input: PurgeWorkflowInput = {
    retentionMs: config.retention.retentionMs,
    replayRetentionMs: config.delivery.replayRetentionMs,
  };
  const everyMs = config.retention.purgeIntervalMs;
  return {
    scheduleId,
    input,
    spec: { intervals: [{ every: everyMs }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: PURGE_WORKFLOW,
      workflowId: scheduleId,
      taskQueue: config.temporal.taskQueue,
      args: [input] as [PurgeWorkflowInput],
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      // after an outage, one catch-up run at most (SKIP stacks none either way)
      catchupWindow: Math.max(10_000, everyMs),
      pauseOnFailure: false,
    },
    note:
      `Hookline purge every ${formatDurationList([everyMs])}: final deliveries older than RETENTION ` +
      `${formatDurationList([input.retentionMs])} (or a community's retentionDays), failed ones also DELIVERY_REPLAY_RETENTION ` +
      `${formatDurationList([input.replayRetentionMs])} after they failed. Set by the workers at start.`,
  };
}

function matches(description: ScheduleDescription, want: ReturnType<typeof wanted>): boolean {
  const action = description.action;
  const interval = description.spec.intervals ?? [];
  return (
    interval.length === 1 &&
    Math.round(interval[0]!.every / 1000) === Math.round(want.spec.intervals[0]!.every / 1000) &&
    (description.spec.calendars ?? []).length === 0 &&
    action.type === 'startWorkflow' &&
    action.workflowType === want.action.workflowType &&
    action.taskQueue === want.action.taskQueue &&
    action.workflowId === want.action.workflowId &&
    JSON.stringify(action.args) === JSON.stringify(want.action.args) &&
    description.policies.overlap === want.policies.overlap &&
    description.policies.catchupWindow === want.policies.catchupWindow &&
    // a paused schedule's note is the operator's reason: left as it is
    (description.state.paused || description.state.note === want.note)
  );
}

export type EnsureOutcome = 'created' | 'updated' | 'unchanged';

/**
 * Creates the schedule, or brings it to this configuration: idempotent, and safe when several
 * workers start at once (one creates it, the others find it). A schedule an operator paused stays
 * paused.
 */
export async function ensurePurgeSchedule(client: Client, config: PurgeConfig): Promise<{ scheduleId: string; outcome: EnsureOutcome }> {
  const want = wanted(config);
  try {
    await client.schedule.create<PurgeWorkflow>({
      scheduleId: want.scheduleId,
      spec: want.spec,
      action: want.action,
      policies: want.policies,
      state: { note: want.note },
    });
    return { scheduleId: want.scheduleId, outcome: 'created' };
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const handle = client.schedule.getHandle(want.scheduleId);
  for (let attempt = 1; ; attempt++) {
    try {
      if (matches(await handle.describe(), want)) return { scheduleId: want.scheduleId, outcome: 'unchanged' };
      await handle.update<PurgeWorkflow>((previous) => ({
        spec: want.spec,
        action: want.action,
        policies: want.policies,
        state: {
          paused: previous.state.paused,
          note: previous.state.paused ? previous.state.note : want.note,
          ...(previous.state.remainingActions !== undefined ? { remainingActions: previous.state.remainingActions } : {}),
        },
      }));
      return { scheduleId: want.scheduleId, outcome: 'updated' };
    } catch (error) {
      // another worker updated it between our describe and update (conflict token): look again
      if (attempt >= 3) throw error;
    }
  }
}

export interface PurgeRun {
  workflowId: string;
  status: 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';
  /** When the schedule started it. */
  startedAt: string;
  closedAt: string | null;
  /** The workflow's progress (its query while it runs, its result once completed); null when neither can be read. */
  progress: PurgeProgress | null;
}

export interface PurgeSchedule {
  scheduleId: string;
  everyMs: number | null;
  paused: boolean;
  nextRunAt: string | null;
}

export class NoPurgeSchedule extends Error {}

async function describeSchedule(client: Client, config: Pick<Config, 'temporal'>): Promise<ScheduleDescription> {
  try {
    return await client.schedule.getHandle(purgeScheduleId(config.temporal.taskQueue)).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) throw new NoPurgeSchedule(purgeScheduleId(config.temporal.taskQueue));
    throw error;
  }
}

function scheduleOf(description: ScheduleDescription): PurgeSchedule {
  return {
    scheduleId: description.scheduleId,
    everyMs: description.spec.intervals?.[0]?.every ?? null,
    paused: description.state.paused,
    nextRunAt: description.info.nextActionTimes[0]?.toISOString() ?? null,
  };
}

/**
 * Runs the purge now, through the schedule (so a run already going is not doubled: the trigger
 * uses SKIP too). Returns the run that is going: the one started, or the one that already was.
 */
export async function triggerPurge(
  client: Client,
  config: Pick<Config, 'temporal'>,
  timeoutMs = 10_000,
): Promise<{ started: boolean; run: PurgeRun; schedule: PurgeSchedule }> {
  const handle = client.schedule.getHandle(purgeScheduleId(config.temporal.taskQueue));
  const before = await describeSchedule(client, config);
  const running = before.info.runningActions[0];
  if (running) return { started: false, run: await purgeRunOf(client, running.workflow.workflowId, takenAt(before, running.workflow.workflowId)), schedule: scheduleOf(before) };
  await handle.trigger(ScheduleOverlapPolicy.SKIP);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await describeSchedule(client, config);
    const latest = now.info.recentActions.at(-1);
    if (now.info.numActionsTaken > before.info.numActionsTaken && latest) {
      return { started: true, run: await purgeRunOf(client, latest.action.workflow.workflowId, latest.takenAt), schedule: scheduleOf(now) };
    }
    // a scheduled run started between our look and the trigger, which SKIP then dropped
    const other = now.info.runningActions[0];
    if (other && now.info.numActionsSkippedOverlap > before.info.numActionsSkippedOverlap) {
      return { started: false, run: await purgeRunOf(client, other.workflow.workflowId, takenAt(now, other.workflow.workflowId)), schedule: scheduleOf(now) };
    }
    if (Date.now() > deadline) throw new Error(`the purge schedule did not start a run within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The schedule's last run (running or finished), or undefined when it has run none yet. */
export async function latestPurgeRun(client: Client, config: Pick<Config, 'temporal'>): Promise<{ run: PurgeRun | undefined; schedule: PurgeSchedule }> {
  const description = await describeSchedule(client, config);
  const latest = description.info.recentActions.at(-1);
  return {
    run: latest ? await purgeRunOf(client, latest.action.workflow.workflowId, latest.takenAt) : undefined,
    schedule: scheduleOf(description),
  };
}

function takenAt(description: ScheduleDescription, workflowId: string): Date {
  return description.info.recentActions.find((a) => a.action.workflow.workflowId === workflowId)?.takenAt ?? new Date();
}

const STATUS: Record<string, PurgeRun['status']> = {
  RUNNING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
  // the handle follows a chain of runs to its latest; a closed-as-continued one is still going
  CONTINUED_AS_NEW: 'running',
};

/** A purge run's state: the latest run of its chain (it continues as new when long). */
export async function purgeRunOf(client: Client, workflowId: string, startedAt: Date): Promise<PurgeRun> {
  const handle = client.workflow.getHandle<PurgeWorkflow>(workflowId);
  const description = await handle.describe();
  const status = STATUS[description.status.name] ?? 'running';
  let progress: PurgeProgress | null = null;
  if (status === 'running') {
    progress = await withTimeout(handle.query(purgeProgressQuery), 3000).catch(() => null);
  } else if (status === 'completed') {
    progress = await withTimeout(handle.result(), 3000).catch(() => null);
  }
  return {
    workflowId,
    status,
    startedAt: startedAt.toISOString(),
    closedAt: status === 'running' ? null : (description.closeTime?.toISOString() ?? null),
    progress,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms))),
  ]);
}
