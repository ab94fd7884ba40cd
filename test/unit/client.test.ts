import { describe, expect, it } from 'vitest';
import { createHooklineClient, HooklineApiError, type Webhook } from '../../packages/client/src/index.js';

/**
 * The typed client's own logic over a fetch that answers like the API would (the real API is in
 * test/integration/client.test.ts): the token and URLs it sends, the envelope unwrapped, every kind
 * of refusal as a HooklineApiError, and the pages followed.
 */
type Answer = { status: number; body?: string | object; headers?: Record<string, string> };

function fakeApi(answer: (request: Request) => Answer) {
  const requests: Request[] = [];
  const fetch = async (request: Request) => {
    requests.push(request);
    const { status, body, headers = {} } = answer(request);
    const text = body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body);
    return new Response(text, { status, headers: { 'content-type': typeof body === 'object' ? 'application/json' : 'text/html', ...headers } });
  };
  return { requests, client: createHooklineClient({ baseUrl: 'http://hookline.test/', token: 'hk_test_key', fetch }) };
}

const success = (data: unknown, nextCursor?: string | null) => ({
  status: 200,
  body: nextCursor === undefined ? { status: 'success', data } : { status: 'success', data, meta: { nextCursor } },
});

describe('typed client', () => {
  it('sends the bearer token to the path with its parameters, and resolves to the envelope’s data', async () => {
    const webhook = { id: 'wh_1', url: 'https://example.com/hook' } as Webhook;
    const { client, requests } = fakeApi(() => success(webhook));
    const read = await client.GET('/v1/webhooks/{id}', { params: { path: { id: 'wh 1/x' } } });
    expect(read).toEqual(webhook);
    expect(requests[0]!.url).toBe('http://hookline.test/v1/webhooks/wh%201%2Fx');
    expect(requests[0]!.headers.get('authorization')).toBe('Bearer hk_test_key');

    await client.POST('/v1/webhooks', { body: { url: 'https://example.com/hook', events: ['user.joined'] } });
    expect(requests[1]!.method).toBe('POST');
    expect(requests[1]!.headers.get('content-type')).toBe('application/json');
    expect(await requests[1]!.json()).toEqual({ url: 'https://example.com/hook', events: ['user.joined'] });

    await client.GET('/v1/deliveries', { params: { query: { status: 'failed', limit: 5 } } });
    expect(new URL(requests[2]!.url).search).toBe('?status=failed&limit=5');
  });

  it('sends no Authorization header without a token', async () => {
    const requests: Request[] = [];
    const client = createHooklineClient({
      baseUrl: 'http://hookline.test',
      fetch: async (request) => (requests.push(request), Response.json({ status: 'success', data: { status: 'ok' } })),
    });
    expect(await client.GET('/healthz')).toEqual({ status: 'ok' });
    expect(requests[0]!.headers.has('authorization')).toBe(false);
  });

  it('throws an error envelope as a HooklineApiError with its status, message, detail and solution', async () => {
    const { client } = fakeApi(() => ({
      status: 400,
      body: {
        status: 'error',
        message: 'invalid url: must be https',
        detail: [{ field: 'url', message: 'must be https' }],
        solution: 'Fix the fields listed in detail and send the request again.',
        meta: { statusCode: 400 },
      },
    }));
    const error = await client.PATCH('/v1/webhooks/{id}', { params: { path: { id: 'wh_1' } }, body: { url: 'http://x' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HooklineApiError);
    expect(error).toMatchObject({
      name: 'HooklineApiError',
      statusCode: 400,
      message: 'invalid url: must be https',
      detail: [{ field: 'url', message: 'must be https' }],
      solution: 'Fix the fields listed in detail and send the request again.',
      method: 'PATCH',
      path: '/v1/webhooks/wh_1',
    });
  });

  it('keeps the headers of a refusal (Retry-After of a 429)', async () => {
    const { client } = fakeApi(() => ({
      status: 429,
      body: { status: 'error', message: 'rate limited', detail: null, solution: 'Wait.', meta: { statusCode: 429 } },
      headers: { 'retry-after': '7' },
    }));
    const error = (await client.GET('/v1/webhooks').catch((e: unknown) => e)) as HooklineApiError;
    expect(error.statusCode).toBe(429);
    expect(error.headers.get('retry-after')).toBe('7');
  });

  it.each([
    ['a proxy’s error page', { status: 502, body: '<html>Bad gateway</html>' }, 502, 'not a Hookline answer'],
    ['an empty answer', { status: 503 }, 503, 'an answer with no body'],
    ['JSON that is not an envelope', { status: 200, body: { hello: 'world' } }, 200, 'not a Hookline answer'],
    ['a bare JSON value', { status: 200, body: 'null' }, 200, 'not a Hookline answer'],
  ] as const)('turns %s into a HooklineApiError naming the status', async (_what, answer, statusCode, message) => {
    const { client } = fakeApi(() => answer);
    const error = await client.GET('/v1/event-types').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HooklineApiError);
    expect(error).toMatchObject({ statusCode, message, detail: null, method: 'GET', path: '/v1/event-types' });
    expect((error as HooklineApiError).solution).toContain('base URL');
  });

  it('rejects with fetch’s own error when no answer came', async () => {
    const refused = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    const client = createHooklineClient({ baseUrl: 'http://127.0.0.1:9', token: 't', fetch: async () => Promise.reject(refused) });
    await expect(client.GET('/v1/webhooks')).rejects.toBe(refused);
  });

  it('pages through meta.nextCursor, keeping the query, until the cursor is null', async () => {
    const items = Array.from({ length: 7 }, (_, i) => ({ id: `dlv_${i}` }));
    const { client, requests } = fakeApi((request) => {
      const url = new URL(request.url);
      const start = Number(url.searchParams.get('cursor') ?? '0');
      const limit = Number(url.searchParams.get('limit'));
      const next = start + limit < items.length ? String(start + limit) : null;
      return success(items.slice(start, start + limit), next);
    });
    const seen: string[] = [];
    for await (const delivery of client.paginate('/v1/deliveries', { params: { query: { limit: 3, status: 'failed' } } })) seen.push(delivery.id);
    expect(seen).toEqual(items.map((i) => i.id));
    expect(requests.map((r) => new URL(r.url).search)).toEqual([
      '?limit=3&status=failed',
      '?limit=3&status=failed&cursor=3',
      '?limit=3&status=failed&cursor=6',
    ]);

    // stopping early asks for no more pages
    requests.length = 0;
    for await (const delivery of client.paginate('/v1/deliveries', { params: { query: { limit: 3 } } })) if (delivery.id === 'dlv_1') break;
    expect(requests).toHaveLength(1);

    const page = await client.page('/v1/deliveries', { params: { query: { limit: 3, cursor: '6' } } });
    expect(page).toEqual({ data: [items[6]], nextCursor: null });
  });

  it('refuses a list whose cursor does not move, instead of paging forever', async () => {
    const { client, requests } = fakeApi(() => success([{ id: 'dlv_same' }], 'stuck'));
    const seen: string[] = [];
    const run = async () => {
      for await (const d of client.paginate('/v1/deliveries')) seen.push(d.id);
    };
    await expect(run()).rejects.toThrow('answered the same cursor twice');
    expect(requests).toHaveLength(2);
  });
});
