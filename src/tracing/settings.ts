import { z } from 'zod';

/**
 * The standard OpenTelemetry variables Hookline reads for its traces (docs/observability.md#traces),
 * parsed with the rest of the configuration so a bad value stops start-up with one line naming it.
 * Tracing is on when an OTLP endpoint is given (OTEL_EXPORTER_OTLP_ENDPOINT, or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), or OTEL_TRACES_EXPORTER=otlp asks for the default one; it is
 * off again with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. Off, no part of the SDK is
 * loaded.
 */
export interface TracingConfig {
  /** Where spans are POSTed: the traces endpoint itself (…/v1/traces). */
  tracesUrl: string;
  protocol: 'http/protobuf' | 'http/json';
  /** OTEL_EXPORTER_OTLP_HEADERS (and _TRACES_HEADERS): often a credential, so never logged. */
  headers: Record<string, string>;
  /** OTEL_SERVICE_NAME; unset, each process names itself (hookline-api, hookline-worker, hookline). */
  serviceName: string | undefined;
  resourceAttributes: Record<string, string>;
  sampler: { kind: Sampler; ratio: number };
}

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
type Sampler = (typeof SAMPLERS)[number];

const otlpUrl = z
  .string()
  .url('must be a URL such as http://collector:4318')
  .refine((v) => /^https?:\/\//i.test(v), { message: 'must be an http:// or https:// URL (OTLP over HTTP; gRPC is not supported)' });

const protocol = z.enum(['http/protobuf', 'http/json', 'grpc']).superRefine((v, ctx) => {
  if (v === 'grpc') ctx.addIssue({ code: 'custom', message: 'grpc is not supported: use http/protobuf (the default) or http/json, on the collector\'s HTTP port (4318)' });
});

/** `key=value,key2=value2`, values percent-encoded (the W3C baggage format the OTEL_* lists use). */
const keyValueList = z.string().transform((v, ctx) => {
  const out: Record<string, string> = {};
  for (const part of v.split(',')) {
    if (part.trim() === '') continue;
    const at = part.indexOf('=');
    const key = at > 0 ? part.slice(0, at).trim() : '';
    if (!key) {
      ctx.addIssue({ code: 'custom', message: 'must be a comma list of key=value' });
      return z.NEVER;
    }
    try {
      out[key] = decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      ctx.addIssue({ code: 'custom', message: `has a value for "${key}" that is not valid percent-encoding` });
      return z.NEVER;
    }
  }
  return out;
});

const flag = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

/** The schema entries, merged into src/config.ts's. */
export const tracingSchema = {
  OTEL_SDK_DISABLED: flag.optional(),
  OTEL_TRACES_EXPORTER: z
    .string()
    .transform((v) => v.split(',').map((e) => e.trim()))
    .pipe(z.array(z.enum(['otlp', 'none'], { message: 'must be otlp or none (traces are exported over OTLP only)' })))
    .optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: protocol.optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol.optional(),
  OTEL_EXPORTER_OTLP_HEADERS: keyValueList.optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValueList.optional(),
  OTEL_SERVICE_NAME: z.string().min(1).max(255).optional(),
  OTEL_RESOURCE_ATTRIBUTES: keyValueList.optional(),
  OTEL_TRACES_SAMPLER: z.enum(SAMPLERS, { message: `must be one of ${SAMPLERS.join(', ')}` }).optional(),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0, 'must be a ratio from 0 to 1').max(1, 'must be a ratio from 0 to 1').optional(),
};

type Raw = { [K in keyof typeof tracingSchema]?: z.infer<(typeof tracingSchema)[K]> };

/** The traces' settings, or undefined when tracing is off. */
export function tracingConfig(c: Raw): TracingConfig | undefined {
  const exporters = c.OTEL_TRACES_EXPORTER;
  if (c.OTEL_SDK_DISABLED === true || exporters?.includes('none')) return undefined;
  const base = c.OTEL_EXPORTER_OTLP_ENDPOINT;
  const own = c.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!own && !base && !exporters?.includes('otlp')) return undefined;
  // the generic endpoint is a base that the signal's path is added to; the traces one is used as is
  const tracesUrl = own ?? `${(base ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`;
  const protocol = c.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? c.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  return {
    tracesUrl,
    protocol: protocol === 'http/json' ? 'http/json' : 'http/protobuf',
    headers: { ...c.OTEL_EXPORTER_OTLP_HEADERS, ...c.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
    serviceName: c.OTEL_SERVICE_NAME,
    resourceAttributes: c.OTEL_RESOURCE_ATTRIBUTES ?? {},
    sampler: { kind: c.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on', ratio: c.OTEL_TRACES_SAMPLER_ARG ?? 1 },
  };
}
