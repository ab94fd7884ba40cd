/**
 * Step 2: undo Hookline's body encryption, when the webhook has it on (`x-encrypted: true`).
 * Layout: base64(IV ‖ ciphertext ‖ tag) for aes-256-gcm (12-byte IV, 16-byte tag, no AAD),
 * base64(IV ‖ ciphertext) for aes-256-cbc (16-byte IV, PKCS#7); the key is the webhook's
 * 32-character key as its 32 UTF-8 bytes.
 */
import { createDecipheriv } from 'node:crypto';
import { bodyText, checkBody, type RawBody } from './body.js';
import { ConfigurationError, DecryptionError, ParseError } from './errors.js';
import { checkHeaders, headerValue, type HeadersInput } from './headers.js';

export const ALGORITHMS = ['aes-256-gcm', 'aes-256-cbc'] as const;
export type EncryptionAlgorithm = (typeof ALGORITHMS)[number];

const KEY_BYTES = 32;
const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;
const CBC_IV_BYTES = 16;
const AES_BLOCK_BYTES = 16;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface DecryptInput {
  /** The raw request body (for an encrypted delivery: base64 text). */
  body: RawBody;
  headers: HeadersInput;
  /** The webhook's 32-character encryption key; only needed when the webhook encrypts. */
  encryptionKey?: string | Uint8Array | null | undefined;
}

export interface Decrypted {
  /** The JSON or XML body. */
  plaintext: string;
  /** Its type: `x-content-type` when encrypted, `content-type` otherwise. */
  contentType: string;
  /** The algorithm the body was encrypted with, or null when it was not encrypted. */
  algorithm: EncryptionAlgorithm | null;
}

/**
 * The plaintext and its content type. An unencrypted delivery comes back unchanged. Call
 * `verify` first: the signature is what makes the ciphertext trustworthy (aes-256-cbc itself
 * does not authenticate); `receive` does.
 */
export function decrypt(input: DecryptInput): Decrypted {
  checkBody(input.body);
  checkHeaders(input.headers);
  const { headers } = input;
  const text = bodyText(input.body);
  if ((headerValue(headers, 'x-encrypted') ?? '').trim().toLowerCase() !== 'true') {
    if (text === undefined) throw new ParseError('bad_body', 'the body is not UTF-8 text');
    return { plaintext: text, contentType: (headerValue(headers, 'content-type') ?? '').trim(), algorithm: null };
  }

  const named = (headerValue(headers, 'x-encryption-algorithm') ?? '').trim().toLowerCase();
  if (!(ALGORITHMS as readonly string[]).includes(named)) {
    throw new DecryptionError(
      'unsupported_algorithm',
      `unsupported x-encryption-algorithm ${named ? JSON.stringify(named.slice(0, 64)) : '(absent)'}: expected ${ALGORITHMS.join(' or ')}`,
    );
  }
  const algorithm = named as EncryptionAlgorithm;
  const contentType = headerValue(headers, 'x-content-type')?.trim();
  if (!contentType) throw new DecryptionError('bad_encryption', 'the encrypted delivery has no x-content-type');
  const key = keyBytes(input.encryptionKey);

  const base64 = (text ?? '').trim();
  if (text === undefined || base64.length % 4 !== 0 || !BASE64.test(base64)) {
    throw new DecryptionError('bad_encryption', 'the encrypted body is not base64');
  }
  const raw = Buffer.from(base64, 'base64');
  const plain = algorithm === 'aes-256-gcm' ? openGcm(raw, key) : openCbc(raw, key);
  const plaintext = bodyText(plain);
  if (plaintext === undefined) throw new DecryptionError('bad_encryption', 'the decrypted body is not UTF-8: wrong key?');
  return { plaintext, contentType, algorithm };
}

function openGcm(raw: Buffer, key: Buffer): Buffer {
  if (raw.length < GCM_IV_BYTES + GCM_TAG_BYTES) throw new DecryptionError('bad_encryption', 'the aes-256-gcm body is too short');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, GCM_IV_BYTES), { authTagLength: GCM_TAG_BYTES });
  decipher.setAuthTag(raw.subarray(raw.length - GCM_TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(GCM_IV_BYTES, raw.length - GCM_TAG_BYTES)), decipher.final()]);
  } catch {
    throw new DecryptionError('bad_encryption', 'aes-256-gcm authentication failed: wrong key, or the body was altered');
  }
}

function openCbc(raw: Buffer, key: Buffer): Buffer {
  const ciphertext = raw.subarray(CBC_IV_BYTES);
  if (raw.length < CBC_IV_BYTES || ciphertext.length === 0 || ciphertext.length % AES_BLOCK_BYTES !== 0) {
    throw new DecryptionError('bad_encryption', 'the aes-256-cbc body is not an IV followed by whole cipher blocks');
  }
  const decipher = createDecipheriv('aes-256-cbc', key, raw.subarray(0, CBC_IV_BYTES));
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new DecryptionError('bad_encryption', 'aes-256-cbc padding is invalid: wrong key, or the body was altered');
  }
}

function keyBytes(key: DecryptInput['encryptionKey']): Buffer {
  if (key === undefined || key === null || key === '' || (key instanceof Uint8Array && key.length === 0)) {
    throw new ConfigurationError('missing_key', "the delivery is encrypted: pass the webhook's encryption key as encryptionKey");
  }
  if (typeof key !== 'string' && !(key instanceof Uint8Array)) {
    throw new ConfigurationError('invalid_key', 'encryptionKey must be a string (the 32-character key) or bytes');
  }
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  // Never echo the key itself: this message can end up in logs.
  if (bytes.length !== KEY_BYTES) {
    throw new ConfigurationError('invalid_key', `encryptionKey must be exactly 32 bytes as UTF-8 (the webhook's 32-character key), got ${bytes.length}`);
  }
  return bytes;
}
