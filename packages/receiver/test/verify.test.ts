import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { ConfigurationError, ReceiverError, VerificationError, verify } from '@hookline/receiver';
import { encrypt, FIXTURE, OTHER_SECRET, PURCHASE, renderJson, renderXml, SECRET, sign, thrown } from './support.js';

const BODY = renderJson(PURCHASE);
const minutes = (n: number) => new Date(Date.now() + n * 60_000);

describe('verify', () => {
  it('accepts a signed body as a string, a Buffer, a Uint8Array and an ArrayBuffer', () => {
    const headers = sign(BODY);
    const bytes = Buffer.from(BODY, 'utf8');
    for (const body of [BODY, bytes, new Uint8Array(bytes), bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)]) {
      const verified = verify({ body, headers, secret: SECRET });
      assert.equal(verified.deliveryId, 'dlv_test');
      assert.equal(verified.secretIndex, 0);
      assert.equal(verified.signedAt.getTime() / 1000, Number(headers['webhook-timestamp']));
    }
  });

  it('accepts any body: XML, both ciphertexts, empty, plain text', () => {
    for (const body of [renderXml(PURCHASE), encrypt(BODY, 'aes-256-gcm'), encrypt(BODY, 'aes-256-cbc'), '', 'plain text']) {
      verify({ body, headers: sign(body), secret: SECRET });
    }
  });

  it('reads headers in any casing, as lists, from a fetch Headers, a Map and pairs', () => {
    const signed = sign(BODY);
    const shouting = Object.fromEntries(Object.entries(signed).map(([k, v], i) => [i % 2 ? k.toUpperCase() : k.replace(/^w/, 'W'), v]));
    verify({ body: BODY, headers: shouting, secret: SECRET });
    verify({ body: BODY, headers: Object.fromEntries(Object.entries(signed).map(([k, v]) => [k, [v]])), secret: SECRET });
    verify({ body: BODY, headers: new Headers(signed), secret: SECRET });
    verify({ body: BODY, headers: new Map(Object.entries(signed)), secret: SECRET });
    verify({ body: BODY, headers: Object.entries(signed), secret: SECRET });
  });

  it('refuses a tampered body, id or timestamp', () => {
    const headers = sign(BODY);
    for (const [body, h] of [
      [BODY.replace('"quantity":2', '"quantity":20'), headers],
      [`${BODY} `, headers],
      [BODY, { ...headers, 'webhook-id': 'dlv_other' }],
      [BODY, { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 1) }],
    ] as const) {
      const error = thrown(() => verify({ body, headers: h, secret: SECRET }));
      assert.ok(error instanceof VerificationError && error instanceof ReceiverError);
      assert.equal(error.code, 'invalid_signature');
      assert.equal(error.status, 401);
    }
  });

  it('refuses a wrong secret', () => {
    const error = thrown(() => verify({ body: BODY, headers: sign(BODY), secret: OTHER_SECRET }));
    assert.equal(error.code, 'invalid_signature');
    assert.match(error.message, /no signature matches the secret/);
  });

  it('refuses stale and future timestamps even when signed, within 5 minutes by default', () => {
    assert.equal(thrown(() => verify({ body: BODY, headers: sign(BODY, { at: minutes(-10) }), secret: SECRET })).code, 'stale_timestamp');
    assert.equal(thrown(() => verify({ body: BODY, headers: sign(BODY, { at: minutes(10) }), secret: SECRET })).code, 'future_timestamp');
    verify({ body: BODY, headers: sign(BODY, { at: minutes(-4) }), secret: SECRET });
    verify({ body: BODY, headers: sign(BODY, { at: minutes(4) }), secret: SECRET });
  });

  it('takes a tolerance of its own, narrower or wider than 5 minutes', () => {
    const twoMinutesOld = sign(BODY, { at: minutes(-2) });
    assert.equal(thrown(() => verify({ body: BODY, headers: twoMinutesOld, secret: SECRET, toleranceSeconds: 60 })).code, 'stale_timestamp');
    const hourOld = sign(BODY, { at: minutes(-60) });
    verify({ body: BODY, headers: hourOld, secret: SECRET, toleranceSeconds: 2 * 3600 });
    // the wide path still checks the signature, constant-time, against every entry
    assert.equal(thrown(() => verify({ body: `${BODY}x`, headers: hourOld, secret: SECRET, toleranceSeconds: 7200 })).code, 'invalid_signature');
    assert.equal(thrown(() => verify({ body: BODY, headers: hourOld, secret: OTHER_SECRET, toleranceSeconds: 7200 })).code, 'invalid_signature');
    for (const bad of [-1, Number.NaN, Infinity, '60' as unknown as number]) {
      assert.equal(thrown(() => verify({ body: BODY, headers: hourOld, secret: SECRET, toleranceSeconds: bad })).code, 'invalid_argument');
    }
  });

  for (const missing of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    it(`refuses a request without ${missing}`, () => {
      const headers: Record<string, string> = sign(BODY);
      delete headers[missing];
      const error = thrown(() => verify({ body: BODY, headers, secret: SECRET }));
      assert.equal(error.code, 'missing_headers');
      assert.match(error.message, new RegExp(missing));
    });
  }

  it('during a rotation, either secret verifies the two-signature header, and secrets: [] holds both', () => {
    const at = new Date();
    const newer = sign(BODY, { secret: OTHER_SECRET, at });
    const older = sign(BODY, { secret: SECRET, at });
    // newest first, as Hookline sends them
    const both = { ...newer, 'webhook-signature': `${newer['webhook-signature']} ${older['webhook-signature']}` };
    verify({ body: BODY, headers: both, secret: SECRET });
    verify({ body: BODY, headers: both, secret: OTHER_SECRET });
    assert.equal(verify({ body: BODY, headers: older, secrets: [OTHER_SECRET, SECRET] }).secretIndex, 1);
    assert.equal(verify({ body: BODY, headers: newer, secrets: [OTHER_SECRET, SECRET] }).secretIndex, 0);
    const error = thrown(() => verify({ body: BODY, headers: both, secrets: [`whsec_${'A'.repeat(32)}`, `whsec_${'B'.repeat(32)}`] }));
    assert.equal(error.code, 'invalid_signature');
    assert.match(error.message, /any of the 2 secrets/);
  });

  it('is not fooled by malformed entries around a valid one', () => {
    const headers = sign(BODY);
    const good = headers['webhook-signature']!;
    for (const junk of ['v1', 'v1,a,b', 'v2,AAAA', 'v1,!!!', ',']) {
      verify({ body: BODY, headers: { ...headers, 'webhook-signature': `${junk}  ${good}` }, secret: SECRET });
      assert.equal(thrown(() => verify({ body: BODY, headers: { ...headers, 'webhook-signature': junk }, secret: SECRET })).code, 'invalid_signature');
    }
    // repeated header lines joined the fetch way (", ")
    verify({ body: BODY, headers: { ...headers, 'webhook-signature': `v1,AAAA, ${good}` }, secret: SECRET });
    assert.equal(thrown(() => verify({ body: BODY, headers: { ...headers, 'webhook-signature': '   ' }, secret: SECRET })).code, 'missing_headers');
    assert.equal(thrown(() => verify({ body: BODY, headers: { ...headers, 'webhook-timestamp': 'soon' }, secret: SECRET })).code, 'invalid_signature');
  });

  it('refuses a body that is not UTF-8 (a lenient decoding would not pin the bytes)', () => {
    const error = thrown(() => verify({ body: Buffer.from([0xff, 0xfe]), headers: sign('\ufffd\ufffd'), secret: SECRET }));
    assert.equal(error.code, 'invalid_signature');
    assert.match(error.message, /UTF-8/);
  });

  it('tells a bad secret or argument apart as a configuration error that names no secret', () => {
    for (const input of [{ secret: '' }, { secret: '   ' }, { secret: 'whsec_!!!!' }, { secrets: [] }, {}, { secrets: [SECRET, 'whsec_x y'] }]) {
      const error = thrown(() => verify({ body: BODY, headers: sign(BODY), ...input }));
      assert.ok(error instanceof ConfigurationError, JSON.stringify(input));
      assert.equal(error.code, 'invalid_secret');
      assert.equal(error.status, 500);
    }
    const secretLike = 'whsec_c2VjcmV0IHRoYXQgbXVzdCBub3QgbGVhaw=!';
    assert.doesNotMatch(thrown(() => verify({ body: BODY, headers: sign(BODY), secret: secretLike })).message, /c2VjcmV0/);
    assert.equal(thrown(() => verify({ body: BODY, headers: sign(BODY), secret: SECRET, secrets: [SECRET] })).code, 'invalid_argument');
    const parsed = thrown(() => verify({ body: JSON.parse(BODY), headers: sign(BODY), secret: SECRET }));
    assert.equal(parsed.code, 'invalid_argument');
    assert.match(parsed.message, /express\.raw/);
    assert.equal(thrown(() => verify({ body: BODY, headers: undefined as never, secret: SECRET })).code, 'invalid_argument');
  });

  it('verifies signatures made by Hookline, two during a rotation, at the time they were made', () => {
    mock.timers.enable({ apis: ['Date'], now: FIXTURE.timestamp * 1000 + 30_000 });
    try {
      const headers = { 'webhook-id': FIXTURE.deliveryId, 'webhook-timestamp': String(FIXTURE.timestamp), 'webhook-signature': FIXTURE.signatureOfJson };
      assert.equal(FIXTURE.signatureOfJson.split(' ').length, 2);
      for (const [i, secret] of FIXTURE.secrets.entries()) {
        verify({ body: FIXTURE.json, headers, secret });
        verify({ body: Buffer.from(FIXTURE.json), headers, secret });
        assert.equal(verify({ body: FIXTURE.json, headers, secrets: [SECRET, secret] }).secretIndex, 1, `secret ${i}`);
      }
      assert.equal(thrown(() => verify({ body: FIXTURE.json, headers, secret: SECRET })).code, 'invalid_signature');
      const encrypted = { ...headers, 'webhook-signature': FIXTURE.signatureOfGcmXml };
      verify({ body: FIXTURE.gcmXml, headers: encrypted, secret: FIXTURE.secrets[0] });
      // the signature covers the ciphertext, not the plaintext
      assert.equal(thrown(() => verify({ body: FIXTURE.xml, headers: encrypted, secret: FIXTURE.secrets[0] })).code, 'invalid_signature');
    } finally {
      mock.timers.reset();
    }
    // and today they are stale
    const headers = { 'webhook-id': FIXTURE.deliveryId, 'webhook-timestamp': String(FIXTURE.timestamp), 'webhook-signature': FIXTURE.signatureOfJson };
    assert.equal(thrown(() => verify({ body: FIXTURE.json, headers, secret: FIXTURE.secrets[0] })).code, Date.now() / 1000 > FIXTURE.timestamp ? 'stale_timestamp' : 'future_timestamp');
  });
});
