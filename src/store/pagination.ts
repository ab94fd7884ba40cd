import { sql } from 'kysely';

/**
 * Keyset pagination, newest first, on (created_at, id). The cursor carries created_at as Postgres
 * text so its microseconds survive the round trip; rows inserted while a client pages through land
 * before its cursor and never shift what it has not seen yet.
 */
export interface Cursor {
  createdAt: string;
  id: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const createdAtText = sql<string>`created_at::text`;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string): Cursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      // Postgres' own text form, e.g. `2026-11-29 19:41:50.562+00`; anything else would fail the cast
      if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/.test(value[0])) return undefined;
      if (Number.isNaN(Date.parse(value[0].replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')))) return undefined;
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // fall through: a malformed cursor is the caller's input error
  }
  return undefined;
}

/** Condition `(created_at, id) < (cursor)` for the table alias given. */
export function beforeCursor(cursor: Cursor, table?: string) {
  const prefix = table ? `${table}.` : '';
  return sql<boolean>`(${sql.ref(`${prefix}created_at`)}, ${sql.ref(`${prefix}id`)}) < (${cursor.createdAt}::timestamptz, ${cursor.id})`;
}

/** Cuts a `limit + 1` result into a page and the cursor of its last row. */
export function toPage<T extends { cursor_created_at: string; id: string }, U>(
  rows: T[],
  limit: number,
  map: (row: T) => U,
): Page<U> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.cursor_created_at, id: last.id }) : null,
  };
}

/**
 * The cursor of a delivery's attempts (newest first): the attempt number to continue before, as
 * opaque text like the lists' cursors.
 */
export function encodeAttemptCursor(before: number): string {
  return Buffer.from(JSON.stringify(['attempt', before])).toString('base64url');
}

export function decodeAttemptCursor(text: string): number | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value[0] === 'attempt' && Number.isSafeInteger(value[1]) && (value[1] as number) >= 1) {
      return value[1] as number;
    }
  } catch {
    // a malformed cursor is the caller's input error
  }
  return undefined;
}
