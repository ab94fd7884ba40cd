import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { Config } from '../src/config.js';
import type { AttemptInput, AttemptResult, DeliveryActivities } from '../src/contract/delivery.js';
import type { Db } from '../src/db/database.js';
import type { AttemptMetrics } from '../src/metrics/index.js';
import { type AttemptOutcome, decideNext, type NextStep, parseRetryAfter } from '../src/delivery/decide-next.js';
import { admissionStep, LOCAL_ATTEMPT_BUDGET_MS, LocalAttempts, releaseFor, START_SLEEP_MAX_MS } from '../src/delivery/flow.js';
import { type AttemptRun, runAttempt } from '../src/delivery/run-attempt.js';
import type { SecretBox } from '../src/security/secret-box.js';
import { isOperational } from '../src/catalog/event-types.js';
import { emitOperationalEvents } from '../src/delivery/operational-events.js';
import { loadAttemptContext, type OperationalNotice, recordAttemptOutcome } from '../src/store/attempt-context.js';
import { setDeliveryStatus } from '../src/store/deliveries.js';
import { markWebhookSlow } from '../src/store/flow.js';
import { disableWebhook } from '../src/store/webhooks.js';
import { attemptTimeoutMs, signalDeliveries } from '../src/temporal/deliveries.js';
import { annotateSpan } from '../src/tracing/index.js';

export interface AttemptDeps {
  db: Db;
  box: SecretBox;
  http: Dispatcher;
  config: Pick<Config, 'delivery' | 'temporal'>;
  logger: Logger;
  metrics?: AttemptMetrics;
  /** The client that signals deliveries handed a slot of their webhook's flow control. */
  temporal?: Client;
  /** Injected for tests; defaults to the wall clock and Math.random. */
  now?: () => Date;
  random?: () => number;
}

