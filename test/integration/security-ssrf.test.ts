import * as dns from 'node:dns';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkUrlSyntax, destinationPolicy, isRefusedAddress } from '../../src/destination/index.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { mapHosts, restoreHosts, touch, Tripwire } from './security-support.js';

/**
 * SSRF defence with a real API, worker and the system resolver. Hookline runs with private networks
 * refused (as in production). No target here is ever connected to: the only listener is a loopback
 * tripwire that counts connections, and every non-loopback target must be refused before a socket
 * is opened. Names resolve through /etc/hosts; a name is only ever pointed at a public address while
 * a webhook is being saved, and is re-pointed (and the re-pointing verified) before any event exists.
 */

// Public by classification and never dialled: names point here only while webhooks are saved.
const PUBLIC_STAND_IN = '93.184.215.14';

const LITERAL_TARGETS = [
  'https://127.0.0.1/',
  'http://127.0.0.1:8080/hook',
  'https://2130706433/', // decimal
  'https://0x7f.0.0.1/', // hex
  'https://0177.0.0.1/', // octal
  'https://127.1/', // short form
  'https://%31%32%37.0.0.1/', // percent-encoded
  'https://[::1]/',
  'https://[::ffff:127.0.0.1]/', // IPv4-mapped
  'https://[::ffff:7f00:1]/', // IPv4-mapped, hex
  'https://0.0.0.0/',
  'https://0/', // 0.0.0.0, short
  'https://[::]/',
  'https://10.0.0.5/',
  'https://012.0.0.5/', // octal 10.0.0.5
  'https://172.16.3.4/',
  'https://192.168.1.1/',
  'https://169.254.169.254/latest/meta-data/',
  'https://0xa9fea9fe/', // 169.254.169.254 as one hex number
  'https://169.254.10.10/',
  'https://100.64.0.1/', // CGNAT
  'https://100.100.100.200/', // Alibaba metadata
  'https://192.0.0.192/', // Oracle metadata
  'https://224.0.0.1/', // multicast
  'https://255.255.255.255/',
  'https://198.18.0.1/', // benchmarking
  'https://240.0.0.1/', // reserved
  'https://[fe80::1]/',
  'https://[fc00::1]/',
  'https://[fd00:ec2::254]/', // AWS metadata, IPv6
  'https://[ff02::1]/',
  'https://[::ffff:169.254.169.254]/',
  'https://[::ffff:10.0.0.1]/',
  'https://[64:ff9b::a9fe:a9fe]/', // NAT64 of the metadata address
  'https://localhost/',
  'https://localhost./',
  'https://metadata.google.internal/computeMetadata/v1/',
  'https://internal-service/hook', // dotless: completed from search domains
];

/** Addresses a name may resolve to; the last two are names with several addresses. */
const NAMED_TARGETS: ReadonlyArray<readonly string[]> = [
  ['127.0.0.1'],
  ['127.9.9.9'],
  ['10.0.0.5'],
  ['172.31.255.1'],
  ['192.168.0.10'],
  ['169.254.169.254'],
  ['169.254.170.2'],
  ['100.64.1.1'],
  ['100.100.100.200'],
  ['0.0.0.0'],
  ['224.0.0.251'],
  ['240.0.0.1'],
  ['192.0.2.10'],
  ['198.18.5.5'],
  ['::1'],
  ['::'],
  ['fe80::1'],
  ['fc00::5'],
  ['fd00:ec2::254'],
  ['::ffff:127.0.0.1'],
  ['::ffff:169.254.169.254'],
  ['::ffff:10.0.0.5'],
  ['ff02::1'],
  ['64:ff9b::a9fe:a9fe'],
  ['2001:db8::1'],
  [PUBLIC_STAND_IN, '10.0.0.5'], // one bad address among good ones is enough to refuse
  ['2606:4700:4700::1111', 'fd00::1'],
];

/** What names are re-pointed to after their webhooks were saved. */
const ATTEMPT_TARGETS: ReadonlyArray<readonly string[]> = [
  ['127.0.0.1'],
  ['127.0.0.53'],
  ['127.255.255.254'],
  ['10.0.0.5'],
  ['10.255.255.254'],
  ['172.16.0.1'],
  ['172.31.255.1'],
  ['192.168.0.10'],
  ['192.168.255.255'],
  ['169.254.169.254'],
  ['169.254.170.2'],
  ['169.254.0.1'],
  ['100.64.0.1'],
  ['100.127.255.254'],
  ['100.100.100.200'],
  ['0.0.0.0'],
  ['224.0.0.251'],
  ['239.255.255.250'],
  ['240.0.0.1'],
  ['255.255.255.255'],
  ['192.0.2.10'],
  ['198.18.5.5'],
  ['203.0.113.5'],
  ['::1'],
  ['::'],
  ['fe80::1'],
  ['fc00::5'],
  ['fd12:3456::1'],
  ['fd00:ec2::254'],
  ['ff02::1'],
  ['::ffff:127.0.0.1'],
  ['::ffff:10.0.0.5'],
  ['::ffff:169.254.169.254'],
  ['64:ff9b::a9fe:a9fe'],
  ['2001:db8::1'],
  ['127.0.0.1', '10.0.0.5'],
];

