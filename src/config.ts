import { existsSync } from 'node:fs';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { parseDurationList } from './durations.js';
import { resolveEnvFiles } from './env-files.js';
import { type PortList, parsePortList } from './ports.js';
import { secretsKeyProblem } from './security/secret-box.js';
import { type TracingConfig, tracingConfig, tracingSchema } from './tracing/settings.js';

/**
 * Configuration from the environment (docs/configuration.md). Parsed once at start-up; a bad value stops the
 * process with one line naming the variable.
 */
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = z.coerce.number().int().positive();

const secretsKey = z.string().superRefine((v, ctx) => {
  const problem = secretsKeyProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

// What authenticate() (src/api/auth.ts) accepts after "Bearer ": any other token could never authenticate.
const adminToken = z
  .string()
  .min(16, 'must be at least 16 characters')
  .max(512, 'must be at most 512 characters (a longer bearer token is refused as malformed)')
  .regex(/^[A-Za-z0-9._~+/=-]+$/, 'may use only A-Z a-z 0-9 . _ ~ + / = - (the bearer token syntax): any other character could never authenticate');

/**
 * TRUST_PROXY: when to believe X-Forwarded-For for the client address (the rate limit of requests
 * without a valid credential counts per address). Unset or false: never (the address is the TCP
 * peer's). A number: that many proxies in front of the API. A comma list: the proxies' addresses or
 * CIDR ranges (and Express' names loopback, linklocal, uniquelocal). `true` (trust any hop) is
 * refused: any client could then pick its own address and dodge the limit.
 */
const trustProxy = z
  .string()
  .optional()
  .transform((v, ctx): false | number | string[] => {
    if (v === undefined || ['false', '0', 'no'].includes(v)) return false;
    if (/^\d+$/.test(v)) {
      const hops = Number(v);
      if (hops <= 32) return hops;
    }
    if (['true', 'yes'].includes(v)) {
      ctx.addIssue({ code: 'custom', message: 'must not be true (any client could then choose its own address); give the number of proxies in front of the API, e.g. 1, or their addresses' });
      return z.NEVER;
    }
    const entries = v.split(',').map((e) => e.trim());
    const bad = entries.find((e) => !['loopback', 'linklocal', 'uniquelocal'].includes(e) && !ipaddr.isValid(e) && !isCidr(e));
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: `has "${bad}": give false, a number of proxies (1-32), or a comma list of proxy addresses or CIDR ranges` });
      return z.NEVER;
    }
    return entries;
  });

