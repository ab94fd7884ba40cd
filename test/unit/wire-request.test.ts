import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { decryptBody } from '../../src/wire/encrypt.js';
import { attemptHeaders, HEADER } from '../../src/wire/headers.js';
import { buildAttemptRequest, type RequestInput } from '../../src/wire/request.js';

/**
 * The wire as receivers see it, pinned once with the literal header names (everywhere else the
 * tests use HEADER, so a renamed constant would otherwise go unnoticed).
 */
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const signedAt = new Date('2026-11-29T12:00:03Z');
const base: RequestInput = {
  deliveryId: 'dlv_1',
  attemptNumber: 2,
  event: { id: 'evt_1', type: 'user.joined', timestamp: '2026-11-29T12:00:00.000Z', communityId: 'cmty_1', data: { user: { id: 'u1' } } },
  format: 'json',
  encryption: null,
  secrets: [secret],
  signedAt,
};

describe('attempt headers', () => {
  it('are named as documented', () => {
    expect(HEADER).toEqual({
      contentType: 'content-type',
      userAgent: 'user-agent',
      webhookId: 'webhook-id',
      webhookTimestamp: 'webhook-timestamp',
      webhookSignature: 'webhook-signature',
      eventType: 'x-hookline-event-type',
      attempt: 'x-hookline-attempt',
      encrypted: 'x-encrypted',
      encryptionAlgorithm: 'x-encryption-algorithm',
      plaintextContentType: 'x-content-type',
    });
  });

  it('carry the encryption headers only when the body is encrypted', () => {
    const values = { deliveryId: 'dlv_1', eventType: 'user.joined', attemptNumber: 3, signedAt, signature: 'v1,x', userAgent: 'Hookline/1.0.0', contentType: 'application/xml' };
    expect(attemptHeaders({ ...values, encryptionAlgorithm: null })).toEqual({
      'content-type': 'application/xml',
      'user-agent': 'Hookline/1.0.0',
      'webhook-id': 'dlv_1',
      'webhook-timestamp': String(signedAt.getTime() / 1000),
      'webhook-signature': 'v1,x',
      'x-hookline-event-type': 'user.joined',
      'x-hookline-attempt': '3',
    });
    expect(attemptHeaders({ ...values, encryptionAlgorithm: 'aes-256-cbc' })).toMatchObject({
      'content-type': 'text/plain',
      'x-encrypted': 'true',
      'x-encryption-algorithm': 'aes-256-cbc',
      'x-content-type': 'application/xml',
    });
  });
});

describe('buildAttemptRequest', () => {
  it('renders a JSON body and signs it as standardwebhooks does', () => {
    const built = buildAttemptRequest(base);
    if (built.kind !== 'built') throw new Error(built.message);
    expect(JSON.parse(built.body)).toEqual(base.event);
    expect(built.headers['x-hookline-attempt']).toBe('2');
    expect(built.headers['webhook-signature']).toBe(new Webhook(secret).sign('dlv_1', signedAt, built.body));
  });

  it('encrypts after rendering and signs the ciphertext', () => {
    const key = '0123456789abcdef0123456789abcdef';
    const built = buildAttemptRequest({ ...base, format: 'xml', encryption: { algorithm: 'aes-256-gcm', key } });
    if (built.kind !== 'built') throw new Error(built.message);
    expect(decryptBody(built.body, 'aes-256-gcm', key)).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><event><id>evt_1<\/id>/);
    expect(built.headers['webhook-signature']).toBe(new Webhook(secret).sign('dlv_1', signedAt, built.body));
    expect(built.headers['x-content-type']).toBe('application/xml');
  });

  it('signs with every live secret, newest first', () => {
    const older = 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const built = buildAttemptRequest({ ...base, secrets: [secret, older] });
    if (built.kind !== 'built') throw new Error(built.message);
    expect(built.headers['webhook-signature']!.split(' ')).toEqual([
      new Webhook(secret).sign('dlv_1', signedAt, built.body),
      new Webhook(older).sign('dlv_1', signedAt, built.body),
    ]);
  });

  it('never carries more than two signatures, however many secrets are live', () => {
    const live = Array.from({ length: 50 }, (_, i) => `whsec_${Buffer.alloc(24, i + 1).toString('base64')}`);
    const built = buildAttemptRequest({ ...base, secrets: live });
    if (built.kind !== 'built') throw new Error(built.message);
    expect(built.headers['webhook-signature']!.split(' ')).toEqual([
      new Webhook(live[0]!).sign('dlv_1', signedAt, built.body),
      new Webhook(live[1]!).sign('dlv_1', signedAt, built.body),
    ]);
  });

  it.each([
    ['no_signing_secret', { secrets: [] }, /no live signing secret/],
    ['render_error', { format: 'xml' as const, event: { ...base.event, data: { 'a b': 1 } } }, /cannot be rendered as xml/],
    ['render_error', { format: 'xml' as const, event: { ...base.event, data: { list: [[1]] } } }, /nested arrays/],
    ['encryption_error', { encryption: { algorithm: 'aes-256-gcm' as const, key: 'short' } }, /exactly 32 bytes/],
    ['signing_error', { secrets: ['not-a-secret'] }, /malformed/],
  ])('fails with %s instead of throwing', (code, change, message) => {
    const built = buildAttemptRequest({ ...base, ...change });
    expect(built).toMatchObject({ kind: 'failed', code });
    if (built.kind === 'failed') {
      expect(built.message).toMatch(message);
      expect(built.message).not.toContain('not-a-secret');
      expect(built.message).not.toContain('short');
    }
  });
});
