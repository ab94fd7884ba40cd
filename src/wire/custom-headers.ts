import { HEADER } from './headers.js';

/**
 * A webhook's custom request headers (docs/api.md#custom-headers): sent on every attempt beside
 * Hookline's own, often a credential the receiver asks for (an API key of its gateway), so their
 * values are sealed at rest, never returned and never recorded: an attempt row shows each by name
 * with its value redacted.
 */
export const MAX_CUSTOM_HEADERS = 20;
export const MAX_CUSTOM_HEADER_VALUE = 1024;
export const CUSTOM_HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;
/** Printable ASCII (space to tilde): no CR, LF or other control character can reach the wire. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Names a custom header may not take, compared case-insensitively: Hookline's own (a receiver
 * trusts them: the signature, the delivery id, the encryption) and those HTTP itself owns.
 */
export const RESERVED_HEADER_NAMES: readonly string[] = [
  ...Object.values(HEADER),
  'host',
  'content-length',
  'connection',
  'transfer-encoding',
];

/** What an attempt row shows in place of a custom header's value. */
export const REDACTED = '[redacted]';

export interface HeaderProblem {
  /** The header's name as given (or the whole map, `''`). */
  name: string;
  message: string;
}

/**
 * Every problem with a map of custom headers, none when it may be stored: at most
 * MAX_CUSTOM_HEADERS, names of `[A-Za-z0-9-]{1,64}`, none reserved, none twice (case-insensitively),
 * values of printable ASCII up to MAX_CUSTOM_HEADER_VALUE characters.
 */
export function customHeaderProblems(headers: Record<string, unknown>): HeaderProblem[] {
  const problems: HeaderProblem[] = [];
  const names = Object.keys(headers);
  if (names.length > MAX_CUSTOM_HEADERS) problems.push({ name: '', message: `at most ${MAX_CUSTOM_HEADERS} headers, got ${names.length}` });
  const seen = new Map<string, string>();
  for (const name of names) {
    const value = headers[name];
    if (!CUSTOM_HEADER_NAME.test(name)) {
      problems.push({ name, message: 'a header name is 1-64 letters, digits or hyphens' });
      continue;
    }
    const lower = name.toLowerCase();
    if (RESERVED_HEADER_NAMES.includes(lower)) problems.push({ name, message: `${lower} is set by Hookline or by HTTP and cannot be overridden` });
    const twin = seen.get(lower);
    if (twin !== undefined) problems.push({ name, message: `the same header as ${twin} (names are case-insensitive)` });
    seen.set(lower, name);
    if (typeof value !== 'string') problems.push({ name, message: 'a header value is a string' });
    else if (value.length > MAX_CUSTOM_HEADER_VALUE) problems.push({ name, message: `a header value is at most ${MAX_CUSTOM_HEADER_VALUE} characters` });
    else if (!PRINTABLE_ASCII.test(value)) problems.push({ name, message: 'a header value is printable ASCII: no CR, LF or other control characters' });
  }
  return problems;
}

/**
 * A merge patch (RFC 7396) of custom headers: a name with a value sets it, a name with null removes
 * it (whatever its case), a name left out keeps its value, which the caller cannot read back.
 */
export function mergeCustomHeaders(current: Record<string, string>, patch: Record<string, string | null>): Record<string, string> {
  const merged: Record<string, string> = { ...current };
  for (const [name, value] of Object.entries(patch)) {
    for (const existing of Object.keys(merged)) if (existing.toLowerCase() === name.toLowerCase()) delete merged[existing];
    if (value !== null) merged[name] = value;
  }
  return merged;
}

/** The custom headers as an attempt row records them: each name, its value redacted. */
export function redactedHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(headers).map((name) => [name, REDACTED]));
}