function isCidr(text: string): boolean {
  try {
    ipaddr.parseCIDR(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * DASHBOARD_FRAME_ANCESTORS: who may show /dashboard and /docs in a frame (CSP frame-ancestors):
 * 'none' (the default), or a space-separated list of 'self' and origins such as
 * https://platform.example.com or https://*.example.com.
 */
const frameAncestors = z
  .string()
  .default("'none'")
  .transform((v, ctx) => {
    const sources = v.split(/\s+/).filter(Boolean);
    const origin = /^https?:\/\/(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i;
    const ok = sources.length > 0 && (sources.length === 1 && sources[0] === "'none'" ? true : sources.every((s) => s === "'self'" || origin.test(s)));
    if (!ok) {
      ctx.addIssue({ code: 'custom', message: "must be 'none', or a space-separated list of 'self' and origins such as https://platform.example.com" });
      return z.NEVER;
    }
    return sources;
  });

const readableFile = z.string().refine((v) => existsSync(v), { message: 'must be the path of a readable file' });

/** A single duration such as `7d`, in milliseconds (same syntax as the retry schedule). */
function oneDuration(defaultValue: string, example: string) {
  return z
    .string()
    .default(defaultValue)
    .transform((v, ctx) => {
      const parsed = parseDurationList(v);
      if (!parsed.ok || parsed.ms.length !== 1) {
        ctx.addIssue({ code: 'custom', message: `must be one duration such as ${example}` });
        return z.NEVER;
      }
      return parsed.ms[0]!;
    });
}

/** One duration of at least `minMs` (written `minText` in the message). */
function durationAtLeast(defaultValue: string, example: string, minMs: number, minText: string) {
  return oneDuration(defaultValue, example).refine((ms) => ms >= minMs, { message: `must be at least ${minText}` });
}

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // unset: the embedded PostgreSQL under .data/postgres (src/db/embedded-postgres.ts)
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('hookline'),
  TEMPORAL_UI_URL: z.string().url().default('http://localhost:8233'),
  // Temporal Cloud or a TLS cluster: an API key and/or mTLS files; TLS is on when any is given.
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: booleanFlag.optional(),
  TEMPORAL_TLS_CERT: readableFile.optional(),
  TEMPORAL_TLS_KEY: readableFile.optional(),
  TEMPORAL_TLS_CA: readableFile.optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  TEMPORAL_METRICS_ADDRESS: z.string().regex(/^\S+:\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:9465').optional(),
  ADMIN_TOKEN: adminToken.optional(),
  SECRETS_KEY: secretsKey.optional(),
  // the key before a SECRETS_KEY rotation: opens what it sealed until `hookline secrets reseal` has run
  SECRETS_KEY_PREVIOUS: secretsKey.optional(),
  DELIVERY_TIMEOUT_MS: positiveInt.max(120_000).default(15_000),
  // the connection's own deadline (name lookup, TCP, TLS), within the attempt's; and the lookup's
  DELIVERY_CONNECT_TIMEOUT_MS: positiveInt.max(120_000).default(5_000),
  DELIVERY_DNS_TIMEOUT_MS: positiveInt.max(60_000).default(3_000),
  // DNS servers for the attempts' lookups (host or host:port, comma-separated); unset: the system's
  DELIVERY_DNS_SERVERS: z
    .string()
    .regex(/^\s*[^,\s]+(\s*,\s*[^,\s]+)*\s*$/, 'must be a comma list of host or host:port')
    .transform((v) => v.split(',').map((h) => h.trim()))
    .optional(),
  DELIVERY_RETRY_SCHEDULE: z
    .string()
    .default('5s,5m,30m,2h,5h,10h,10h')
    .transform((v, ctx) => {
      const parsed = parseDurationList(v);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: parsed.error });
        return z.NEVER;
      }
      return parsed.ms;
    }),
  DELIVERY_RETRY_JITTER: z.coerce.number().min(0).max(1).default(0.2),
  DELIVERY_REPLAY_RETENTION: oneDuration('7d', '7d or 12h'),
  WEBHOOK_DISABLE_AFTER: oneDuration('5d', '5d or 36h'),
  BULK_REPLAY_RATE: z.coerce.number().int().min(1).max(1000).default(50),
  DELIVERY_ALLOW_HTTP: booleanFlag.default(false),
  DELIVERY_ALLOW_PRIVATE_NETWORKS: booleanFlag.default(false),
  // unset: 443,8443 (and 80 with DELIVERY_ALLOW_HTTP); any port with DELIVERY_ALLOW_PRIVATE_NETWORKS
  DELIVERY_ALLOWED_PORTS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const parsed = parsePortList(v);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: parsed.error });
        return z.NEVER;
      }
      return parsed.ports;
    }),
  SECRET_ROTATION_GRACE: oneDuration('24h', '24h'),
  // Data lifecycle (docs/retention.md): how long final deliveries and what hangs on them are kept,
  // how often the purge runs, and how long Temporal keeps closed workflows (its minimum is 1h).
  RETENTION: durationAtLeast('30d', '30d or 12h', 1000, '1s'),
  PURGE_INTERVAL: durationAtLeast('1h', '1h or 15m', 1000, '1s'),
  TEMPORAL_NAMESPACE_RETENTION: durationAtLeast('7d', '7d or 72h', 3_600_000, '1h (the shortest retention Temporal accepts)'),
  MAX_BODY_BYTES: positiveInt.default(1024 * 1024),
  // per community (all its keys together), for the admin token, and per client address for
  // requests without a valid credential; 0 turns the limit off
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(10_000_000).default(3000),
  TRUST_PROXY: trustProxy,
  MAX_WEBHOOKS_PER_COMMUNITY: positiveInt.max(100_000).default(100),
  MAX_API_KEYS_PER_COMMUNITY: positiveInt.max(10_000).default(20),
  REPLAYS_PER_DELIVERY_PER_HOUR: positiveInt.max(10_000).default(10),
  // live (unexpired, unrevoked) portal sessions a community may have at once (docs/portal.md)
  MAX_PORTAL_SESSIONS_PER_COMMUNITY: positiveInt.max(10_000).default(100),
  DASHBOARD_FRAME_ANCESTORS: frameAncestors,
  // the address browsers reach this API at, for the links it makes (portal sessions); unset: the request's own origin
  PUBLIC_BASE_URL: z
    .string()
    .url()
    .refine((v) => /^https?:\/\//.test(v) && !/[?#]/.test(v), { message: 'must be an http(s) URL without query or fragment, e.g. https://hooks.example.com' })
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
  LOG_LEVEL: logLevel.default('info'),
  // traces (src/tracing/settings.ts): the standard OTEL_* variables, and whether an attempt's POST
  // carries its W3C traceparent to the receiver (off by default, as other webhook senders do)
  ...tracingSchema,
  DELIVERY_SEND_TRACEPARENT: booleanFlag.default(false),
});

export type RawConfig = z.infer<typeof schema>;

