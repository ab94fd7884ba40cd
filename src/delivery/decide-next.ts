import type { NextStep } from '../contract/delivery.js';

/**
 * What happens after an attempt: a pure function of the attempt's outcome and where the delivery
 * stands in its retry schedule, returning a tagged result (trigger.dev's `RetryOutcome` shape).
 * Randomness is injected so tests can pin the jitter.
 */
export type AttemptOutcome =
  | { kind: 'success'; status: number }
  | { kind: 'http_error'; status: number; retryAfterMs?: number | undefined }
  /** No HTTP answer: a network error (timeout, refused, DNS…), or a request that could not be made
   *  (render_error, no_signing_secret…). Either way the schedule goes on. */
  | { kind: 'no_response'; code: string };

export type { NextStep } from '../contract/delivery.js';

export const RETRY_AFTER_CAP_MS = 60 * 60 * 1000;

export interface DecideInput {
  outcome: AttemptOutcome;
  /** Failed attempts before this one in the current run of the schedule (0 for the first). */
  failuresBefore: number;
  scheduleMs: readonly number[];
  /** ±fraction applied to each scheduled delay, e.g. 0.2 for ±20%. */
  jitter: number;
  random: () => number;
}

export function decideNext({ outcome, failuresBefore, scheduleMs, jitter, random }: DecideInput): NextStep {
  if (outcome.kind === 'success') return { kind: 'succeeded' };
  // 410 Gone is the receiver saying "stop": Stripe and GitHub treat it the same way.
  if (outcome.kind === 'http_error' && outcome.status === 410) return { kind: 'failed', reason: 'gone' };
  const scheduled = scheduleMs[failuresBefore];
  if (scheduled === undefined) return { kind: 'failed', reason: 'exhausted' };
  const jittered = Math.round(scheduled * (1 + jitter * (2 * random() - 1)));
  // Retry-After only ever lengthens the wait: a receiver asking for 7 s gets at least 7 s, but one
  // asking for less than the schedule does not shorten the backoff others rely on.
  if (outcome.kind === 'http_error' && (outcome.status === 429 || outcome.status === 503) && outcome.retryAfterMs !== undefined) {
    return { kind: 'retry', delayMs: Math.max(jittered, Math.min(outcome.retryAfterMs, RETRY_AFTER_CAP_MS)) };
  }
  return { kind: 'retry', delayMs: jittered };
}

/** Parses a Retry-After header (delta seconds or an HTTP date) into milliseconds from `nowMs`. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
