import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb } from '../../src/db/database.js';
import { markWebhookSlow } from '../../src/store/flow.js';
import { tracingActive } from '../../src/tracing/index.js';
import { type Child, LOG_DIR } from '../faults/support/processes.js';
import { type ProcessStack, startProcessStack } from '../support/hookline-processes.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { OtlpReceiver, type ReceivedSpan, SPAN_KIND } from '../support/otlp-receiver.js';
import { TestReceiver } from '../support/receiver.js';

/**
 * Traces across a delivery's path, as an operator would look at them in a tracing backend: the API
 * and a worker run as `npm run api` and `npm run worker` do (their own processes, configured from
 * the environment) and export to a real OTLP/HTTP receiver on loopback, the API in protobuf (the
 * default protocol), the worker in JSON. A receiver that answers 500 then 200 makes one delivery of
 * two attempts, whose spans must form one trace. With the endpoint unset nothing is started.
 */
const joined = (username: string) => ({ type: 'user.joined', data: { user: { id: 'u1', username }, joinedAt: '2026-11-29T10:00:00.000Z' } });
const HISTORY_TRACE_HEADER = '_tracer-data';

let otlp: OtlpReceiver;
let receiver: TestReceiver;

beforeAll(async () => {
  otlp = await OtlpReceiver.start();
  receiver = await TestReceiver.start();
});
afterAll(async () => {
  await receiver?.stop();
  await otlp?.stop();
});

/** The header of a workflow's start event: where a trace context would be carried. */
async function startHeaderFields(hookline: { temporal: Hookline['temporal'] }, workflowId: string): Promise<string[]> {
  const history = await hookline.temporal.workflow.getHandle(workflowId).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  return Object.keys(started?.header?.fields ?? {});
}

describe('with OTEL_EXPORTER_OTLP_ENDPOINT unset', () => {
  let hookline: Hookline;
  beforeAll(async () => {
    hookline = await startHookline();
  });
  afterAll(async () => hookline?.stop());

  it('starts no SDK and no exporter, installs no interceptor, and the workflow carries no trace context', async () => {
    const { key } = await hookline.newCommunity('tracing off');
    receiver.responder = () => ({ status: 200 });
    const before = receiver.arrivals.length;
    await hookline.call('POST', '/v1/webhooks', { url: receiver.url, events: ['user.joined'] }, key);
    const accepted = await hookline.call('POST', '/v1/events', joined('ada'), key);
    expect(accepted.status).toBe(202);
    const deliveryId = accepted.body.data.deliveries[0].id as string;
    await receiver.waitFor(before + 1);
    await eventually(async () => ((await hookline.call('GET', `/v1/deliveries/${deliveryId}`, undefined, key)).body.data.status === 'succeeded' ? true : undefined));

    expect(tracingActive()).toBe(false);
    expect(hookline.worker!.traced).toBe(false);
    // the global tracer provider is the API's no-op one: a span started through it records nothing
    const probe = trace.getTracer('probe').startSpan('probe');
    expect(probe.isRecording()).toBe(false);
    expect(probe.spanContext().traceId).toBe('00000000000000000000000000000000');
    probe.end();
    // and the SDK was never loaded into this process (its modules are CommonJS: they would be cached)
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    expect(loaded.some((m) => m.includes('@temporalio/client')), 'the cache lists the CommonJS modules loaded').toBe(true);
    expect(loaded.filter((m) => /@opentelemetry[\\/](sdk-trace|exporter-|resources)|interceptors-opentelemetry/.test(m))).toEqual([]);
    // the history is the one without tracing: no trace header on the start, none on the attempt
    expect(await startHeaderFields(hookline, `delivery-${deliveryId}`)).not.toContain(HISTORY_TRACE_HEADER);
    expect(receiver.arrivals.at(-1)!.headers.traceparent).toBeUndefined();
    expect(otlp.requests).toEqual([]);
  });
});

