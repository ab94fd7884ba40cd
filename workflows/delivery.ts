import {
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AttemptResult, createActivities } from '../activities/index.js';
import { DELIVERY_STATUS } from './search-attributes.js';

/**
 * One delivery (one event to one webhook) as one workflow, id `delivery-<dlv id>`. It carries ids
 * only: the activity reads the event, the webhook and its secrets from Postgres at every attempt,
 * so configuration changes reach the next attempt and no payload or secret enters the history.
 *
 * The retry schedule is driven here with durable timers, not by an activity RetryPolicy, so every
 * attempt is visible in the history, attempt numbers are deterministic (they key the attempt rows),
 * and a replay signal can cut a wait short. The activity's own retry policy only absorbs
 * infrastructure faults (Postgres down, a worker crash).
 *
 * An attempt runs as a local activity (since LOCAL_ATTEMPT_PATCH): inside the workflow task, its
 * result kept as one marker event, with no activity task for the server to schedule, dispatch and
 * record. A successful delivery's history is 9 events instead of 12, and on the 2-core bench machine
 * the dev server's CPU per delivery, the limit of the whole pipeline, went from 23.1 to 13.7–16.8 ms
 * and deliveries/s from 39 to 50–54 (BENCHMARKS.md, "Tuning"). Safe
 * because an attempt is idempotent by (delivery, attempt number): the activity answers with the
 * recorded row when a lost workflow task runs it again, as it did for a normal activity whose
 * worker died.
 */
export interface DeliveryWorkflowInput {
  deliveryId: string;
  /** Number of this run's first attempt: 1, or the next number when a replay starts a new run. */
  firstAttemptNumber: number;
  /** How long a failed delivery waits for a replay signal before its workflow closes. */
  replayRetentionMs: number;
  /** Upper bound of one attempt (HTTP timeout plus the database writes around it). */
  attemptTimeoutMs: number;
  /** Failed attempts already made in the current run of the schedule (when continued as new). */
  failuresBefore?: number;
}

export type DeliveryPhase =
  | 'attempting'
  | 'waiting_retry'
  | 'held'
  | 'waiting_replay'
  | 'succeeded'
  | 'failed'
  | 'cancelled';

export interface DeliveryState {
  deliveryId: string;
  phase: DeliveryPhase;
  attemptsMade: number;
  nextAttemptNumber: number;
  nextAttemptAt: string | null;
  lastResponseStatus: number | null;
}

/** Replay: start the schedule afresh now (SPEC §5); same delivery id, attempt numbers continue. */
export const replaySignal = defineSignal('replay');
/** The webhook was enabled again: a held delivery attempts now. */
export const resumeSignal = defineSignal('resume');
/** The webhook was deleted: stop (the API has already marked the delivery cancelled). */
export const cancelSignal = defineSignal('cancel');
export const deliveryStateQuery = defineQuery<DeliveryState>('deliveryState');

/** A held delivery re-checks its webhook this often, in case a resume signal never came. */
const HELD_RECHECK_MS = 60 * 60 * 1000;

/**
 * Hourly re-checks of a long-held delivery, or many replays, grow one history without bound; past
 * this many events the loop carries its position into a fresh run (about a week of holding: a
 * re-check is 6 events).
 */
const CONTINUE_AS_NEW_AFTER_EVENTS = 1000;

/**
 * Attempts became local activities. Histories from before it hold ActivityTaskScheduled events and
 * replay on the normal activity; a run that was waiting when the worker was upgraded makes its
 * later attempts locally. Saved histories of both shapes: test/histories/.
 */
export const LOCAL_ATTEMPT_PATCH = 'attempt-as-local-activity';

