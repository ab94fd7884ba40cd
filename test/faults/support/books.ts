import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { OPERATIONAL_TYPES } from '../../../src/catalog/event-types.js';
import { ARTIFACTS_DIR } from './processes.js';
import type { Arrival, FaultReceiver } from './receiver.js';
import type { Stack } from './stack.js';
import { ATTEMPTS_PER_SCHEDULE, DELIVERY_TIMEOUT_MS } from './stack.js';
import { type AcceptedEvent, type CreatedHook, expectedHooks, type IngestReport, type PlannedEvent } from './traffic.js';

/** One injected fault: when it began, when it was over (process back, server up). */
export interface Fault {
  kind: string;
  detail: string;
  injectedAt: number;
  clearedAt: number;
}

export interface FaultFigure {
  kind: string;
  detail: string;
  /** How long the fault itself lasted (injection → process or server back). */
  downMs: number;
  /** Injection → the first successful delivery (or 202, for the API) that began after it was over. */
  recoveryMs: number | null;
}

export interface ScenarioFigures {
  scenario: string;
  title: string;
  eventsSent: number;
  eventsAccepted: number;
  deliveriesExpected: number;
  delivered: number;
  succeeded: number;
  failedAsExpected: number;
  lost: number;
  duplicated: number;
  duplicateArrivals: number;
  rerunAttempts: number;
  /** Attempts sent again although their row had been written (a needless duplicate; must be 0). */
  resentAfterRecorded: number;
  /** Attempts the receiver answered 2xx, but only after the sender's deadline: a timeout, then a retry. */
  lateAnswers: number;
  maxRerunGapMs: number | null;
  attempts: number;
  arrivals: number;
  invalidSignatures: number;
  ingestRetries: Record<string, number>;
  faults: FaultFigure[];
  recoveryMs: number | null;
  drainMs: number;
  latencyMs: { p50: number; p99: number; max: number };
  scenarioMs: number;
  quiescent: boolean;
  violations: string[];
  notes: Record<string, unknown>;
}

interface DeliveryRow {
  id: string;
  event_id: string;
  webhook_id: string;
  status: string;
  attempt_count: number;
  dispatched_at: Date | null;
  ordering_seq: string | null;
}

interface AttemptRow {
  delivery_id: string;
  attempt_number: number;
  started_at: Date;
  duration_ms: number;
  created_at: Date;
  response_status: number | null;
  error_code: string | null;
}

/**
 * Waits until nothing is left to do: no delivery pending in Postgres, no delivery workflow running
 * except failed ones waiting (by design) for a replay signal, and no request held open at the receiver.
 */
