import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Seals signing secrets and encryption keys at rest with SECRETS_KEY (AES-256-GCM), so a copy of the
 * database alone reveals none of them. Format: `v1.<base64(iv ‖ ciphertext ‖ tag)>`; the version
 * leaves room for key rotation later.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(secretsKeyBase64: string) {
    const key = Buffer.from(secretsKeyBase64, 'base64');
    if (key.length !== 32) throw new Error('SECRETS_KEY must be 32 bytes in base64');
    this.#key = key;
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `v1.${Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64')}`;
  }

  open(sealed: string): string {
    if (!sealed.startsWith('v1.')) throw new Error('unknown sealed secret format');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
  }
}
