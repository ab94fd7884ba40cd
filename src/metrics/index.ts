import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { NextStep } from '../delivery/decide-next.js';
import type { WaitReason } from '../contract/delivery.js';
import type { AttemptRun } from '../delivery/run-attempt.js';
import type { StoredEvent } from '../store/events.js';

/**
 * Hookline's Prometheus metrics, one registry per process. The API serves it at /metrics; a
 * worker-only process serves it on WORKER_METRICS_PORT. In `npm start` and in tests the API and the
 * worker share a process, so the API's /metrics shows the attempts the worker made.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** Deliveries that reached a final status (a replayed delivery counts again when it ends again). */
export const deliveriesTotal = new Counter({
  name: 'hookline_deliveries_total',
  help: 'Deliveries that reached a final status, by status and event type',
  labelNames: ['status', 'event_type'] as const,
  registers: [registry],
});

export const attemptsTotal = new Counter({
  name: 'hookline_attempts_total',
  help: 'Attempts, by outcome (success, http_error, or the error code when there was no answer) and response status class',
  labelNames: ['outcome', 'status_class'] as const,
  registers: [registry],
});

export const attemptDuration = new Histogram({
  name: 'hookline_attempt_duration_seconds',
  help: 'Duration of one HTTP attempt, from connect to the end of the response (or the error)',
  labelNames: ['outcome'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60],
  registers: [registry],
});

export const eventToFirstAttempt = new Histogram({
  name: 'hookline_event_to_first_attempt_seconds',
  help: 'Time from accepting an event (POST /v1/events) to the start of the first attempt of each delivery',
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
  registers: [registry],
});

