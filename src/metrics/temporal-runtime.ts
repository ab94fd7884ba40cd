import { IllegalStateError, type LogLevel, type LogMetadata, type Logger as TemporalLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';

/**
 * The Temporal SDK's logs as pino JSON lines: a line about a delivery's workflow or activity
 * carries `deliveryId` (from the workflow id `delivery-<id>`), like Hookline's own lines.
 */
export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly logger: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const workflowId = meta?.workflowId;
    const fields =
      typeof workflowId === 'string' && workflowId.startsWith('delivery-')
        ? { ...meta, deliveryId: workflowId.slice('delivery-'.length) }
        : (meta ?? {});
    const method = level === 'TRACE' ? 'trace' : level === 'DEBUG' ? 'debug' : level === 'INFO' ? 'info' : level === 'WARN' ? 'warn' : 'error';
    this.logger[method](fields, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * Installs the Temporal runtime once per process, before the first worker connects: SDK logs to
 * pino, and the SDK's own worker metrics (task slots, poll and schedule-to-start latencies, sticky
 * cache…) on a Prometheus endpoint at `prometheusAddress` (TEMPORAL_METRICS_ADDRESS), served by the
 * SDK's core at /metrics. A process that installed its runtime already (a test) keeps that one.
 *
 * `shutdownSignals`: the signals on which the SDK itself stops every worker of the process (its
 * default: SIGINT, SIGTERM, SIGQUIT, SIGUSR2). The entry points pass `[]` and stop the worker from
 * their own handler (src/runtime.ts, onShutdownSignal), in their order: API, worker, database, dev
 * server. With both handlers, the SDK would stop the worker behind the entry point's back.
 */
export function installTemporalRuntime(
  logger: Logger,
  prometheusAddress: string | undefined,
  options: { shutdownSignals?: NodeJS.Signals[] } = {},
): boolean {
  try {
    Runtime.install({
      logger: new PinoTemporalLogger(logger.child({ component: 'temporal-sdk' })),
      ...(prometheusAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: prometheusAddress } } } } : {}),
      ...(options.shutdownSignals ? { shutdownSignals: options.shutdownSignals } : {}),
    });
    return true;
  } catch (error) {
    if (!(error instanceof IllegalStateError)) throw error;
    if (prometheusAddress) logger.warn({ prometheusAddress }, 'Temporal runtime was installed before; its metrics endpoint is not started');
    return false;
  }
}
