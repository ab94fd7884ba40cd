/**
 * Hookline's traces (docs/observability.md#traces): the hooks the API, the worker and the delivery
 * code call, and the switch behind them. Tracing is off unless the configuration names an OTLP
 * endpoint (src/tracing/settings.ts); off, the SDK is never loaded (it is imported here only on
 * start), no interceptor is installed, the workflow code is the bundle without the tracing
 * interceptors, and every hook below is one comparison and a direct call.
 */
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { TracingSdk } from './sdk.js';
import type { TracingConfig } from './settings.js';
import type { Attributes, ClientSpanResult, RouteOf } from './types.js';

export type { Attributes } from './types.js';
export { TRACING_WORKFLOW_INTERCEPTOR_MODULES } from './workflow-modules.js';

let sdk: TracingSdk | undefined;

/**
 * Starts the SDK once per process, before the API or the worker connects to Temporal: the first
 * call with a configuration wins (in `npm start` and in tests the API and the worker share a
 * process). `serviceName` is the default of OTEL_SERVICE_NAME for this process.
 */
export async function startTracing(config: TracingConfig | undefined, serviceName: string, logger?: Logger): Promise<boolean> {
  if (sdk || !config) return sdk !== undefined;
  const { startSdk } = await import('./sdk.js');
  sdk ??= startSdk(config, serviceName);
  // the endpoint without any credential a URL could carry; the headers are never logged
  const endpoint = new URL(config.tracesUrl);
  logger?.info(
    { endpoint: `${endpoint.protocol}//${endpoint.host}${endpoint.pathname}`, protocol: config.protocol, sampler: config.sampler.kind, serviceName: config.serviceName ?? serviceName },
    'traces exported over OTLP',
  );
  return true;
}

/** Sends the spans still buffered, then stops the SDK; the last step of a shutdown. */
export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}

export function tracingActive(): boolean {
  return sdk !== undefined;
}

/** Exports what is buffered now (tests, and a shutdown). */
export async function flushTracing(): Promise<void> {
  await sdk?.forceFlush();
}

/** The Temporal client's interceptors: the context of the caller's span goes with each start and signal. */
export function temporalClientInterceptors(): WorkflowClientInterceptor[] | undefined {
  return sdk?.clientInterceptors();
}

/**
 * The worker's interceptors (activities run in the span of the workflow's call, the workflow in
 * the span of its start) and the sink through which the workflow's spans leave its sandbox.
 */
export function workerTracing(bundled: boolean): Pick<WorkerOptions, 'interceptors' | 'sinks'> | undefined {
  return sdk?.workerOptions(bundled);
}

/** A SERVER span per API request (probes and scrapes aside), named by its route template. */
export function requestSpans(routeOf: RouteOf): RequestHandler | undefined {
  return sdk?.requestSpans(routeOf);
}

/** Adds attributes to the span in progress (an attempt's, a request's), if there is one. */
export function annotateSpan(attributes: Attributes): void {
  sdk?.annotate(attributes);
}

/**
 * Runs an outgoing request in a CLIENT span. `run` gets the W3C trace-context headers to send
 * when `propagate` is set (else none); `describe` reads the span's status from the result.
 */
export function clientSpan<T>(
  name: string,
  attributes: Attributes,
  propagate: boolean,
  run: (traceHeaders: Record<string, string>) => Promise<T>,
  describe: (result: T) => ClientSpanResult,
): Promise<T> {
  return sdk ? sdk.clientSpan(name, attributes, propagate, run, describe) : run({});
}

/** Runs `run` in a span of its own (a sweep that starts workflows), or plainly when tracing is off. */
export function withSpan<T>(name: string, attributes: Attributes, run: () => Promise<T>): Promise<T> {
  return sdk ? sdk.withSpan(name, attributes, run) : run();
}
