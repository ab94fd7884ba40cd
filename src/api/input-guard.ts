import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { ApiError, formatPath } from './envelope.js';

/**
 * Checks every request's path, query and parsed JSON body for what the schemas cannot see and
 * Postgres cannot store, before any route runs: a NUL character (text and jsonb refuse U+0000, so it
 * would surface as a 500), lone UTF-16 surrogates (JSON.parse accepts `"\ud800"`, jsonb does not),
 * nesting deeper than any Hookline body has, and bodies with an absurd number of values. Each
 * refusal is a 400 that names the field.
 */
export const MAX_JSON_DEPTH = 32;
export const MAX_JSON_VALUES = 20_000;

type Problem = { field: string; message: string };
type PathPart = string | number;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function stringProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain a NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (it contains a lone UTF-16 surrogate)';
  return undefined;
}

/** The first problem in a parsed JSON value; iterative, so no input can exhaust the stack. */
export function jsonProblem(root: unknown): Problem | undefined {
  const stack: Array<{ value: unknown; path: PathPart[] }> = [{ value: root, path: [] }];
  let values = 0;
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (++values > MAX_JSON_VALUES) {
      return { field: formatPath(path) || 'body', message: `the body holds more than ${MAX_JSON_VALUES} values` };
    }
    if (typeof value === 'string') {
      const problem = stringProblem(value);
      if (problem) return { field: formatPath(path) || 'body', message: problem };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= MAX_JSON_DEPTH) {
      return { field: formatPath(path), message: `is nested deeper than ${MAX_JSON_DEPTH} levels` };
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
      continue;
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const keyProblem = stringProblem(key);
      if (keyProblem) return { field: formatPath([...path, key]), message: `has a field name that ${keyProblem}` };
      stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return undefined;
}

function pathProblem(path: string): Problem | undefined {
  for (const segment of path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { field: 'path', message: `segment "${segment.slice(0, 80)}" is not valid percent-encoded UTF-8` };
    }
    const problem = stringProblem(decoded);
    if (problem) return { field: 'path', message: `segment ${problem}` };
  }
  return undefined;
}

function queryProblem(query: unknown): Problem | undefined {
  if (query === null || typeof query !== 'object') return undefined;
  for (const [key, value] of Object.entries(query)) {
    const keyProblem = stringProblem(key);
    if (keyProblem) return { field: 'query', message: `has a parameter name that ${keyProblem}` };
    for (const item of Array.isArray(value) ? value : [value]) {
      const problem = typeof item === 'string' ? stringProblem(item) : undefined;
      if (problem) return { field: key, message: problem };
    }
  }
  return undefined;
}

/**
 * For express.json's `verify`: the raw bytes must be UTF-8 (RFC 8259). Without this, invalid
 * sequences are silently decoded to U+FFFD and stored as something the client never sent.
 */
export function verifyUtf8(_req: IncomingMessage, _res: ServerResponse, body: Buffer): void {
  if (!isUtf8(body)) {
    throw new ApiError(400, 'invalid body: not valid UTF-8', 'Encode the JSON body as UTF-8.', [
      { field: 'body', message: 'must be UTF-8 encoded JSON' },
    ]);
  }
}

export function guardInput(req: Request, _res: Response, next: NextFunction): void {
  const problem = pathProblem(req.path) ?? queryProblem(req.query) ?? (req.body === undefined ? undefined : jsonProblem(req.body));
  if (!problem) return next();
  next(
    new ApiError(400, `invalid ${problem.field}: ${problem.message}`, 'Fix the fields listed in detail and send the request again.', [
      problem,
    ]),
  );
}
