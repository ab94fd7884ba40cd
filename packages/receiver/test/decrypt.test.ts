import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { describe, it } from 'node:test';
import { ALGORITHMS, ConfigurationError, DecryptionError, decrypt } from '@hookline/receiver';
import { encrypt, FIXTURE, KEY, OTHER_KEY, PURCHASE, renderJson, renderXml, thrown } from './support.js';

const PLAIN = renderJson(PURCHASE);
const encryptedHeaders = (algorithm: string, contentType = 'application/json') => ({
  'content-type': 'text/plain',
  'x-encrypted': 'true',
  'x-encryption-algorithm': algorithm,
  'x-content-type': contentType,
});
function flip(body: string, index: number): string {
  const raw = Buffer.from(body, 'base64');
  raw[(index + raw.length) % raw.length]! ^= 0x01;
  return raw.toString('base64');
}

describe('decrypt', () => {
  it('gives an unencrypted delivery back unchanged, with its content-type', () => {
    assert.deepEqual(decrypt({ body: PLAIN, headers: { 'content-type': 'application/json' } }), { plaintext: PLAIN, contentType: 'application/json', algorithm: null });
    assert.deepEqual(decrypt({ body: Buffer.from(PLAIN), headers: { 'Content-Type': 'application/xml' }, encryptionKey: KEY }), {
      plaintext: PLAIN,
      contentType: 'application/xml',
      algorithm: null,
    });
    assert.equal(decrypt({ body: 'x', headers: { 'x-encrypted': 'false', 'content-type': 'application/json' } }).plaintext, 'x');
  });

  for (const algorithm of ALGORITHMS) {
    for (const format of ['json', 'xml'] as const) {
      it(`${algorithm}, ${format}: round trip, key as text or bytes`, () => {
        const plaintext = format === 'json' ? renderJson(PURCHASE) : renderXml(PURCHASE);
        const body = encrypt(plaintext, algorithm);
        const expected = { plaintext, contentType: `application/${format}`, algorithm };
        assert.deepEqual(decrypt({ body, headers: encryptedHeaders(algorithm, `application/${format}`), encryptionKey: KEY }), expected);
        assert.deepEqual(decrypt({ body: Buffer.from(body), headers: encryptedHeaders(algorithm, `application/${format}`), encryptionKey: Buffer.from(KEY) }), expected);
      });
    }
  }

  it('aes-256-cbc: PKCS#7 at every block boundary', () => {
    for (const size of [0, 1, 15, 16, 17, 31, 32, 33]) {
      const plaintext = 'x'.repeat(size);
      assert.equal(decrypt({ body: encrypt(plaintext, 'aes-256-cbc'), headers: encryptedHeaders('aes-256-cbc'), encryptionKey: KEY }).plaintext, plaintext);
    }
  });

  it('decrypts bodies encrypted by Hookline', () => {
    assert.deepEqual(decrypt({ body: FIXTURE.gcmXml, headers: encryptedHeaders('aes-256-gcm', 'application/xml'), encryptionKey: FIXTURE.key }), {
      plaintext: FIXTURE.xml,
      contentType: 'application/xml',
      algorithm: 'aes-256-gcm',
    });
    assert.equal(decrypt({ body: FIXTURE.cbcJson, headers: encryptedHeaders('aes-256-cbc'), encryptionKey: FIXTURE.key }).plaintext, FIXTURE.json);
  });

  it('reads header values loosely (case, spaces)', () => {
    const body = encrypt(PLAIN, 'aes-256-gcm');
    const headers = { 'X-Encrypted': ' True ', 'X-Encryption-Algorithm': 'AES-256-GCM', 'X-Content-Type': ' application/json ' };
    assert.deepEqual(decrypt({ body, headers, encryptionKey: KEY }), { plaintext: PLAIN, contentType: 'application/json', algorithm: 'aes-256-gcm' });
  });

  it('a wrong key: gcm fails authentication, cbc fails its padding', () => {
    const gcm = thrown(() => decrypt({ body: encrypt(PLAIN, 'aes-256-gcm'), headers: encryptedHeaders('aes-256-gcm'), encryptionKey: OTHER_KEY }));
    assert.ok(gcm instanceof DecryptionError);
    assert.equal(gcm.code, 'bad_encryption');
    assert.match(gcm.message, /authentication failed/);
    // a fixed IV fixes the outcome: by chance about 1 in 256 random IVs would pass the padding check
    const cbc = thrown(() => decrypt({ body: encrypt(PLAIN, 'aes-256-cbc', KEY, Buffer.alloc(16)), headers: encryptedHeaders('aes-256-cbc'), encryptionKey: OTHER_KEY }));
    assert.equal(cbc.code, 'bad_encryption');
    assert.match(cbc.message, /padding/);
  });

  it('aes-256-gcm notices any altered byte: IV, ciphertext, tag', () => {
    const body = encrypt(PLAIN, 'aes-256-gcm');
    for (const where of [0, 12, -17, -1]) {
      assert.equal(thrown(() => decrypt({ body: flip(body, where), headers: encryptedHeaders('aes-256-gcm'), encryptionKey: KEY })).code, 'bad_encryption');
    }
  });

  it('a missing or malformed key is a configuration error that never shows the key', () => {
    const body = encrypt(PLAIN, 'aes-256-gcm');
    for (const encryptionKey of [undefined, null, '', new Uint8Array()]) {
      const error = thrown(() => decrypt({ body, headers: encryptedHeaders('aes-256-gcm'), encryptionKey }));
      assert.ok(error instanceof ConfigurationError);
      assert.equal(error.code, 'missing_key');
    }
    for (const encryptionKey of [KEY.slice(0, 31), `${KEY.slice(0, 31)}é`]) {
      const error = thrown(() => decrypt({ body, headers: encryptedHeaders('aes-256-gcm'), encryptionKey }));
      assert.equal(error.code, 'invalid_key');
      assert.match(error.message, /exactly 32 bytes/);
      assert.ok(!error.message.includes(KEY.slice(0, 8)), 'the key is never echoed');
    }
  });

  it('refuses bad headers', () => {
    const body = encrypt(PLAIN, 'aes-256-gcm');
    const unsupported = thrown(() => decrypt({ body, headers: encryptedHeaders('aes-128-gcm'), encryptionKey: KEY }));
    assert.equal(unsupported.code, 'unsupported_algorithm');
    assert.match(unsupported.message, /"aes-128-gcm"/);
    assert.match(thrown(() => decrypt({ body, headers: { 'x-encrypted': 'true', 'x-content-type': 'application/json' }, encryptionKey: KEY })).message, /\(absent\)/);
    const noType = thrown(() => decrypt({ body, headers: { 'x-encrypted': 'true', 'x-encryption-algorithm': 'aes-256-gcm' }, encryptionKey: KEY }));
    assert.equal(noType.code, 'bad_encryption');
    assert.match(noType.message, /x-content-type/);
  });

  it('refuses damaged bodies', () => {
    assert.match(thrown(() => decrypt({ body: 'not base64!', headers: encryptedHeaders('aes-256-gcm'), encryptionKey: KEY })).message, /not base64/);
    assert.match(thrown(() => decrypt({ body: Buffer.alloc(27).toString('base64'), headers: encryptedHeaders('aes-256-gcm'), encryptionKey: KEY })).message, /too short/);
    for (const size of [15, 16, 17, 31, 40]) {
      const error = thrown(() => decrypt({ body: Buffer.alloc(size).toString('base64'), headers: encryptedHeaders('aes-256-cbc'), encryptionKey: KEY }));
      assert.equal(error.code, 'bad_encryption');
      assert.match(error.message, /whole cipher blocks/);
    }
  });

  it('refuses a plaintext that is not UTF-8', () => {
    const iv = Buffer.alloc(12);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(KEY), iv);
    const body = Buffer.concat([iv, cipher.update(Buffer.from([0xff, 0xfe])), cipher.final(), cipher.getAuthTag()]).toString('base64');
    assert.match(thrown(() => decrypt({ body, headers: encryptedHeaders('aes-256-gcm'), encryptionKey: KEY })).message, /not UTF-8/);
  });
});
