import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { loadConfig, requireSecrets } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/database.js';
import { isDatabaseUnavailable } from '../../src/db/errors.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { freePort } from '../support/free-port.js';

/**
 * With Postgres out of reach the API must say so honestly, 503 with Retry-After, not a 500 "bug":
 * the client retries (by event id) and nothing it was told was accepted is lost.
 */
let server: Server;
let db: Db;
let temporal: Client;
let url: string;
const adminToken = `adm_${randomBytes(16).toString('hex')}`;

beforeAll(async () => {
  // a port nothing listens on: every query fails to connect
  const deadPort = await freePort();
  const config = requireSecrets(
    loadConfig({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${deadPort}/hookline`,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      ADMIN_TOKEN: adminToken,
      SECRETS_KEY: randomBytes(32).toString('base64'),
    }),
  );
  db = createDb(config.databaseUrl!);
  temporal = new Client({ connection: await Connection.connect({ address: config.temporal.address! }) });
  const app = createApp({ db, box: new SecretBox(config.secretsKey), temporal, config, logger: pino({ level: 'silent' }) });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.close();
  await temporal?.connection.close();
  await db?.destroy();
});

describe('Postgres unreachable', () => {
  it('answers 503 with Retry-After in the error envelope', async () => {
    const response = await fetch(`${url}/v1/communities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Acme' }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({ status: 'error', message: 'the database is unavailable', meta: { statusCode: 503 } });
  });

  it('reports not ready', async () => {
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { detail: unknown }).detail).toEqual({ postgres: false, temporal: true });
  });

  it('tells connection failures from query errors', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('duplicate key value'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnavailable(new Error('something else'))).toBe(false);
  });
});
