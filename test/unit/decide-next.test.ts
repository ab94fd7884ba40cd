import { describe, expect, it } from 'vitest';
import { decideNext, parseRetryAfter, RETRY_AFTER_CAP_MS } from '../../src/delivery/decide-next.js';
import { formatDurationList, parseDurationList } from '../../src/durations.js';

const DEFAULT = parseDurationList('5s,5m,30m,2h,5h,10h,10h');
const schedule = DEFAULT.ok ? DEFAULT.ms : [];
const base = { scheduleMs: schedule, jitter: 0.2, random: () => 0.5 };

describe('retry schedule', () => {
  it('parses the default into milliseconds and back', () => {
    expect(schedule).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(formatDurationList(schedule)).toBe('5s,5m,30m,2h,5h,10h,10h');
    // 8 attempts spread over about 28 hours (docs/delivery.md#retry-schedule)
    expect(schedule.reduce((a, b) => a + b, 0) / 3_600_000).toBeCloseTo(27.6, 1);
  });

  it('rejects what is not a list of durations', () => {
    expect(parseDurationList('5s,,5m').ok).toBe(false);
    expect(parseDurationList('soon').ok).toBe(false);
    expect(parseDurationList('5 minutes').ok).toBe(false);
  });
});

describe('decideNext', () => {
  it('succeeds on a 2xx', () => {
    expect(decideNext({ ...base, outcome: { kind: 'success', status: 204 }, failuresBefore: 3 })).toEqual({ kind: 'succeeded' });
  });

  it('waits the scheduled delay, jittered within ±20%', () => {
    for (const [failuresBefore, delay] of schedule.entries()) {
      const low = decideNext({ ...base, random: () => 0, outcome: { kind: 'http_error', status: 500 }, failuresBefore });
      const high = decideNext({ ...base, random: () => 0.999999, outcome: { kind: 'no_response', code: 'timeout' }, failuresBefore });
      expect(low).toEqual({ kind: 'retry', delayMs: Math.round(delay * 0.8) });
      expect(high.kind === 'retry' && high.delayMs).toBeLessThanOrEqual(delay * 1.2);
      expect(high.kind === 'retry' && high.delayMs).toBeGreaterThan(delay * 1.19);
    }
  });

  it('fails once the schedule is spent: the 8th attempt is the last', () => {
    expect(decideNext({ ...base, outcome: { kind: 'http_error', status: 500 }, failuresBefore: 7 })).toEqual({ kind: 'failed', reason: 'exhausted' });
  });

  it('treats a redirect like any failure: retried on the schedule, the 8th attempt the last', () => {
    for (const status of [301, 302, 307, 308]) {
      expect(decideNext({ ...base, outcome: { kind: 'http_error', status }, failuresBefore: 0 })).toEqual({ kind: 'retry', delayMs: 5_000 });
      expect(decideNext({ ...base, outcome: { kind: 'http_error', status }, failuresBefore: 7 })).toEqual({ kind: 'failed', reason: 'exhausted' });
    }
  });

  it('stops at once on 410 Gone', () => {
    expect(decideNext({ ...base, outcome: { kind: 'http_error', status: 410 }, failuresBefore: 0 })).toEqual({ kind: 'failed', reason: 'gone' });
  });

  it('honours Retry-After on 429 and 503 when it asks for longer, capped at an hour', () => {
    const longer = decideNext({ ...base, outcome: { kind: 'http_error', status: 429, retryAfterMs: 7_000 }, failuresBefore: 0 });
    expect(longer).toEqual({ kind: 'retry', delayMs: 7_000 });
    const capped = decideNext({ ...base, outcome: { kind: 'http_error', status: 503, retryAfterMs: 5 * 3_600_000 }, failuresBefore: 0 });
    expect(capped).toEqual({ kind: 'retry', delayMs: RETRY_AFTER_CAP_MS });
    const shorter = decideNext({ ...base, outcome: { kind: 'http_error', status: 429, retryAfterMs: 1_000 }, failuresBefore: 2 });
    expect(shorter).toEqual({ kind: 'retry', delayMs: 1_800_000 });
    const ignoredOn500 = decideNext({ ...base, outcome: { kind: 'http_error', status: 500, retryAfterMs: 60_000 }, failuresBefore: 0 });
    expect(ignoredOn500).toEqual({ kind: 'retry', delayMs: 5_000 });
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 12:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
