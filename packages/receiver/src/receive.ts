/** The one call: verify, then decrypt, then parse. */
import type { RawBody } from './body.js';
import { decrypt, type EncryptionAlgorithm } from './decrypt.js';
import { ParseError } from './errors.js';
import type { HooklineEvent, HooklineXmlEvent } from './events.js';
import { headerValue, type HeadersInput } from './headers.js';
import { parse } from './parse.js';
import { verify, type Secrets } from './verify.js';

export interface ReceiveInput extends Secrets {
  /** The raw request body, exactly as received (a string, Buffer or Uint8Array). */
  body: RawBody;
  /** The request's headers: `req.headers`, a fetch `Headers`, … */
  headers: HeadersInput;
  /** The webhook's 32-character encryption key, when it encrypts. */
  encryptionKey?: string | Uint8Array | null;
  /** See `verify`: default 300 seconds. */
  toleranceSeconds?: number;
  /** See `parse`: XML paths that are arrays. */
  xmlArrays?: Iterable<string>;
}

interface DeliveryInfo {
  /** `webhook-id`: the same on every attempt and replay of a delivery, so dedupe on it. */
  deliveryId: string;
  /** `x-hookline-attempt` (1, 2, …), or null when absent. Not covered by the signature. */
  attempt: number | null;
  /** The event's type, from the signed body. */
  eventType: string;
  /** When this attempt was signed (`webhook-timestamp`). */
  signedAt: Date;
  /** Which of your secrets verified it (0 with `secret`). */
  secretIndex: number;
  /** The algorithm the body was encrypted with, or null. */
  encryption: EncryptionAlgorithm | null;
}

/**
 * One verified, decrypted and parsed delivery. Narrow on `format`, then on `event.type`: the
 * event's `data` is typed (in XML every leaf is a string).
 */
export type Delivery = (DeliveryInfo & { format: 'json'; event: HooklineEvent }) | (DeliveryInfo & { format: 'xml'; event: HooklineXmlEvent });

const ENVELOPE_FIELDS = ['id', 'type', 'timestamp', 'communityId'] as const;

/**
 * Verifies, decrypts and parses one delivery. Throws a `ReceiverError`: a `VerificationError`
 * (answer 401), a `DecryptionError` or `ParseError` (400), or a `ConfigurationError` (500, your
 * setup); each has a `code` and the `status` to answer with.
 */
export function receive(input: ReceiveInput): Delivery {
  const { deliveryId, signedAt, secretIndex } = verify(input);
  const { plaintext, contentType, algorithm } = decrypt(input);
  const { format, event } = parse({ plaintext, contentType, ...(input.xmlArrays ? { xmlArrays: input.xmlArrays } : {}) });
  for (const field of ENVELOPE_FIELDS) {
    if (typeof event[field] !== 'string') throw new ParseError('bad_body', `the body is not a Hookline event: ${field} is missing`);
  }
  if (!('data' in event)) throw new ParseError('bad_body', 'the body is not a Hookline event: data is missing');
  const attempt = (headerValue(input.headers, 'x-hookline-attempt') ?? '').trim();
  const info: DeliveryInfo = {
    deliveryId,
    attempt: /^\d{1,9}$/.test(attempt) ? Number(attempt) : null,
    eventType: event.type as string,
    signedAt,
    secretIndex,
    encryption: algorithm,
  };
  return format === 'json'
    ? { ...info, format, event: event as unknown as HooklineEvent }
    : { ...info, format, event: event as unknown as HooklineXmlEvent };
}
