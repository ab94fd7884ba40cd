/**
 * The request headers of an attempt, named once. Everything that writes or reads them (the attempt
 * itself, the receiver toolkit, the benchmark, the tests) imports these names instead of retyping
 * the strings. What each one means for a receiver: docs/wire-format.md#headers.
 */
export const HEADER = {
  contentType: 'content-type',
  userAgent: 'user-agent',
  /** The delivery id: the same on every attempt and replay, so receivers dedupe on it. */
  webhookId: 'webhook-id',
  /** Unix seconds when this attempt was signed. */
  webhookTimestamp: 'webhook-timestamp',
  /** `v1,<base64>`, one per live signing secret, space-separated. */
  webhookSignature: 'webhook-signature',
  eventType: 'x-hookline-event-type',
  attempt: 'x-hookline-attempt',
  /** `true` when the body is encrypted (absent otherwise). */
  encrypted: 'x-encrypted',
  encryptionAlgorithm: 'x-encryption-algorithm',
  /** The plaintext's content type, when the body is encrypted. */
  plaintextContentType: 'x-content-type',
} as const;

export type HeaderName = (typeof HEADER)[keyof typeof HEADER];

/** The content type of an encrypted body (base64 text). */
export const ENCRYPTED_CONTENT_TYPE = 'text/plain';

export interface AttemptHeaderValues {
  deliveryId: string;
  eventType: string;
  attemptNumber: number;
  /** When the attempt was signed; goes out as unix seconds. */
  signedAt: Date;
  signature: string;
  userAgent: string;
  /** The type of the rendered (plaintext) body. */
  contentType: string;
  /** The algorithm, when the body is encrypted. */
  encryptionAlgorithm: string | null;
}

/** An attempt's request headers, in the order they are sent. */
export function attemptHeaders(v: AttemptHeaderValues): Record<string, string> {
  return {
    [HEADER.contentType]: v.encryptionAlgorithm ? ENCRYPTED_CONTENT_TYPE : v.contentType,
    [HEADER.userAgent]: v.userAgent,
    [HEADER.webhookId]: v.deliveryId,
    [HEADER.webhookTimestamp]: String(Math.floor(v.signedAt.getTime() / 1000)),
    [HEADER.webhookSignature]: v.signature,
    [HEADER.eventType]: v.eventType,
    [HEADER.attempt]: String(v.attemptNumber),
    ...(v.encryptionAlgorithm
      ? {
          [HEADER.encrypted]: 'true',
          [HEADER.encryptionAlgorithm]: v.encryptionAlgorithm,
          [HEADER.plaintextContentType]: v.contentType,
        }
      : {}),
  };
}
