import type { Dispatcher } from 'undici';
import type { Config } from '../config.js';
import { checkUrlSyntax, destinationPolicy } from '../destination/index.js';
import type { AttemptRecord } from '../store/attempt-context.js';
import type { StoredEvent } from '../store/events.js';
import type { WebhookForDelivery } from '../store/webhooks.js';
import { buildAttemptRequest, type RequestBuildFailureCode } from '../wire/request.js';
import { type AttemptOutcome, parseRetryAfter } from './decide-next.js';
import { type SendErrorCode, sendWebhook } from './send.js';

/**
 * One attempt's request, made and sent: the wire (src/wire/request.ts), the destination check, the
 * POST. Returns what happened in two forms, the outcome decideNext reads and the fields of the
 * attempt's row, so the activity only orchestrates. Nothing here throws for a reason that retrying
 * the activity could not fix: each such reason is an error code on the attempt.
 */
export type AttemptErrorCode =
  | SendErrorCode
  /** The request could not be made (src/wire/request.ts). */
  | RequestBuildFailureCode
  /** A stored secret or key that SECRETS_KEY does not open. */
  | 'secret_unreadable';

export interface AttemptRun {
  outcome: AttemptOutcome;
  record: Omit<AttemptRecord, 'deliveryId' | 'attemptNumber' | 'startedAt'>;
}

export interface RunAttemptInput {
  http: Dispatcher;
  delivery: Config['delivery'];
  deliveryId: string;
  attemptNumber: number;
  webhook: WebhookForDelivery;
  event: StoredEvent;
  startedAt: Date;
}

export async function runAttempt(input: RunAttemptInput): Promise<AttemptRun> {
  const { webhook, event } = input;
  if (webhook.unreadable) {
    return notSent(webhook.url, 'secret_unreadable', `${webhook.unreadable} of this webhook cannot be opened with SECRETS_KEY or SECRETS_KEY_PREVIOUS (sealed under another key, or for another row)`);
  }
  const request = buildAttemptRequest({
    deliveryId: input.deliveryId,
    attemptNumber: input.attemptNumber,
    event: { id: event.id, type: event.type, timestamp: event.occurredAt, communityId: event.communityId, data: event.data },
    format: webhook.format,
    encryption: webhook.encryption,
    secrets: webhook.secrets,
    signedAt: input.startedAt,
    customHeaders: webhook.headers,
  });
  if (request.kind === 'failed') return notSent(webhook.url, request.code, request.message);

  // the same policy as at create time (scheme, credentials, ports, literal addresses); names are
  // judged again at connect time by the agent's guarded DNS lookup
  const urlCheck = checkUrlSyntax(webhook.url, destinationPolicy(input.delivery));
  const sent = urlCheck.ok
    ? await sendWebhook(input.http, webhook.url, request.headers, request.body, input.delivery.timeoutMs, {
        attributes: {
          'hookline.delivery_id': input.deliveryId,
          'hookline.attempt': input.attemptNumber,
          'hookline.webhook_id': webhook.id,
          'hookline.event_type': event.type,
          'hookline.community_id': event.communityId,
        },
        propagate: input.delivery.sendTraceparent === true,
      })
    : ({ kind: 'error', code: 'blocked_destination', message: urlCheck.message, durationMs: 0 } as const);

  const common = { durationMs: sent.durationMs, requestUrl: webhook.url, requestHeaders: request.recordedHeaders };
  if (sent.kind === 'error') {
    return {
      outcome: { kind: 'no_response', code: sent.code },
      record: { ...common, ...noResponse, errorCode: sent.code, errorMessage: sent.message },
    };
  }
  const ok = sent.status >= 200 && sent.status < 300;
  return {
    outcome: ok
      ? { kind: 'success', status: sent.status }
      : { kind: 'http_error', status: sent.status, retryAfterMs: parseRetryAfter(sent.headers['retry-after'], input.startedAt.getTime()) },
    record: {
      ...common,
      responseStatus: sent.status,
      responseHeaders: sent.headers,
      responseBody: sent.body,
      responseBodyTruncated: sent.bodyTruncated,
      errorCode: sent.status >= 300 ? `http_${sent.status}` : null,
      errorMessage: sent.status >= 300 ? `receiver answered HTTP ${sent.status}` : null,
    },
  };
}

const noResponse = { responseStatus: null, responseHeaders: null, responseBody: null, responseBodyTruncated: false } as const;

/** An attempt whose request was never made: nothing was sent, so no headers and no time. */
function notSent(url: string, code: AttemptErrorCode, message: string): AttemptRun {
  return {
    outcome: { kind: 'no_response', code },
    record: { durationMs: 0, requestUrl: url, requestHeaders: {}, ...noResponse, errorCode: code, errorMessage: message },
  };
}