const joined = (userId: string) => ({
  type: 'user.joined',
  data: { user: { id: userId, username: `user-${userId}` }, joinedAt: '2026-11-29T10:00:00.000Z' },
});

let strict: Hookline;
let tripwire: Tripwire;

beforeAll(async () => {
  // http and any port, so that loopback tripwire URLs are well-formed: what is tested is the address
  strict = await startHookline({ DELIVERY_ALLOW_PRIVATE_NETWORKS: 'false', DELIVERY_ALLOW_HTTP: 'true', DELIVERY_ALLOWED_PORTS: 'any' });
  tripwire = await Tripwire.start();
});
afterAll(async () => {
  restoreHosts();
  await tripwire?.stop();
  await strict?.stop();
});

async function count(h: Hookline, table: 'webhooks' | 'events' | 'deliveries' | 'attempts' | 'webhook_secrets') {
  return (await h.db.selectFrom(table).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;
}

/** Refuses to go on unless every test name now resolves, through the system, only to refused addresses. */
async function assertResolvesOnlyToRefused(names: Record<string, readonly string[]>): Promise<void> {
  for (const [name, expected] of Object.entries(names)) {
    const answer = await dns.promises.lookup(name, { all: true });
    expect(answer.map((a) => a.address).sort(), name).toEqual([...expected].sort());
    for (const { address } of answer) {
      expect(address, `${name} must not resolve to the public stand-in now`).not.toBe(PUBLIC_STAND_IN);
      expect(isRefusedAddress(address, { allowPrivateNetworks: false }), `${name} -> ${address}`).toBe(true);
    }
  }
}

describe('refused when a webhook is saved', () => {
  const names = NAMED_TARGETS.map((_, i) => `ssrf-c-${i}.hookline.test`);
  let community: { communityId: string; key: string };
  let existing: { id: string; url: string };

  beforeAll(async () => {
    mapHosts([
      ...NAMED_TARGETS.flatMap((addresses, i) => addresses.map((a) => [a, names[i]!] as const)),
      [PUBLIC_STAND_IN, 'ssrf-fine.hookline.test'],
    ]);
    community = await strict.newCommunity('ssrf at create');
    const created = await strict.call(
      'POST',
      '/v1/webhooks',
      { url: `http://ssrf-fine.hookline.test:${tripwire.port}/hook`, events: ['user.joined'] },
      community.key,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    existing = created.body.data;
  });

  const targets = [...LITERAL_TARGETS, ...names.map((n) => `https://${n}/hook`)];

  it(`has at least 30 targets (${targets.length})`, () => {
    expect(targets.length).toBeGreaterThanOrEqual(30);
  });

  it.each(targets)('POST /v1/webhooks refuses %s with a 400 naming url', async (url) => {
    const before = await count(strict, 'webhooks');
    const res = await strict.call('POST', '/v1/webhooks', { url, events: ['user.joined'] }, community.key);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body).toMatchObject({ status: 'error', meta: { statusCode: 400 } });
    expect(res.body.detail[0]).toMatchObject({ field: 'url', code: 'blocked_destination' });
    expect(await count(strict, 'webhooks')).toBe(before);
  });

  it.each(targets)('PATCH /v1/webhooks/:id refuses %s and keeps the old url', async (url) => {
    const res = await strict.call('PATCH', `/v1/webhooks/${existing.id}`, { url }, community.key);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.detail[0]).toMatchObject({ field: 'url', code: 'blocked_destination' });
    const read = await strict.call('GET', `/v1/webhooks/${existing.id}`, undefined, community.key);
    expect(read.body.data.url).toBe(existing.url);
  });

  it('names the class of address a refused name resolves to, never the address', async () => {
    for (const [i, name] of names.entries()) {
      const res = await strict.call('POST', '/v1/webhooks', { url: `https://${name}/hook`, events: ['user.joined'] }, community.key);
      expect(res.status).toBe(400);
      const text = JSON.stringify(res.body);
      expect(res.body.message, name).toMatch(new RegExp(`host ${name.replace(/\./g, '\\.')} resolves to a (private|cloud metadata) address, not a public one`));
      for (const address of NAMED_TARGETS[i]!) expect(text, `${name} -> ${address}`).not.toContain(address);
    }
  });

  it('refuses other schemes, credentials and fragments, naming url', async () => {
    const cases: Array<[string, string]> = [
      ['ftp://example.com/hook', 'scheme_not_allowed'],
      ['file:///etc/passwd', 'scheme_not_allowed'],
      ['gopher://example.com:70/', 'scheme_not_allowed'],
      ['https://user:pass@ssrf-fine.hookline.test/hook', 'credentials_in_url'],
      ['https://token@ssrf-fine.hookline.test/hook', 'credentials_in_url'],
      ['https://ssrf-fine.hookline.test/hook#secret', 'invalid_url'],
    ];
    for (const [url, code] of cases) {
      const res = await strict.call('POST', '/v1/webhooks', { url, events: ['user.joined'] }, community.key);
      expect(res.status, url).toBe(400);
      expect(res.body.detail[0], url).toMatchObject({ field: 'url', code });
    }
  });
});

