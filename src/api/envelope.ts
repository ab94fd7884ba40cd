import type { Response } from 'express';
import type { z } from 'zod';

/** The platform's response envelope (docs/api.md#response-envelope). */
export function sendSuccess(res: Response, statusCode: number, data: unknown, nextCursor?: string | null): void {
  res.status(statusCode).json(
    nextCursor === undefined ? { status: 'success', data } : { status: 'success', data, meta: { nextCursor } },
  );
}

/** An error the client can fix; anything else that reaches the error handler is a bug (500). */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly solution: string,
    readonly detail: unknown = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function errorBody(statusCode: number, message: string, solution: string, detail: unknown = null) {
  return { status: 'error', message, detail, solution, meta: { statusCode } };
}

export function notFound(what: string): ApiError {
  return new ApiError(404, `${what} not found`, `Check the id; it must belong to your community.`);
}

/** Names every wrong field by its path, e.g. `events[0]` or `data.user.id`. */
export function validationError(error: z.ZodError, prefix: readonly (string | number)[] = []): ApiError {
  const detail = error.issues.flatMap((issue) => {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    // zod reports unknown fields on their parent object; name each one instead
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: formatPath([...path, key]), message: 'is not a known field' }));
    }
    return [{ field: formatPath(path), message: issue.message }];
  });
  const first = detail[0];
  const message = first ? `invalid ${first.field || 'body'}: ${first.message}` : 'invalid request';
  return new ApiError(400, message, 'Fix the fields listed in detail and send the request again.', detail);
}

export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part),
    '',
  );
}
