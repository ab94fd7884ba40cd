import { describe, it, expect } from 'vitest';
import { createDecipheriv } from 'node:crypto';
import { decryptBody, encryptBody, ENCRYPTION_ALGORITHMS } from '../../src/wire/encrypt.js';

const KEY = '0123456789abcdefghijklmnopqrstuv'; // 32 ASCII characters
const PLAIN = '{"id":"evt_1","data":{"name":"😀 中文 <&>"}}';

describe('encryptBody / decryptBody', () => {
  it('lists both algorithms', () => {
    expect([...ENCRYPTION_ALGORITHMS].sort()).toEqual(['aes-256-cbc', 'aes-256-gcm']);
  });

  for (const algorithm of ENCRYPTION_ALGORITHMS) {
    it(`${algorithm}: round trips, including an empty body`, () => {
      expect(decryptBody(encryptBody(PLAIN, algorithm, KEY), algorithm, KEY)).toBe(PLAIN);
      expect(decryptBody(encryptBody('', algorithm, KEY), algorithm, KEY)).toBe('');
    });

    it(`${algorithm}: uses a fresh IV per call`, () => {
      const a = encryptBody(PLAIN, algorithm, KEY);
      const b = encryptBody(PLAIN, algorithm, KEY);
      expect(a).not.toBe(b);
      expect(Buffer.from(a, 'base64').subarray(0, 12)).not.toEqual(Buffer.from(b, 'base64').subarray(0, 12));
    });

    it(`${algorithm}: rejects a key that is not 32 bytes as UTF-8`, () => {
      const body = encryptBody(PLAIN, algorithm, KEY);
      for (const key of ['', 'short', KEY + 'x', 'é'.repeat(16) + 'x'.repeat(16)]) {
        expect(() => encryptBody(PLAIN, algorithm, key)).toThrow(/32 bytes/);
        expect(() => decryptBody(body, algorithm, key)).toThrow(/32 bytes/);
      }
    });

    it(`${algorithm}: fails with the wrong key`, () => {
      const body = encryptBody(PLAIN, algorithm, KEY);
      const other = 'vutsrqponmlkjihgfedcba9876543210';
      // CBC without a MAC can occasionally unpad garbage successfully; it must never yield the plaintext.
      let result: string | undefined;
      try {
        result = decryptBody(body, algorithm, other);
      } catch {
        result = undefined;
      }
      expect(result).not.toBe(PLAIN);
    });
  }

  it('aes-256-gcm: body is base64(12-byte IV ‖ ciphertext ‖ 16-byte tag), decryptable by hand', () => {
    const iv = Buffer.alloc(12, 7);
    const raw = Buffer.from(encryptBody(PLAIN, 'aes-256-gcm', KEY, iv), 'base64');
    expect(raw.length).toBe(12 + Buffer.byteLength(PLAIN) + 16);
    expect(raw.subarray(0, 12)).toEqual(iv);

    // Written from docs/wire-format.md#body-layout, not from decryptBody.
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(KEY, 'utf8'), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const plain = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
    expect(plain.toString('utf8')).toBe(PLAIN);
  });

  it('aes-256-gcm: a random IV is 12 bytes', () => {
    const raw = Buffer.from(encryptBody(PLAIN, 'aes-256-gcm', KEY), 'base64');
    expect(raw.length).toBe(12 + Buffer.byteLength(PLAIN) + 16);
  });

  it('aes-256-cbc: body is base64(16-byte IV ‖ PKCS#7 ciphertext), decryptable by hand', () => {
    const iv = Buffer.alloc(16, 9);
    const raw = Buffer.from(encryptBody(PLAIN, 'aes-256-cbc', KEY, iv), 'base64');
    const plainBytes = Buffer.byteLength(PLAIN);
    // PKCS#7 always adds 1..16 bytes of padding.
    expect(raw.length).toBe(16 + (Math.floor(plainBytes / 16) + 1) * 16);
    expect(raw.subarray(0, 16)).toEqual(iv);

    const decipher = createDecipheriv('aes-256-cbc', Buffer.from(KEY, 'utf8'), raw.subarray(0, 16));
    const plain = Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]);
    expect(plain.toString('utf8')).toBe(PLAIN);
  });

  it('aes-256-gcm: tampering with the ciphertext, tag or IV fails authentication', () => {
    const raw = Buffer.from(encryptBody(PLAIN, 'aes-256-gcm', KEY), 'base64');
    for (const index of [0, 12, raw.length - 1]) {
      const tampered = Buffer.from(raw);
      tampered[index] = (tampered[index] ?? 0) ^ 1;
      expect(() => decryptBody(tampered.toString('base64'), 'aes-256-gcm', KEY)).toThrow();
    }
  });

  it('rejects malformed bodies and IVs of the wrong length', () => {
    expect(() => decryptBody(Buffer.alloc(20).toString('base64'), 'aes-256-gcm', KEY)).toThrow(/too short/);
    expect(() => decryptBody(Buffer.alloc(16).toString('base64'), 'aes-256-cbc', KEY)).toThrow(/whole cipher blocks/);
    expect(() => decryptBody(Buffer.alloc(40).toString('base64'), 'aes-256-cbc', KEY)).toThrow(/whole cipher blocks/);
    expect(() => encryptBody(PLAIN, 'aes-256-gcm', KEY, Buffer.alloc(16))).toThrow(/12-byte IV/);
    expect(() => encryptBody(PLAIN, 'aes-256-cbc', KEY, Buffer.alloc(12))).toThrow(/16-byte IV/);
  });

  it('rejects an unknown algorithm', () => {
    expect(() => encryptBody(PLAIN, 'aes-128-gcm' as never, KEY)).toThrow(/unsupported encryption algorithm/);
  });
});
