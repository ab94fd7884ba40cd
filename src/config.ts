import { existsSync } from 'node:fs';
import { z } from 'zod';
import { parseDurationList } from './durations.js';
import { resolveEnvFiles } from './env-files.js';
import { type PortList, parsePortList } from './ports.js';

/**
 * Configuration from the environment (docs/configuration.md). Parsed once at start-up; a bad value stops the
 * process with one line naming the variable.
 */
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = z.coerce.number().int().positive();

const secretsKey = z.string().refine((v) => Buffer.from(v, 'base64').length === 32, {
  message: 'must be 32 random bytes in base64 (openssl rand -base64 32)',
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
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/hookline'),
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
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  SECRETS_KEY: secretsKey.optional(),
  DELIVERY_TIMEOUT_MS: positiveInt.max(120_000).default(15_000),
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
  // per API key and for the admin token; 0 turns the limit off
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(10_000_000).default(3000),
  LOG_LEVEL: logLevel.default('info'),
});

export type RawConfig = z.infer<typeof schema>;

export interface Config {
  port: number;
  databaseUrl: string;
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
  delivery: {
    timeoutMs: number;
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
  /** Requests per minute per API key (and for the admin token); 0 means unlimited. */
  apiRateLimitPerMinute: number;
  logLevel: z.infer<typeof logLevel>;
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
    delivery: {
      timeoutMs: c.DELIVERY_TIMEOUT_MS,
      retryScheduleMs: c.DELIVERY_RETRY_SCHEDULE,
      retryJitter: c.DELIVERY_RETRY_JITTER,
      replayRetentionMs: c.DELIVERY_REPLAY_RETENTION,
      disableWebhookAfterMs: c.WEBHOOK_DISABLE_AFTER,
      bulkReplayRatePerSecond: c.BULK_REPLAY_RATE,
      allowHttp: c.DELIVERY_ALLOW_HTTP,
      allowPrivateNetworks: c.DELIVERY_ALLOW_PRIVATE_NETWORKS,
      allowedPorts: c.DELIVERY_ALLOWED_PORTS,
    },
    secretRotationGraceMs: c.SECRET_ROTATION_GRACE,
    retention: {
      retentionMs: c.RETENTION,
      purgeIntervalMs: c.PURGE_INTERVAL,
      temporalRetentionMs: c.TEMPORAL_NAMESPACE_RETENTION,
    },
    maxBodyBytes: c.MAX_BODY_BYTES,
    apiRateLimitPerMinute: c.API_RATE_LIMIT_PER_MINUTE,
    logLevel: c.LOG_LEVEL,
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
