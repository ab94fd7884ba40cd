import { execFile } from 'node:child_process';
import { sql } from 'kysely';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';

/** The `hookline` command, run as an operator would: the bin shim in a child process. */
let hookline: Hookline;
let receiver: TestReceiver;

beforeAll(async () => {
  hookline = await startHookline();
  receiver = await TestReceiver.start();
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

const BIN = path.resolve('bin/hookline.js');

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    // an empty data dir, so no token kept by a local `npm start` stands in for the one given here
    HOOKLINE_DATA_DIR: path.resolve('test-artifacts/cli-data-none'),
    DATABASE_URL: hookline.config.databaseUrl,
    TEMPORAL_ADDRESS: hookline.config.temporal.address!,
    ADMIN_TOKEN: hookline.adminToken,
    SECRETS_KEY: hookline.config.secretsKey,
    HOOKLINE_URL: hookline.api.url,
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...base, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('hookline doctor', () => {
  it('passes every check on a healthy stack, one line each', async () => {
    const result = await run(['doctor']);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(lines.map(() => 'ok'));
    const checked = lines.map((l) => l.slice(6, 24).trim());
    expect(checked).toEqual(['configuration', 'secrets', 'postgres', 'temporal', 'namespace', 'search attributes', 'api']);
    expect(result.stdout).toContain('HooklineDeliveryStatus');
    expect(result.code).toBe(0);
  });

  it('says in one line that Temporal is down, and exits non-zero', async () => {
    const port = await freePort();
    const result = await run(['doctor'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, HOOKLINE_URL: '' });
    expect(result.code).toBe(1);
    const failures = result.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(new RegExp(`^FAIL\\s+temporal\\s+cannot reach Temporal at 127\\.0\\.0\\.1:${port} \\(.+\\); check TEMPORAL_ADDRESS`));
    expect(result.stdout).toMatch(/^ok\s+postgres/m);
  });

  it('names a bad variable and what is wrong with Postgres', async () => {
    const badConfig = await run(['doctor'], { TEMPORAL_METRICS_ADDRESS: 'not an address' });
    expect(badConfig.code).toBe(1);
    expect(badConfig.stdout.trim()).toMatch(/^FAIL\s+configuration\s+invalid configuration: TEMPORAL_METRICS_ADDRESS/);

    const port = await freePort();
    const noPostgres = await run(['doctor'], { DATABASE_URL: `postgres://postgres:hunter2@127.0.0.1:${port}/hookline`, HOOKLINE_URL: '' });
    expect(noPostgres.code).toBe(1);
    expect(noPostgres.stdout).toMatch(new RegExp(`^FAIL\\s+postgres\\s+cannot connect to 127\\.0\\.0\\.1:${port}/hookline`, 'm'));
    expect(noPostgres.stdout).not.toContain('hunter2');
  });
});

describe('hookline webhooks and deliveries', () => {
  it('lists the webhooks of a community', async () => {
    const community = await hookline.newCommunity('CLI');
    const other = await hookline.newCommunity('CLI other');
    const created = await hookline.call('POST', '/v1/webhooks', { url: receiver.url, events: ['user.joined'] }, community.key);
    const foreign = await hookline.call('POST', '/v1/webhooks', { url: `${receiver.url}/x`, events: ['user.joined'] }, other.key);
    const result = await run(['webhooks', 'list', '--community', community.communityId]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+COMMUNITY\s+STATE\s+FORMAT\s+EVENTS\s+URL$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(created.body.data.id);
    expect(lines[1]).toContain(receiver.url);
    expect(result.stdout).not.toContain(foreign.body.data.id);

    const json = await run(['webhooks', 'list', '--json']);
    const ids = (JSON.parse(json.stdout) as { id: string }[]).map((w) => w.id);
    expect(ids).toEqual(expect.arrayContaining([created.body.data.id, foreign.body.data.id]));
  });

  it('replays a delivery, and says what is wrong with a bad id or token', async () => {
    const community = await hookline.newCommunity('CLI replay');
    receiver.responder = () => ({ status: 200 });
    await hookline.call('POST', '/v1/webhooks', { url: `${receiver.url}/cli`, events: ['user.joined'] }, community.key);
    const event = await hookline.call(
      'POST',
      '/v1/events',
      { type: 'user.joined', data: { user: { id: 'u-cli', username: 'cli' }, joinedAt: '2026-11-29T10:00:00.000Z' } },
      community.key,
    );
    const deliveryId = event.body.data.deliveries[0].id as string;
    const read = () => hookline.call('GET', `/v1/deliveries/${deliveryId}`, undefined, community.key);
    await eventually(async () => ((await read()).body.data.status === 'succeeded' ? true : undefined));

    const result = await run(['deliveries', 'replay', deliveryId]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^replaying ${deliveryId} \\(webhook wh_\\S+, 1 attempts so far\\)`));
    await eventually(async () => {
      const delivery = (await read()).body.data;
      return delivery.status === 'succeeded' && delivery.attemptCount === 2 ? true : undefined;
    });

    const missing = await run(['deliveries', 'replay', 'dlv_nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^hookline: POST \/v1\/deliveries\/dlv_nope\/replay: delivery not found \(HTTP 404\)/);
    const badToken = await run(['webhooks', 'list'], { ADMIN_TOKEN: 'adm_not_the_right_token' });
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toContain('HTTP 401');
    const usage = await run(['frobnicate']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: hookline');
  });
});

describe('hookline communities, portal and webhooks flow', () => {
  it('lists the communities', async () => {
    const community = await hookline.newCommunity('CLI listed');
    await hookline.call('PATCH', `/v1/communities/${community.communityId}`, { retentionDays: 90 });
    const result = await run(['communities', 'list']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+RETENTION\s+CREATED\s+NAME$/);
    expect(lines.find((l) => l.startsWith(community.communityId))).toMatch(/^cmty_\S+\s+90d\s+\d{4}-\S+\s+CLI listed$/);
    const json = JSON.parse((await run(['communities', 'list', '--json'])).stdout) as { id: string; name: string }[];
    expect(json.find((c) => c.id === community.communityId)?.name).toBe('CLI listed');
  });

  it('makes a portal link that signs in as the community, and revokes it', async () => {
    const community = await hookline.newCommunity('CLI portal');
    const result = await run(['portal', 'link', community.communityId, '--ttl', '600']);
    expect(result.code, result.stderr).toBe(0);
    const [url, expiry] = result.stdout.trim().split('\n');
    expect(url).toMatch(new RegExp(`^${hookline.api.url}/dashboard#portal=hlp_[\\w-]{43}$`));
    expect(expiry).toMatch(/^expires \d{4}-\d\d-\d\dT\S+Z \(in about 10 min\); session prt_\S+; revoke with: hookline portal revoke cmty_/);
    const token = new URL(url!).hash.replace('#portal=', '');
    expect((await hookline.call('GET', '/v1/webhooks', undefined, token)).status).toBe(200);

    const revoked = await run(['portal', 'revoke', community.communityId]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout.trim()).toBe(`revoked 1 portal session of ${community.communityId}`);
    const after = await hookline.call('GET', '/v1/webhooks', undefined, token);
    expect(after.status).toBe(401);
    expect(after.body.message).toBe('the portal link was revoked');

    // the API's refusals, in one line each
    const tooShort = await run(['portal', 'link', community.communityId, '--ttl', '30']);
    expect(tooShort.code).toBe(1);
    expect(tooShort.stderr).toMatch(/^hookline: POST \/v1\/communities\/cmty_\S+\/portal-sessions: .*\(HTTP 400\)/);
    expect(tooShort.stderr).toContain('ttlSeconds');
    const notANumber = await run(['portal', 'link', community.communityId, '--ttl', 'soon']);
    expect(notANumber.code).toBe(1);
    expect(notANumber.stderr).toContain('--ttl is a whole number of seconds');
    const unknown = await run(['portal', 'revoke', 'cmty_nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/community not found \(HTTP 404\)/);
    expect((await run(['portal', 'link'])).stderr).toContain('usage: hookline portal link');
  });

  it("prints a webhook's flow state, a Retry-After pause included", async () => {
    const community = await hookline.newCommunity('CLI flow');
    const created = await hookline.call(
      'POST',
      '/v1/webhooks',
      { url: `${receiver.url}/flow`, events: ['user.joined'], maxConcurrency: 3, rateLimitPerSecond: 5, ordering: 'fifo' },
      community.key,
    );
    const id = created.body.data.id as string;
    const idle = await run(['webhooks', 'flow', id]);
    expect(idle.code, idle.stderr).toBe(0);
    expect(idle.stdout.trim().split('\n')).toEqual([
      `webhook ${id} (${receiver.url}/flow)`,
      '  inFlight              0',
      '  effectiveConcurrency  3',
      '  maxConcurrency        3',
      '  pausedUntil           not paused',
      '  waiting               0',
      '  rateLimitPerSecond    5',
      '  ordering              fifo',
    ]);

    // the receiver asks for a pause: the webhook waits out its Retry-After
    receiver.responder = (arrival) => (arrival.path.endsWith('/flow') ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 });
    await hookline.call('POST', '/v1/events', { type: 'user.joined', data: { user: { id: 'u-flow', username: 'flow' }, joinedAt: '2026-11-29T10:00:00.000Z' } }, community.key);
    await eventually(async () => ((await hookline.call('GET', `/v1/webhooks/${id}`)).body.data.flow.pausedUntil ? true : undefined));
    const paused = JSON.parse((await run(['webhooks', 'flow', id, '--json'])).stdout);
    expect(paused).toMatchObject({ id, maxConcurrency: 3, rateLimitPerSecond: 5, ordering: 'fifo' });
    expect(Date.parse(paused.pausedUntil)).toBeGreaterThan(Date.now() + 60_000);
    expect(paused.effectiveConcurrency).toBeLessThanOrEqual(3);
    const text = await run(['webhooks', 'flow', id]);
    expect(text.stdout).toMatch(/^ {2}pausedUntil {11}\d{4}-\d\d-\d\dT\S+Z$/m);
    receiver.responder = () => ({ status: 200 });

    const missing = await run(['webhooks', 'flow', 'wh_nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^hookline: GET \/v1\/webhooks\/wh_nope: webhook not found \(HTTP 404\)/);
  });
});

describe('hookline purge', () => {
  it('runs the purge now and shows its last result', async () => {
    const community = await hookline.newCommunity('CLI purge');
    receiver.responder = () => ({ status: 200 });
    await hookline.call('POST', '/v1/webhooks', { url: `${receiver.url}/cli-purge`, events: ['user.joined'] }, community.key);
    const event = await hookline.call(
      'POST',
      '/v1/events',
      { type: 'user.joined', data: { user: { id: 'u-purge', username: 'old' }, joinedAt: '2026-11-29T10:00:00.000Z' } },
      community.key,
    );
    const eventId = event.body.data.event.id as string;
    const deliveryId = event.body.data.deliveries[0].id as string;
    const read = () => hookline.call('GET', `/v1/deliveries/${deliveryId}`, undefined, community.key);
    await eventually(async () => ((await read()).body.data.status === 'succeeded' ? true : undefined));
    // made 40 days old, past the default RETENTION of 30d
    await hookline.db.updateTable('events').set({ created_at: sql<Date>`now() - interval '40 days'` }).where('id', '=', eventId).execute();
    await hookline.db
      .updateTable('deliveries')
      .set({ created_at: sql<Date>`now() - interval '40 days'`, updated_at: sql<Date>`now() - interval '40 days'` })
      .where('id', '=', deliveryId)
      .execute();

    const result = await run(['purge', 'run', '--wait']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const scheduleId = `hookline-purge-${hookline.config.temporal.taskQueue}`;
    expect(lines[0]).toMatch(new RegExp(`^purge ${scheduleId}-\\S+: completed in \\d+\\.\\d s \\(started `));
    expect(lines[1]).toMatch(/^  [1-9]\d* deliveries, [1-9]\d* attempts, [1-9]\d* events, \d+ replay jobs, \d+ expired secrets, \d+ revoked keys, \d+ ended portal sessions deleted; vacuumed deliveries, attempts, events/);
    expect(lines[2]).toMatch(new RegExp(`^  schedule ${scheduleId} every 1h; next run \\d{4}-`));
    expect((await read()).status).toBe(404);
    expect((await hookline.call('GET', `/v1/events/${eventId}`, undefined, community.key)).status).toBe(404);

    const status = await run(['purge', 'status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout.split('\n')[0]).toBe(lines[0]);
    const json = JSON.parse((await run(['purge', 'status', '--json'])).stdout);
    expect(json).toMatchObject({ status: 'completed', stage: 'done', schedule: { scheduleId } });
    expect(json.deleted.deliveries).toBeGreaterThanOrEqual(1);
  });
});
