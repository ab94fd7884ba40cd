import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/security/secret-box.js';
import { hashApiKey, newApiKey, newSigningSecret, safeEqual } from '../../src/security/tokens.js';

describe('SecretBox (SECRETS_KEY at rest)', () => {
  const key = randomBytes(32).toString('base64');
  const box = new SecretBox(key);

  it('round-trips and never holds the plaintext', () => {
    const secret = newSigningSecret();
    const sealed = box.seal(secret);
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(sealed).not.toContain(secret);
    expect(sealed).not.toContain(secret.slice(6));
    expect(Buffer.from(sealed.slice(3), 'base64').toString('latin1')).not.toContain(secret.slice(6, 20));
    expect(box.open(sealed)).toBe(secret);
  });

  it('uses a fresh IV each time', () => {
    const a = box.seal('same 32-character key 0123456789');
    const b = box.seal('same 32-character key 0123456789');
    expect(a).not.toBe(b);
    expect(box.open(a)).toBe(box.open(b));
  });

  it('refuses a tampered value and a different key', () => {
    const sealed = box.seal('whsec_something');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[14] = raw[14]! ^ 1;
    expect(() => box.open(`v1.${raw.toString('base64')}`)).toThrow();
    expect(() => new SecretBox(randomBytes(32).toString('base64')).open(sealed)).toThrow();
    expect(() => box.open('plain')).toThrow(/format/);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
  });
});

describe('API keys and tokens', () => {
  it('makes 256-bit keys, hashes them, and shows a short prefix only', () => {
    const { key, prefix, hash } = newApiKey();
    expect(key).toMatch(/^hk_[A-Za-z0-9_-]{43}$/);
    expect(prefix).toBe(key.slice(0, 10));
    expect(hash.equals(hashApiKey(key))).toBe(true);
    expect(hash.toString('hex')).not.toContain(Buffer.from(key).toString('hex'));
    expect(newApiKey().key).not.toBe(key);
  });

  it('compares tokens of any length without throwing', () => {
    expect(safeEqual('adm_token_long_enough', 'adm_token_long_enough')).toBe(true);
    expect(safeEqual('adm_token_long_enough', 'adm_token_long_enougH')).toBe(false);
    expect(safeEqual('short', 'a much longer token value')).toBe(false);
  });
});