export const apiRequestsTotal = new Counter({
  name: 'hookline_api_requests_total',
  help: 'API requests, by method, route template and status code',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

export const apiRequestDuration = new Histogram({
  name: 'hookline_api_request_duration_seconds',
  help: 'API request duration, by method and route template',
  labelNames: ['method', 'route'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

/** Read from Postgres on each scrape, so it is right across any number of API and worker processes. */
type PendingSource = () => Promise<{ eventType: string; count: number }[]>;
let pendingSource: PendingSource | undefined;

export const pendingDeliveries = new Gauge({
  name: 'hookline_deliveries_pending',
  help: 'Deliveries not yet succeeded with more attempts to come (status pending), by event type; read from Postgres on scrape',
  labelNames: ['event_type'] as const,
  registers: [registry],
  async collect() {
    if (!pendingSource) return;
    // a failed count shows as no series (absent, not a stale or zero value); the rest still scrapes
    const rows = await pendingSource().catch(() => []);
    this.reset();
    for (const row of rows) this.set({ event_type: row.eventType }, row.count);
  },
});

/** Only a process that serves the API reports the pending gauge (one source, not one per worker). */
export function setPendingSource(source: PendingSource | undefined): void {
  pendingSource = source;
}

/**
 * Flow control, read from Postgres on each scrape of the API like the pending gauge. Label sets are
 * bounded: totals by reason or state, and per webhook only for the ten most waited on (at most ten
 * series at any scrape; the API's GET /v1/webhooks/:id has every webhook's own figures).
 */
type FlowSource = () => Promise<{
  inFlight: number;
  waiting: { reason: string; count: number }[];
  webhooks: { paused: number; reduced: number; slow: number };
  mostWaiting: { webhookId: string; count: number }[];
}>;
let flowSource: FlowSource | undefined;
let flowRead: ReturnType<FlowSource> | undefined;
/** One read per scrape serves all four gauges. */
const readFlow = () => {
  flowRead ??= (flowSource?.() ?? Promise.reject(new Error('no flow source'))).finally(() => setTimeout(() => (flowRead = undefined), 0));
  return flowRead;
};

export function setFlowSource(source: FlowSource | undefined): void {
  flowSource = source;
}

export const flowInFlight = new Gauge({
  name: 'hookline_flow_in_flight',
  help: 'Attempts holding a slot of their webhook flow control, across every worker; read from Postgres on scrape',
  registers: [registry],
  async collect() {
    if (!flowSource) return;
    const flow = await readFlow().catch(() => undefined);
    this.reset();
    if (flow) this.set(flow.inFlight);
  },
});

export const flowWaiting = new Gauge({
  name: 'hookline_flow_waiting',
  help: 'Deliveries waiting for a slot, by reason (concurrency, queue, ordering); read from Postgres on scrape',
  labelNames: ['reason'] as const,
  registers: [registry],
  async collect() {
    if (!flowSource) return;
    const flow = await readFlow().catch(() => undefined);
    this.reset();
    for (const reason of ['concurrency', 'queue', 'ordering']) {
      if (flow) this.set({ reason }, flow.waiting.find((w) => w.reason === reason)?.count ?? 0);
    }
  },
});

export const flowThrottledWebhooks = new Gauge({
  name: 'hookline_flow_throttled_webhooks',
  help: 'Webhooks held back by flow control, by state: paused (Retry-After), reduced (adaptive limit below maxConcurrency), slow (attempts as normal activities)',
  labelNames: ['state'] as const,
  registers: [registry],
  async collect() {
    if (!flowSource) return;
    const flow = await readFlow().catch(() => undefined);
    this.reset();
    if (!flow) return;
    for (const state of ['paused', 'reduced', 'slow'] as const) this.set({ state }, flow.webhooks[state]);
  },
});

export const flowMostWaiting = new Gauge({
  name: 'hookline_flow_webhook_waiting',
  help: 'Deliveries waiting for a slot of the ten webhooks with the most waiting (at most ten series)',
  labelNames: ['webhook_id'] as const,
  registers: [registry],
  async collect() {
    if (!flowSource) return;
    const flow = await readFlow().catch(() => undefined);
    this.reset();
    for (const w of flow?.mostWaiting ?? []) this.set({ webhook_id: w.webhookId }, w.count);
  },
});

export interface RecordedAttempt {
  event: Pick<StoredEvent, 'type' | 'createdAt'>;
  attemptNumber: number;
  startedAt: Date;
  run: AttemptRun;
  next: NextStep;
}

/** What the delivery activity reports: an attempt row recorded, or an attempt told to wait. */
export interface AttemptMetrics {
  attemptRecorded(attempt: RecordedAttempt): void;
  attemptWaited(reason: WaitReason): void;
}

/** Attempts told to wait by their webhook's flow control, by reason (a bounded set). */
export const flowWaitsTotal = new Counter({
  name: 'hookline_flow_waits_total',
  help: 'Attempts told to wait by their webhook flow control, by reason (concurrency, queue, ordering, rate, paused)',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const deliveryMetrics: AttemptMetrics = {
  attemptRecorded({ event, attemptNumber, startedAt, run, next }) {
    const status = run.record.responseStatus;
    // the error code when there was no answer: a bounded set (src/delivery/run-attempt.ts)
    const outcome = status === null ? (run.record.errorCode ?? 'network') : status >= 200 && status < 300 ? 'success' : 'http_error';
    const statusClass = status === null ? 'none' : `${Math.floor(status / 100)}xx`;
    attemptsTotal.inc({ outcome, status_class: statusClass });
    attemptDuration.observe({ outcome }, run.record.durationMs / 1000);
    if (attemptNumber === 1) {
      eventToFirstAttempt.observe(Math.max(0, startedAt.getTime() - Date.parse(event.createdAt)) / 1000);
    }
    if (next.kind !== 'retry') deliveriesTotal.inc({ status: next.kind, event_type: event.type });
  },
  attemptWaited(reason) {
    flowWaitsTotal.inc({ reason });
  },
};

/** Rows the purge deleted for good (docs/retention.md), by table; counted once each statement has committed. */
export const purgedRowsTotal = new Counter({
  name: 'hookline_purged_rows_total',
  help: 'Rows deleted by the retention purge, by table (counted when each delete statement commits)',
  labelNames: ['table'] as const,
  registers: [registry],
});

/** What the purge activity reports after each delete statement. */
export interface PurgeMetrics {
  purged(table: string, rows: number): void;
}

export const purgeMetrics: PurgeMetrics = {
  purged(table, rows) {
    purgedRowsTotal.inc({ table }, rows);
  },
};

/** Replays started: one delivery's (the API) or those of a bulk replay job (its worker). */
export const replaysTotal = new Counter({
  name: 'hookline_replays_total',
  help: 'Replays started, by source: api (POST /v1/deliveries/:id/replay) or bulk (a bulk replay job)',
  labelNames: ['source'] as const,
  registers: [registry],
});

export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
