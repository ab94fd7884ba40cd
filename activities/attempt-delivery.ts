import { ApplicationFailure } from '@temporalio/activity';
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { Config } from '../src/config.js';
import type { AttemptInput, AttemptResult, DeliveryActivities } from '../src/contract/delivery.js';
import type { Db } from '../src/db/database.js';
import type { AttemptMetrics } from '../src/metrics/index.js';
import { type AttemptOutcome, decideNext, type NextStep, parseRetryAfter } from '../src/delivery/decide-next.js';
import { type AttemptRun, runAttempt } from '../src/delivery/run-attempt.js';
import type { SecretBox } from '../src/security/secret-box.js';
import { loadAttemptContext, recordAttemptOutcome } from '../src/store/attempt-context.js';
import { setDeliveryStatus } from '../src/store/deliveries.js';
import { disableWebhook } from '../src/store/webhooks.js';

export interface AttemptDeps {
  db: Db;
  box: SecretBox;
  http: Dispatcher;
  config: Pick<Config, 'delivery'>;
  logger: Logger;
  metrics?: AttemptMetrics;
  /** Injected for tests; defaults to the wall clock and Math.random. */
  now?: () => Date;
  random?: () => number;
}

export function attemptActivities(deps: AttemptDeps): DeliveryActivities {
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
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
     */
    async attemptDelivery(input: AttemptInput): Promise<AttemptResult> {
      // the one way this activity can fail for good: an input no retry can make valid
      if (typeof input?.deliveryId !== 'string' || !Number.isInteger(input.attemptNumber) || input.attemptNumber < 1) {
        throw ApplicationFailure.nonRetryable(`attemptDelivery needs a delivery id and an attempt number ≥ 1, got ${JSON.stringify(input)}`, 'InvalidInput');
      }
      const { db, box, config } = deps;
      const log = deps.logger.child({ deliveryId: input.deliveryId, attempt: input.attemptNumber });
      const context = await loadAttemptContext(db, box, input.deliveryId, input.attemptNumber);
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

      const startedAt = now();
      const run: AttemptRun = await runAttempt({
        http: deps.http,
        delivery: config.delivery,
        deliveryId: delivery.id,
        attemptNumber: input.attemptNumber,
        webhook,
        event,
        startedAt,
      });
      const next = decide(run.outcome, input.failuresBefore);
      const { disabledForFailing } = await recordAttemptOutcome(
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
      );
      if (disabledForFailing) log.warn({ webhookId: webhook.id }, 'webhook disabled: every attempt has failed for WEBHOOK_DISABLE_AFTER');
      deps.metrics?.attemptRecorded({ event, attemptNumber: input.attemptNumber, startedAt, run, next });
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
      return { kind: 'attempted', next, responseStatus: run.record.responseStatus };
    },
  };
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
