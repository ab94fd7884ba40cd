import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { type Config, ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';

export const DATA_DIR = path.resolve(process.env.HOOKLINE_DATA_DIR ?? '.data');

/** Loads the configuration or exits with the one line that names the bad variable. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * For `npm start` on one machine: an unset SECRETS_KEY or ADMIN_TOKEN is generated once and kept
 * under .data/ (mode 600), so stored secrets stay readable and the token stays valid across restarts.
 */
export function fillLocalSecrets(config: Config): Config & { adminToken: string; secretsKey: string } {
  mkdirSync(DATA_DIR, { recursive: true, mode: 0o700 });
  const keep = (file: string, make: () => string) => {
    const full = path.join(DATA_DIR, file);
    if (existsSync(full)) return readFileSync(full, 'utf8').trim();
    const value = make();
    writeFileSync(full, `${value}\n`, { mode: 0o600 });
    return value;
  };
  return {
    ...config,
    secretsKey: config.secretsKey ?? keep('secrets-key', () => randomBytes(32).toString('base64')),
    adminToken: config.adminToken ?? keep('admin-token', () => `adm_${randomBytes(24).toString('base64url')}`),
  };
}

/** Says loudly when a setting meant for local development only is on. */
export function warnAboutUnsafeSettings(config: Config, logger: Logger): void {
  if (config.delivery.allowHttp) {
    logger.warn('DELIVERY_ALLOW_HTTP is on: webhooks may use plain http:// URLs. For local development and tests only.');
  }
  if (config.delivery.allowPrivateNetworks) {
    logger.warn(
      'DELIVERY_ALLOW_PRIVATE_NETWORKS is on: webhooks may target loopback and private addresses (SSRF protection off). For local development and tests only.',
    );
  }
}

export function rootLogger(config: Config): Logger {
  return createLogger(config.logLevel);
}

/** The signals on which an entry point stops in order and exits (the Temporal SDK's own handler is off). */
export const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface Shutdown {
  /** Stops everything like a signal does, after logging `error` as fatal, then exits 1. */
  fatal(error: unknown, message: string): void;
}

/**
 * Runs `stop` once, then exits: on SIGINT, SIGTERM or SIGHUP with 0, after `fatal()` with 1, and
 * with 1 whenever `stop` throws. Signals arriving while it stops are ignored (a terminal's Ctrl-C
 * reaches the process twice under npm: from the terminal and forwarded by npm). The entry points
 * install the Temporal runtime with `shutdownSignals: []`, so this is the only handler and the
 * order is the caller's.
 */
export function onShutdownSignal(logger: Logger, stop: () => Promise<void>): Shutdown {
  let stopping = false;
  let exitCode = 0;
  const run = () => {
    stopping = true;
    stop().then(
      () => process.exit(exitCode),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    logger.info({ signal }, 'shutting down');
    run();
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, handler);
  return {
    fatal(error, message) {
      logger.fatal({ err: error }, message);
      exitCode = 1;
      if (stopping) return; // already stopping: that run exits, now with 1
      logger.info({ reason: message }, 'shutting down');
      run();
    },
  };
}

/**
 * Runs each step of a shutdown in order, every one even when an earlier one fails (a failed worker
 * must not leave the dev server running); throws the first failure at the end.
 */
export async function stopInOrder(logger: Logger, steps: [name: string, step: (() => Promise<void>) | undefined][]): Promise<void> {
  let failure: unknown;
  for (const [name, step] of steps) {
    if (!step) continue;
    try {
      await step();
    } catch (error) {
      logger.error({ err: error, step: name }, 'shutdown step failed');
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}
