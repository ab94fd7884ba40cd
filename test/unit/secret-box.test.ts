import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SEALED, SecretBox, secretsKeyProblem } from '../../src/security/secret-box.js';
import { hashApiKey, newApiKey, newSigningSecret, safeEqual } from '../../src/security/tokens.js';

describe('SecretBox (SECRETS_KEY at rest)', () => {
  const key = randomBytes(32).toString('base64');
  const box = new SecretBox(key);
  const here = SEALED.webhookSecret('wh_here');

  it('round-trips and never holds the plaintext', () => {
    const secret = newSigningSecret();
    const sealed = box.seal(secret, here);
    expect(sealed.startsWith(`v2.${box.keyId}.`)).toBe(true);
    expect(sealed).not.toContain(secret);
    expect(sealed).not.toContain(secret.slice(6));
    expect(Buffer.from(sealed.split('.')[2]!, 'base64').toString('latin1')).not.toContain(secret.slice(6, 20));
    expect(box.open(sealed, here)).toBe(secret);
  });

  it('uses a fresh IV each time', () => {
    const a = box.seal('same 32-character key 0123456789', here);
    const b = box.seal('same 32-character key 0123456789', here);
    expect(a).not.toBe(b);
    expect(box.open(a, here)).toBe(box.open(b, here));
  });

  it('refuses a tampered value and a different key', () => {
    const sealed = box.seal('whsec_something', here);
    const [version, id, body] = sealed.split('.') as [string, string, string];
    const raw = Buffer.from(body, 'base64');
    raw[14] = raw[14]! ^ 1;
    expect(() => box.open(`${version}.${id}.${raw.toString('base64')}`, here)).toThrow(/does not open/);
    expect(() => new SecretBox(randomBytes(32).toString('base64')).open(sealed, here)).toThrow(/neither SECRETS_KEY nor SECRETS_KEY_PREVIOUS/);
    expect(() => box.open('plain', here)).toThrow(/format/);
  });

  it('binds a value to its row: copied to another webhook or another column, it does not open', () => {
    const sealed = box.seal('whsec_bound', SEALED.webhookSecret('wh_a'));
    expect(box.open(sealed, SEALED.webhookSecret('wh_a'))).toBe('whsec_bound');
    expect(() => box.open(sealed, SEALED.webhookSecret('wh_b'))).toThrow(/does not open/);
    expect(() => box.open(sealed, SEALED.webhookEncryptionKey('wh_a'))).toThrow(/does not open/);
    // the key id in front cannot be swapped to make it open under another binding either
    expect(() => box.open(sealed.replace(box.keyId, 'AAAAAAAA'), SEALED.webhookSecret('wh_a'))).toThrow();
  });

  it('opens what SECRETS_KEY_PREVIOUS sealed, seals only under SECRETS_KEY, and says what needs re-sealing', () => {
    const next = randomBytes(32).toString('base64');
    const rotated = new SecretBox(next, key);
    const old = box.seal('whsec_old', here);
    expect(rotated.open(old, here)).toBe('whsec_old');
    expect(rotated.needsReseal(old)).toBe(true);
    const fresh = rotated.seal('whsec_new', here);
    expect(rotated.needsReseal(fresh)).toBe(false);
    expect(fresh.startsWith(`v2.${rotated.keyId}.`)).toBe(true);
    // without the previous key, the old value no longer opens; the new one does
    expect(() => new SecretBox(next).open(old, here)).toThrow();
    expect(new SecretBox(next).open(fresh, here)).toBe('whsec_new');
    expect(() => new SecretBox(key, key)).toThrow(/must differ/);
  });

  it('still opens the older v1 format (no binding), under either key', () => {
    const v1 = (k: string, plaintext: string) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', Buffer.from(k, 'base64'), iv);
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `v1.${Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64')}`;
    };
    const legacy = v1(key, 'whsec_legacy');
    expect(box.open(legacy, here)).toBe('whsec_legacy');
    expect(box.needsReseal(legacy)).toBe(true);
    expect(new SecretBox(randomBytes(32).toString('base64'), key).open(legacy, here)).toBe('whsec_legacy');
    expect(() => new SecretBox(randomBytes(32).toString('base64')).open(legacy, here)).toThrow(/does not open/);
  });

  it('refuses a key that is not strict base64 of 32 bytes, or trivial', () => {
    const bad: Array<[string, RegExp]> = [
      [randomBytes(16).toString('base64'), /strict base64/],
      [randomBytes(33).toString('base64'), /strict base64/],
      [randomBytes(32).toString('base64').slice(0, -1), /strict base64/], // no padding
      [randomBytes(32).toString('base64url'), /strict base64/],
      [` ${randomBytes(32).toString('base64')}`, /strict base64/],
      [`${randomBytes(32).toString('base64').slice(0, 42)}B=`, /strict base64/], // non-zero padding bits
      [Buffer.alloc(32).toString('base64'), /trivial/], // all zeros: AAAA…A=
      [Buffer.alloc(32, 0xff).toString('base64'), /trivial/],
      [Buffer.from('0123456789abcdef0123456789abcdef').toString('base64'), /trivial/],
      [Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('base64'), /trivial.*counts/],
      [Buffer.from('The quick brown fox jumps over t').toString('base64'), /trivial.*text/],
    ];
    for (const [text, message] of bad) {
      expect(secretsKeyProblem(text), text).toMatch(message);
      expect(() => new SecretBox(text), text).toThrow(/^SECRETS_KEY /);
    }
    // what openssl rand -base64 32 prints is fine, a thousand times over
    for (let i = 0; i < 1000; i++) expect(secretsKeyProblem(randomBytes(32).toString('base64'))).toBeUndefined();
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
