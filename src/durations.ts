/**
 * Durations as the configuration writes them: `500ms`, `5s`, `5m`, `2h`, `7d`, and comma lists of
 * them such as a retry schedule (`5s,5m,30m,2h`, Svix's `retry_schedule` shape). A leaf module, so
 * the configuration loader can parse them without importing any domain folder.
 */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export type DurationListParse = { ok: true; ms: number[] } | { ok: false; error: string };

/** One duration in milliseconds, or undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
}

/** A comma-separated list of durations, e.g. the retry schedule (the waits after each failed attempt). */
export function parseDurationList(text: string): DurationListParse {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) {
    return { ok: false, error: 'must be a comma-separated list of durations such as 5s,5m,30m' };
  }
  const ms: number[] = [];
  for (const part of parts) {
    const one = parseDuration(part);
    if (one === undefined) return { ok: false, error: `has "${part}", which is not a duration like 5s, 5m, 2h or 1d` };
    ms.push(one);
  }
  return { ok: true, ms };
}

/** The inverse of parseDurationList, in the largest unit that divides each value. */
export function formatDurationList(values: readonly number[]): string {
  return values
    .map((ms) => {
      for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
        if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
      }
      return `${ms}ms`;
    })
    .join(',');
}
