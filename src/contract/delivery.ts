import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * What the delivery workflow (workflows/delivery.ts) and the attempt activity (activities/) share,
 * and what the API and the worker use to start and signal deliveries (src/temporal/deliveries.ts):
 * inputs, results, signals and the query. Neither side imports the other; both import this file.
 * Values here are built with @temporalio/workflow alone, so the workflow bundle may import it.
 * How deliveries map onto Temporal: docs/temporal.md.
 */

/** The workflow type's name, as the worker registers it (the exported function's name). */
export const DELIVERY_WORKFLOW = 'deliveryWorkflow';

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
  /**
   * Set by every start since flow control (docs/flow-control.md): the workflow's attempts ask their
   * webhook's flow control for a slot and may be told to wait. Runs started before it carry no flag
   * and keep attempting as they always did, so their histories replay unchanged and a worker that
   * does not know flow control never gets an answer it cannot read.
   */
  flowControl?: boolean;
}

export type DeliveryPhase =
  | 'attempting'
  /** Waiting for a slot of its webhook's flow control, or for earlier deliveries of a FIFO webhook. */
  | 'waiting_slot'
  | 'waiting_retry'
  | 'held'
  | 'waiting_replay'
  | 'succeeded'
  | 'failed'
  | 'cancelled';

/** The workflow's signature, for typed starts by name (no import of the workflow code). */
export type DeliveryWorkflow = (input: DeliveryWorkflowInput) => Promise<DeliveryPhase>;

export interface DeliveryState {
  deliveryId: string;
  phase: DeliveryPhase;
  attemptsMade: number;
  nextAttemptNumber: number;
  nextAttemptAt: string | null;
  lastResponseStatus: number | null;
  /** While `waiting_slot`: what for (see WaitReason). */
  waitingFor?: WaitReason | null;
}

/** Replay: start the schedule afresh now (docs/delivery.md#replay); same delivery id, attempt numbers continue. */
export const replaySignal = defineSignal('replay');
/** The webhook was enabled again: a held delivery attempts now. */
export const resumeSignal = defineSignal('resume');
/** The webhook was deleted: stop (the API has already marked the delivery cancelled). */
export const cancelSignal = defineSignal('cancel');
/** A slot of the webhook's flow control was handed to this delivery: attempt now. */
export const admitSignal = defineSignal('admit');
export const deliveryStateQuery = defineQuery<DeliveryState>('deliveryState');

export interface AttemptInput {
  deliveryId: string;
  attemptNumber: number;
  /** Failed attempts so far in this run of the schedule: picks the next delay. */
  failuresBefore: number;
  /** Ask the webhook's flow control for a slot first (see DeliveryWorkflowInput.flowControl). */
  flow?: boolean;
}

/**
 * Why an attempt waits: every slot is taken (`concurrency`), others waited first (`queue`), an
 * earlier delivery of a FIFO webhook is not final (`ordering`), its slot starts later for the rate
 * limit (`rate`), or the webhook is paused by a Retry-After (`paused`).
 */
export type WaitReason = 'concurrency' | 'queue' | 'ordering' | 'rate' | 'paused';

/** What follows an attempt (src/delivery/decide-next.ts decides it): the workflow acts on it. */
export type NextStep =
  | { kind: 'succeeded' }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'failed'; reason: 'exhausted' | 'gone' };

export type AttemptResult =
  | { kind: 'attempted'; next: NextStep; responseStatus: number | null }
  /** The webhook is disabled: nothing was sent; the workflow waits for it to be enabled. */
  | { kind: 'held' }
  /** The webhook or delivery is gone: nothing was sent and nothing more will be. */
  | { kind: 'cancelled' }
  /**
   * Nothing was sent and no attempt number used: wait `untilMs` (the slot is this delivery's and
   * starts then), or, when null, for the admit signal, then attempt again with the same number.
   */
  | { kind: 'wait'; reason: WaitReason; untilMs: number | null }
  /** The receiver is slow: make this attempt as a normal activity, which holds no workflow task. */
  | { kind: 'remote' };

/** The activities a delivery workflow calls (activities/attempt-delivery.ts implements them). */
export interface DeliveryActivities {
  attemptDelivery(input: AttemptInput): Promise<AttemptResult>;
}
