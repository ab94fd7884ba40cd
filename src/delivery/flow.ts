import type { AttemptResult } from '../contract/delivery.js';
import type { Admission, FlowRelease } from '../store/attempt-context.js';
import { type AttemptOutcome, RETRY_AFTER_CAP_MS } from './decide-next.js';

/**
 * Flow control's decisions around one attempt, as pure functions (docs/flow-control.md): what the
 * admission means for the attempt before it sends, and what the attempt tells its webhook's flow as
 * it gives its slot back. The state they act on lives in Postgres (migrations/0004_flow_control.sql).
 */

/**
 * A local attempt that has not answered within this long marks its webhook slow, so that the
 * webhook's next attempts run as normal activities: a local activity runs inside a workflow task,
 * and one that hangs holds that task, a workflow-task slot and a cache entry of the worker.
 */
export const LOCAL_ATTEMPT_BUDGET_MS = 1000;

/**
 * Local attempts one worker runs at once for one community; beyond it that community's attempts run
 * as normal activities. Healthy receivers answer in milliseconds, so this never binds for them; it
 * bounds what a community whose receivers all start hanging at once can hold of a worker's workflow
 * tasks before they are marked slow.
 */
export const LOCAL_ATTEMPTS_PER_COMMUNITY = 8;

/**
 * A slot that starts within this is waited for inside the attempt, and its start is committed (the
 * rate limit counts it); a later one is waited for on a durable timer, and asked for again then.
 * Temporal's timers fire up to about a second late (they are not meant for sub-second pacing), so
 * timers alone would bunch the starts a rate limit spaces out.
 */
export const START_SLEEP_MAX_MS = 1000;

export type AdmissionStep = Extract<AttemptResult, { kind: 'wait' | 'remote' }> | { kind: 'send'; sleepMs: number };

/** What an attempt does with its admission: wait (queued, or its slot starts later), go remote, or send. */
export function admissionStep(admission: Admission, place: { local: boolean; communityBusy: boolean }): AdmissionStep {
  if (!admission.granted) return { kind: 'wait', reason: admission.waitReason ?? 'concurrency', untilMs: null };
  if (admission.waitMs > START_SLEEP_MAX_MS) {
    const paused = admission.pausedUntil !== null && admission.startAt !== null && admission.startAt <= admission.pausedUntil;
    return { kind: 'wait', reason: paused ? 'paused' : 'rate', untilMs: admission.waitMs };
  }
  if (place.local && (admission.slow || place.communityBusy)) return { kind: 'remote' };
  return { kind: 'send', sleepMs: admission.waitMs };
}

/**
 * What an attempt's outcome tells its webhook's flow: a 429 or 503 (with Retry-After: a pause, capped
 * at an hour) and a timeout halve the adaptive limit, a 2xx raises it; an answer slower than the local
 * budget, or none in time, marks the receiver slow, a quick answer clears that.
 */
export function releaseFor(
  outcome: AttemptOutcome,
  attempt: { durationMs: number; final: boolean; leaseMs: number },
): FlowRelease {
  const timedOut = outcome.kind === 'no_response' && (outcome.code === 'timeout' || outcome.code === 'connect_timeout');
  const throttled = outcome.kind === 'http_error' && (outcome.status === 429 || outcome.status === 503);
  const answered = outcome.kind !== 'no_response';
  return {
    signal: outcome.kind === 'success' ? 'success' : throttled || timedOut ? 'slow_down' : 'none',
    pauseMs:
      throttled && outcome.kind === 'http_error' && outcome.retryAfterMs !== undefined && outcome.retryAfterMs > 0
        ? Math.min(outcome.retryAfterMs, RETRY_AFTER_CAP_MS)
        : null,
    slow: timedOut || attempt.durationMs > LOCAL_ATTEMPT_BUDGET_MS ? true : answered ? false : null,
    final: attempt.final,
    leaseMs: attempt.leaseMs,
  };
}

/** Local attempts in flight in this worker, by community (see LOCAL_ATTEMPTS_PER_COMMUNITY). */
export class LocalAttempts {
  readonly #byCommunity = new Map<string, number>();

  busy(communityId: string): boolean {
    return (this.#byCommunity.get(communityId) ?? 0) >= LOCAL_ATTEMPTS_PER_COMMUNITY;
  }

  async run<T>(communityId: string, work: () => Promise<T>): Promise<T> {
    this.#byCommunity.set(communityId, (this.#byCommunity.get(communityId) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const left = (this.#byCommunity.get(communityId) ?? 1) - 1;
      if (left > 0) this.#byCommunity.set(communityId, left);
      else this.#byCommunity.delete(communityId);
    }
  }
}
