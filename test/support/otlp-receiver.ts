import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

/**
 * A real OTLP/HTTP traces receiver on loopback, as a collector would be: POST /v1/traces with
 * protobuf (application/x-protobuf, the default protocol) or JSON (application/json, http/json).
 * Each span is kept flattened: ids as hex, attributes as plain values, the service that sent it.
 */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string };
  service: string;
  startNs: bigint;
}

export const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;

// the OTLP messages as generated for protobufjs, shipped by the exporter's own transformer package
// (the generated module alone, not the package's index, which would load the SDK)
const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Every request's content type and headers (an OTLP header such as a credential must arrive). */
  readonly requests: Array<{ contentType: string; headers: http.IncomingHttpHeaders }> = [];
  private server: http.Server;

  private constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          res.writeHead(404).end();
          return;
        }
        const contentType = String(req.headers['content-type'] ?? '');
        this.requests.push({ contentType, headers: req.headers });
        try {
          const body = Buffer.concat(chunks);
          const message = contentType.includes('json')
            ? JSON.parse(body.toString('utf8'))
            : ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), { longs: String, bytes: String, enums: Number, defaults: false });
          this.spans.push(...flatten(message));
          res.writeHead(200, { 'content-type': contentType.includes('json') ? 'application/json' : 'application/x-protobuf' }).end(contentType.includes('json') ? '{}' : '');
        } catch (error) {
          res.writeHead(400).end(String(error));
        }
      });
    });
  }

  static async start(): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** The base URL to give as OTEL_EXPORTER_OTLP_ENDPOINT. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** OTLP ids are bytes: base64 in protobufjs' object form, hex in OTLP/JSON. */
function hexId(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (/^[0-9a-f]+$/i.test(value) && (value.length === 32 || value.length === 16)) return value.toLowerCase();
  const hex = Buffer.from(value, 'base64').toString('hex');
  return /^0+$/.test(hex) ? undefined : hex;
}

function anyValue(v: Record<string, unknown> | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) return ((v.arrayValue as { values?: Record<string, unknown>[] }).values ?? []).map(anyValue);
  if ('kvlistValue' in v) return attributesOf((v.kvlistValue as { values?: unknown[] }).values);
  return undefined;
}

function attributesOf(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of (list as Array<{ key: string; value?: Record<string, unknown> }> | undefined) ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

function flatten(message: { resourceSpans?: unknown[] }): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const rs of (message.resourceSpans ?? []) as Array<{ resource?: { attributes?: unknown }; scopeSpans?: Array<{ spans?: unknown[] }> }>) {
    const service = String(attributesOf(rs.resource?.attributes)['service.name'] ?? '');
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of (ss.spans ?? []) as Array<Record<string, unknown>>) {
        spans.push({
          traceId: hexId(s.traceId)!,
          spanId: hexId(s.spanId)!,
          parentSpanId: hexId(s.parentSpanId),
          name: String(s.name),
          kind: Number(s.kind ?? 0),
          attributes: attributesOf(s.attributes),
          status: { code: Number((s.status as { code?: unknown } | undefined)?.code ?? 0), message: (s.status as { message?: string } | undefined)?.message },
          service,
          startNs: BigInt(String(s.startTimeUnixNano ?? '0')),
        });
      }
    }
  }
  return spans;
}