export interface Config {
  port: number;
  /** Unset: the embedded PostgreSQL under .data/postgres, which npm start and npm run setup run (src/db/embedded-postgres.ts). */
  databaseUrl: string | undefined;
  temporal: {
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    uiUrl: string;
    apiKey?: string | undefined;
    tls?: TemporalTls | undefined;
  };
  /** Worker-side metrics: Hookline's own on a port, the Temporal SDK's at a bind address. */
  metrics?: { workerPort: number | undefined; temporalAddress: string | undefined };
  adminToken: string | undefined;
  secretsKey: string | undefined;
  /** SECRETS_KEY before a rotation: opens what it sealed (docs/configuration.md#rotating-secrets_key). */
  secretsKeyPrevious: string | undefined;
  delivery: {
    timeoutMs: number;
    /** The connection's deadline (lookup, TCP, TLS); at most timeoutMs. */
    connectTimeoutMs: number;
    /** A name lookup's deadline; at most connectTimeoutMs. */
    dnsTimeoutMs: number;
    dnsServers: string[] | undefined;
    retryScheduleMs: number[];
    retryJitter: number;
    replayRetentionMs: number;
    /** A webhook whose attempts have all failed for this long is disabled ("failing"). */
    disableWebhookAfterMs: number;
    /** Replays a bulk replay job starts per second. */
    bulkReplayRatePerSecond: number;
    allowHttp: boolean;
    allowPrivateNetworks: boolean;
    /** Ports a webhook URL may use; unset means the destination policy's default (src/destination/policy.ts). */
    allowedPorts?: PortList | undefined;
    /** With tracing on, an attempt's POST carries the W3C traceparent of its span (DELIVERY_SEND_TRACEPARENT). */
    sendTraceparent?: boolean;
  };
  secretRotationGraceMs: number;
  /** docs/retention.md */
  retention: {
    /** RETENTION: final deliveries (and what hangs on them) older than this are purged; a community's retentionDays overrides it. */
    retentionMs: number;
    /** PURGE_INTERVAL: how often the `hookline-purge` schedule runs the purge. */
    purgeIntervalMs: number;
    /** TEMPORAL_NAMESPACE_RETENTION: how long Temporal keeps a closed workflow (set by setup and npm start). */
    temporalRetentionMs: number;
  };
  maxBodyBytes: number;
  /** Requests per minute per community (and for the admin token, and per client address without a valid credential); 0 means unlimited. */
  apiRateLimitPerMinute: number;
  /** Express' `trust proxy`: false, a number of hops, or the proxies' addresses. */
  trustProxy: false | number | string[];
  /** What one community may hold and do (README, "Limits"). */
  limits: {
    maxWebhooksPerCommunity: number;
    maxApiKeysPerCommunity: number;
    replaysPerDeliveryPerHour: number;
    maxPortalSessionsPerCommunity: number;
  };
  /** CSP frame-ancestors of /dashboard and /docs. */
  dashboardFrameAncestors: string[];
  /** PUBLIC_BASE_URL without a trailing slash: where portal links point; undefined: the request's origin. */
  publicBaseUrl?: string | undefined;
  logLevel: z.infer<typeof logLevel>;
  /** OpenTelemetry traces over OTLP (docs/observability.md#traces); undefined: off, nothing loaded. */
  tracing?: TracingConfig | undefined;
}

/** Paths of PEM files; read when connecting, so a renewed certificate is used at the next start. */
export interface TemporalTls {
  certPath: string | undefined;
  keyPath: string | undefined;
  caPath: string | undefined;
  serverName: string | undefined;
}

export class ConfigError extends Error {}

