/** Span attribute values Hookline sets: ids, names, numbers; never a secret, a body or a header value. */
export type Attributes = Record<string, string | number | boolean>;

/** What an outgoing request's span learns from its result. */
export interface ClientSpanResult {
  attributes: Attributes;
  /** Set when the request failed (no answer, or an error status): the span's status is then ERROR. */
  error?: string | undefined;
}

/** The route template a request matched (src/api/openapi.ts, routeMatcher). */
export type RouteOf = (method: string, path: string) => string | undefined;
