import type { z } from 'zod';
import { type Cursor, decodeAttemptCursor, decodeCursor } from '../store/pagination.js';
import { ApiError, validationError } from './envelope.js';

/** Parses a request part with a schema, or throws the 400 envelope naming each wrong field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix: readonly (string | number)[] = []): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, prefix);
  return result.data;
}

/** A list's `cursor` query parameter, decoded, or the 400 envelope when it is not one this API issued. */
export function cursorOrThrow(text: string | undefined): Cursor | undefined {
  if (text === undefined) return undefined;
  const cursor = decodeCursor(text);
  if (!cursor) {
    throw new ApiError(400, 'invalid cursor', 'Pass the nextCursor value of a previous page unchanged.', [
      { field: 'cursor', message: 'not a cursor this API issued' },
    ]);
  }
  return cursor;
}

/** The `cursor` of GET /v1/deliveries/:id/attempts (an `attemptsNextCursor` or `meta.nextCursor`), decoded. */
export function attemptCursorOrThrow(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const before = decodeAttemptCursor(text);
  if (before === undefined) {
    throw new ApiError(400, 'invalid cursor', 'Pass the attemptsNextCursor or meta.nextCursor of a previous answer unchanged.', [
      { field: 'cursor', message: 'not an attempts cursor this API issued' },
    ]);
  }
  return before;
}
