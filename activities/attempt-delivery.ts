import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { Config } from '../src/config.js';
import type { Db } from '../src/db/database.js';
import type { AttemptMetrics } from '../src/metrics/index.js';
import { type AttemptOutcome, decideNext, type NextStep, parseRetryAfter } from '../src/delivery/decide-next.js';
import { sendWebhook, type SendResult } from '../src/delivery/send.js';
import { checkUrlSyntax, destinationPolicy } from '../src/destination/index.js';
import type { SecretBox } from '../src/security/secret-box.js';
import { signatureHeader } from '../src/signing/index.js';
import { loadAttemptContext, recordAttemptOutcome } from '../src/store/attempt-context.js';
import { setDeliveryStatus } from '../src/store/deliveries.js';
import { disableWebhook } from '../src/store/webhooks.js';
import { VERSION } from '../src/version.js';
import { encryptBody } from '../src/wire/encrypt.js';
import { renderBody } from '../src/wire/render.js';

export interface AttemptInput {
  deliveryId: string;
  attemptNumber: number;
  /** Failed attempts so far in this run of the schedule: picks the next delay. */
  failuresBefore: number;
}

export type AttemptResult =
  | { kind: 'attempted'; next: NextStep; responseStatus: number | null }
  /** The webhook is disabled: nothing was sent; the workflow waits for it to be enabled. */
  | { kind: 'held' }
  /** The webhook or delivery is gone: nothing was sent and nothing more will be. */
  | { kind: 'cancelled' };

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

export function attemptActivities(deps: AttemptDeps) {
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;

  return {
    /**
     * One attempt: load the delivery, its event and its webhook's current configuration; render,
     * encrypt and sign the body; POST it; record the attempt, the delivery's new status and the
     * webhook's failing streak together. Two database round trips when it is sent (one statement
     * each, src/store/attempt-context.ts); the paths that send nothing may write once more.
     */
    async attemptDelivery(input: AttemptInput): Promise<AttemptResult> {
      const { db, box, config } = deps;
      const log = deps.logger.child({ deliveryId: input.deliveryId, attempt: input.attemptNumber });
      const context = await loadAttemptContext(db, box, input.deliveryId, input.attemptNumber);
      if (!context || context.delivery.status === 'cancelled') return { kind: 'cancelled' };
      const { delivery, recorded, webhook, event } = context;
      // Temporal runs an attempt again when its worker died after writing the row but before
      // Temporal heard the result: answer with what was recorded; never send it a second time.
      if (recorded) {
        const next = decideNext({
          outcome: recordedOutcome(recorded),
          failuresBefore: input.failuresBefore,
          scheduleMs: config.delivery.retryScheduleMs,
          jitter: config.delivery.retryJitter,
          random,
        });
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
      if (!event) return { kind: 'cancelled' };

      const rendered = renderBody(
        { id: event.id, type: event.type, timestamp: event.occurredAt, communityId: event.communityId, data: event.data },
        webhook.format,
      );
      const body = webhook.encryption
        ? encryptBody(rendered.body, webhook.encryption.algorithm, webhook.encryption.key)
        : rendered.body;
      const startedAt = now();
      const headers: Record<string, string> = {
        'content-type': webhook.encryption ? 'text/plain' : rendered.contentType,
        'user-agent': `Hookline/${VERSION}`,
        'webhook-id': delivery.id,
        'webhook-timestamp': String(Math.floor(startedAt.getTime() / 1000)),
        'webhook-signature': signatureHeader(webhook.secrets, delivery.id, startedAt, body),
        'x-hookline-event-type': event.type,
        'x-hookline-attempt': String(input.attemptNumber),
        ...(webhook.encryption
          ? {
              'x-encrypted': 'true',
              'x-encryption-algorithm': webhook.encryption.algorithm,
              'x-content-type': rendered.contentType,
            }
          : {}),
      };

      // the same policy as at create time (scheme, credentials, ports, literal addresses); names are
      // judged again at connect time by the agent's guarded DNS lookup
      const urlCheck = checkUrlSyntax(webhook.url, destinationPolicy(config.delivery));
      const sent: SendResult = urlCheck.ok
        ? await sendWebhook(deps.http, webhook.url, headers, body, config.delivery.timeoutMs)
        : { kind: 'error', code: 'blocked_destination', message: urlCheck.message, durationMs: 0 };

      const outcome: AttemptOutcome =
        sent.kind === 'error'
          ? { kind: 'network_error', code: sent.code }
          : sent.status >= 200 && sent.status < 300
            ? { kind: 'success', status: sent.status }
            : {
                kind: 'http_error',
                status: sent.status,
                retryAfterMs: parseRetryAfter(sent.headers['retry-after'], startedAt.getTime()),
              };
      const next = decideNext({
        outcome,
        failuresBefore: input.failuresBefore,
        scheduleMs: config.delivery.retryScheduleMs,
        jitter: config.delivery.retryJitter,
        random,
      });

      const { disabledForFailing } = await recordAttemptOutcome(
        db,
        {
          deliveryId: delivery.id,
          attemptNumber: input.attemptNumber,
          startedAt,
          durationMs: sent.durationMs,
          requestUrl: webhook.url,
          requestHeaders: headers,
          responseStatus: sent.kind === 'response' ? sent.status : null,
          responseHeaders: sent.kind === 'response' ? sent.headers : null,
          responseBody: sent.kind === 'response' ? sent.body : null,
          responseBodyTruncated: sent.kind === 'response' && sent.bodyTruncated,
          errorCode: sent.kind === 'error' ? sent.code : sent.status >= 300 ? `http_${sent.status}` : null,
          errorMessage:
            sent.kind === 'error' ? sent.message : sent.status >= 300 ? `receiver answered HTTP ${sent.status}` : null,
        },
        next.kind === 'succeeded'
          ? { status: 'succeeded', nextAttemptAt: null }
          : next.kind === 'retry'
            ? { status: 'pending', nextAttemptAt: new Date(startedAt.getTime() + sent.durationMs + next.delayMs) }
            : { status: 'failed', nextAttemptAt: null },
        {
          id: webhook.id,
          outcome: next.kind === 'succeeded' ? 'succeeded' : next.kind === 'failed' && next.reason === 'gone' ? 'gone' : 'failed',
          disableAfterMs: config.delivery.disableWebhookAfterMs,
        },
      );
      if (disabledForFailing) log.warn({ webhookId: webhook.id }, 'webhook disabled: every attempt has failed for WEBHOOK_DISABLE_AFTER');
      deps.metrics?.attemptRecorded({ event, attemptNumber: input.attemptNumber, startedAt, sent, next });
      log.info(
        { webhookId: webhook.id, status: sent.kind === 'response' ? sent.status : undefined, error: sent.kind === 'error' ? sent.code : undefined, next: next.kind, durationMs: sent.durationMs },
        'attempt recorded',
      );
      return { kind: 'attempted', next, responseStatus: sent.kind === 'response' ? sent.status : null };
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
  if (row.response_status === null) return { kind: 'network_error', code: row.error_code ?? 'network' };
  if (row.response_status >= 200 && row.response_status < 300) return { kind: 'success', status: row.response_status };
  return {
    kind: 'http_error',
    status: row.response_status,
    retryAfterMs: parseRetryAfter(row.response_headers?.['retry-after'], row.started_at.getTime()),
  };
}
