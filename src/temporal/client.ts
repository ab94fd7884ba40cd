import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config.js';
import { temporalClientInterceptors } from '../tracing/index.js';

/**
 * Where and how to reach Temporal, in the shape both `Connection.connect` (API, CLI) and
 * `NativeConnection.connect` (worker) take. Temporal Cloud: an API key (TLS follows) or an mTLS
 * certificate and key; a self-hosted cluster with TLS: TEMPORAL_TLS_CA for a private CA.
 */
export function temporalConnectionOptions(config: Pick<Config, 'temporal'>) {
  const { address, apiKey, tls } = config.temporal;
  return {
    address: address ?? 'localhost:7233',
    // false, not undefined: the SDK turns TLS on by itself when an API key is set and tls is unset
    tls: tls
      ? {
          ...(tls.certPath && tls.keyPath
            ? { clientCertPair: { crt: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) } }
            : {}),
          ...(tls.caPath ? { serverRootCACertificate: readFileSync(tls.caPath) } : {}),
          ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
        }
      : false,
    ...(apiKey ? { apiKey } : {}),
  };
}

/** A client; with tracing on, its starts and signals carry the caller's trace context (src/tracing). */
export async function connectClient(config: Pick<Config, 'temporal'>): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const interceptors = temporalClientInterceptors();
  return new Client({ connection, namespace: config.temporal.namespace, ...(interceptors ? { interceptors: { workflow: interceptors } } : {}) });
}
