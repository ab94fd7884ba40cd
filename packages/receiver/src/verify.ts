/**
 * Step 1: the Standard Webhooks signature (standardwebhooks.com), checked by the
 * `standardwebhooks` package itself.
 */
import { timingSafeEqual } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { bodyText, checkBody, type RawBody } from './body.js';
import { ConfigurationError, VerificationError } from './errors.js';
import { checkHeaders, headerValue, type HeadersInput } from './headers.js';

/** standardwebhooks' own window: a timestamp more than 5 minutes from this machine's clock is refused. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/** A webhook's signing secret (`whsec_…`), or several during a rotation (any one of them may match). */
export interface Secrets {
  /** The webhook's signing secret, `whsec_` followed by base64, as Hookline showed it once. */
  secret?: string;
  /**
   * Several secrets, when you roll a new one out: Hookline signs with every live secret, and
   * the delivery verifies when one of its signatures matches one of these.
   */
  secrets?: readonly string[];
}

export interface VerifyInput extends Secrets {
  /** The raw request body, exactly as received: never a re-serialisation of a parsed body. */
  body: RawBody;
  headers: HeadersInput;
  /**
   * How far `webhook-timestamp` may be from this machine's clock, either way (default 300, as
   * standardwebhooks). Older deliveries are refused as replays of a captured request.
   */
  toleranceSeconds?: number;
}

export interface VerifiedSignature {
  /** `webhook-id`: the delivery id, the same on every attempt and replay. */
  deliveryId: string;
  /** `webhook-timestamp`: when this attempt was signed. */
  signedAt: Date;
  /** Which of your secrets matched (its index in `secrets`; 0 with `secret`). */
  secretIndex: number;
}

// webhook-signature entries Hookline sends: `v1,` and standard base64.
const ENTRY = /^v1,[A-Za-z0-9+/]+={0,2}$/;
const MAX_SECRETS = 10;

/**
 * Throws a `VerificationError` unless `webhook-signature` holds a signature of
 * `<webhook-id>.<webhook-timestamp>.<body>` by one of the secrets and `webhook-timestamp` is within
 * `toleranceSeconds` of now. Works for any body (JSON, XML, encrypted base64): nothing is parsed.
 */
export function verify(input: VerifyInput): VerifiedSignature {
  checkBody(input.body);
  checkHeaders(input.headers);
  const webhooks = signers(input);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) {
    throw new ConfigurationError('invalid_argument', 'toleranceSeconds must be a number of seconds, 0 or more');
  }

  const deliveryId = headerValue(input.headers, 'webhook-id')?.trim();
  const timestamp = headerValue(input.headers, 'webhook-timestamp')?.trim();
  const signature = headerValue(input.headers, 'webhook-signature')?.trim();
  const missing = [
    ['webhook-id', deliveryId],
    ['webhook-timestamp', timestamp],
    ['webhook-signature', signature],
  ].flatMap(([name, value]) => (value ? [] : [name]));
  if (!deliveryId || !timestamp || !signature) throw new VerificationError('missing_headers', `missing ${missing.join(', ')}`);

  if (!/^\d{1,12}$/.test(timestamp)) throw new VerificationError('invalid_signature', 'webhook-timestamp is not unix seconds');
  const signedSeconds = Number(timestamp);
  const now = Math.floor(Date.now() / 1000);
  if (now - signedSeconds > tolerance) {
    throw new VerificationError('stale_timestamp', `signed ${now - signedSeconds} s ago, more than the ${tolerance} s allowed`);
  }
  if (signedSeconds - now > tolerance) {
    throw new VerificationError('future_timestamp', `signed ${signedSeconds - now} s in the future, more than the ${tolerance} s allowed`);
  }

  const text = bodyText(input.body);
  if (text === undefined) throw new VerificationError('invalid_signature', 'the body is not UTF-8 text, so Hookline did not sign it');

  // Keep the well-formed entries only: standardwebhooks splits on single spaces and reads
  // `version,signature`, so a stray entry or a fetch Headers' ", " join must not hide a good one.
  const entries = signature.split(/[\s,]+(?=v\d+,)|\s+/).map((e) => e.replace(/,+$/, '')).filter((e) => ENTRY.test(e));
  if (entries.length === 0) throw new VerificationError('invalid_signature', "webhook-signature has no 'v1,<base64>' entry");
  const signed = { 'webhook-id': deliveryId, 'webhook-timestamp': timestamp, 'webhook-signature': entries.join(' ') };
  const signedAt = new Date(signedSeconds * 1000);

  for (const [secretIndex, webhook] of webhooks.entries()) {
    if (tolerance <= DEFAULT_TOLERANCE_SECONDS ? matchesWithin5Minutes(webhook, text, signed) : matchesAnyAge(webhook, text, signed, signedAt)) {
      return { deliveryId, signedAt, secretIndex };
    }
  }
  throw new VerificationError(
    'invalid_signature',
    webhooks.length > 1 ? `no signature matches any of the ${webhooks.length} secrets` : 'no signature matches the secret',
  );
}

/** standardwebhooks' verify: its HMAC, its constant-time comparison and its own 5-minute window. */
function matchesWithin5Minutes(webhook: Webhook, body: string, signed: Record<string, string>): boolean {
  try {
    webhook.verify(body, signed, { jsonParse: false });
    return true;
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    // the clock moved past the window between our check and the library's
    if (/too old/i.test(error.message)) throw new VerificationError('stale_timestamp', 'signed more than 5 minutes ago');
    if (/too new/i.test(error.message)) throw new VerificationError('future_timestamp', 'signed more than 5 minutes in the future');
    return false;
  }
}

/**
 * A tolerance wider than standardwebhooks' fixed 5 minutes: its verify would refuse the
 * timestamp, so take its signature (`sign`) of the same id, timestamp and body and compare.
 */
function matchesAnyAge(webhook: Webhook, body: string, signed: Record<string, string>, signedAt: Date): boolean {
  const expected = Buffer.from(webhook.sign(signed['webhook-id']!, signedAt, body));
  return signed['webhook-signature']!.split(' ').some((entry) => {
    const given = Buffer.from(entry);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

function signers(input: Secrets): Webhook[] {
  const { secret, secrets } = input;
  if (secret !== undefined && secrets !== undefined) {
    throw new ConfigurationError('invalid_argument', 'pass either secret or secrets, not both');
  }
  const list = secrets ?? (secret === undefined ? [] : [secret]);
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigurationError('invalid_secret', "pass the webhook's signing secret ('whsec_...') as secret, or secrets: [...]");
  }
  if (list.length > MAX_SECRETS) throw new ConfigurationError('invalid_argument', `at most ${MAX_SECRETS} secrets`);
  return list.map((value: unknown, i) => {
    const which = secrets ? `secrets[${i}]` : 'secret';
    // Never echo the secret: this message can end up in logs.
    if (typeof value !== 'string' || value.trim() === '') {
      throw new ConfigurationError('invalid_secret', `${which} must be the webhook's signing secret ('whsec_...')`);
    }
    const trimmed = value.trim();
    const base64 = trimmed.startsWith('whsec_') ? trimmed.slice('whsec_'.length) : trimmed;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) {
      throw new ConfigurationError('invalid_secret', `${which} is not a signing secret ('whsec_' followed by base64)`);
    }
    try {
      return new Webhook(trimmed);
    } catch {
      throw new ConfigurationError('invalid_secret', `${which} is not a signing secret ('whsec_' followed by base64)`);
    }
  });
}