export async function waitForQuiescence(stack: Stack, receiver: FaultReceiver, timeoutMs: number): Promise<{ quiescent: boolean; at: number; pending: number; running: number }> {
  const deadline = Date.now() + timeoutMs;
  let pending = -1;
  let running = -1;
  for (;;) {
    try {
      pending = Number(
        (await sql<{ n: string }>`select count(*) as n from deliveries where status = 'pending'`.execute(stack.db)).rows[0]!.n,
      );
      running =
        pending > 0
          ? -1
          : (
              await stack.client.workflow.count(
                `TaskQueue = "${stack.taskQueue}" AND WorkflowType = "deliveryWorkflow" AND ExecutionStatus = "Running" AND HooklineDeliveryStatus != "failed"`,
              )
            ).count;
      if (pending === 0 && running === 0 && receiver.arrivalsOf(stack.scenario).every((a) => a.doneAt !== undefined)) {
        return { quiescent: true, at: Date.now(), pending, running };
      }
    } catch {
      // Postgres or Temporal may be on their way back
    }
    if (Date.now() > deadline) return { quiescent: false, at: Date.now(), pending, running };
    await new Promise((r) => setTimeout(r, 500));
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * The books: joins what the client was told (202s and their deliveries), what the receiver saw,
 * what Postgres recorded and what Temporal runs, and lists every place they disagree.
 */
export async function checkBooks(input: {
  stack: Stack;
  title: string;
  receiver: FaultReceiver;
  planned: readonly PlannedEvent[];
  hooks: readonly CreatedHook[];
  ingest: IngestReport;
  faults: readonly Fault[];
  /** Hooks that answer 5xx to every attempt: their deliveries must end `failed` after the whole schedule. */
  deadHooks?: ReadonlySet<string>;
  quiescence: { quiescent: boolean; at: number; pending: number; running: number };
  scenarioStartedAt: number;
  notes?: Record<string, unknown>;
}): Promise<ScenarioFigures> {
  const { stack, receiver, planned, hooks, ingest } = input;
  const violations: string[] = [];
  const deadHooks = input.deadHooks ?? new Set<string>();
  const violate = (text: string) => violations.push(text);

  const deliveries = (await stack.db
    .selectFrom('deliveries')
    .select(['id', 'event_id', 'webhook_id', 'status', 'attempt_count', 'dispatched_at', 'ordering_seq'])
    .execute()) as DeliveryRow[];
  const attempts = (await stack.db
    .selectFrom('attempts')
    .select(['delivery_id', 'attempt_number', 'started_at', 'duration_ms', 'created_at', 'response_status', 'error_code'])
    .execute()) as AttemptRow[];
  const arrivals = receiver.arrivalsOf(stack.scenario);
  // the raw books, for a post-mortem
  for (const [name, rows] of Object.entries({ arrivals, attempts, deliveries })) {
    writeFileSync(path.join(ARTIFACTS_DIR, `${stack.scenario}-${name}.json`), JSON.stringify(rows));
  }

  const hookById = new Map(hooks.map((h) => [h.id, h]));
  const deliveryById = new Map(deliveries.map((d) => [d.id, d]));
  const rowsByDelivery = new Map<string, Map<number, AttemptRow>>();
  for (const row of attempts) {
    const rows = rowsByDelivery.get(row.delivery_id) ?? new Map<number, AttemptRow>();
    rows.set(row.attempt_number, row);
    rowsByDelivery.set(row.delivery_id, rows);
  }
  const arrivalsByDelivery = new Map<string, Arrival[]>();
  for (const arrival of arrivals) {
    const list = arrivalsByDelivery.get(arrival.deliveryId) ?? [];
    list.push(arrival);
    arrivalsByDelivery.set(arrival.deliveryId, list);
  }

  // 1. every planned event was accepted, with the deliveries our reading of the subscriptions expects
  for (const rejected of ingest.rejected) violate(`event ${rejected.externalId} not accepted: ${rejected.status} ${JSON.stringify(rejected.body)}`);
  const expected: Array<{ event: AcceptedEvent; delivery: { id: string; webhookId: string } }> = [];
  for (const event of planned) {
    const accepted = ingest.accepted.get(event.externalId);
    if (!accepted) continue;
    const want = expectedHooks(event, hooks).map((h) => h.id).sort();
    const got = accepted.deliveries.map((d) => d.webhookId).sort();
    if (want.join() !== got.join()) violate(`event ${event.externalId}: deliveries to ${got.join(',')}, expected ${want.join(',')}`);
    for (const delivery of accepted.deliveries) expected.push({ event: accepted, delivery });
  }
  if (deliveries.length !== expected.length) violate(`${deliveries.length} deliveries in Postgres, ${expected.length} accepted`);
  // Hookline's own operational events (a delivery ended failed, a webhook was disabled) are events
  // too, emitted through its outbox; the platform's are counted apart from them
  const operational = [...OPERATIONAL_TYPES];
  const events = Number(
    (await sql<{ n: string }>`select count(*) as n from events where type <> all(${operational}::text[])`.execute(stack.db)).rows[0]!.n,
  );
  if (events !== ingest.accepted.size) violate(`${events} events in Postgres, ${ingest.accepted.size} accepted (an event recorded twice, or one never acknowledged)`);
  // each delivery that ended failed told its community once: emitted, or still in the outbox
  const failedNotices = Number(
    (
      await sql<{ n: string }>`select (select count(*) from events where type = 'delivery.failed')
        + (select count(*) from operational_outbox where type = 'delivery.failed') as n`.execute(stack.db)
    ).rows[0]!.n,
  );
  const endedFailed = deliveries.filter((d) => d.status === 'failed').length;
  if (failedNotices !== endedFailed) violate(`${failedNotices} delivery.failed events for ${endedFailed} failed deliveries`);

  // 2. every accepted delivery reached its webhook with a valid signature; count duplicates
  let lost = 0;
  let delivered = 0;
  let duplicated = 0;
  let duplicateArrivals = 0;
  const latencies: number[] = [];
  for (const { event, delivery } of expected) {
    const got = (arrivalsByDelivery.get(delivery.id) ?? []).filter((a) => a.signatureValid);
    const hook = hookById.get(delivery.webhookId)!;
    if (got.length === 0) {
      lost += 1;
      if (lost <= 20) violate(`lost: delivery ${delivery.id} of ${event.externalId} never reached ${hook.key}`);
      continue;
    }
    delivered += 1;
    for (const arrival of got) {
      if (arrival.hook !== hook.key) violate(`delivery ${delivery.id} arrived at ${arrival.hook}, belongs to ${hook.key}`);
      if (arrival.eventId !== event.eventId) violate(`delivery ${delivery.id} carried event ${arrival.eventId}, expected ${event.eventId}`);
    }
    const ok = got.filter((a) => a.answer.kind === 'status' && a.answer.status >= 200 && a.answer.status < 300);
    if (ok.length > 1) {
      duplicated += 1;
      duplicateArrivals += ok.length - 1;
    }
    if (ok.length > 0) latencies.push(ok[0]!.at - event.acceptedAt);
  }
  const invalid = arrivals.filter((a) => !a.signatureValid);
  for (const arrival of invalid.slice(0, 10)) violate(`arrival ${arrival.deliveryId}#${arrival.attempt} at ${arrival.hook}: signature invalid (${arrival.verifyError})`);
  for (const arrival of arrivals) {
    if (!deliveryById.has(arrival.deliveryId)) violate(`arrival for unknown delivery ${arrival.deliveryId}`);
  }

  // 3. every arrival has its attempt row, and every row is what the receiver saw
  let rerunAttempts = 0;
  let resentAfterRecorded = 0;
  let lateAnswers = 0;
  let maxRerunGapMs: number | null = null;
  const rowMatches = (row: AttemptRow, arrival: Arrival): boolean => {
    switch (arrival.answer.kind) {
      case 'status':
        if (row.response_status === arrival.answer.status) return true;
        // an answer that was complete only after the sender's deadline is a timeout to the sender
        return (
          row.response_status === null &&
          row.error_code === 'timeout' &&
          arrival.doneAt !== undefined &&
          arrival.doneAt >= row.started_at.getTime() + DELIVERY_TIMEOUT_MS - 50
        );
      case 'hang':
        return row.response_status === null && row.error_code === 'timeout';
      case 'reset':
        return row.response_status === null && row.error_code === 'connection_reset';
    }
  };
  for (const [deliveryId, list] of arrivalsByDelivery) {
    const rows = rowsByDelivery.get(deliveryId) ?? new Map<number, AttemptRow>();
    const byAttempt = new Map<number, Arrival[]>();
    for (const arrival of list) byAttempt.set(arrival.attempt, [...(byAttempt.get(arrival.attempt) ?? []), arrival]);
    for (const [attempt, same] of byAttempt) {
      const row = rows.get(attempt);
      if (!row) {
        violate(`arrival ${deliveryId}#${attempt} has no attempt row`);
        continue;
      }
      if (row.error_code === 'timeout' && same.some((a) => a.answer.kind === 'status')) lateAnswers += 1;
      if (!same.some((arrival) => rowMatches(row, arrival))) {
        violate(
          `attempt row ${deliveryId}#${attempt} (status ${row.response_status}, error ${row.error_code}) matches no arrival (${same
            .map((a) => JSON.stringify(a.answer))
            .join(' ')})`,
        );
      }
      if (same.length > 1) {
        rerunAttempts += same.length - 1;
        // a re-run that found the row already written must answer from it, not send again; a row
        // committed well before the last copy arrived (5 s: more than a re-run takes from its read
        // of the row to its POST) means the attempt was sent although it was recorded
        const last = same[same.length - 1]!;
        if (row.created_at.getTime() < last.at - 5000) {
          resentAfterRecorded += 1;
          violate(`attempt ${deliveryId}#${attempt} sent again ${last.at - row.created_at.getTime()} ms after its row was written`);
        }
        const gap = same[same.length - 1]!.at - same[0]!.at;
        maxRerunGapMs = Math.max(maxRerunGapMs ?? 0, gap);
      }
    }
    for (const attempt of rows.keys()) {
      if (!byAttempt.has(attempt)) violate(`attempt row ${deliveryId}#${attempt} has no arrival at the receiver`);
    }
  }

  // 4. every delivery's final status is right, its attempts numbered 1..n, its workflow started
  for (const delivery of deliveries) {
    const rows = [...(rowsByDelivery.get(delivery.id)?.values() ?? [])].sort((a, b) => a.attempt_number - b.attempt_number);
    const hook = hookById.get(delivery.webhook_id);
    const last = rows[rows.length - 1];
    const lastOk = last?.response_status != null && last.response_status >= 200 && last.response_status < 300;
    rows.forEach((row, i) => {
      if (row.attempt_number !== i + 1) violate(`delivery ${delivery.id}: attempt numbers ${rows.map((r) => r.attempt_number).join(',')}`);
    });
    if (delivery.attempt_count !== rows.length) violate(`delivery ${delivery.id}: attempt_count ${delivery.attempt_count}, ${rows.length} rows`);
    if (!delivery.dispatched_at) violate(`delivery ${delivery.id}: never marked dispatched`);
    if (hook && deadHooks.has(hook.key)) {
      if (delivery.status !== 'failed' || rows.length !== ATTEMPTS_PER_SCHEDULE || rows.some((r) => r.response_status === 200)) {
        violate(`delivery ${delivery.id} to dead hook ${hook.key}: ${delivery.status} after ${rows.length} attempts, expected failed after ${ATTEMPTS_PER_SCHEDULE}`);
      }
    } else if (delivery.status !== 'succeeded' || !lastOk) {
      violate(`delivery ${delivery.id}: status ${delivery.status}, last attempt ${last ? `#${last.attempt_number} status ${last.response_status} ${last.error_code ?? ''}` : 'none'}`);
    }
  }

  // 4b. a FIFO hook's deliveries were attempted one at a time in their order: each one's first
  // arrival comes after every arrival of the one before it (duplicates included). (Their order is
  // the order of the commits; a client that retried after the API died learned of its event later.)
  let orderedChecked = 0;
  for (const hook of hooks.filter((h) => h.ordering === 'fifo')) {
    const ordered = deliveries
      .filter((d) => d.webhook_id === hook.id)
      .sort((a, b) => Number(a.ordering_seq) - Number(b.ordering_seq));
    if (ordered.some((d) => d.ordering_seq === null)) violate(`FIFO hook ${hook.key}: a delivery without its place in the order`);
    for (let k = 1; k < ordered.length; k++) {
      const before = arrivalsByDelivery.get(ordered[k - 1]!.id) ?? [];
      const mine = arrivalsByDelivery.get(ordered[k]!.id) ?? [];
      if (before.length === 0 || mine.length === 0) continue; // counted as lost above
      const lastBefore = Math.max(...before.map((a) => a.seq));
      const firstMine = Math.min(...mine.map((a) => a.seq));
      if (firstMine < lastBefore) violate(`FIFO hook ${hook.key}: delivery ${ordered[k]!.id} attempted before ${ordered[k - 1]!.id} was final`);
      orderedChecked += 1;
    }
  }

  // 5. Temporal agrees: one workflow per delivery; none left running but failed ones awaiting a replay
  // delivery workflows only: the purge schedule runs its workflow on the same task queue (at the top
  // of each hour with the default PURGE_INTERVAL, which a scenario can span)
  const deliveryWorkflows = `TaskQueue = "${stack.taskQueue}" AND WorkflowType = "deliveryWorkflow"`;
  const [all, running, waiting] = await Promise.all([
    stack.client.workflow.count(deliveryWorkflows),
    stack.client.workflow.count(`${deliveryWorkflows} AND ExecutionStatus = "Running"`),
    stack.client.workflow.count(`${deliveryWorkflows} AND ExecutionStatus = "Running" AND HooklineDeliveryStatus = "failed"`),
  ]);
  const failedDeliveries = deliveries.filter((d) => d.status === 'failed').length;
  if (all.count !== deliveries.length) violate(`${all.count} delivery workflows in Temporal, ${deliveries.length} deliveries`);
  if (running.count !== waiting.count) violate(`${running.count - waiting.count} workflows still running that are not failed deliveries awaiting replay`);
  if (waiting.count !== failedDeliveries) violate(`${waiting.count} workflows awaiting replay, ${failedDeliveries} failed deliveries`);
  if (!input.quiescence.quiescent) {
    violate(`no quiescence: ${input.quiescence.pending} deliveries pending, ${input.quiescence.running} workflows running`);
    violations.push(...(await diagnosePending(stack)));
  }

  // figures
  const firstOkAfter = (t: number) =>
    arrivals.find((a) => a.at >= t && a.answer.kind === 'status' && a.answer.status < 300 && a.signatureValid)?.at;
  const firstAcceptAfter = (t: number) =>
    Math.min(...[...ingest.accepted.values()].filter((e) => e.acceptedAt >= t).map((e) => e.acceptedAt));
  const faults: FaultFigure[] = input.faults.map((fault) => {
    const resumed = fault.kind.startsWith('api') ? firstAcceptAfter(fault.clearedAt) : firstOkAfter(fault.clearedAt);
    return {
      kind: fault.kind,
      detail: fault.detail,
      downMs: fault.clearedAt - fault.injectedAt,
      recoveryMs: resumed === undefined || !Number.isFinite(resumed) ? null : resumed - fault.injectedAt,
    };
  });
  const recoveries = faults.map((f) => f.recoveryMs).filter((m): m is number => m !== null);
  const lastCleared = Math.max(input.scenarioStartedAt, ...input.faults.map((f) => f.clearedAt), ingest.finishedAt);
  latencies.sort((a, b) => a - b);
  return {
    scenario: stack.scenario,
    title: input.title,
    eventsSent: planned.length,
    eventsAccepted: ingest.accepted.size,
    deliveriesExpected: expected.length,
    delivered,
    succeeded: deliveries.filter((d) => d.status === 'succeeded').length,
    failedAsExpected: deliveries.filter((d) => d.status === 'failed' && deadHooks.has(hookById.get(d.webhook_id)?.key ?? '')).length,
    lost,
    duplicated,
    duplicateArrivals,
    rerunAttempts,
    resentAfterRecorded,
    lateAnswers,
    maxRerunGapMs,
    attempts: attempts.length,
    arrivals: arrivals.length,
    invalidSignatures: invalid.length,
    ingestRetries: ingest.retriedBecause,
    faults,
    recoveryMs: recoveries.length ? Math.max(...recoveries) : null,
    drainMs: input.quiescence.at - lastCleared,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? 0 },
    scenarioMs: input.quiescence.at - input.scenarioStartedAt,
    quiescent: input.quiescence.quiescent,
    violations,
    notes: { ...(input.notes ?? {}), fifoPairsChecked: orderedChecked },
  };
}

/** For a failed quiescence: what the stuck deliveries' workflows are doing. */
async function diagnosePending(stack: Stack): Promise<string[]> {
  const lines: string[] = [];
  const pending = await stack.db.selectFrom('deliveries').select(['id', 'attempt_count', 'next_attempt_at', 'dispatched_at']).where('status', '=', 'pending').limit(5).execute();
  for (const d of pending) {
    try {
      const description = await stack.client.workflow.getHandle(`delivery-${d.id}`).describe();
      const raw = description.raw;
      lines.push(
        `pending ${d.id} (attempts ${d.attempt_count}, next ${d.next_attempt_at?.toISOString() ?? '-'}): workflow ${description.status.name}, ` +
          `${raw.pendingActivities?.length ?? 0} pending activities ${JSON.stringify(raw.pendingActivities?.map((a) => ({ attempt: a.attempt, state: a.state, lastFailure: a.lastFailure?.message })))}`,
      );
    } catch (error) {
      lines.push(`pending ${d.id} (dispatched ${d.dispatched_at?.toISOString() ?? 'never'}): no workflow (${(error as Error).message})`);
    }
  }
  return lines;
}
