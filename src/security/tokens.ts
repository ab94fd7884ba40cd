import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** API keys: 256 random bits, shown once, stored as a sha256 hash. */
export function newApiKey(): { key: string; prefix: string; hash: Buffer } {
  const key = `hk_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, 10), hash: hashApiKey(key) };
}

/** Portal session tokens: 256 random bits behind their own prefix, so authenticate() knows where to look. */
export const PORTAL_TOKEN_PREFIX = 'hlp_';

export function newPortalToken(): { token: string; hash: Buffer } {
  const token = `${PORTAL_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashApiKey(token) };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** Signing secrets in the Standard Webhooks form: `whsec_` + base64 of 24 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}
