import { createRequire } from 'node:module';

/**
 * The OpenTelemetry workflow interceptors (a span for the workflow's run and for each activity it
 * schedules, local ones included, with the context passed on in the activity's headers). They go
 * into the traced workflow bundle only (scripts/bundle-workflows.ts, src/worker.ts).
 */
export const TRACING_WORKFLOW_INTERCEPTOR_MODULES: readonly string[] = [
  createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];
