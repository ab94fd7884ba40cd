/**
 * Deliveries made the way Hookline makes them, built here from the wire rules with
 * standardwebhooks' own signing and node:crypto, independently of the code under test; and
 * hookline-wire.json, bodies and signatures made by Hookline's own wire code.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';

export const SECRET = `whsec_${Buffer.from(Array.from({ length: 24 }, (_, i) => i)).toString('base64')}`;
export const OTHER_SECRET = `whsec_${Buffer.from(Array.from({ length: 24 }, (_, i) => 100 + i)).toString('base64')}`;
export const KEY = '0123456789abcdef0123456789abcdef';
export const OTHER_KEY = 'fedcba9876543210fedcba9876543210';

export interface WireFixture {
  envelope: Record<string, any>;
  xml: string;
  json: string;
  shapesEnvelope: Record<string, any>;
  shapesXml: string;
  key: string;
  gcmXml: string;
  cbcJson: string;
  secrets: [string, string];
  deliveryId: string;
  timestamp: number;
  signatureOfJson: string;
  signatureOfGcmXml: string;
}
export const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/hookline-wire.json', import.meta.url), 'utf8')) as WireFixture;

/** Text an XML writer or reader could get wrong: markup, quotes, an entity-looking string, 2–4 byte UTF-8. */
export const TRICKY = 'Golden <badge> & "friends" \'quoted\' &amp; ünïcødé 日本語 🎉';

export const PURCHASE = {
  id: 'evt_AZrTq1MwZ1yT5oQ0xJb9Rg',
  type: 'store.item.purchased',
  timestamp: '2026-11-29T12:00:00.000Z',
  communityId: 'cmty_AZrTpz8cR4KfWn2vYt6eLA',
  data: {
    item: { id: 'itm_3', name: TRICKY, category: 'badges' },
    user: { id: 'usr_42', username: 'ada' },
    purchase: { id: 'pur_9', price: 4.5, currency: 'USD', quantity: 2 },
    purchasedAt: '2026-11-29T12:00:00.000Z',
  },
} as const;

/** The three Standard Webhooks headers for `body`, signed by standardwebhooks itself. */
export function sign(body: string, { secret = SECRET, msgId = 'dlv_test', at = new Date() } = {}): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(msgId, at, body),
  };
}

/** base64(IV ‖ ciphertext ‖ tag) for aes-256-gcm, base64(IV ‖ ciphertext) with PKCS#7 for aes-256-cbc. */
export function encrypt(plaintext: string | Buffer, algorithm: 'aes-256-gcm' | 'aes-256-cbc', key = KEY, iv?: Buffer): string {
  const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  if (algorithm === 'aes-256-gcm') {
    const nonce = iv ?? randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(key, 'utf8'), nonce);
    const body = Buffer.concat([cipher.update(data), cipher.final()]);
    return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
  }
  const vector = iv ?? randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', Buffer.from(key, 'utf8'), vector);
  return Buffer.concat([vector, cipher.update(data), cipher.final()]).toString('base64');
}

export const renderJson = (envelope: unknown) => JSON.stringify(envelope);

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

function xml(name: string, value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => xml(name, item)).join('');
  let inner: string;
  if (value !== null && typeof value === 'object') inner = Object.entries(value).map(([k, v]) => xml(k, v)).join('');
  else if (value === null || value === undefined) inner = '';
  else if (typeof value === 'string') inner = escapeXml(value);
  else inner = JSON.stringify(value);
  return `<${name}>${inner}</${name}>`;
}

/** The wire's XML rules: the JSON tree under <event>, arrays as repeated elements, leaves as text. */
export const renderXml = (envelope: unknown) => `<?xml version="1.0" encoding="UTF-8"?>${xml('event', envelope)}`;

/** What the XML rules give back for a JSON value (arrays of two or more items only). */
export function asXmlReadsBack(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asXmlReadsBack);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0 ? '' : Object.fromEntries(entries.map(([k, v]) => [k, asXmlReadsBack(v)]));
  }
  if (value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  return value;
}

/** A delivery as Hookline sends it: body and headers. */
export function makeDelivery(
  envelope: { type: string },
  format: 'json' | 'xml' = 'json',
  algorithm?: 'aes-256-gcm' | 'aes-256-cbc',
  { key = KEY, secret = SECRET, msgId = 'dlv_test', attempt = 1, at = new Date() } = {},
): { body: string; headers: Record<string, string> } {
  const plaintext = format === 'json' ? renderJson(envelope) : renderXml(envelope);
  const plainType = `application/${format}`;
  let headers: Record<string, string> = { 'content-type': plainType, 'user-agent': 'Hookline/0.1.0' };
  let body = plaintext;
  if (algorithm) {
    body = encrypt(plaintext, algorithm, key);
    headers = { ...headers, 'content-type': 'text/plain', 'x-encrypted': 'true', 'x-encryption-algorithm': algorithm, 'x-content-type': plainType };
  }
  headers = { ...headers, 'x-hookline-event-type': envelope.type, 'x-hookline-attempt': String(attempt), ...sign(body, { secret, msgId, at }) };
  return { body, headers };
}

/** Runs `fn` and returns what it threw (failing when it did not throw). */
export function thrown(fn: () => unknown): any {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
