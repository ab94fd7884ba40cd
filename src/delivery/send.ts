import { Agent, type Dispatcher, request } from 'undici';
import { createGuardedLookup } from '../destination/index.js';
import { type Attributes, clientSpan, tracingActive } from '../tracing/index.js';
import type { ClientSpanResult } from '../tracing/types.js';
import { createDeliveryDns } from './dns.js';

/** Receivers' response bodies are kept up to this many bytes (docs/delivery.md#attempt-records); the rest is never read. */
export const RESPONSE_BODY_LIMIT = 20_000;

export type SendResult =
  | {
      kind: 'response';
      status: number;
      headers: Record<string, string>;
      body: string;
      bodyTruncated: boolean;
      durationMs: number;
    }
  | { kind: 'error'; code: SendErrorCode; message: string; durationMs: number };

export type SendErrorCode =
  /** No complete answer within DELIVERY_TIMEOUT_MS. */
  | 'timeout'
  /** No connection (name lookup, TCP, TLS) within DELIVERY_CONNECT_TIMEOUT_MS. */
  | 'connect_timeout'
  | 'connection_refused'
  | 'connection_reset'
  | 'dns'
  | 'tls'
  | 'blocked_destination'
  | 'network';

/**
 * A keep-alive connection pool whose DNS lookups refuse private and metadata addresses at connect
 * time, so a name that resolves somewhere else after the webhook was saved is still caught. Lookups
 * are asynchronous DNS queries with a timeout (src/delivery/dns.ts), so a hanging name cannot hold
 * the thread pool other webhooks' lookups need. Two deadlines: the connection (lookup, TCP, TLS)
 * within `connectTimeoutMs`, the whole answer within `timeoutMs` (sendWebhook).
 */
export function createDeliveryAgent(options: {
  allowPrivateNetworks: boolean;
  timeoutMs: number;
  connectTimeoutMs?: number | undefined;
  dnsTimeoutMs?: number | undefined;
  dnsServers?: readonly string[] | undefined;
}): Agent {
  const connectTimeoutMs = Math.min(options.connectTimeoutMs ?? options.timeoutMs, options.timeoutMs);
  const dns = createDeliveryDns({ timeoutMs: Math.min(options.dnsTimeoutMs ?? connectTimeoutMs, connectTimeoutMs), servers: options.dnsServers });
  return new Agent({
    connect: { lookup: createGuardedLookup({ allowPrivateNetworks: options.allowPrivateNetworks }, dns.lookup), timeout: connectTimeoutMs },
    keepAliveTimeout: 30_000,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
}

/** How an attempt's POST is traced (src/tracing): its span's ids, and whether the receiver gets its traceparent. */
export interface SendTrace {
  attributes: Attributes;
  /** DELIVERY_SEND_TRACEPARENT: the W3C traceparent (and tracestate) of the POST's span go on the request. */
  propagate: boolean;
}

/**
 * One POST, in a CLIENT span when tracing is on. The span names the destination by scheme, host
 * and port only: a webhook URL's path and query often hold a token. No header value and no body
 * is put on it.
 */
export function sendWebhook(
  dispatcher: Dispatcher,
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  trace?: SendTrace,
): Promise<SendResult> {
  if (!trace || !tracingActive()) return post(dispatcher, url, headers, body, timeoutMs);
  return clientSpan(
    'POST',
    { 'http.request.method': 'POST', ...destinationAttributes(url), ...trace.attributes },
    trace.propagate,
    (traceHeaders) => post(dispatcher, url, { ...headers, ...traceHeaders }, body, timeoutMs),
    (result): ClientSpanResult =>
      result.kind === 'response'
        ? { attributes: { 'http.response.status_code': result.status }, error: result.status >= 400 ? `HTTP ${result.status}` : undefined }
        : { attributes: { 'error.type': result.code }, error: result.code },
  );
}

function destinationAttributes(url: string): Attributes {
  try {
    const parsed = new URL(url);
    const scheme = parsed.protocol.replace(/:$/, '');
    return { 'url.scheme': scheme, 'server.address': parsed.hostname, 'server.port': Number(parsed.port || (scheme === 'https' ? 443 : 80)) };
  } catch {
    return {};
  }
}

/**
 * The POST itself. Redirects are not followed (undici's `request` never does) and count as failures; the
 * response body is read up to RESPONSE_BODY_LIMIT and then dropped, so a receiver that streams
 * forever costs a bounded amount of memory and at most `timeoutMs`.
 */
async function post(
  dispatcher: Dispatcher,
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<SendResult> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await request(url, { method: 'POST', headers, body, dispatcher, signal });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      const room = RESPONSE_BODY_LIMIT - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        size = RESPONSE_BODY_LIMIT;
        truncated = true;
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
    if (truncated) response.body.destroy();
    return {
      kind: 'response',
      status: response.statusCode,
      headers: flattenHeaders(response.headers),
      // Postgres text cannot hold U+0000; a receiver's body must not be able to fail the attempt's row
      body: Buffer.concat(chunks).toString('utf8').replaceAll('\u0000', '\uFFFD'),
      bodyTruncated: truncated,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    const { code, message } = classifySendError(error, signal.aborted);
    return { kind: 'error', code, message, durationMs: Math.round(performance.now() - started) };
  }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** Maps Node's and undici's error codes to the attempt's error code. */
export function classifySendError(error: unknown, timedOut: boolean): { code: SendErrorCode; message: string } {
  const chain: Array<{ code?: unknown; message?: unknown; name?: unknown; syscall?: unknown }> = [];
  for (let e: unknown = error; e && typeof e === 'object' && chain.length < 5; e = (e as { cause?: unknown }).cause) {
    chain.push(e as { code?: unknown; message?: unknown });
  }
  const codes = chain.map((e) => String(e.code ?? ''));
  const message = String(chain[chain.length - 1]?.message ?? chain[0]?.message ?? 'request failed');
  const has = (predicate: (code: string) => boolean) => codes.some(predicate);
  if (has((c) => c === 'BLOCKED_DESTINATION')) return { code: 'blocked_destination', message };
  // a name lookup's failure, whatever its code (c-ares says ETIMEOUT or ECONNREFUSED of the DNS server)
  const lookupFailed = chain.some((e) => e.name === 'DnsTimeoutError' || /^(query|getaddrinfo)/.test(String(e.syscall ?? '')));
  if (lookupFailed || has((c) => c === 'ENOTFOUND' || c === 'EAI_AGAIN' || c === 'ENODATA')) return { code: 'dns', message };
  if (has((c) => c === 'UND_ERR_CONNECT_TIMEOUT')) return { code: 'connect_timeout', message };
  if (timedOut || has((c) => c.includes('TIMEOUT') || c === 'ETIMEDOUT') || chain.some((e) => e.name === 'TimeoutError')) {
    return { code: 'timeout', message: timedOut ? 'no complete response within the delivery timeout' : message };
  }
  if (has((c) => c === 'ECONNREFUSED')) return { code: 'connection_refused', message };
  if (has((c) => c === 'ECONNRESET' || c === 'EPIPE' || c === 'UND_ERR_SOCKET')) return { code: 'connection_reset', message };
  if (has((c) => c.startsWith('ERR_TLS') || c.startsWith('ERR_SSL') || c.includes('CERT') || c === 'DEPTH_ZERO_SELF_SIGNED_CERT')) {
    return { code: 'tls', message };
  }
  return { code: 'network', message };
}