/** Reads the environment. Empty strings count as unset, so `FOO= npm start` means the default. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  env = resolveEnvFiles(env, ConfigError); // ADMIN_TOKEN_FILE, SECRETS_KEY_FILE, DATABASE_PASSWORD_FILE… (src/env-files.ts)
  const cleaned = Object.fromEntries(
    Object.keys(schema.shape).flatMap((key) => {
      const value = env[key];
      return value === undefined || value === '' ? [] : [[key, value]];
    }),
  );
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`invalid configuration: ${String(issue.path[0])} ${issue.message}`);
  }
  const c = result.data;
  if (c.SECRETS_KEY_PREVIOUS !== undefined && c.SECRETS_KEY_PREVIOUS === c.SECRETS_KEY) {
    throw new ConfigError('invalid configuration: SECRETS_KEY_PREVIOUS must differ from SECRETS_KEY (it is the key before the rotation)');
  }
  return {
    port: c.PORT,
    databaseUrl: c.DATABASE_URL,
    temporal: {
      address: c.TEMPORAL_ADDRESS,
      namespace: c.TEMPORAL_NAMESPACE,
      taskQueue: c.TEMPORAL_TASK_QUEUE,
      uiUrl: c.TEMPORAL_UI_URL.replace(/\/$/, ''),
      apiKey: c.TEMPORAL_API_KEY,
      tls: temporalTls(c),
    },
    metrics: { workerPort: c.WORKER_METRICS_PORT, temporalAddress: c.TEMPORAL_METRICS_ADDRESS },
    adminToken: c.ADMIN_TOKEN,
    secretsKey: c.SECRETS_KEY,
    secretsKeyPrevious: c.SECRETS_KEY_PREVIOUS,
    delivery: {
      timeoutMs: c.DELIVERY_TIMEOUT_MS,
      connectTimeoutMs: Math.min(c.DELIVERY_CONNECT_TIMEOUT_MS, c.DELIVERY_TIMEOUT_MS),
      dnsTimeoutMs: Math.min(c.DELIVERY_DNS_TIMEOUT_MS, c.DELIVERY_CONNECT_TIMEOUT_MS, c.DELIVERY_TIMEOUT_MS),
      dnsServers: c.DELIVERY_DNS_SERVERS,
      retryScheduleMs: c.DELIVERY_RETRY_SCHEDULE,
      retryJitter: c.DELIVERY_RETRY_JITTER,
      replayRetentionMs: c.DELIVERY_REPLAY_RETENTION,
      disableWebhookAfterMs: c.WEBHOOK_DISABLE_AFTER,
      bulkReplayRatePerSecond: c.BULK_REPLAY_RATE,
      allowHttp: c.DELIVERY_ALLOW_HTTP,
      allowPrivateNetworks: c.DELIVERY_ALLOW_PRIVATE_NETWORKS,
      allowedPorts: c.DELIVERY_ALLOWED_PORTS,
      sendTraceparent: c.DELIVERY_SEND_TRACEPARENT,
    },
    secretRotationGraceMs: c.SECRET_ROTATION_GRACE,
    retention: {
      retentionMs: c.RETENTION,
      purgeIntervalMs: c.PURGE_INTERVAL,
      temporalRetentionMs: c.TEMPORAL_NAMESPACE_RETENTION,
    },
    maxBodyBytes: c.MAX_BODY_BYTES,
    apiRateLimitPerMinute: c.API_RATE_LIMIT_PER_MINUTE,
    trustProxy: c.TRUST_PROXY,
    limits: {
      maxWebhooksPerCommunity: c.MAX_WEBHOOKS_PER_COMMUNITY,
      maxApiKeysPerCommunity: c.MAX_API_KEYS_PER_COMMUNITY,
      replaysPerDeliveryPerHour: c.REPLAYS_PER_DELIVERY_PER_HOUR,
      maxPortalSessionsPerCommunity: c.MAX_PORTAL_SESSIONS_PER_COMMUNITY,
    },
    dashboardFrameAncestors: c.DASHBOARD_FRAME_ANCESTORS,
    publicBaseUrl: c.PUBLIC_BASE_URL,
    logLevel: c.LOG_LEVEL,
    tracing: tracingConfig(c),
  };
}

function temporalTls(c: RawConfig): TemporalTls | undefined {
  if ((c.TEMPORAL_TLS_CERT === undefined) !== (c.TEMPORAL_TLS_KEY === undefined)) {
    const missing = c.TEMPORAL_TLS_CERT === undefined ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY';
    throw new ConfigError(`invalid configuration: ${missing} is required too (mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY)`);
  }
  const wanted =
    c.TEMPORAL_TLS ?? (c.TEMPORAL_TLS_CERT !== undefined || c.TEMPORAL_TLS_CA !== undefined || c.TEMPORAL_API_KEY !== undefined);
  if (!wanted) return undefined;
  return { certPath: c.TEMPORAL_TLS_CERT, keyPath: c.TEMPORAL_TLS_KEY, caPath: c.TEMPORAL_TLS_CA, serverName: c.TEMPORAL_TLS_SERVER_NAME };
}

/** A config whose secrets are known to be present (after `npm start` filled the gaps). */
export type ReadyConfig = Config & { adminToken: string; secretsKey: string };

type SecretField = 'adminToken' | 'secretsKey';
const SECRET_VARIABLES: Record<SecretField, string> = { adminToken: 'ADMIN_TOKEN', secretsKey: 'SECRETS_KEY' };

/**
 * Stops with one line when a secret this process needs is missing: by default both (the API,
 * `npm start`); the worker passes ['secretsKey'] (it never checks the admin token), and the
 * migration job needs neither, so each process is given only the secrets it uses.
 */
export function requireSecrets(config: Config): ReadyConfig;
export function requireSecrets<K extends SecretField>(config: Config, needed: readonly K[]): Config & { [P in K]: string };
export function requireSecrets(config: Config, needed: readonly SecretField[] = ['adminToken', 'secretsKey']): Config {
  for (const field of needed) {
    if (!config[field]) throw new ConfigError(`invalid configuration: ${SECRET_VARIABLES[field]} is required`);
  }
  return config;
}
