import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks signatures (standardwebhooks.com), made by the reference package itself so
 * receivers' verifiers agree byte for byte. During a rotation's grace period every live secret signs
 * and the signatures are space-separated; a receiver holding either secret verifies.
 */
export function signatureHeader(secrets: readonly string[], messageId: string, timestamp: Date, body: string): string {
  if (secrets.length === 0) throw new Error('a webhook must have at least one live signing secret');
  return secrets.map((secret) => new Webhook(secret).sign(messageId, timestamp, body)).join(' ');
}
