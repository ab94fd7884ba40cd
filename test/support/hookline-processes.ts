import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { dropDatabase, ensureDatabase } from '../../src/db/migrate.js';
import { Child } from '../faults/support/processes.js';
import { freePort } from './free-port.js';

/**
 * Hookline as `npm run api` and `npm run worker` run it: each its own process (tsx on the
 * sources), configured from its environment only, against the suite's Temporal and a fresh
 * database cloned from the template. For what a process sets up for itself from the environment:
 * the OpenTelemetry SDK, the Temporal SDK's runtime and its metrics endpoint.
 */
export interface ProcessStack {
  apiUrl: string;
  api: Child;
  databaseUrl: string;
  adminToken: string;
  secretsKey: string;
  env: Record<string, string>;
  /** Calls the API and parses its JSON answer. */
  call(method: string, path: string, body: unknown, token: string, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** A worker process with the stack's environment and `env` on top; resolves once it polls. */
  startWorker(name: string, env?: Record<string, string>): Promise<Child>;
  newCommunity(name: string): Promise<{ communityId: string; key: string }>;
  stop(): Promise<void>;
}

export async function startProcessStack(name: string, env: Record<string, string>, apiEnv: Record<string, string> = {}): Promise<ProcessStack> {
  const suffix = randomBytes(6).toString('hex');
  const adminToken = `adm_${randomBytes(16).toString('hex')}`;
  const secretsKey = randomBytes(32).toString('base64');
  const template = new URL(inject('databaseTemplateUrl'));
  const url = new URL(template);
  url.pathname = `/hookline_test_${suffix}`;
  const databaseUrl = url.toString();
  await ensureDatabase(databaseUrl, template.pathname.slice(1));
  const stackEnv: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `hookline-test-${suffix}`,
    ADMIN_TOKEN: adminToken,
    SECRETS_KEY: secretsKey,
    DELIVERY_ALLOW_HTTP: 'true',
    DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true',
    DELIVERY_RETRY_SCHEDULE: '300ms,300ms',
    DELIVERY_RETRY_JITTER: '0',
    DELIVERY_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'info',
    ...env,
  };
  // the suite's own OTEL_* or metrics settings must not leak into the processes under test
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_') && !/METRICS_(PORT|ADDRESS)$/.test(k)));
  const children: Child[] = [];
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const api = new Child(`${name}-api`, process.execPath, ['--import', 'tsx', 'src/api-main.ts'], { ...inherited, ...stackEnv, ...apiEnv, PORT: String(port) });
  children.push(api);
  await api.waitForLine(/API listening/, 60_000);

  const call: ProcessStack['call'] = async (method, path, body, token, headers = {}) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    apiUrl,
    api,
    databaseUrl,
    adminToken,
    secretsKey,
    env: stackEnv,
    call,
    async startWorker(workerName, workerEnv = {}) {
      const child = new Child(`${name}-${workerName}`, process.execPath, ['--import', 'tsx', 'src/worker-main.ts'], { ...inherited, ...stackEnv, ...workerEnv });
      children.push(child);
      await child.waitForLine(/worker running/, 120_000);
      return child;
    },
    async newCommunity(communityName) {
      const community = await call('POST', '/v1/communities', { name: communityName }, adminToken);
      const communityId = community.body.data.id as string;
      const key = await call('POST', `/v1/communities/${communityId}/api-keys`, { name: 'test' }, adminToken);
      return { communityId, key: key.body.data.key as string };
    },
    async stop() {
      for (const child of children) await child.terminate(20_000);
      await dropDatabase(databaseUrl).catch(() => {});
    },
  };
}
