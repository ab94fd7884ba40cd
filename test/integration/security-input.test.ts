import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';

/**
 * Hostile input with a real API: oversized, non-JSON, mistyped, over-long, deeply nested, huge and
 * invalid-Unicode bodies get a 4xx that names the field and create nothing; fast-check sends
 * thousands of malformed bodies to every write route. Then hostile receivers: bodies that never
 * end, redirects, NUL bytes, oversized headers.
 */
let hookline: Hookline;
let receiver: TestReceiver;
let ctx: {
  communityId: string;
  key: string;
  victimKeyId: string;
  victimKey: string;
  webhookId: string;
  deliveryId: string;
};

beforeAll(async () => {
  // the fuzz sends thousands of requests with one key, so the rate limit is off here
  hookline = await startHookline({ API_RATE_LIMIT_PER_MINUTE: '0' });
  receiver = await TestReceiver.start();
  const { communityId, key } = await hookline.newCommunity('hostile');
  const victim = await hookline.call('POST', `/v1/communities/${communityId}/api-keys`, { name: 'victim' });
  const webhook = await hookline.call('POST', '/v1/webhooks', { url: receiver.url, events: ['user.joined'] }, key);
  const emitted = await hookline.call('POST', '/v1/events', validEvent(), key);
  ctx = {
    communityId,
    key,
    victimKeyId: victim.body.data.id,
    victimKey: victim.body.data.key,
    webhookId: webhook.body.data.id,
    deliveryId: emitted.body.data.deliveries[0].id,
  };
  await eventually(async () => {
    const rows = await hookline.db.selectFrom('deliveries').select('status').execute();
    return rows.every((r) => r.status !== 'pending') ? true : undefined;
  });
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

function validEvent() {
  return { type: 'user.joined', data: { user: { id: 'u1', username: 'ada' }, joinedAt: '2026-11-29T10:00:00Z' } };
}

/** One digest of every row of every table (api key use times aside), to prove nothing changed. */
async function digestAll(): Promise<string> {
  const tables = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`.execute(hookline.db);
  const parts: string[] = [];
  for (const { name } of tables.rows) {
    const row = await sql<{ digest: string | null; n: number }>`
      select md5(string_agg((to_jsonb(t) - 'last_used_at')::text, ',' order by (to_jsonb(t) - 'last_used_at')::text)) as digest,
             count(*)::int as n
      from ${sql.table(name)} t`.execute(hookline.db);
    parts.push(`${name}:${row.rows[0]!.n}:${row.rows[0]!.digest}`);
  }
  return parts.join('\n');
}

async function send(method: string, path: string, body: string | Buffer | undefined, headers: Record<string, string>, token = ctx.key) {
  const response = await fetch(`${hookline.api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // left as text: the assertion on the envelope will say so
  }
  return { status: response.status, body: parsed };
}

const JSON_TYPE = { 'content-type': 'application/json' };

describe('bodies the API refuses, naming what is wrong', () => {
  const deep = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
  // admin: routes the admin token alone may call (a community key gets their 404 before any body check)
  const cases = (): Array<{ name: string; method: string; path: string; body: string | Buffer; headers?: Record<string, string>; status: number; field?: string; admin?: boolean }> => [
    { name: 'over MAX_BODY_BYTES', method: 'POST', path: '/v1/events', body: JSON.stringify({ ...validEvent(), pad: 'x'.repeat(hookline.config.maxBodyBytes) }), status: 413 },
    { name: 'over MAX_BODY_BYTES once inflated', method: 'POST', path: '/v1/events', body: gzipSync(JSON.stringify({ pad: ' '.repeat(hookline.config.maxBodyBytes * 2) })), headers: { ...JSON_TYPE, 'content-encoding': 'gzip' }, status: 413 },
    { name: 'text/plain', method: 'POST', path: '/v1/webhooks', body: 'url=https://example.com', headers: { 'content-type': 'text/plain' }, status: 415 },
    { name: 'a form', method: 'POST', path: '/v1/events', body: 'type=user.joined', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415 },
    { name: 'no content type', method: 'POST', path: '/v1/events', body: '{}', headers: {}, status: 415 },
    { name: 'an unknown content encoding', method: 'POST', path: '/v1/events', body: '{}', headers: { ...JSON_TYPE, 'content-encoding': 'zstd' }, status: 415 },
    { name: 'corrupt gzip', method: 'POST', path: '/v1/events', body: 'not gzip at all', headers: { ...JSON_TYPE, 'content-encoding': 'gzip' }, status: 400 },
    { name: 'truncated JSON', method: 'POST', path: '/v1/events', body: '{"type":', status: 400, field: 'body' },
    { name: 'JSON null', method: 'POST', path: '/v1/events', body: 'null', status: 400, field: 'body' },
    { name: 'a JSON array', method: 'POST', path: '/v1/webhooks', body: '[]', status: 400 },
    { name: 'invalid UTF-8 bytes', method: 'POST', path: '/v1/communities', body: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]), status: 400, field: 'body' },
    { name: 'an unknown field', method: 'POST', path: '/v1/webhooks', body: JSON.stringify({ url: receiver.url, events: ['user.joined'], colour: 'red' }), status: 400, field: 'colour' },
    { name: 'an unknown nested field', method: 'POST', path: '/v1/events', body: JSON.stringify({ ...validEvent(), data: { ...validEvent().data, extra: 1 } }), status: 400, field: 'data.extra' },
    { name: 'url of the wrong type', method: 'POST', path: '/v1/webhooks', body: JSON.stringify({ url: 42, events: ['user.joined'] }), status: 400, field: 'url' },
    { name: 'events not an array', method: 'POST', path: '/v1/webhooks', body: JSON.stringify({ url: receiver.url, events: 'user.joined' }), status: 400, field: 'events' },
    { name: 'active as a string', method: 'PATCH', path: '/v1/webhooks/{wh}', body: JSON.stringify({ active: 'yes' }), status: 400, field: 'active' },
    { name: 'encryption.enabled as a string', method: 'PATCH', path: '/v1/webhooks/{wh}', body: JSON.stringify({ encryption: { enabled: 'true' } }), status: 400, field: 'encryption.enabled' },
    { name: 'a short encryption key', method: 'PATCH', path: '/v1/webhooks/{wh}', body: JSON.stringify({ encryption: { enabled: true, algorithm: 'aes-256-gcm', key: 'short' } }), status: 400, field: 'encryption.key' },
    { name: 'an over-long name', method: 'POST', path: '/v1/communities/{cmty}/api-keys', body: JSON.stringify({ name: 'n'.repeat(201) }), status: 400, field: 'name', admin: true },
    { name: 'a replay window longer than 30 days', method: 'POST', path: '/v1/webhooks/{wh}/replay', body: JSON.stringify({ since: '2000-01-01T00:00:00Z' }), status: 400, field: 'since' },
    { name: 'a body on a delivery replay', method: 'POST', path: '/v1/deliveries/{dlv}/replay', body: JSON.stringify({ force: true }), status: 400, field: 'force' },
    { name: 'an over-long description', method: 'PATCH', path: '/v1/webhooks/{wh}', body: JSON.stringify({ description: 'd'.repeat(501) }), status: 400, field: 'description' },
    { name: 'an over-long url', method: 'PATCH', path: '/v1/webhooks/{wh}', body: JSON.stringify({ url: `${receiver.url}?${'q'.repeat(2100)}` }), status: 400, field: 'url' },
    { name: 'an over-long event id', method: 'POST', path: '/v1/events', body: JSON.stringify({ ...validEvent(), id: 'i'.repeat(65) }), status: 400, field: 'id' },
    { name: 'an over-long message text', method: 'POST', path: '/v1/events', body: JSON.stringify({ type: 'message.posted', data: { message: { id: 'm', text: 't'.repeat(16_385) }, user: { id: 'u', username: 'u' }, channel: { id: 'c', name: 'c' }, postedAt: '2026-11-29T10:00:00Z' } }), status: 400, field: 'data.message.text' },
    { name: 'deep nesting in data', method: 'POST', path: '/v1/events', body: `{"type":"user.joined","data":${deep(5000)}}`, status: 400 },
    { name: 'deep nesting in an unknown field', method: 'POST', path: '/v1/communities', body: `{"name":"x","n":${deep(100)}}`, status: 400 },
    { name: 'a huge events array', method: 'POST', path: '/v1/webhooks', body: JSON.stringify({ url: receiver.url, events: Array.from({ length: 1000 }, () => 'user.joined') }), status: 400, field: 'events' },
    { name: 'a huge channelIds array', method: 'PATCH', path: '/v1/webhooks/{wh}', body: JSON.stringify({ channelIds: Array.from({ length: 501 }, (_, i) => `c${i}`) }), status: 400, field: 'channelIds' },
    { name: 'a huge array of values in data', method: 'POST', path: '/v1/events', body: JSON.stringify({ ...validEvent(), data: { user: Array.from({ length: 30_000 }, () => 0) } }), status: 400 },
    { name: 'a lone high surrogate in a name', method: 'POST', path: '/v1/communities', body: '{"name":"ab\\ud800cd"}', status: 400, field: 'name' },
    { name: 'a lone low surrogate in event data', method: 'POST', path: '/v1/events', body: JSON.stringify(validEvent()).replace('"ada"', '"\\udc00ada"'), status: 400, field: 'data.user.username' },
    { name: 'a lone surrogate in a field name', method: 'POST', path: '/v1/events', body: '{"type":"user.joined","data":{"\\ud83d":1}}', status: 400 },
    { name: 'a NUL in a description', method: 'PATCH', path: '/v1/webhooks/{wh}', body: JSON.stringify({ description: 'a\u0000b' }), status: 400, field: 'description' },
    { name: 'a NUL in event data', method: 'POST', path: '/v1/events', body: JSON.stringify(validEvent()).replace('"ada"', '"a\\u0000da"'), status: 400, field: 'data.user.username' },
    { name: 'a body on a delete', method: 'DELETE', path: '/v1/webhooks/{wh}', body: JSON.stringify({ force: true }), status: 400, field: 'force' },
    { name: 'a body on a test send', method: 'POST', path: '/v1/webhooks/{wh}/test', body: JSON.stringify({ message: 'hi' }), status: 400, field: 'message' },
  ];

  it('answers each with a 4xx envelope, never a 5xx, and creates nothing', async () => {
    const before = await digestAll();
    for (const c of cases()) {
      const path = c.path.replace('{wh}', ctx.webhookId).replace('{cmty}', ctx.communityId).replace('{dlv}', ctx.deliveryId);
      const res = await send(c.method, path, c.body, c.headers ?? JSON_TYPE, c.admin ? hookline.adminToken : ctx.key);
      expect(res.status, `${c.name}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(c.status);
      expect(res.body, c.name).toMatchObject({ status: 'error', meta: { statusCode: c.status } });
      if (c.field) expect(res.body.detail.map((d: { field: string }) => d.field), c.name).toContain(c.field);
    }
    expect(await digestAll()).toBe(before);
  });

  it('refuses a NUL or broken percent-encoding in paths and query strings with 400', async () => {
    const before = await digestAll();
    for (const path of [
      '/v1/webhooks/%00',
      '/v1/deliveries/%E0%A4%A',
      '/v1/events/a%00b',
      '/v1/deliveries?eventType=%00',
      '/v1/webhooks?cursor=%00',
      '/v1/deliveries?%00=1',
      '/v1/deliveries/a%00b/attempts',
      `/v1/deliveries/${ctx.deliveryId}/attempts?cursor=%00`,
      `/v1/deliveries/${ctx.deliveryId}/attempts?limit=%ED%A0%80`,
    ]) {
      const res = await send('GET', path, undefined, {});
      expect(res.status, path).toBe(400);
      expect(res.body).toMatchObject({ status: 'error', meta: { statusCode: 400 } });
    }
    expect(await digestAll()).toBe(before);
  });

  it('the same requests done right succeed (so the refusals above are about the input)', async () => {
    const ok = await send('PATCH', `/v1/webhooks/${ctx.webhookId}`, JSON.stringify({ description: 'fine \u{1F600} text\nwith a newline' }), JSON_TYPE);
    expect(ok.status).toBe(200);
    expect(ok.body.data.description).toBe('fine \u{1F600} text\nwith a newline');
    const gz = await send('POST', `/v1/communities/${ctx.communityId}/api-keys`, gzipSync(JSON.stringify({ name: 'gzipped' })), { ...JSON_TYPE, 'content-encoding': 'gzip' }, hookline.adminToken);
    expect(gz.status).toBe(201);
  });
});

describe('fuzz: malformed bodies to every write route', () => {
  const RUNS_PER_ROUTE = 260;
  let sent = 0;

  type Route = { name: string; method: string; path: () => string; valid: () => Record<string, unknown>; admin?: boolean };
  const routes: Route[] = [
    { name: 'POST /v1/communities', method: 'POST', path: () => '/v1/communities', valid: () => ({ name: 'n' }), admin: true },
    { name: 'POST /v1/communities/:id/api-keys', method: 'POST', path: () => `/v1/communities/${ctx.communityId}/api-keys`, valid: () => ({ name: 'k' }), admin: true },
    { name: 'PATCH /v1/communities/:id/api-keys/:keyId', method: 'PATCH', path: () => `/v1/communities/${ctx.communityId}/api-keys/${ctx.victimKeyId}`, valid: () => ({ name: 'k2', disabled: true }), admin: true },
    { name: 'DELETE /v1/communities/:id/api-keys/:keyId', method: 'DELETE', path: () => `/v1/communities/${ctx.communityId}/api-keys/${ctx.victimKeyId}`, valid: () => ({}), admin: true },
    { name: 'POST /v1/webhooks', method: 'POST', path: () => '/v1/webhooks', valid: () => ({ url: receiver.url, events: ['user.joined'], description: 'd', active: true }) },
    { name: 'PATCH /v1/webhooks/:id', method: 'PATCH', path: () => `/v1/webhooks/${ctx.webhookId}`, valid: () => ({ description: 'd', active: false, events: ['user.visited'] }) },
    { name: 'DELETE /v1/webhooks/:id', method: 'DELETE', path: () => `/v1/webhooks/${ctx.webhookId}`, valid: () => ({}) },
    { name: 'POST /v1/webhooks/:id/rotate-secret', method: 'POST', path: () => `/v1/webhooks/${ctx.webhookId}/rotate-secret`, valid: () => ({}) },
    { name: 'POST /v1/webhooks/:id/test', method: 'POST', path: () => `/v1/webhooks/${ctx.webhookId}/test`, valid: () => ({}) },
    { name: 'POST /v1/webhooks/:id/replay', method: 'POST', path: () => `/v1/webhooks/${ctx.webhookId}/replay`, valid: () => ({ since: new Date(Date.now() - 86_400_000).toISOString() }) },
    { name: 'POST /v1/events', method: 'POST', path: () => '/v1/events', valid: validEvent },
    { name: 'POST /v1/deliveries/:id/replay', method: 'POST', path: () => `/v1/deliveries/${ctx.deliveryId}/replay`, valid: () => ({}) },
  ];

  type Leaf = { path: string[]; value: unknown };
  function leaves(value: unknown, path: string[] = []): Leaf[] {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return Object.entries(value).flatMap(([k, v]) => [{ path: [...path, k], value: v }, ...leaves(v, [...path, k])]);
    }
    return [];
  }
  function setAt(body: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
    const copy = structuredClone(body);
    let node: Record<string, unknown> = copy;
    for (const part of path.slice(0, -1)) node = node[part] as Record<string, unknown>;
    node[path[path.length - 1]!] = value;
    return copy;
  }
  function nested(depth: number): unknown {
    let value: unknown = 0;
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  }
  function wrongTypeFor(value: unknown): fc.Arbitrary<unknown> {
    const scalarOrContainer = fc.oneof(fc.integer(), fc.double(), fc.constant([]), fc.constant({}), fc.array(fc.integer(), { maxLength: 3 }));
    if (typeof value === 'string') return fc.oneof(scalarOrContainer, fc.boolean());
    if (typeof value === 'boolean') return fc.oneof(scalarOrContainer, fc.string(), fc.constant(null));
    if (Array.isArray(value)) return fc.oneof(fc.integer(), fc.string(), fc.constant({}), fc.boolean(), fc.array(fc.integer(), { minLength: 1, maxLength: 3 }));
    return fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }));
  }
  const parsesToObject = (text: string) => {
    try {
      const v = JSON.parse(text.replace(/^\uFEFF/, ''));
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    } catch {
      return false;
    }
  };
  const KNOWN = new Set(['communityId', 'url', 'description', 'format', 'events', 'channelIds', 'active', 'encryption', 'name', 'disabled', 'id', 'type', 'occurredAt', 'data', 'since', 'until']);

  /** What goes on the wire: bytes and a content type. Every one is wrong for the route. */
  function malformed(route: Route): fc.Arbitrary<{ kind: string; body: string | Buffer; contentType: string | null }> {
    const valid = route.valid();
    const json = (kind: string) => (v: unknown) => ({ kind, body: JSON.stringify(v), contentType: 'application/json' as string | null });
    const fields = leaves(valid);
    const stringFields = fields.filter((f) => typeof f.value === 'string');
    const variants: Array<fc.Arbitrary<{ kind: string; body: string | Buffer; contentType: string | null }>> = [
      fc
        .oneof(
          fc.string({ maxLength: 120 }),
          fc.string({ unit: 'binary', maxLength: 120 }),
          fc.constantFrom('', '{', '{"a":', 'null', 'true', '1', '"x"', '[', '[]', '[{}]', "{'name':'x'}", '{"name":"x",}', '{"name":"x"} x', 'NaN', '{"a":1e999999}'),
        )
        // an empty body is no body, which is right for the actions that take none
        .filter((t) => !parsesToObject(t) && !(t === '' && Object.keys(valid).length === 0))
        .map((t) => ({ kind: 'text', body: t, contentType: 'application/json' })),
      fc
        .uint8Array({ minLength: 1, maxLength: 120 })
        .filter((bytes) => !parsesToObject(Buffer.from(bytes).toString('utf8')))
        .map((bytes) => ({ kind: 'bytes', body: Buffer.from(bytes), contentType: 'application/json' })),
      fc
        .tuple(fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), fc.string({ minLength: 1, maxLength: 16 }))
        .map(([extra, name]) => ({ ...valid, ...extra, [KNOWN.has(name) ? `${name}_` : name]: 1 }))
        .map(json('unknown field')),
      fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=latin1').map((contentType) => ({
        kind: 'content type',
        body: JSON.stringify(valid),
        contentType: contentType as string | null,
      })),
      fc.constant({ kind: 'no content type', body: JSON.stringify(valid), contentType: null }),
    ];
    if (fields.length > 0) {
      const field = fc.constantFrom(...fields);
      variants.push(
        field.chain((f) => wrongTypeFor(f.value).map((v) => setAt(valid, f.path, v))).map(json('wrong type')),
        fc.tuple(field, fc.integer({ min: 33, max: 400 })).map(([f, d]) => setAt(valid, f.path, nested(d))).map(json('deep')),
        fc.tuple(field, fc.integer({ min: 20_001, max: 21_000 })).map(([f, n]) => setAt(valid, f.path, Array.from({ length: n }, () => 0))).map(json('huge array')),
      );
    }
    if (stringFields.length > 0) {
      const field = fc.constantFrom(...stringFields);
      variants.push(
        fc.tuple(field, fc.integer({ min: 2_049, max: 20_000 })).map(([f, n]) => setAt(valid, f.path, 'x'.repeat(n))).map(json('over-long')),
        fc
          .tuple(field, fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\u0000'), fc.nat())
          .map(([f, bad, at]) => {
            const text = String(f.value);
            const i = at % (text.length + 1);
            return setAt(valid, f.path, text.slice(0, i) + bad + text.slice(i));
          })
          .map(json('bad unicode')),
      );
    }
    return fc.oneof(...variants);
  }

  it.each(routes.map((r) => [r.name, r] as const))(
    '%s: only 400, 413 or 415, and nothing changes',
    async (_name, route) => {
      const before = await digestAll();
      const kinds = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(malformed(route), async (input) => {
          sent++;
          kinds.set(input.kind, (kinds.get(input.kind) ?? 0) + 1);
          const res = await send(route.method, route.path(), input.body, input.contentType ? { 'content-type': input.contentType } : {}, route.admin ? hookline.adminToken : ctx.key);
          expect([400, 413, 415], `${input.kind}: ${String(input.body).slice(0, 200)} -> ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`).toContain(res.status);
          expect(res.body).toMatchObject({ status: 'error', meta: { statusCode: res.status } });
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
      expect(await digestAll()).toBe(before);
      // every kind of malformation was tried on this route
      expect([...kinds.values()].every((n) => n > 0)).toBe(true);
      expect(kinds.size).toBeGreaterThanOrEqual(5);
    },
  );

  it('sent thousands of bodies, and the targets are still there and working', async () => {
    expect(sent).toBeGreaterThanOrEqual(routes.length * RUNS_PER_ROUTE);
    process.stdout.write(`fuzz: ${sent} malformed bodies sent to ${routes.length} write routes\n`);
    expect((await hookline.call('GET', '/v1/webhooks', undefined, ctx.victimKey)).status).toBe(200);
    expect((await hookline.call('GET', `/v1/webhooks/${ctx.webhookId}`, undefined, ctx.key)).status).toBe(200);
  });
});

describe('hostile receivers cost the worker a bounded amount', () => {
  type Hostile = { server: http.Server; url: string; bytesWritten: () => number; closedAfterMs: number[] };

  /** A receiver that answers 200 and then writes `chunk` every `everyMs` until the client goes away. */
  async function streamingReceiver(chunk: Buffer, everyMs: number, headers: http.OutgoingHttpHeaders = {}): Promise<Hostile> {
    let written = 0;
    const closedAfterMs: number[] = [];
    const server = http.createServer((req, res) => {
      req.resume();
      const started = Date.now();
      res.writeHead(200, { 'content-type': 'application/octet-stream', ...headers });
      let stopped = false;
      res.on('close', () => {
        stopped = true;
        closedAfterMs.push(Date.now() - started);
      });
      const pump = () => {
        if (stopped) return;
        // respect backpressure: bytes counted here are bytes the client side accepted
        const more = res.write(chunk);
        written += chunk.length;
        if (!more) res.once('drain', () => setTimeout(pump, everyMs));
        else setTimeout(pump, everyMs);
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bytesWritten: () => written, closedAfterMs };
  }

  async function firstAttempt(path: string) {
    const { key } = await hookline.newCommunity(`receiver ${path}`);
    const created = await hookline.call('POST', '/v1/webhooks', { url: path, events: ['user.joined'] }, key);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const emitted = await hookline.call('POST', '/v1/events', validEvent(), key);
    const deliveryId = emitted.body.data.deliveries[0].id;
    return eventually(async () => {
      const r = await hookline.call('GET', `/v1/deliveries/${deliveryId}`, undefined, key);
      return r.body.data.attempts.length > 0 ? r.body.data.attempts[0] : undefined;
    }, 30_000);
  }

  it('a receiver that streams forever, fast: the body is cut at the cap and the connection dropped', async () => {
    const hostile = await streamingReceiver(Buffer.alloc(64 * 1024, 'x'), 0, { 'content-length': String(10 * 1024 ** 3) });
    const memoryBefore = process.memoryUsage();
    try {
      const attempt = await firstAttempt(hostile.url);
      expect(attempt.response.status).toBe(200);
      expect(attempt.response.bodyTruncated).toBe(true);
      expect(Buffer.byteLength(attempt.response.body)).toBe(20_000);
      expect(attempt.durationMs).toBeLessThan(hookline.config.delivery.timeoutMs);
      await eventually(async () => (hostile.closedAfterMs.length > 0 ? true : undefined), 5000);
      // the worker stopped reading: what the receiver managed to push is socket buffers, not gigabytes
      expect(hostile.bytesWritten()).toBeLessThan(64 * 1024 ** 2);
      const growth = process.memoryUsage().arrayBuffers - memoryBefore.arrayBuffers;
      expect(growth).toBeLessThan(64 * 1024 ** 2);
    } finally {
      hostile.server.closeAllConnections();
      hostile.server.close();
    }
  });

  it('a receiver that never ends a slow body: the attempt ends at the timeout', async () => {
    const hostile = await streamingReceiver(Buffer.from('.'), 50);
    try {
      const attempt = await firstAttempt(hostile.url);
      expect(attempt.error.code).toBe('timeout');
      expect(attempt.response).toBeNull();
      const timeoutMs = hookline.config.delivery.timeoutMs;
      expect(attempt.durationMs).toBeGreaterThanOrEqual(timeoutMs - 50);
      expect(attempt.durationMs).toBeLessThan(timeoutMs + 2000);
      await eventually(async () => (hostile.closedAfterMs.length > 0 ? true : undefined), 5000);
      expect(hostile.closedAfterMs[0]).toBeLessThan(timeoutMs + 2000);
      expect(hostile.bytesWritten()).toBeLessThan(1000);
    } finally {
      hostile.server.closeAllConnections();
      hostile.server.close();
    }
  });

  it('a redirect is not followed and counts as a failure', async () => {
    const before = receiver.arrivals.length;
    const target = receiver.url.replace('/hook', '/redirected-here');
    const redirecting = http.createServer((req, res) => {
      req.resume();
      res.writeHead(302, { location: target }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const attempt = await firstAttempt(`http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/hook`);
      expect(attempt.response.status).toBe(302);
      expect(attempt.error.code).toBe('http_302');
      await new Promise((r) => setTimeout(r, 500));
      expect(receiver.arrivals.slice(before).filter((a) => a.path === '/redirected-here')).toHaveLength(0);
    } finally {
      redirecting.close();
    }
  });

  it('a NUL in a response body is recorded, not a failed write', async () => {
    const nul = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\u0000then more');
    });
    await new Promise<void>((resolve) => nul.listen(0, '127.0.0.1', resolve));
    try {
      const attempt = await firstAttempt(`http://127.0.0.1:${(nul.address() as AddressInfo).port}/hook`);
      expect(attempt.response.status).toBe(200);
      expect(attempt.response.body).toBe('ok\uFFFDthen more');
      expect(attempt.error).toBeNull();
    } finally {
      nul.close();
    }
  });

  it('oversized response headers fail the attempt cleanly', async () => {
    const fat = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'x-fat': 'f'.repeat(64 * 1024) }).end('ok');
    });
    await new Promise<void>((resolve) => fat.listen(0, '127.0.0.1', resolve));
    try {
      const attempt = await firstAttempt(`http://127.0.0.1:${(fat.address() as AddressInfo).port}/hook`);
      expect(attempt.response).toBeNull();
      expect(typeof attempt.error.code).toBe('string');
    } finally {
      fat.closeAllConnections();
      fat.close();
    }
  });
});
