import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Seals signing secrets and encryption keys at rest with SECRETS_KEY (AES-256-GCM), so a copy of the
 * database alone reveals none of them.
 *
 * Format `v2.<key id>.<base64(iv ‖ ciphertext ‖ tag)>`:
 * - `key id` names the key that sealed it (8 characters of HMAC-SHA256(key, "hookline secrets key
 *   id"), which tells nothing about the key), so a value sealed under SECRETS_KEY_PREVIOUS still
 *   opens during a key rotation, and `hookline secrets reseal` knows what is left to re-seal;
 * - the associated data binds the value to its place: `hookline:<table>.<column>:<owner id>`, made
 *   by the functions of SEALED below. A sealed value copied into another webhook's row, or into
 *   another column, does not open (GCM's tag covers the associated data).
 *
 * The scheme for every sealed column, including ones added later: give it an entry in SEALED whose
 * owner id is the id of the webhook (or other tenant object) the row belongs to, seal and open with
 * it, and add the column to the re-seal walk (src/store/reseal.ts).
 * - `webhooks.encryption_key_sealed`: bound to the webhook's id (its own row);
 * - `webhook_secrets.secret_sealed`: bound to the row's `webhook_id`: the rows of one webhook are
 *   its signing secrets, alike by design, and a copy into another webhook's row does not open;
 * - `webhooks.headers_sealed` (custom headers, a JSON map): bound to the webhook's id.
 *
 * `v1.<base64(iv ‖ ciphertext ‖ tag)>` is the older format, sealed under the key without associated
 * data: it still opens (under either key), and `hookline secrets reseal` turns every one into v2.
 */
export const SEALED = {
  webhookEncryptionKey: (webhookId: string) => `hookline:webhooks.encryption_key_sealed:${webhookId}`,
  webhookSecret: (webhookId: string) => `hookline:webhook_secrets.secret_sealed:${webhookId}`,
  webhookHeaders: (webhookId: string) => `hookline:webhooks.headers_sealed:${webhookId}`,
} as const;

const KEY_ID_BYTES = 6; // 8 base64url characters

/**
 * Why `text` is not a usable SECRETS_KEY, or undefined when it is: it must be strict base64 (the
 * canonical 44 characters `openssl rand -base64 32` prints) of exactly 32 bytes, and not a trivial
 * value. Trivial: at most 16 distinct byte values (all zeros, one byte repeated, a short pattern),
 * an arithmetic sequence (0, 1, 2, …), or printable ASCII only (a passphrase, not random bytes).
 * Random bytes are refused by these rules about once in 10^13 keys.
 */
export function secretsKeyProblem(text: string): string | undefined {
  const strict = 'must be 32 random bytes in strict base64, 44 characters ending in "=" (openssl rand -base64 32)';
  if (!/^[A-Za-z0-9+/]{43}=$/.test(text)) return strict;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== text) return strict;
  const trivial = 'is a trivial value, not 32 random bytes; make one with openssl rand -base64 32';
  if (new Set(bytes).size <= 16) return `${trivial} (it repeats bytes or a short pattern)`;
  const step = (bytes[1]! - bytes[0]! + 256) % 256;
  if (bytes.every((b, i) => i === 0 || (b - bytes[i - 1]! + 256) % 256 === step)) return `${trivial} (it counts)`;
  if (bytes.every((b) => b >= 0x20 && b <= 0x7e)) return `${trivial} (it is text)`;
  return undefined;
}

function keyFrom(text: string, variable: string): Buffer {
  const problem = secretsKeyProblem(text);
  if (problem) throw new Error(`${variable} ${problem}`);
  return Buffer.from(text, 'base64');
}

function keyIdOf(key: Buffer): string {
  return createHmac('sha256', key).update('hookline secrets key id').digest().subarray(0, KEY_ID_BYTES).toString('base64url');
}

export class UnsealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsealError';
  }
}

export class SecretBox {
  readonly #current: { id: string; key: Buffer };
  readonly #previous: { id: string; key: Buffer } | undefined;

  /** `current` is SECRETS_KEY; `previous` (SECRETS_KEY_PREVIOUS) only opens what it sealed. */
  constructor(current: string, previous?: string) {
    const key = keyFrom(current, 'SECRETS_KEY');
    this.#current = { id: keyIdOf(key), key };
    if (previous !== undefined) {
      const old = keyFrom(previous, 'SECRETS_KEY_PREVIOUS');
      if (old.equals(key)) throw new Error('SECRETS_KEY_PREVIOUS must differ from SECRETS_KEY');
      this.#previous = { id: keyIdOf(old), key: old };
    }
  }

  /** The id of SECRETS_KEY as it appears in sealed values. */
  get keyId(): string {
    return this.#current.id;
  }

  /** Seals under SECRETS_KEY, bound to `binding` (one of SEALED's). */
  seal(plaintext: string, binding: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#current.key, iv);
    cipher.setAAD(Buffer.from(binding, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `v2.${this.#current.id}.${Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64')}`;
  }

  /** Opens a value sealed for `binding`; throws an UnsealError when it does not open. */
  open(sealed: string, binding: string): string {
    if (sealed.startsWith('v2.')) {
      const dot = sealed.indexOf('.', 3);
      const id = dot > 0 ? sealed.slice(3, dot) : '';
      const key = [this.#current, this.#previous].find((k) => k?.id === id)?.key;
      if (!key) throw new UnsealError('sealed under a key that is neither SECRETS_KEY nor SECRETS_KEY_PREVIOUS');
      return decrypt(key, sealed.slice(dot + 1), binding);
    }
    if (sealed.startsWith('v1.')) {
      for (const candidate of [this.#current, this.#previous]) {
        if (!candidate) continue;
        try {
          return decrypt(candidate.key, sealed.slice(3), null);
        } catch {
          // the other key, if any
        }
      }
      throw new UnsealError('does not open with SECRETS_KEY or SECRETS_KEY_PREVIOUS');
    }
    throw new UnsealError('unknown sealed secret format');
  }

  /** Whether a sealed value is anything but v2 under SECRETS_KEY (what `hookline secrets reseal` re-seals). */
  needsReseal(sealed: string): boolean {
    return !sealed.startsWith(`v2.${this.#current.id}.`);
  }
}

function decrypt(key: Buffer, base64: string, binding: string | null): string {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length < 12 + 16) throw new UnsealError('the sealed value is too short');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    if (binding !== null) decipher.setAAD(Buffer.from(binding, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    throw new UnsealError('does not open: another key, another row, or altered');
  }
}
