import type { Delivery } from './api.js';

const MINUTE = 60_000;
/** The shortest window that holds the oldest delivery loaded, so a new webhook gets a readable chart. */
const WINDOWS = [
  { label: 'last hour', bucketMs: 5 * MINUTE, count: 12 },
  { label: 'last 6 hours', bucketMs: 15 * MINUTE, count: 24 },
  { label: 'last 24 hours', bucketMs: 60 * MINUTE, count: 24 },
  { label: 'last 7 days', bucketMs: 6 * 60 * MINUTE, count: 28 },
];

/**
 * Successes and failures over time, by creation time, from the deliveries the list has loaded (its
 * pages, with its filters). Pending ones are shown too, so a backlog is visible.
 */
export function DeliveryChart({ deliveries, now }: { deliveries: Delivery[]; now: number }) {
  const oldest = Math.min(now, ...deliveries.map((d) => Date.parse(d.createdAt)));
  const window = WINDOWS.find((w) => now - oldest < w.bucketMs * (w.count - 1)) ?? WINDOWS[WINDOWS.length - 1]!;
  const { bucketMs, count } = window;
  const end = Math.ceil((now + 1) / bucketMs) * bucketMs;
  const start = end - count * bucketMs;
  const buckets = Array.from({ length: count }, (_, i) => ({ at: start + i * bucketMs, succeeded: 0, failed: 0, pending: 0 }));
  for (const d of deliveries) {
    const t = Date.parse(d.createdAt);
    if (t < start || t >= end) continue;
    const bucket = buckets[Math.floor((t - start) / bucketMs)];
    if (!bucket) continue;
    if (d.status === 'succeeded') bucket.succeeded++;
    else if (d.status === 'failed') bucket.failed++;
    else if (d.status === 'pending') bucket.pending++;
  }
  const max = Math.max(1, ...buckets.map((b) => b.succeeded + b.failed + b.pending));
  const width = 720;
  const height = 120;
  const barWidth = width / count;
  const scale = (n: number) => (n / max) * (height - 18);
  const totals = buckets.reduce((t, b) => ({ s: t.s + b.succeeded, f: t.f + b.failed }), { s: 0, f: 0 });
  return (
    <figure class="chart" data-testid="delivery-chart" aria-label={`${window.label}: ${totals.s} succeeded, ${totals.f} failed`}>
      <svg viewBox={`0 0 ${width} ${height}`} role="img">
        {buckets.map((b, i) => {
          const x = i * barWidth + 2;
          const w = barWidth - 4;
          let y = height - 14;
          const parts: [number, string][] = [
            [b.succeeded, 'ok'],
            [b.failed, 'bad'],
            [b.pending, 'wait'],
          ];
          return (
            <g key={b.at}>
              <title>{`${new Date(b.at).toLocaleString()}: ${b.succeeded} succeeded, ${b.failed} failed, ${b.pending} pending`}</title>
              {parts.map(([n, cls]) => {
                if (n === 0) return null;
                const h = scale(n);
                y -= h;
                return <rect class={cls} x={x} y={y} width={w} height={h} rx={2} />;
              })}
              {i % Math.ceil(count / 4) === 0 ? (
                <text x={x} y={height - 2} class="axis">
                  {bucketMs >= 6 * 60 * MINUTE
                    ? new Date(b.at).toLocaleDateString([], { month: 'short', day: 'numeric' })
                    : new Date(b.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span class="legend ok" /> {totals.s} succeeded <span class="legend bad" /> {totals.f} failed, {window.label} (of the {deliveries.length} {deliveries.length === 1 ? 'delivery' : 'deliveries'} listed)
      </figcaption>
    </figure>
  );
}
