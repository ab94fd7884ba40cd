import type { z } from 'zod';
import { validationError } from './envelope.js';

/** Parses a request part with a schema, or throws the 400 envelope naming each wrong field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix: readonly (string | number)[] = []): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, prefix);
  return result.data;
}
