import { describe, it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { decryptBody, decryptWebhook, verifyWebhook, WebhookVerificationError } from '../../src/receiver/index.js';
import { encryptBody } from '../../src/wire/encrypt.js';
import { HEADER } from '../../src/wire/headers.js';

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
const KEY = '0123456789abcdefghijklmnopqrstuv';
const BODY = '{"id":"evt_1","type":"user.joined","data":{"name":"😀"}}';

function signedHeaders(body: string, secrets: string[], at = new Date()) {
  return {
    [HEADER.webhookId]: 'dlv_1',
    [HEADER.webhookTimestamp]: String(Math.floor(at.getTime() / 1000)),
    [HEADER.webhookSignature]: secrets.map((s) => new Webhook(s).sign('dlv_1', at, body)).join(' '),
  };
}

describe('verifyWebhook', () => {
  it('accepts a body signed with the secret', () => {
    const secret = newSecret();
    expect(() => verifyWebhook(BODY, signedHeaders(BODY, [secret]), secret)).not.toThrow();
  });

  it('accepts non-JSON bodies (XML, encrypted base64)', () => {
    const secret = newSecret();
    for (const body of ['<?xml version="1.0" encoding="UTF-8"?><event/>', encryptBody(BODY, 'aes-256-gcm', KEY)]) {
      expect(() => verifyWebhook(body, signedHeaders(body, [secret]), secret)).not.toThrow();
    }
  });

  it('during a rotation, a header with old and new signatures verifies with either secret alone', () => {
    const oldSecret = newSecret();
    const newer = newSecret();
    const headers = signedHeaders(BODY, [oldSecret, newer]);
    expect(headers[HEADER.webhookSignature].split(' ')).toHaveLength(2);
    expect(() => verifyWebhook(BODY, headers, oldSecret)).not.toThrow();
    expect(() => verifyWebhook(BODY, headers, newer)).not.toThrow();
    expect(() => verifyWebhook(BODY, headers, newSecret())).toThrow(WebhookVerificationError);
  });

  it('rejects a tampered body', () => {
    const secret = newSecret();
    const headers = signedHeaders(BODY, [secret]);
    expect(() => verifyWebhook(BODY.replace('joined', 'left'), headers, secret)).toThrow(WebhookVerificationError);
  });

  it('rejects a stale timestamp and missing headers', () => {
    const secret = newSecret();
    const stale = signedHeaders(BODY, [secret], new Date(Date.now() - 10 * 60_000));
    expect(() => verifyWebhook(BODY, stale, secret)).toThrow(WebhookVerificationError);
    const { [HEADER.webhookSignature]: _dropped, ...unsigned } = signedHeaders(BODY, [secret]);
    expect(() => verifyWebhook(BODY, unsigned, secret)).toThrow(WebhookVerificationError);
  });

  it('takes node-style headers: any casing, repeated signature lines as an array', () => {
    const oldSecret = newSecret();
    const newer = newSecret();
    const h = signedHeaders(BODY, [oldSecret, newer]);
    const headers = {
      'Webhook-Id': h[HEADER.webhookId],
      'WEBHOOK-TIMESTAMP': h[HEADER.webhookTimestamp],
      [HEADER.webhookSignature]: h[HEADER.webhookSignature].split(' '),
      'x-other': undefined,
    };
    expect(() => verifyWebhook(BODY, headers, newer)).not.toThrow();
  });
});

describe('decryptWebhook', () => {
  for (const algorithm of ['aes-256-gcm', 'aes-256-cbc'] as const) {
    it(`decrypts an ${algorithm} body and returns x-content-type`, () => {
      const headers = {
        'content-type': 'text/plain',
        [HEADER.encrypted]: 'true',
        [HEADER.encryptionAlgorithm]: algorithm,
        [HEADER.plaintextContentType]: 'application/xml',
      };
      const xml = '<?xml version="1.0" encoding="UTF-8"?><event><id>evt_1</id></event>';
      expect(decryptWebhook(encryptBody(xml, algorithm, KEY), headers, KEY)).toEqual({
        body: xml,
        contentType: 'application/xml',
      });
    });
  }

  it('returns a plain body and its content-type unchanged', () => {
    expect(decryptWebhook(BODY, { 'Content-Type': 'application/json' }, KEY)).toEqual({
      body: BODY,
      contentType: 'application/json',
    });
    expect(decryptWebhook(BODY, { 'content-type': 'application/json', [HEADER.encrypted]: 'false' }, KEY).body).toBe(BODY);
  });

  it('rejects an unknown algorithm or a missing x-content-type', () => {
    const body = encryptBody(BODY, 'aes-256-gcm', KEY);
    expect(() =>
      decryptWebhook(body, { [HEADER.encrypted]: 'true', [HEADER.encryptionAlgorithm]: 'rot13', [HEADER.plaintextContentType]: 'application/json' }, KEY),
    ).toThrow(/unsupported x-encryption-algorithm/);
    expect(() => decryptWebhook(body, { [HEADER.encrypted]: 'true', [HEADER.encryptionAlgorithm]: 'aes-256-gcm' }, KEY)).toThrow(
      /x-content-type/,
    );
  });

  it('fails on the wrong key', () => {
    const headers = { [HEADER.encrypted]: 'true', [HEADER.encryptionAlgorithm]: 'aes-256-gcm', [HEADER.plaintextContentType]: 'application/json' };
    expect(() => decryptWebhook(encryptBody(BODY, 'aes-256-gcm', KEY), headers, 'vutsrqponmlkjihgfedcba9876543210')).toThrow();
  });

  it('re-exports decryptBody', () => {
    expect(decryptBody(encryptBody(BODY, 'aes-256-cbc', KEY), 'aes-256-cbc', KEY)).toBe(BODY);
  });
});