describe('blocked again at every attempt, at the address actually dialled', () => {
  it('records blocked_destination for names re-pointed after creation, and never connects', async () => {
    const community = await strict.newCommunity('ssrf at attempt');
    const names = ATTEMPT_TARGETS.map((_, i) => `ssrf-a-${i}.hookline.test`);
    // while the webhooks are saved, every name points at a public address
    mapHosts(names.map((n) => [PUBLIC_STAND_IN, n] as const));
    const webhookTarget = new Map<string, readonly string[]>();
    for (const [i, name] of names.entries()) {
      const res = await strict.call(
        'POST',
        '/v1/webhooks',
        { url: `http://${name}:${tripwire.port}/hook`, events: ['user.joined'] },
        community.key,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      webhookTarget.set(res.body.data.id, ATTEMPT_TARGETS[i]!);
    }
    // webhooks saved while private networks were allowed (the operator has since turned that off):
    // literal loopback URLs, which only the per-attempt URL check can refuse
    const policy = destinationPolicy(strict.config.delivery);
    for (const literal of ['127.0.0.1', '[::1]', '[::ffff:7f00:1]', '0.0.0.0']) {
      const url = `http://${literal}:${tripwire.port}/hook`;
      const res = await strict.call('POST', '/v1/webhooks', { url: `http://ssrf-a-0.hookline.test:${tripwire.port}/hook`, events: ['user.joined'] }, community.key);
      expect(res.status).toBe(201);
      await strict.db.updateTable('webhooks').set({ url }).where('id', '=', res.body.data.id).execute();
      expect(checkUrlSyntax(url, policy).ok, url).toBe(false);
      webhookTarget.set(res.body.data.id, [literal]);
    }

    // now every name points somewhere it must not; check that before any delivery exists
    mapHosts(ATTEMPT_TARGETS.flatMap((addresses, i) => addresses.map((a) => [a, names[i]!] as const)));
    await assertResolvesOnlyToRefused(Object.fromEntries(names.map((n, i) => [n, ATTEMPT_TARGETS[i]!])));

    // the tripwire does see connections, so zero below means zero
    await touch('127.0.0.1', tripwire.port);
    await eventually(async () => (tripwire.connections === 1 ? true : undefined), 2000);
    tripwire.connections = 0;

    const emitted = await strict.call('POST', '/v1/events', joined('ssrf'), community.key);
    expect(emitted.status).toBe(202);
    const deliveries: Array<{ id: string; webhookId: string }> = emitted.body.data.deliveries;
    expect(deliveries).toHaveLength(webhookTarget.size);

    for (const delivery of deliveries) {
      const read = await eventually(async () => {
        const r = await strict.call('GET', `/v1/deliveries/${delivery.id}`, undefined, community.key);
        return r.body.data.attempts.length > 0 ? r.body.data : undefined;
      });
      const attempt = read.attempts[0];
      const addresses = webhookTarget.get(delivery.webhookId)!;
      const target = addresses.join(' + ');
      expect(attempt.error?.code, `${target}: ${JSON.stringify(attempt)}`).toBe('blocked_destination');
      // refused for where it points, not for some other reason: a literal is named as the URL has
      // it; for a name, the class of the address it resolved to, never the address (the attempt is
      // the community's to read)
      if (!new URL(attempt.request.url).hostname.endsWith('.hookline.test')) {
        expect(attempt.error.message, attempt.error.message).toContain(addresses[0]!);
      } else {
        expect(attempt.error.message).toMatch(/resolves to a (private|cloud metadata) address, not a public one/);
        for (const address of addresses) expect(attempt.error.message).not.toContain(address);
      }
      expect(attempt.response, target).toBeNull();
    }
    expect(webhookTarget.size).toBeGreaterThanOrEqual(30);
    // retries are blocked too; give them time to run, then count what reached loopback
    await eventually(async () => {
      const rows = await strict.db
        .selectFrom('deliveries')
        .select(['status'])
        .where('community_id', '=', community.communityId)
        .execute();
      return rows.every((r) => r.status === 'failed') ? true : undefined;
    });
    const codes = await strict.db
      .selectFrom('attempts')
      .innerJoin('deliveries', 'deliveries.id', 'attempts.delivery_id')
      .select(['attempts.error_code', 'attempts.response_status'])
      .where('deliveries.community_id', '=', community.communityId)
      .execute();
    // every attempt of the schedule (one first attempt and two retries here) was refused
    expect(codes.length).toBe(webhookTarget.size * (strict.config.delivery.retryScheduleMs.length + 1));
    expect(new Set(codes.map((c) => c.error_code))).toEqual(new Set(['blocked_destination']));
    expect(tripwire.connections).toBe(0);
    restoreHosts();
  });
});

describe('ports the operator allows', () => {
  let prod: Hookline;
  let community: { communityId: string; key: string };

  beforeAll(async () => {
    // production defaults: https only, private networks refused, DELIVERY_ALLOWED_PORTS unset
    prod = await startHookline({ DELIVERY_ALLOW_PRIVATE_NETWORKS: 'false', DELIVERY_ALLOW_HTTP: 'false' });
    community = await prod.newCommunity('ports');
    mapHosts([[PUBLIC_STAND_IN, 'ssrf-port.hookline.test']]);
  });
  afterAll(async () => {
    restoreHosts();
    await prod?.stop();
  });

  it('allows 443 and 8443 by default and refuses other ports and plain http, naming url', async () => {
    expect(destinationPolicy(prod.config.delivery).allowedPorts).toEqual([443, 8443]);
    for (const url of ['https://ssrf-port.hookline.test/hook', 'https://ssrf-port.hookline.test:443/a', 'https://ssrf-port.hookline.test:8443/b']) {
      const res = await prod.call('POST', '/v1/webhooks', { url, events: ['user.joined'], active: false }, community.key);
      expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBe(201);
    }
    for (const port of [22, 25, 80, 3306, 5432, 6379, 8080, 9200, 11211, 65535]) {
      const res = await prod.call('POST', '/v1/webhooks', { url: `https://ssrf-port.hookline.test:${port}/`, events: ['user.joined'] }, community.key);
      expect(res.status, String(port)).toBe(400);
      expect(res.body.detail[0]).toMatchObject({ field: 'url', code: 'port_not_allowed' });
    }
    const http = await prod.call('POST', '/v1/webhooks', { url: 'http://ssrf-port.hookline.test/', events: ['user.joined'] }, community.key);
    expect(http.body.detail[0]).toMatchObject({ field: 'url', code: 'scheme_not_allowed' });
  });

  it('re-checks the port at every attempt: a stored URL on a port no longer allowed is blocked before any connection', async () => {
    const created = await prod.call('POST', '/v1/webhooks', { url: 'https://ssrf-port.hookline.test/hook', events: ['user.joined'] }, community.key);
    expect(created.status).toBe(201);
    // as if saved under an older, wider DELIVERY_ALLOWED_PORTS; the tripwire listens on that port
    const url = `https://127.0.0.1:${tripwire.port}/hook`;
    expect(checkUrlSyntax(url, destinationPolicy(prod.config.delivery)).ok).toBe(false);
    await prod.db.updateTable('webhooks').set({ url }).where('id', '=', created.body.data.id).execute();
    // and a name on a port outside the list, resolving to loopback
    const named = await prod.call('POST', '/v1/webhooks', { url: 'https://ssrf-port.hookline.test:8443/hook', events: ['user.joined'] }, community.key);
    const portUrl = `https://ssrf-port.hookline.test:${tripwire.port}/hook`;
    await prod.db.updateTable('webhooks').set({ url: portUrl }).where('id', '=', named.body.data.id).execute();
    mapHosts([['127.0.0.1', 'ssrf-port.hookline.test']]);
    tripwire.connections = 0;

    const emitted = await prod.call('POST', '/v1/events', joined('ports'), community.key);
    const ids = emitted.body.data.deliveries.map((d: { id: string }) => d.id);
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      const read = await eventually(async () => {
        const r = await prod.call('GET', `/v1/deliveries/${id}`, undefined, community.key);
        return r.body.data.attempts.length > 0 ? r.body.data : undefined;
      });
      expect(read.attempts[0].error.code).toBe('blocked_destination');
    }
    expect(tripwire.connections).toBe(0);
  });
});
