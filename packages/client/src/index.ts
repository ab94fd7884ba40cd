import createClient, { type Client, type ClientPathsWithMethod, type MaybeOptionalInit, type MethodResponse } from 'openapi-fetch';
import type { components, paths } from './schema.js';

/**
 * The typed client of the Hookline API. Paths, parameters, bodies and answers are typed from the
 * API's own OpenAPI document (./schema.ts, generated); openapi-fetch makes the calls. This layer
 * adds what every Hookline call shares: the bearer token, the envelope unwrapped
 * (`{status: 'success', data, meta}` → `data`), an error envelope thrown as a HooklineApiError, and
 * the pages of a list followed through `meta.nextCursor`.
 */
export type { components, operations, paths } from './schema.js';

export type Schemas = components['schemas'];
export type Community = Schemas['Community'];
export type ApiKey = Schemas['ApiKey'];
export type ApiKeyCreated = Schemas['ApiKeyCreated'];
export type Webhook = Schemas['Webhook'];
export type WebhookCreated = Schemas['WebhookCreated'];
export type WebhookFlow = Schemas['WebhookFlow'];
export type Event = Schemas['Event'];
export type EventAccepted = Schemas['EventAccepted'];
export type EventType = Schemas['EventType'];
export type Delivery = Schemas['Delivery'];
export type DeliveryStatus = Delivery['status'];
export type Attempt = Schemas['Attempt'];
export type ReplayJob = Schemas['ReplayJob'];
export type PurgeRun = Schemas['PurgeRun'];

type Method = 'get' | 'post' | 'patch' | 'delete';
type Raw = Client<paths>;
export type PathsWith<M extends Method> = ClientPathsWithMethod<Raw, M>;
/** openapi-fetch's second argument: `params` (path, query) and `body`, required when the route needs them, plus fetch's own options (signal…). */
export type CallInit<P extends PathsWith<M>, M extends Method> = MaybeOptionalInit<paths[P], M>;
type Args<P extends PathsWith<M>, M extends Method> = undefined extends CallInit<P, M> ? [init?: CallInit<P, M>] : [init: CallInit<P, M>];
/** The JSON body a route takes. */
export type RequestBody<P extends PathsWith<M>, M extends Method> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;
/** What a route answers, inside the envelope. */
export type ResponseData<P extends PathsWith<M>, M extends Method> =
  MethodResponse<Raw, M, P> extends { status: 'success'; data: infer D } ? D : MethodResponse<Raw, M, P>;
