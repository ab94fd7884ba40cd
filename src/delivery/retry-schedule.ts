/**
 * Retry schedules are data (Svix's `retry_schedule`): a comma-separated list of delays such as
 * `5s,5m,30m,2h`. The delays are the waits *after* the 1st, 2nd, … attempt.
 */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export type ScheduleParse = { ok: true; scheduleMs: number[] } | { ok: false; error: string };

export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
}

export function parseRetrySchedule(text: string): ScheduleParse {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) {
    return { ok: false, error: 'must be a comma-separated list of durations such as 5s,5m,30m' };
  }
  const scheduleMs: number[] = [];
  for (const part of parts) {
    const ms = parseDuration(part);
    if (ms === undefined) return { ok: false, error: `has "${part}", which is not a duration like 5s, 5m, 2h or 1d` };
    scheduleMs.push(ms);
  }
  return { ok: true, scheduleMs };
}

export function formatSchedule(scheduleMs: readonly number[]): string {
  return scheduleMs
    .map((ms) => {
      for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
        if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
      }
      return `${ms}ms`;
    })
    .join(',');
}
