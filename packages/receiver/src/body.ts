import { ConfigurationError } from './errors.js';

/** The raw request body: exactly the bytes received (the signature covers those bytes). */
export type RawBody = string | Uint8Array | ArrayBuffer;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The body as text, or undefined when the bytes are not UTF-8. Decoding is strict: a lenient
 * decoder would map different bytes to the same text, so a signature over the text would no
 * longer pin the bytes.
 */
export function bodyText(body: RawBody): string | undefined {
  if (typeof body === 'string') return body;
  try {
    return utf8.decode(body);
  } catch {
    return undefined;
  }
}

export function checkBody(body: unknown, what = 'body'): asserts body is RawBody {
  if (typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer) return;
  throw new ConfigurationError(
    'invalid_argument',
    `${what} must be the raw request body (a string, Buffer or Uint8Array), not ${describe(body)}: ` +
      "with Express use express.raw({ type: '*/*' }) on the webhook route, not express.json()",
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  return typeof value === 'object' ? 'a parsed object' : `a ${typeof value}`;
}