/** The routes that answer a page: `meta.nextCursor` beside the data, a `cursor` query parameter to ask for the next. */
export type ListPath = {
  [P in PathsWith<'get'>]: MethodResponse<Raw, 'get', P> extends { meta: { nextCursor: string | null } } ? P : never;
}[PathsWith<'get'>];
export type ListItem<P extends ListPath> = ResponseData<P, 'get'> extends (infer I)[] ? I : never;
export interface Page<T> {
  data: T[];
  /** Pass it as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
}

/**
 * What the API refused, from its error envelope `{status: 'error', message, detail, solution,
 * meta: {statusCode}}`. An answer that is not Hookline's (a proxy's error page, an empty body) is
 * one too, with the HTTP status and `detail` null. A request that never got an answer (connection
 * refused, DNS, an aborted signal) rejects with fetch's own error instead.
 */
export class HooklineApiError extends Error {
  override readonly name = 'HooklineApiError';
  constructor(
    /** The HTTP status. */
    readonly statusCode: number,
    message: string,
    /** What exactly was wrong: for a 400, a list of `{field, message}`; null when nothing more is known. */
    readonly detail: unknown,
    /** What to do about it, in a sentence. */
    readonly solution: string,
    /** The request, e.g. `POST` and `/v1/deliveries/dlv_…/replay`. */
    readonly method: string,
    readonly path: string,
    /** The answer's headers (Retry-After on a 429). */
    readonly headers: Headers,
  ) {
    super(message);
  }
}

export interface HooklineClientOptions {
  /** Where the API is, without `/v1`: `https://hookline.example.com`, or `location.origin` in a page it serves. */
  baseUrl: string;
  /** A community API key (`hk_…`) or the operator's ADMIN_TOKEN; omit it for the public routes (/healthz, /readyz). */
  token?: string;
  /** The fetch to use (a timeout, a test double, a proxy agent); globalThis.fetch by default. */
  fetch?: (request: Request) => Promise<Response>;
}

export interface HooklineClient {
  /** Each resolves to the envelope's `data` and throws HooklineApiError for an error answer. */
  GET<P extends PathsWith<'get'>>(path: P, ...init: Args<P, 'get'>): Promise<ResponseData<P, 'get'>>;
  POST<P extends PathsWith<'post'>>(path: P, ...init: Args<P, 'post'>): Promise<ResponseData<P, 'post'>>;
  PATCH<P extends PathsWith<'patch'>>(path: P, ...init: Args<P, 'patch'>): Promise<ResponseData<P, 'patch'>>;
  DELETE<P extends PathsWith<'delete'>>(path: P, ...init: Args<P, 'delete'>): Promise<ResponseData<P, 'delete'>>;
  /** One page of a list, with the cursor of the next. */
  page<P extends ListPath>(path: P, ...init: Args<P, 'get'>): Promise<Page<ListItem<P>>>;
  /** Every item of a list, page after page (`limit` sets the page size); stop early with `break`. */
  paginate<P extends ListPath>(path: P, ...init: Args<P, 'get'>): AsyncGenerator<ListItem<P>, void, undefined>;
  /** The openapi-fetch client underneath (same token), for answers outside the envelope: /metrics, /openapi.json. */
  readonly raw: Raw;
}

interface Unwrapped {
  data: unknown;
  nextCursor: string | null;
}
type AnyInit = { params?: { query?: Record<string, unknown> } & Record<string, unknown> } & Record<string, unknown>;

export function createHooklineClient(options: HooklineClientOptions): HooklineClient {
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  // which request each answer is to, so an error names what was asked (the answer's own url is
  // empty for a Response a custom fetch made, and the final one after a redirect)
  const requests = new WeakMap<Response, Request>();
  const raw = createClient<paths>({
    baseUrl: options.baseUrl,
    fetch: async (request) => {
      const response = await send(request);
      requests.set(response, request);
      return response;
    },
    headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
  });

  async function call(method: Method, path: string, init: AnyInit | undefined): Promise<Unwrapped> {
    // read as text and parse here, so a body that is not JSON still yields its HTTP status
    const request = raw.request as (method: Method, path: string, init: unknown) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
    const { data, error, response } = await request(method, path, { ...init, parseAs: 'text' });
    return unwrap(requests.get(response), response, data ?? error);
  }

  const client: HooklineClient = {
    GET: (path, ...[init]) => call('get', path, init as AnyInit).then((r) => r.data as never),
    POST: (path, ...[init]) => call('post', path, init as AnyInit).then((r) => r.data as never),
    PATCH: (path, ...[init]) => call('patch', path, init as AnyInit).then((r) => r.data as never),
    DELETE: (path, ...[init]) => call('delete', path, init as AnyInit).then((r) => r.data as never),
    page: (path, ...[init]) => call('get', path, init as AnyInit) as Promise<never>,
    async *paginate(path, ...[init]) {
      const base = (init ?? {}) as AnyInit;
      let cursor: string | null = null;
      do {
        const query: Record<string, unknown> = { ...base.params?.query, ...(cursor ? { cursor } : {}) };
        const page = await call('get', path, { ...base, params: { ...base.params, query } });
        if (!Array.isArray(page.data)) throw new TypeError(`GET ${path} did not answer a list`);
        for (const item of page.data) yield item as never;
        // a cursor that does not move would page forever
        if (page.nextCursor !== null && page.nextCursor === cursor) throw new TypeError(`GET ${path} answered the same cursor twice`);
        cursor = page.nextCursor;
      } while (cursor);
    },
    raw,
  };
  return client;
}

/** The envelope's data, or the HooklineApiError it stands for. */
function unwrap(request: Request | undefined, response: Response, body: unknown): Unwrapped {
  const fail = (message: string, detail: unknown = null, solution = 'Check that the base URL points at a Hookline API.') =>
    new HooklineApiError(response.status, message, detail, solution, request?.method ?? '', pathOf(request?.url ?? response.url), response.headers);
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      throw fail(body ? 'not a Hookline answer' : 'an answer with no body');
    }
  }
  if (parsed === undefined || parsed === '') throw fail('an answer with no body');
  if (typeof parsed !== 'object' || parsed === null) throw fail('not a Hookline answer');
  const envelope = parsed as { status?: unknown; data?: unknown; meta?: { nextCursor?: unknown }; message?: unknown; detail?: unknown; solution?: unknown };
  if (envelope.status === 'error' && typeof envelope.message === 'string') {
    throw fail(envelope.message, envelope.detail ?? null, typeof envelope.solution === 'string' ? envelope.solution : '');
  }
  if (!response.ok || envelope.status !== 'success') throw fail('not a Hookline answer');
  const next = envelope.meta?.nextCursor;
  return { data: envelope.data, nextCursor: typeof next === 'string' && next ? next : null };
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
