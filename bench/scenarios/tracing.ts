import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { annotateSpan, clientSpan, tracingActive } from '../../src/tracing/index.js';
import { buildBaseline, revisionBefore } from '../baseline.js';
import { closedLoop, type LoopResult } from '../loops.js';
import { progress, spread } from '../lib.js';
import { type BenchDatabase, freshDatabase, type Hookline, type Receiver, startHookline } from '../stack.js';
import { cpuMeter, eventIssue, loopFigures, subscribe } from './measure.js';
import { type Profile } from './profile.js';

/**
 * tracing: what tracing costs. Three Hooklines side by side on one Temporal, each with its own
 * database and task queue, driven in turn by the same short closed loop (deliveries/s and 202→arrival
 * latency at `concurrency` in flight):
 *
 *   absent  the revision before tracing was added (bench/baseline.ts; BENCH_TRACING_BASELINE=<rev>
 *           to choose another), as `npm run build` compiles it;
 *   off     this code as deployed by default: no OTEL_EXPORTER_OTLP_ENDPOINT;
 *   on      (informative) this code exporting every span over OTLP to a sink on loopback that
 *           reads and drops them.
 *
 * The windows alternate absent, off, on, absent, off, on…, so whatever else the machine does
 * weighs on each alike. "within noise": off's median deliveries/s differs from absent's by no
 * more than the spread (max - min) of either one's repeats; the same for the CPU time the API and
 * the worker spend per delivery, the steadier figure when other processes share the machine. The baseline is older code: the longer
 * after the change a run is made, the more other changes it measures too (commitsBehind says how
 * many commits).
 */
export interface TracingVariant {
  name: 'absent' | 'off' | 'on';
  hookline: Hookline;
  db: BenchDatabase;
  key: string;
}

/**
 * The hooks one delivery runs through with tracing off, timed alone in this process (no SDK loaded
 * here either): the span annotations of the event's request and of the attempt, the check before
 * the POST and the trace object the attempt builds for it. A figure no other process can disturb,
 * to set beside the CPU a delivery costs.
 */
export async function hooksOffNsPerDelivery(iterations = 2_000_000): Promise<number> {
  if (tracingActive()) throw new Error('tracing is on in the bench process');
  const post = () => Promise.resolve(200);
  let sink = 0;
  const once = (i: number) => {
    annotateSpan({ 'hookline.event_id': 'evt_x', 'hookline.event_type': 'user.joined', 'hookline.deliveries': 1 });
    annotateSpan({ 'hookline.delivery_id': 'dlv_x', 'hookline.attempt': i });
    annotateSpan({ 'hookline.webhook_id': 'wh_x', 'hookline.event_type': 'user.joined', 'hookline.community_id': 'cmty_x' });
    annotateSpan({ 'temporal.local_activity': true });
    const trace = { attributes: { 'hookline.delivery_id': 'dlv_x', 'hookline.attempt': i }, propagate: false };
    if (!tracingActive()) sink += trace.attributes['hookline.attempt'];
    annotateSpan({ 'hookline.outcome': 'succeeded', 'http.response.status_code': 200 });
  };
  for (let i = 0; i < 100_000; i++) once(i); // warm up the JIT
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) once(i);
  const elapsed = Number(process.hrtime.bigint() - started);
  // clientSpan off is a direct call of what it wraps
  await clientSpan('POST', {}, false, post, () => ({ attributes: {} }));
  if (sink === 0) throw new Error('unreachable');
  return Number((elapsed / iterations).toFixed(1));
}

