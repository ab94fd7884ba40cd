import { randomBytes } from 'node:crypto';

/**
 * Opaque ids with a type prefix (docs/api.md#ids). The first 6 bytes are the time in ms so ids sort roughly
 * by creation, which keeps btree inserts local; the remaining 10 bytes are random.
 */
export const ID_PREFIXES = ['cmty', 'key', 'wh', 'evt', 'dlv', 'job', 'prt'] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

export function newId(prefix: IdPrefix, nowMs: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(nowMs, 0, 6);
  return `${prefix}_${bytes.toString('base64url')}`;
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return id.startsWith(`${prefix}_`);
}
