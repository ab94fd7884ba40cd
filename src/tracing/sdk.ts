/**
 * The OpenTelemetry SDK, loaded (by src/tracing/index.ts, with a dynamic import) only when tracing
 * is on: a Node tracer provider with W3C trace-context propagation and async-local context, a batch
 * span processor and an OTLP/HTTP exporter (protobuf or JSON), and Temporal's interceptors, which
 * carry the context from the API's workflow start through the workflow to each attempt.
 *
 * The SDK is the 1.x line, the one @temporalio/interceptors-opentelemetry is built on (its
 * workflow-side spans are made by the same sdk-trace-base and exported through the same processor).
 */
import { context, propagation, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client/index.js';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker/index.js';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import type { RequestHandler } from 'express';
import { VERSION } from '../version.js';
import type { TracingConfig } from './settings.js';
import type { Attributes, ClientSpanResult, RouteOf } from './types.js';
import { TRACING_WORKFLOW_INTERCEPTOR_MODULES } from './workflow-modules.js';

/** Requests not worth a span each: probes and scrapes. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export type TracingSdk = ReturnType<typeof startSdk>;

export function startSdk(config: TracingConfig, defaultServiceName: string) {
  const resource = Resource.default().merge(
    new Resource({ ...config.resourceAttributes, 'service.name': config.serviceName ?? defaultServiceName, 'service.version': VERSION }),
  );
  const exporterOptions = { url: config.tracesUrl, headers: config.headers };
  const exporter = config.protocol === 'http/json' ? new JsonTraceExporter(exporterOptions) : new ProtobufTraceExporter(exporterOptions);
  // OTEL_BSP_* (delay, queue and batch sizes) are read by the processor itself
  const processor = new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({ resource, sampler: sampler(config.sampler), spanProcessors: [processor] });
  provider.register(); // the global provider, W3C traceparent + baggage propagators, AsyncLocalStorage context
  const tracer: Tracer = provider.getTracer('hookline', VERSION);

  return {
    resource,
    clientInterceptors(): WorkflowClientInterceptor[] {
      // ours after Temporal's: it runs inside the StartWorkflow span and names what it starts
      return [new OpenTelemetryWorkflowClientInterceptor(), startAttributes];
    },
    /** `bundled`: the workflow code is a prebuilt bundle, which holds its interceptors already. */
    workerOptions(bundled: boolean): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
      const exporterSink = makeWorkflowExporter(processor, resource);
      return {
        interceptors: {
          activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
          ...(bundled ? {} : { workflowModules: [...TRACING_WORKFLOW_INTERCEPTOR_MODULES] }),
        },
        sinks: {
          exporter: {
            export: {
              // the workflow's spans get a few of its fields, not its whole info (memo, search attributes…)
              fn: (info, spans: Parameters<typeof exporterSink.export.fn>[1]) => exporterSink.export.fn(workflowAttributes(info) as never, spans),
            },
          },
        },
      };
    },
    requestSpans(routeOf: RouteOf): RequestHandler {
      return (req, res, next) => {
        const path = req.originalUrl.split('?')[0] ?? '/';
        if (UNTRACED_PATHS.has(path)) return next();
        const parent = propagation.extract(context.active(), req.headers);
        const span = tracer.startSpan(
          req.method,
          { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': path, 'url.scheme': req.protocol } },
          parent,
        );
        const active = trace.setSpan(parent, span);
        let ended = false;
        const end = (aborted: boolean) => {
          if (ended) return;
          ended = true;
          const route = routeOf(req.method, path);
          span.updateName(route ? `${req.method} ${route}` : req.method);
          if (route) span.setAttribute('http.route', route);
          span.setAttribute('http.response.status_code', res.statusCode);
          const principal = res.locals.principal as { kind: string; communityId?: string } | undefined;
          if (principal?.communityId) span.setAttribute('hookline.community_id', principal.communityId);
          if (aborted) span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client closed the connection before the answer' });
          else if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        };
        res.once('finish', () => end(false));
        res.once('close', () => end(!res.writableFinished));
        // the body arrives on the request's events: bound, so route handlers run inside the span
        context.bind(active, req);
        context.bind(active, res);
        context.with(active, next);
      };
    },
    annotate(attributes: Attributes): void {
      trace.getActiveSpan()?.setAttributes(attributes);
    },
    async clientSpan<T>(
      name: string,
      attributes: Attributes,
      propagate: boolean,
      run: (traceHeaders: Record<string, string>) => Promise<T>,
      describe: (result: T) => ClientSpanResult,
    ): Promise<T> {
      const span: Span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, context.active());
      const active = trace.setSpan(context.active(), span);
      const headers: Record<string, string> = {};
      if (propagate) propagation.inject(active, headers);
      try {
        const result = await context.with(active, () => run(headers));
        const { attributes: more, error } = describe(result);
        span.setAttributes(more);
        if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
        return result;
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
    async withSpan<T>(name: string, attributes: Attributes, run: () => Promise<T>): Promise<T> {
      return tracer.startActiveSpan(name, { attributes }, async (span) => {
        try {
          return await run();
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
          throw error;
        } finally {
          span.end();
        }
      });
    },
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

function sampler({ kind, ratio }: TracingConfig['sampler']): Sampler {
  switch (kind) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

/** Hookline's ids from a workflow start's options (its id and search attributes), for its span. */
function idsOfStart(options: { workflowId: string; typedSearchAttributes?: unknown }): Attributes {
  const attributes: Attributes = { ...idsOfWorkflowId(options.workflowId) };
  const pairs = Array.isArray(options.typedSearchAttributes) ? (options.typedSearchAttributes as Array<{ key: { name: string }; value: unknown }>) : [];
  for (const { key, value } of pairs) {
    const name = SEARCH_ATTRIBUTE_SPAN_NAMES[key?.name];
    if (name && typeof value === 'string') attributes[name] = value;
  }
  return attributes;
}

const SEARCH_ATTRIBUTE_SPAN_NAMES: Record<string, string> = {
  HooklineCommunityId: 'hookline.community_id',
  HooklineWebhookId: 'hookline.webhook_id',
  HooklineEventType: 'hookline.event_type',
};

function idsOfWorkflowId(workflowId: string): Attributes {
  if (workflowId.startsWith('delivery-')) return { 'hookline.delivery_id': workflowId.slice('delivery-'.length) };
  if (workflowId.startsWith('replay-')) return { 'hookline.replay_job_id': workflowId.slice('replay-'.length) };
  return {};
}

const startAttributes: WorkflowClientInterceptor = {
  async start(input, next) {
    trace.getActiveSpan()?.setAttributes(idsOfStart(input.options));
    return next(input);
  },
  async startWithDetails(input, next) {
    trace.getActiveSpan()?.setAttributes(idsOfStart(input.options));
    return next(input);
  },
  async signalWithStart(input, next) {
    trace.getActiveSpan()?.setAttributes(idsOfStart(input.options));
    return next(input);
  },
  async signal(input, next) {
    trace.getActiveSpan()?.setAttributes(idsOfWorkflowId(input.workflowExecution.workflowId));
    return next(input);
  },
};

/** What a workflow's spans say of it: ids only. */
function workflowAttributes(info: {
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  namespace: string;
  searchAttributes?: Record<string, unknown>;
}): Attributes {
  const attributes: Attributes = {
    temporalWorkflowId: info.workflowId,
    run_id: info.runId,
    'temporal.workflow_type': info.workflowType,
    'temporal.task_queue': info.taskQueue,
    'temporal.namespace': info.namespace,
    ...idsOfWorkflowId(info.workflowId),
  };
  for (const [key, name] of Object.entries(SEARCH_ATTRIBUTE_SPAN_NAMES)) {
    const value = (info.searchAttributes?.[key] as unknown[] | undefined)?.[0];
    if (typeof value === 'string') attributes[name] = value;
  }
  return attributes;
}
