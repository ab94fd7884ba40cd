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

/** Runs `stop` once on SIGINT/SIGTERM, then exits. */
export function onShutdownSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