export async function tracingScenario(rx: Receiver, temporalAddress: string, runId: string, logDir: string, p: Profile) {
  const hooksNs = await hooksOffNsPerDelivery();
  const revision = process.env.BENCH_TRACING_BASELINE || revisionBefore('src/tracing/index.ts');
  const baseline = buildBaseline(revision);
  const sink = await OtlpSink.start();
  const variants: TracingVariant[] = [];
  try {
    for (const name of ['absent', 'off', 'on'] as const) {
      progress(`tracing: starting the "${name}" Hookline`);
      const db = await freshDatabase(`${runId}_tracing_${name}`);
      const hookline = await startHookline({
        logDir,
        runId,
        name: `tracing-${name}`,
        temporalAddress,
        databaseUrl: db.url,
        ...(name === 'absent' ? { root: baseline.root } : {}),
        ...(name === 'on' ? { env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'hookline-bench' } } : {}),
      });
      const { key } = await hookline.newCommunity(`bench tracing ${name}`);
      await subscribe(hookline, key, 1, `${rx.origin}/tracing-${name}`, ['user.joined'], `tracing ${name}`);
      variants.push({ name, hookline, db, key });
    }
    const windowMs = Math.min(p.windowMs, 6_000);
    const warmupMs = Math.min(p.warmupMs, 2_000);
    // a first pass through each, so no measured window is a cold one
    for (const v of variants) {
      await closedLoop(rx, eventIssue(v.hookline, v.key, 'user.joined'), { label: `tracing ${v.name}: warm-up`, concurrency: p.concurrency, warmupMs: 3_000, windows: 0, windowMs: 0 });
    }
    const runs = new Map<TracingVariant['name'], LoopResult[]>(variants.map((v) => [v.name, []]));
    const cpu = new Map<TracingVariant['name'], number[]>(variants.map((v) => [v.name, []]));
    for (let run = 0; run < p.runs; run++) {
      for (const v of variants) {
        const meter = await cpuMeter(async () => ({ hookline: [v.hookline.api.pid, v.hookline.worker.pid] }));
        const result = await closedLoop(rx, eventIssue(v.hookline, v.key, 'user.joined'), {
          label: `tracing ${v.name} (run ${run + 1}/${p.runs})`,
          concurrency: p.concurrency,
          warmupMs,
          windows: 1,
          windowMs,
        });
        const used = await meter.stop(result.windows[0]?.samples ?? result.ids.length);
        runs.get(v.name)!.push(result);
        cpu.get(v.name)!.push(used.hookline ?? NaN);
      }
    }
    const figures = (name: TracingVariant['name']) => {
      const results = runs.get(name)!;
      const merged = { windows: results.flatMap((r) => r.windows), errors: results.reduce((a, r) => a + r.errors, 0), ids: [] };
      return { ...loopFigures(merged), cpuMsPerDelivery: spread(cpu.get(name)!, 2) };
    };
    const absent = figures('absent');
    const off = figures('off');
    const on = figures('on');
    const pairRatios = runs.get('off')!.map((r, i) => (r.windows[0]?.rate ?? NaN) / (runs.get('absent')![i]?.windows[0]?.rate ?? NaN));
    const difference = Math.abs(off.perSecond.median - absent.perSecond.median);
    const noise = Math.max(absent.perSecond.max - absent.perSecond.min, off.perSecond.max - off.perSecond.min);
    // CPU per delivery of Hookline's own processes: steadier than throughput on a shared machine
    const cpuDifference = off.cpuMsPerDelivery.median - absent.cpuMsPerDelivery.median;
    const cpuNoise = Math.max(absent.cpuMsPerDelivery.max - absent.cpuMsPerDelivery.min, off.cpuMsPerDelivery.max - off.cpuMsPerDelivery.min);
    return {
      baseline: { revision: baseline.revision, label: baseline.label, commitsBehind: baseline.commitsBehind },
      concurrency: p.concurrency,
      windowMs,
      absent,
      off,
      on: { ...on, spansExported: sink.spans, otlpRequests: sink.requests },
      offOverAbsent: {
        ratio: Number((off.perSecond.median / absent.perSecond.median).toFixed(3)),
        perPair: spread(pairRatios, 3),
        differencePerSecond: Number(difference.toFixed(1)),
        noisePerSecond: Number(noise.toFixed(1)),
        withinNoise: difference <= noise,
        cpu: {
          ratio: Number((off.cpuMsPerDelivery.median / absent.cpuMsPerDelivery.median).toFixed(3)),
          differenceMs: Number(cpuDifference.toFixed(2)),
          noiseMs: Number(cpuNoise.toFixed(2)),
          withinNoise: Math.abs(cpuDifference) <= cpuNoise,
        },
      },
      onOverOff: Number((on.perSecond.median / off.perSecond.median).toFixed(3)),
      hooksOffNsPerDelivery: hooksNs,
    };
  } finally {
    for (const v of variants) {
      await v.hookline.stop().catch(() => {});
      await v.db.drop().catch(() => {});
    }
    await sink.stop();
  }
}

// the OTLP messages as generated for protobufjs, from the exporter's own transformer package
const ExportTraceServiceRequest = createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js').opentelemetry.proto.collector
  .trace.v1.ExportTraceServiceRequest as { decode(bytes: Buffer): { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: unknown[] }> }> } };

/** An OTLP/HTTP endpoint that decodes every export (as a collector must), counts its spans and drops them. */
class OtlpSink {
  requests = 0;
  spans = 0;
  private constructor(private server: http.Server) {}

  static async start(): Promise<OtlpSink> {
    let sink: OtlpSink;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        sink.requests += 1;
        try {
          const message = ExportTraceServiceRequest.decode(Buffer.concat(chunks));
          for (const rs of message.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) sink.spans += ss.spans?.length ?? 0;
          res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    sink = new OtlpSink(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
