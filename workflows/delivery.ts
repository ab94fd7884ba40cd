import {
  ActivityFailure,
  CancelledFailure,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  admitSignal,
  type AttemptInput,
  type AttemptResult,
  cancelSignal,
  type DeliveryActivities,
  type DeliveryPhase,
  type DeliveryState,
  deliveryStateQuery,
  type DeliveryWorkflow,
  type DeliveryWorkflowInput,
  replaySignal,
  resumeSignal,
  type WaitReason,
} from '../src/contract/delivery.js';
import { DELIVERY_STATUS } from '../src/contract/search-attributes.js';

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
 * record; what that saves is in BENCHMARKS.md, "Tuning". Safe because an attempt is idempotent by
 * (delivery, attempt number): the activity answers with the recorded row when a lost workflow task
 * runs it again, as it did for a normal activity whose worker died.
 *
 * Flow control (since `input.flowControl`, docs/flow-control.md): an attempt first asks its
 * webhook's flow control for a slot. Told to wait, the workflow waits durably, on a timer when its
 * slot starts later (the rate limit, a pause) or for the `admit` signal when it is in the queue, and
 * then makes the same attempt (same number: a wait is not an attempt). Told the receiver is slow, it
 * makes the attempt as a normal activity, which holds no workflow task while the receiver hangs.
 * Runs started before flow control carry no flag and take none of these paths, so their histories
 * replay as they were recorded: the versioning is the input, and costs no event.
 *
 * Inputs, results, signals and the query are in src/contract/delivery.ts.
 */

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
  const remote = proxyActivities<DeliveryActivities>(attemptOptions);
  const local = proxyLocalActivities<DeliveryActivities>(attemptOptions);

  let replayRequested = false;
  let resumeRequested = false;
  let cancelRequested = false;
  let admitted = false;
  const state: DeliveryState = {
    deliveryId: input.deliveryId,
    phase: 'attempting',
    attemptsMade: input.firstAttemptNumber - 1,
    nextAttemptNumber: input.firstAttemptNumber,
    nextAttemptAt: null,
    lastResponseStatus: null,
    waitingFor: null,
  };
  setHandler(admitSignal, () => void (admitted = true));
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

  /**
   * A local attempt that the worker cancelled (no one here asks it to) is made again as a normal
   * activity: under cache pressure the SDK can evict a workflow while its local attempt is in its
   * retry backoff (a Postgres error) and complete the task with the attempt cancelled, which would
   * otherwise fail this workflow and leave its delivery pending for ever (seen in the parked
   * benchmark: 1 of 10,000). The attempt is idempotent by its number, and a normal activity is not
   * tied to a workflow task. Replay-safe without a patch: the catch adds commands only where the old
   * code failed the run, and such runs are closed.
   */
  const attemptOrRemote = async (locally: boolean, attempt: AttemptInput): Promise<AttemptResult> => {
    if (!locally) return remote.attemptDelivery(attempt);
    try {
      return await local.attemptDelivery(attempt);
    } catch (error) {
      if (!(error instanceof ActivityFailure) || !(error.cause instanceof CancelledFailure)) throw error;
      setCurrentDetails(`attempt ${attempt.attemptNumber}: the local attempt was cancelled by the worker; made as a normal activity`);
      return remote.attemptDelivery(attempt);
    }
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

    const locally = patched(LOCAL_ATTEMPT_PATCH);
    const attempt: AttemptInput = {
      deliveryId: input.deliveryId,
      attemptNumber: state.nextAttemptNumber,
      failuresBefore,
      ...(input.flowControl ? { flow: true } : {}),
    };
    // before the attempt, so an admit signal that comes while it runs is not lost
    admitted = false;
    let result: AttemptResult = await attemptOrRemote(locally, attempt);
    // a slow receiver: the same attempt as a normal activity (its slot was kept for it)
    if (result.kind === 'remote') result = await remote.attemptDelivery(attempt);
    // (only a local attempt answers `remote`: this one failing its task would be a bug, seen in the UI)
    if (result.kind === 'remote') throw new Error('an attempt made as a normal activity answered "remote"');

    if (result.kind === 'cancelled') return finish('cancelled');
    if (result.kind === 'wait') {
      state.phase = 'waiting_slot';
      state.waitingFor = result.reason;
      setCurrentDetails(`attempt ${state.nextAttemptNumber} waits: ${describeWait(result.reason)}`);
      const woken = () => admitted || replayRequested || resumeRequested || cancelRequested;
      // a slot that starts later: a timer; a place in the queue: the admit signal alone, which the
      // workers' sweeper sends again should it be lost (a fallback timer would cost two events a wait)
      if (result.untilMs !== null) await condition(woken, result.untilMs);
      else await condition(woken);
      state.waitingFor = null;
      if (replayRequested) failuresBefore = 0;
      continue;
    }
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

deliveryWorkflow satisfies DeliveryWorkflow;

function describeWait(reason: WaitReason): string {
  switch (reason) {
    case 'concurrency':
      return 'every slot of the webhook is taken (maxConcurrency)';
    case 'queue':
      return 'earlier deliveries of the webhook wait for a slot first';
    case 'ordering':
      return 'earlier deliveries of this FIFO webhook are not final yet';
    case 'rate':
      return 'its slot starts later (rateLimitPerSecond)';
    case 'paused':
      return 'the webhook is paused by its receiver (Retry-After)';
  }
}

function describe(responseStatus: number | null): string {
  return responseStatus === null ? 'no response' : `HTTP ${responseStatus}`;
}
