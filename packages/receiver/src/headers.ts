import { ConfigurationError } from './errors.js';

/**
 * Request headers as any framework hands them over: node's `req.headers` (Express, Fastify,
 * Koa, node:http), a fetch `Headers` (Hono, Next.js route handlers, Cloudflare-style handlers),
 * a `Map`, or `[name, value]` pairs. Names are matched case-insensitively.
 */
export type HeaderValue = string | readonly string[] | number | null | undefined;
export type HeadersInput =
  | Readonly<Record<string, HeaderValue>>
  | Iterable<readonly [string, HeaderValue]>;

/**
 * The value of header `name`, repeated values joined with a space (how Standard Webhooks
 * separates several signatures); undefined when absent.
 */
export function headerValue(headers: HeadersInput, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const found: string[] = [];
  const entries: Iterable<readonly [string, HeaderValue]> =
    headers !== null && typeof headers === 'object' && Symbol.iterator in headers
      ? (headers as Iterable<readonly [string, HeaderValue]>)
      : Object.entries(headers as Record<string, HeaderValue>);
  for (const entry of entries) {
    const [key, value] = entry;
    if (typeof key !== 'string' || key.toLowerCase() !== wanted || value === undefined || value === null) continue;
    if (Array.isArray(value)) found.push(...value.map(String));
    else found.push(String(value));
  }
  return found.length > 0 ? found.join(' ') : undefined;
}

export function checkHeaders(headers: unknown): asserts headers is HeadersInput {
  if (headers === null || typeof headers !== 'object') {
    throw new ConfigurationError('invalid_argument', 'headers must be the request headers (an object such as req.headers, or a fetch Headers)');
  }
}