describe('with OTEL_EXPORTER_OTLP_ENDPOINT set, API and worker as separate processes', () => {
  const otlpCredential = `otlp-${randomBytes(8).toString('hex')}`;
  let stack: ProcessStack;
  let worker: Child;
  let adminToken: string;
  let secretsKey: string;
  const call = (method: string, path: string, body: unknown, token: string, headers: Record<string, string> = {}) => stack.call(method, path, body, token, headers);
  // the worker exports in JSON, the API in protobuf (the default)
  const startWorkerProcess = (name: string, env: Record<string, string> = {}) => stack.startWorker(name, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', ...env });

  beforeAll(async () => {
    stack = await startProcessStack('tracing', {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${otlpCredential}`,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    ({ adminToken, secretsKey } = stack);
    // the start-up line names the endpoint and protocol, never the OTLP headers
    const line = readFileSync(path.join(LOG_DIR, 'tracing-api.log'), 'utf8').split('\n').find((l) => l.includes('traces exported over OTLP'));
    expect(line).toContain('/v1/traces');
    expect(line).toContain('http/protobuf');
    expect(line).not.toContain(otlpCredential);
    worker = await startWorkerProcess('worker');
  });
  afterAll(async () => stack?.stop());

  /** The spans of one trace, once `done` says they have all arrived. */
  const traceOf = (traceId: string) => otlp.spans.filter((s) => s.traceId === traceId);
  const one = (spans: ReceivedSpan[], name: string) => {
    const found = spans.filter((s) => s.name === name);
    expect(found.map((s) => s.name), name).toEqual([name]);
    return found[0]!;
  };

  it('makes one trace from POST /v1/events through the workflow and both attempts to each POST and its status', async () => {
    const community = await call('POST', '/v1/communities', { name: 'traced' }, adminToken);
    const communityId = community.body.data.id as string;
    const apiKey = (await call('POST', `/v1/communities/${communityId}/api-keys`, { name: 'test' }, adminToken)).body.data.key as string;
    // a URL with a token in its path and query, as many receivers' URLs have: no span may show it
    const pathToken = `path-${randomBytes(6).toString('hex')}`;
    const queryToken = `query-${randomBytes(6).toString('hex')}`;
    const webhook = await call('POST', '/v1/webhooks', { url: `${receiver.url}/${pathToken}?token=${queryToken}`, events: ['user.joined'] }, apiKey);
    expect(webhook.status).toBe(201);
    const { id: webhookId, secret } = webhook.body.data as { id: string; secret: string };

    receiver.responder = (_arrival, index) => ({ status: index === firstIndex ? 500 : 200, body: 'receiver body' });
    const firstIndex = receiver.arrivals.length;
    const username = `name-${randomBytes(6).toString('hex')}`;
    const accepted = await call('POST', '/v1/events', joined(username), apiKey);
    expect(accepted.status).toBe(202);
    const deliveryId = accepted.body.data.deliveries[0].id as string;
    const eventId = accepted.body.data.event.id as string;
    const arrivals = await receiver.waitFor(firstIndex + 2);
    expect(arrivals.slice(firstIndex).map((a) => a.headers['x-hookline-attempt'])).toEqual(['1', '2']);
    // off by default: the receiver is not sent Hookline's trace context
    for (const a of arrivals.slice(firstIndex)) expect(a.headers.traceparent).toBeUndefined();

    // every span of the path has arrived: the workflow's own ends when the delivery has succeeded
    const server = await eventually(async () => otlp.spans.find((s) => s.name === 'POST /v1/events' && s.attributes['hookline.community_id'] === communityId), 30_000);
    const spans = await eventually(async () => {
      const all = traceOf(server.traceId);
      return all.some((s) => s.name === 'RunWorkflow:deliveryWorkflow') && all.filter((s) => s.name === 'POST').length === 2 ? all : undefined;
    }, 30_000);

    // the request: a root SERVER span of the API, named by its route
    expect(server.kind).toBe(SPAN_KIND.server);
    expect(server.parentSpanId).toBeUndefined();
    expect(server.service).toBe('hookline-api');
    expect(server.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/events',
      'http.response.status_code': 202,
      'hookline.event_id': eventId,
      'hookline.event_type': 'user.joined',
      'hookline.deliveries': 1,
    });
    // the workflow start, made by the API's Temporal client inside the request
    const start = one(spans, 'StartWorkflow:deliveryWorkflow');
    expect(start.parentSpanId).toBe(server.spanId);
    expect(start.service).toBe('hookline-api');
    expect(start.attributes).toMatchObject({
      temporalWorkflowId: `delivery-${deliveryId}`,
      'hookline.delivery_id': deliveryId,
      'hookline.webhook_id': webhookId,
      'hookline.event_type': 'user.joined',
      'hookline.community_id': communityId,
    });
    // the workflow run, on the worker, continuing the API's trace
    const run = one(spans, 'RunWorkflow:deliveryWorkflow');
    expect(run.parentSpanId).toBe(start.spanId);
    expect(run.service).toBe('hookline-worker');
    expect(run.attributes).toMatchObject({ 'hookline.delivery_id': deliveryId, 'hookline.webhook_id': webhookId, 'hookline.community_id': communityId });
    // each attempt: scheduled by the workflow (a local activity), run by the worker, its POST inside
    const scheduled = spans.filter((s) => s.name === 'StartActivity:attemptDelivery').sort((a, b) => Number(a.startNs - b.startNs));
    const runs = spans.filter((s) => s.name === 'RunActivity:attemptDelivery').sort((a, b) => Number(a.startNs - b.startNs));
    const posts = spans.filter((s) => s.name === 'POST').sort((a, b) => Number(a.startNs - b.startNs));
    expect([scheduled.length, runs.length, posts.length]).toEqual([2, 2, 2]);
    for (const [i, status] of [500, 200].entries()) {
      expect(scheduled[i]!.parentSpanId).toBe(run.spanId);
      expect(runs[i]!.parentSpanId).toBe(scheduled[i]!.spanId);
      expect(runs[i]!.attributes).toMatchObject({
        'hookline.delivery_id': deliveryId,
        'hookline.attempt': i + 1,
        'hookline.webhook_id': webhookId,
        'hookline.event_type': 'user.joined',
        'hookline.community_id': communityId,
        'http.response.status_code': status,
        'hookline.outcome': i === 0 ? 'retry' : 'succeeded',
      });
      expect(posts[i]!.parentSpanId).toBe(runs[i]!.spanId);
      expect(posts[i]!.kind).toBe(SPAN_KIND.client);
      expect(posts[i]!.attributes).toMatchObject({
        'http.request.method': 'POST',
        'http.response.status_code': status,
        'server.address': '127.0.0.1',
        'url.scheme': 'http',
        'hookline.attempt': i + 1,
        'hookline.delivery_id': deliveryId,
      });
      // OTLP's status codes: 2 is ERROR, 0 unset
      expect(posts[i]!.status.code).toBe(status >= 400 ? 2 : 0);
    }
    // the context travelled in the workflow's start header (what the run without tracing lacks)
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      expect(await startHeaderFields({ temporal: new Client({ connection }) }, `delivery-${deliveryId}`)).toContain(HISTORY_TRACE_HEADER);
    } finally {
      await connection.close();
    }
    // ONE trace: every span named above shares the request's trace id (traceOf), and nothing of this
    // delivery went to another trace
    const elsewhere = otlp.spans.filter((s) => s.traceId !== server.traceId && Object.values(s.attributes).includes(deliveryId));
    expect(elsewhere.map((s) => s.name)).toEqual([]);

    // nothing secret, nothing of the bodies, no header value: not in any span of any trace
    const everything = JSON.stringify(otlp.spans, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    for (const secretValue of [apiKey, adminToken, secret, secretsKey, otlpCredential, pathToken, queryToken, username, 'receiver body']) {
      expect(everything.includes(secretValue), `a span holds ${secretValue.slice(0, 12)}…`).toBe(false);
    }
    // the OTLP header reached the collector, from both processes, over both protocols
    expect(otlp.requests.every((r) => r.headers.authorization === `Bearer ${otlpCredential}`)).toBe(true);
    expect(new Set(otlp.requests.map((r) => r.contentType.split(';')[0]))).toEqual(new Set(['application/x-protobuf', 'application/json']));
  });

  it('traces an attempt made as a normal activity (a receiver marked slow) like a local one', async () => {
    const community = await call('POST', '/v1/communities', { name: 'slow receiver' }, adminToken);
    const apiKey = (await call('POST', `/v1/communities/${community.body.data.id}/api-keys`, { name: 'test' }, adminToken)).body.data.key as string;
    const webhookId = (await call('POST', '/v1/webhooks', { url: receiver.url, events: ['user.joined'] }, apiKey)).body.data.id as string;
    // as a local attempt that ran past its budget leaves it: the next attempts run as activity tasks
    const db = createDb(stack.databaseUrl);
    try {
      await markWebhookSlow(db, webhookId);
    } finally {
      await db.destroy();
    }
    receiver.responder = () => ({ status: 200 });
    const before = receiver.arrivals.length;
    const accepted = await call('POST', '/v1/events', joined('lin'), apiKey);
    const deliveryId = accepted.body.data.deliveries[0].id as string;
    await receiver.waitFor(before + 1);
    const spans = await eventually(async () => {
      const server = otlp.spans.find((s) => s.name === 'POST /v1/events' && s.attributes['hookline.event_id'] === accepted.body.data.event.id);
      const all = server ? traceOf(server.traceId) : [];
      return all.some((s) => s.name === 'RunWorkflow:deliveryWorkflow') && all.some((s) => s.name === 'POST') ? all : undefined;
    }, 30_000);
    const run = one(spans, 'RunWorkflow:deliveryWorkflow');
    const post = one(spans, 'POST');
    const runs = spans.filter((s) => s.name === 'RunActivity:attemptDelivery');
    // the local attempt answers "remote" and sends nothing; the activity task sends, in its own span
    expect(runs.map((s) => s.attributes['temporal.local_activity']).sort()).toEqual([false, true]);
    const remote = runs.find((s) => s.attributes['temporal.local_activity'] === false)!;
    expect(post.parentSpanId).toBe(remote.spanId);
    expect(remote.attributes).toMatchObject({ 'hookline.delivery_id': deliveryId, 'hookline.attempt': 1, 'http.response.status_code': 200 });
    const scheduledRemote = spans.find((s) => s.spanId === remote.parentSpanId)!;
    expect(scheduledRemote.name).toBe('StartActivity:attemptDelivery');
    expect(scheduledRemote.parentSpanId).toBe(run.spanId);
  });

  it('continues a caller\'s trace, and sends the traceparent to the receiver only with DELIVERY_SEND_TRACEPARENT', async () => {
    await worker.terminate(30_000);
    worker = await startWorkerProcess('worker-traceparent', { DELIVERY_SEND_TRACEPARENT: 'true' });
    const community = await call('POST', '/v1/communities', { name: 'traceparent' }, adminToken);
    const apiKey = (await call('POST', `/v1/communities/${community.body.data.id}/api-keys`, { name: 'test' }, adminToken)).body.data.key as string;
    await call('POST', '/v1/webhooks', { url: receiver.url, events: ['user.joined'] }, apiKey);
    receiver.responder = () => ({ status: 200 });
    const before = receiver.arrivals.length;
    // the caller's own trace: the request's span continues it
    const callerTrace = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const accepted = await call('POST', '/v1/events', joined('grace'), apiKey, { traceparent: `00-${callerTrace}-${callerSpan}-01` });
    expect(accepted.status).toBe(202);
    const [arrival] = (await receiver.waitFor(before + 1)).slice(before);
    const post = await eventually(async () => otlp.spans.find((s) => s.traceId === callerTrace && s.name === 'POST'), 30_000);
    expect(arrival!.headers.traceparent).toBe(`00-${callerTrace}-${post.spanId}-01`);
    const server = otlp.spans.find((s) => s.traceId === callerTrace && s.name === 'POST /v1/events')!;
    expect(server.parentSpanId).toBe(callerSpan);
  });
});