export function attemptActivities(deps: AttemptDeps): DeliveryActivities {
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const leaseMs = attemptTimeoutMs(deps.config);
  const localAttempts = new LocalAttempts();
  /** Waiters handed a slot: their workflows are told at once (the workers' sweeper catches any miss). */
  const admit = async (deliveryIds: readonly string[]) => {
    if (deliveryIds.length === 0 || !deps.temporal) return;
    await signalDeliveries(deps.temporal, deliveryIds, 'admit').catch((error: unknown) =>
      deps.logger.warn({ err: error, count: deliveryIds.length }, 'could not signal deliveries handed a slot; the sweeper will'),
    );
  };
  const decide = (outcome: AttemptOutcome, failuresBefore: number): NextStep =>
    decideNext({
      outcome,
      failuresBefore,
      scheduleMs: deps.config.delivery.retryScheduleMs,
      jitter: deps.config.delivery.retryJitter,
      random,
    });

  return {
    /**
     * One attempt: load the delivery, its event and its webhook's current configuration; build the
     * request (src/wire/request.ts) and POST it (src/delivery/run-attempt.ts); record the attempt,
     * the delivery's new status and the webhook's failing streak together. Two database round
     * trips when it is sent (one statement each, src/store/attempt-context.ts); the paths that send
     * nothing may write once more. What cannot succeed however often it is tried (a body that
     * cannot be rendered, no live signing secret, a secret SECRETS_KEY cannot open) is a recorded
     * attempt with its error code, so the delivery follows its schedule and ends `failed`.
     *
     * With `input.flow`, the first statement also asks the webhook's flow control for a slot
     * (src/delivery/flow.ts): without one, or with one that starts later, nothing is sent and the
     * workflow is told to wait; run locally for a slow receiver, the workflow is told to make the
     * attempt as a normal activity; the second statement gives the slot back.
     */
    async attemptDelivery(input: AttemptInput): Promise<AttemptResult> {
      // the one way this activity can fail for good: an input no retry can make valid
      if (typeof input?.deliveryId !== 'string' || !Number.isInteger(input.attemptNumber) || input.attemptNumber < 1) {
        throw ApplicationFailure.nonRetryable(`attemptDelivery needs a delivery id and an attempt number ≥ 1, got ${JSON.stringify(input)}`, 'InvalidInput');
      }
      const { db, box, config } = deps;
      const log = deps.logger.child({ deliveryId: input.deliveryId, attempt: input.attemptNumber });
      // the attempt's span (RunActivity, with tracing on): which delivery and attempt it is
      annotateSpan({ 'hookline.delivery_id': input.deliveryId, 'hookline.attempt': input.attemptNumber });
      const context = await loadAttemptContext(db, box, input.deliveryId, input.attemptNumber, input.flow ? { leaseMs, sleepMs: START_SLEEP_MAX_MS } : undefined);
      if (!context || context.delivery.status === 'cancelled') return { kind: 'cancelled' };
      const { delivery, recorded, webhook, event } = context;
      // Temporal runs an attempt again when its worker died after writing the row but before
      // Temporal heard the result: answer with what was recorded; never send it a second time.
      if (recorded) {
        const next = decide(recordedOutcome(recorded), input.failuresBefore);
        if (next.kind === 'failed' && next.reason === 'gone') await disableWebhook(db, delivery.webhook_id, 'gone');
        log.info({ next: next.kind }, 'attempt already recorded: not sent again');
        return { kind: 'attempted', next, responseStatus: recorded.response_status };
      }
      if (!webhook || webhook.deleted) {
        await setDeliveryStatus(db, delivery.id, 'cancelled');
        return { kind: 'cancelled' };
      }
      if (!webhook.active) {
        await setDeliveryStatus(db, delivery.id, 'pending', null);
        log.info({ webhookId: webhook.id }, 'delivery held: webhook disabled');
        return { kind: 'held' };
      }
      if (!event) {
        // retention: the event was expunged (loadAttemptContext skips it); nothing will ever be sent
        await setDeliveryStatus(db, delivery.id, 'cancelled');
        return { kind: 'cancelled' };
      }
      annotateSpan({ 'hookline.webhook_id': webhook.id, 'hookline.event_type': event.type, 'hookline.community_id': delivery.community_id });

      const local = runsLocally();
      annotateSpan({ 'temporal.local_activity': local });
      if (context.admission) {
        void admit(context.admission.woken);
        const step = admissionStep(context.admission, { local, communityBusy: localAttempts.busy(delivery.community_id) });
        if (step.kind !== 'send') {
          if (step.kind === 'wait') {
            deps.metrics?.attemptWaited(step.reason);
            log.info({ webhookId: webhook.id, reason: step.reason, untilMs: step.untilMs }, 'attempt waits for its flow control');
          }
          return step;
        }
        // its slot starts within a second (the rate limit): that is waited for here, not on a timer
        if (step.sleepMs > 0) await sleep(step.sleepMs);
      }

      const startedAt = now();
      const send = () =>
        runAttempt({ http: deps.http, delivery: config.delivery, deliveryId: delivery.id, attemptNumber: input.attemptNumber, webhook, event, startedAt });
      let run: AttemptRun;
      if (local && input.flow) {
        // a local attempt that runs past its budget marks the receiver slow before it answers, so
        // the webhook's next attempts do not hang in this worker's workflow tasks too
        const slowMark = setTimeout(
          () => void markWebhookSlow(db, webhook.id).catch((error: unknown) => log.warn({ err: error }, 'could not mark the webhook slow')),
          LOCAL_ATTEMPT_BUDGET_MS,
        );
        try {
          run = await localAttempts.run(delivery.community_id, send);
        } finally {
          clearTimeout(slowMark);
        }
      } else {
        run = await send();
      }
      const next = decide(run.outcome, input.failuresBefore);
      const { disabledForFailing, woken, operationalQueued } = await recordAttemptOutcome(
        db,
        { deliveryId: delivery.id, attemptNumber: input.attemptNumber, startedAt, ...run.record },
        next.kind === 'succeeded'
          ? { status: 'succeeded', nextAttemptAt: null }
          : next.kind === 'retry'
            ? { status: 'pending', nextAttemptAt: new Date(startedAt.getTime() + run.record.durationMs + next.delayMs) }
            : { status: 'failed', nextAttemptAt: null },
        {
          id: webhook.id,
          outcome: next.kind === 'succeeded' ? 'succeeded' : next.kind === 'failed' && next.reason === 'gone' ? 'gone' : 'failed',
          disableAfterMs: config.delivery.disableWebhookAfterMs,
        },
        input.flow ? releaseFor(run.outcome, { durationMs: run.record.durationMs, final: next.kind !== 'retry', leaseMs }) : undefined,
        // a delivery of an operational event never causes another one
        isOperational(event.type) ? undefined : operationalNotice(webhook, delivery, event, input.attemptNumber, run, next, now()),
      );
      await admit(woken);
      if (disabledForFailing) log.warn({ webhookId: webhook.id }, 'webhook disabled: every attempt has failed for WEBHOOK_DISABLE_AFTER');
      deps.metrics?.attemptRecorded({ event, attemptNumber: input.attemptNumber, startedAt, run, next });
      annotateSpan({
        'hookline.outcome': next.kind,
        ...(run.record.responseStatus !== null ? { 'http.response.status_code': run.record.responseStatus } : {}),
        ...(run.record.errorCode ? { 'error.type': run.record.errorCode } : {}),
      });
      log.info(
        {
          webhookId: webhook.id,
          status: run.record.responseStatus ?? undefined,
          error: run.record.errorCode ?? undefined,
          next: next.kind,
          durationMs: run.record.durationMs,
        },
        'attempt recorded',
      );
      // after the attempt is counted: what it caused is told to the community's other webhooks
      if (operationalQueued) await emitOperationalEvents({ db, temporal: deps.temporal, config, logger: log });
      return { kind: 'attempted', next, responseStatus: run.record.responseStatus };
    },
  };
}

/**
 * What this attempt would tell the community (docs/operational-events.md): webhook.disabled if the
 * record statement finds it disabled the webhook, delivery.failed if the delivery ends failed.
 */
function operationalNotice(
  webhook: { id: string; communityId: string; url: string },
  delivery: { id: string },
  event: { id: string; type: string },
  attemptNumber: number,
  run: AttemptRun,
  next: NextStep,
  at: Date,
): OperationalNotice {
  const ref = { id: webhook.id, url: webhook.url };
  return {
    communityId: webhook.communityId,
    disabled: { webhook: ref, reason: next.kind === 'failed' && next.reason === 'gone' ? 'gone' : 'failing', disabledAt: at.toISOString() },
    failed: {
      delivery: { id: delivery.id, eventId: event.id, eventType: event.type, webhookId: webhook.id, attempts: attemptNumber, lastResponseStatus: run.record.responseStatus },
      failedAt: at.toISOString(),
    },
  };
}

/** Whether this attempt runs as a local activity (false outside an activity: a test calling it). */
function runsLocally(): boolean {
  try {
    return Context.current().info.isLocal;
  } catch {
    return false;
  }
}

/** What a recorded attempt's row says happened, as decideNext reads it. */
function recordedOutcome(row: {
  started_at: Date;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  error_code: string | null;
}): AttemptOutcome {
  if (row.response_status === null) return { kind: 'no_response', code: row.error_code ?? 'network' };
  if (row.response_status >= 200 && row.response_status < 300) return { kind: 'success', status: row.response_status };
  return {
    kind: 'http_error',
    status: row.response_status,
    retryAfterMs: parseRetryAfter(row.response_headers?.['retry-after'], row.started_at.getTime()),
  };
}
