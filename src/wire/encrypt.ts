import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export type EncryptionAlgorithm = 'aes-256-gcm' | 'aes-256-cbc';

export const ENCRYPTION_ALGORITHMS: readonly EncryptionAlgorithm[] = Object.freeze(['aes-256-gcm', 'aes-256-cbc']);

// docs/wire-format.md#body-layout: the wire layout is base64(IV ‖ ciphertext [‖ tag]) with these sizes.
const IV_BYTES: Record<EncryptionAlgorithm, number> = { 'aes-256-gcm': 12, 'aes-256-cbc': 16 };
const GCM_TAG_BYTES = 16;
const AES_BLOCK_BYTES = 16;

/** Encrypts a request body as docs/wire-format.md#body-layout says and returns it base64-encoded. `iv` is for tests only. */
export function encryptBody(plaintext: string, algorithm: EncryptionAlgorithm, key: string, iv?: Buffer): string {
  const keyBuf = keyBytes(key);
  const ivLength = ivBytes(algorithm);
  // A reused GCM IV under one key leaks plaintext XORs and the auth key, hence fresh per call.
  const ivBuf = iv ?? randomBytes(ivLength);
  if (ivBuf.length !== ivLength) throw new Error(`${algorithm} needs a ${ivLength}-byte IV, got ${ivBuf.length}`);

  if (algorithm === 'aes-256-gcm') {
    const cipher = createCipheriv(algorithm, keyBuf, ivBuf, { authTagLength: GCM_TAG_BYTES });
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([ivBuf, ciphertext, cipher.getAuthTag()]).toString('base64');
  }
  const cipher = createCipheriv(algorithm, keyBuf, ivBuf);
  return Buffer.concat([ivBuf, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

/** Inverse of encryptBody. Throws if the body is malformed or (GCM) fails authentication. */
export function decryptBody(bodyBase64: string, algorithm: EncryptionAlgorithm, key: string): string {
  const keyBuf = keyBytes(key);
  const ivLength = ivBytes(algorithm);
  const raw = Buffer.from(bodyBase64, 'base64');

  if (algorithm === 'aes-256-gcm') {
    if (raw.length < ivLength + GCM_TAG_BYTES) throw new Error('aes-256-gcm body is too short');
    const decipher = createDecipheriv(algorithm, keyBuf, raw.subarray(0, ivLength), { authTagLength: GCM_TAG_BYTES });
    decipher.setAuthTag(raw.subarray(raw.length - GCM_TAG_BYTES));
    const ciphertext = raw.subarray(ivLength, raw.length - GCM_TAG_BYTES);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  }
  const ciphertext = raw.subarray(ivLength);
  if (ciphertext.length === 0 || ciphertext.length % AES_BLOCK_BYTES !== 0) {
    throw new Error('aes-256-cbc body is not an IV followed by whole cipher blocks');
  }
  const decipher = createDecipheriv(algorithm, keyBuf, raw.subarray(0, ivLength));
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
}

function keyBytes(key: string): Buffer {
  const bytes = Buffer.from(key, 'utf8');
  // Never echo the key itself: this message can end up in logs.
  if (bytes.length !== 32) {
    throw new Error(`encryption key must be exactly 32 bytes as UTF-8 (32 ASCII characters), got ${bytes.length}`);
  }
  return bytes;
}

// The algorithm often comes from stored config or a header, so the union type is not a guarantee.
function ivBytes(algorithm: EncryptionAlgorithm): number {
  if (!Object.hasOwn(IV_BYTES, algorithm)) throw new Error(`unsupported encryption algorithm: ${String(algorithm)}`);
  return IV_BYTES[algorithm];
}
