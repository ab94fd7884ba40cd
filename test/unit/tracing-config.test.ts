import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

/** The OTEL_* variables and DELIVERY_SEND_TRACEPARENT: when tracing is on, and the one-line errors. */
const tracing = (env: Record<string, string>) => loadConfig(env).tracing;
const problem = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return undefined;
};

describe('tracing configuration', () => {
  it('is off unless an OTLP endpoint (or the otlp exporter) is asked for', () => {
    expect(tracing({})).toBeUndefined();
    expect(tracing({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_HEADERS: 'a=b' })).toBeUndefined();
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
    expect(tracing({ OTEL_TRACES_EXPORTER: 'otlp' })?.tracesUrl).toBe('http://localhost:4318/v1/traces');
  });

  it('adds /v1/traces to the base endpoint, takes the traces endpoint as is, and reads the rest', () => {
    const on = tracing({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example:4318/',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-team=hooks',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=webhooks',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'hookline-eu',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    expect(on).toEqual({
      tracesUrl: 'https://collector.example:4318/v1/traces',
      protocol: 'http/json',
      headers: { authorization: 'Bearer abc', 'x-team': 'webhooks' },
      serviceName: 'hookline-eu',
      resourceAttributes: { 'deployment.environment': 'prod' },
      sampler: { kind: 'parentbased_traceidratio', ratio: 0.25 },
    });
    expect(tracing({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom/traces' })).toMatchObject({
      tracesUrl: 'http://c:4318/custom/traces',
      protocol: 'http/protobuf',
      headers: {},
      sampler: { kind: 'parentbased_always_on', ratio: 1 },
    });
    expect(loadConfig({}).delivery.sendTraceparent).toBe(false);
    expect(loadConfig({ DELIVERY_SEND_TRACEPARENT: 'true' }).delivery.sendTraceparent).toBe(true);
  });

  it('stops start-up with one line naming the variable', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT'],
      [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317' }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'],
      [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_PROTOCOL'],
      [{ OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }, 'OTEL_EXPORTER_OTLP_HEADERS'],
      [{ OTEL_EXPORTER_OTLP_HEADERS: 'a=%zz' }, 'OTEL_EXPORTER_OTLP_HEADERS'],
      [{ OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER'],
      [{ OTEL_TRACES_SAMPLER_ARG: '2' }, 'OTEL_TRACES_SAMPLER_ARG'],
      [{ OTEL_TRACES_EXPORTER: 'zipkin' }, 'OTEL_TRACES_EXPORTER'],
      [{ OTEL_SDK_DISABLED: 'maybe' }, 'OTEL_SDK_DISABLED'],
      [{ DELIVERY_SEND_TRACEPARENT: 'sure' }, 'DELIVERY_SEND_TRACEPARENT'],
    ];
    for (const [env, name] of cases) {
      const message = problem(env);
      expect(message, name).toMatch(new RegExp(`^invalid configuration: ${name} `));
      expect(message, name).not.toContain('\n');
    }
    // the credential in a malformed header list is not repeated in the error
    expect(problem({ OTEL_EXPORTER_OTLP_HEADERS: 'authorization=%zzsecret-token' })).not.toContain('secret-token');
  });
});