export async function deliveryWorkflow(input: DeliveryWorkflowInput): Promise<DeliveryPhase> {
  const attemptOptions = {
    startToCloseTimeout: input.attemptTimeoutMs,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
  };
  const remote = proxyActivities<ReturnType<typeof createActivities>>(attemptOptions);
  const local = proxyLocalActivities<ReturnType<typeof createActivities>>(attemptOptions);

  let replayRequested = false;
  let resumeRequested = false;
  let cancelRequested = false;
  const state: DeliveryState = {
    deliveryId: input.deliveryId,
    phase: 'attempting',
    attemptsMade: input.firstAttemptNumber - 1,
    nextAttemptNumber: input.firstAttemptNumber,
    nextAttemptAt: null,
    lastResponseStatus: null,
  };
  setHandler(replaySignal, () => void (replayRequested = true));
  setHandler(resumeSignal, () => void (resumeRequested = true));
  setHandler(cancelSignal, () => void (cancelRequested = true));
  setHandler(deliveryStateQuery, () => state);

  let searchStatus = 'pending';
  const setSearchStatus = (status: 'pending' | 'succeeded' | 'failed' | 'cancelled') => {
    if (status === searchStatus) return;
    searchStatus = status;
    upsertSearchAttributes([{ key: DELIVERY_STATUS, value: status }]);
  };
  const finish = (phase: 'succeeded' | 'failed' | 'cancelled'): DeliveryPhase => {
    state.phase = phase;
    state.nextAttemptAt = null;
    setSearchStatus(phase);
    return phase;
  };

  let failuresBefore = input.failuresBefore ?? 0;
  for (;;) {
    if (cancelRequested) return finish('cancelled');
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > CONTINUE_AS_NEW_AFTER_EVENTS) {
      // at the loop's top every signal so far is accounted for: the next run starts with an attempt
      await continueAsNew<typeof deliveryWorkflow>({ ...input, firstAttemptNumber: state.nextAttemptNumber, failuresBefore });
    }
    replayRequested = false;
    resumeRequested = false;
    state.phase = 'attempting';
    state.nextAttemptAt = null;
    setSearchStatus('pending');
    setCurrentDetails(`attempt ${state.nextAttemptNumber} in progress`);

    const attemptDelivery = patched(LOCAL_ATTEMPT_PATCH) ? local.attemptDelivery : remote.attemptDelivery;
    const result: AttemptResult = await attemptDelivery({
      deliveryId: input.deliveryId,
      attemptNumber: state.nextAttemptNumber,
      failuresBefore,
    });

    if (result.kind === 'cancelled') return finish('cancelled');
    if (result.kind === 'held') {
      state.phase = 'held';
      setCurrentDetails(`held: the webhook is disabled; attempt ${state.nextAttemptNumber} waits for it to be enabled`);
      await condition(() => resumeRequested || replayRequested || cancelRequested, HELD_RECHECK_MS);
      if (replayRequested) failuresBefore = 0;
      continue;
    }

    state.attemptsMade = state.nextAttemptNumber;
    state.nextAttemptNumber += 1;
    state.lastResponseStatus = result.responseStatus;
    const next = result.next;

    if (next.kind === 'succeeded') {
      // a replay asked for while this attempt was in flight still gets its own attempt
      if (!replayRequested) return finish('succeeded');
      failuresBefore = 0;
      continue;
    }
    if (next.kind === 'retry') {
      failuresBefore += 1;
      state.phase = 'waiting_retry';
      state.nextAttemptAt = new Date(Date.now() + next.delayMs).toISOString();
      setCurrentDetails(`attempt ${state.attemptsMade} failed (${describe(result.responseStatus)}); attempt ${state.nextAttemptNumber} at ${state.nextAttemptAt}`);
      await condition(() => replayRequested || cancelRequested, next.delayMs);
      if (replayRequested) failuresBefore = 0;
      continue;
    }

    // failed: the schedule is spent, or the receiver answered 410 Gone
    finish('failed');
    state.phase = 'waiting_replay';
    setCurrentDetails(`failed after attempt ${state.attemptsMade} (${describe(result.responseStatus)}, ${next.reason}); waiting for a replay`);
    const replayed = await condition(() => replayRequested || cancelRequested, input.replayRetentionMs);
    if (!replayed || cancelRequested) return cancelRequested ? finish('cancelled') : 'failed';
    failuresBefore = 0;
  }
}

function describe(responseStatus: number | null): string {
  return responseStatus === null ? 'no response' : `HTTP ${responseStatus}`;
}
