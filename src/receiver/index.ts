/**
 * Helpers for a community's receiver: verify a Hookline delivery, then decrypt it if needed.
 * Verify first: the signature covers the body exactly as sent, i.e. the encrypted base64.
 */
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { decryptBody, ENCRYPTION_ALGORITHMS, type EncryptionAlgorithm } from '../wire/encrypt.js';
import { HEADER } from '../wire/headers.js';

export { decryptBody, WebhookVerificationError };
export type { EncryptionAlgorithm };

/** Shaped like node's `IncomingHttpHeaders`, so `req.headers` can be passed as is. */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

/**
 * Throws (a WebhookVerificationError) unless `webhook-signature` holds a valid signature of
 * `body` by `secret` ('whsec_...') and `webhook-timestamp` is within 5 minutes of now.
 * `body` must be the raw request body, not a re-serialisation of the parsed one.
 * During a secret rotation the header carries one space-separated `v1,` signature per live
 * secret; standardwebhooks accepts the header if any of them matches, so either secret works.
 */
export function verifyWebhook(body: string, headers: WebhookHeaders, secret: string): void {
  const signed: Record<string, string> = {};
  for (const name of [HEADER.webhookId, HEADER.webhookTimestamp, HEADER.webhookSignature]) {
    const value = header(headers, name);
    if (value !== undefined) signed[name] = value;
  }
  // jsonParse off: the body may be XML or encrypted base64, and the caller only needs a verdict.
  new Webhook(secret).verify(body, signed, { jsonParse: false });
}

/**
 * Returns the plaintext body and its content type. Encrypted deliveries (`x-encrypted: true`)
 * are decrypted with `key` per `x-encryption-algorithm` and typed by `x-content-type`; other
 * deliveries are returned unchanged with their `content-type`.
 */
export function decryptWebhook(body: string, headers: WebhookHeaders, key: string): { body: string; contentType: string } {
  if (header(headers, HEADER.encrypted)?.trim().toLowerCase() !== 'true') {
    return { body, contentType: header(headers, HEADER.contentType) ?? '' };
  }
  const algorithm = header(headers, HEADER.encryptionAlgorithm)?.trim();
  if (!isAlgorithm(algorithm)) {
    throw new Error(`unsupported x-encryption-algorithm: ${String(algorithm)}`);
  }
  const contentType = header(headers, HEADER.plaintextContentType);
  if (contentType === undefined) throw new Error('encrypted delivery is missing x-content-type');
  return { body: decryptBody(body, algorithm, key), contentType };
}

function isAlgorithm(value: string | undefined): value is EncryptionAlgorithm {
  return (ENCRYPTION_ALGORITHMS as readonly string[]).includes(value ?? '');
}

// Frameworks differ in header-name casing; repeated header lines are joined with a space, which
// is how Standard Webhooks separates several signatures.
function header(headers: WebhookHeaders, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && value !== undefined) {
      return Array.isArray(value) ? value.join(' ') : value;
    }
  }
  return undefined;
}
