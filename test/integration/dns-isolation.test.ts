import * as dns from 'node:dns';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryDns, DnsTimeoutError } from '../../src/delivery/dns.js';
import { createDeliveryAgent, sendWebhook } from '../../src/delivery/send.js';
import { TestDnsServer } from '../support/dns-server.js';

/**
 * Name lookups of attempts (src/delivery/dns.ts) have a deadline and do not queue behind each other:
 * with fifty lookups hanging on a DNS server that never answers them, another name resolves at once,
 * and each hanging one fails when its deadline passes. getaddrinfo (Node's dns.lookup) runs on
 * libuv's four-thread pool, where four hanging names would hold every thread. Two deadlines for an
 * attempt: a connection (here: a TLS handshake that never comes) ends at the connect timeout, an
 * answer that never comes at the response timeout.
 */
let server: TestDnsServer;
let target: http.Server;
let targetPort: number;

beforeAll(async () => {
  server = await TestDnsServer.start({ 'ok.hookline.test': '127.0.0.1' });
  target = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetPort = (target.address() as AddressInfo).port;
});
afterAll(async () => {
  await server?.stop();
  await new Promise((resolve) => target?.close(resolve));
});

describe('delivery DNS', () => {
  it('answers one name at once while fifty others hang, and ends each hanging lookup at its deadline', async () => {
    const { lookup } = createDeliveryDns({ timeoutMs: 800, servers: [server.address], hostsFile: '/nonexistent' });
    const lookupAsync = promisify(lookup) as (host: string, options: dns.LookupOptions) => Promise<unknown>;
    const started = Date.now();
    const hanging = Array.from({ length: 50 }, (_, i) =>
      lookupAsync(`hang-${i}.hookline.test`, { all: true }).then(
        () => ({ ok: true, ms: Date.now() - started }),
        (error: unknown) => ({ ok: false, error, ms: Date.now() - started }),
      ),
    );
    await new Promise((r) => setTimeout(r, 50));
    const okStarted = Date.now();
    const answer = await lookupAsync('ok.hookline.test', { all: true });
    const okMs = Date.now() - okStarted;
    expect(answer).toMatchObject([{ address: '127.0.0.1', family: 4 }]);
    expect(okMs).toBeLessThan(200);
    const results = await Promise.all(hanging);
    for (const result of results) {
      expect(result.ok).toBe(false);
      expect((result as { error: unknown }).error).toBeInstanceOf(DnsTimeoutError);
      expect(result.ms).toBeGreaterThanOrEqual(750);
      expect(result.ms).toBeLessThan(2000);
    }
  });

  it('an attempt to a name that hangs fails with error code dns at the deadline; a name that resolves is delivered', async () => {
    const agent = createDeliveryAgent({ allowPrivateNetworks: true, timeoutMs: 5000, connectTimeoutMs: 2000, dnsTimeoutMs: 600, dnsServers: [server.address] });
    try {
      const [hung, ok] = await Promise.all([
        sendWebhook(agent, `http://hang-attempt.hookline.test:${targetPort}/`, {}, '{}', 5000),
        sendWebhook(agent, `http://ok.hookline.test:${targetPort}/`, {}, '{}', 5000),
      ]);
      expect(hung).toMatchObject({ kind: 'error', code: 'dns' });
      expect(hung.durationMs).toBeLessThan(1500);
      expect(ok).toMatchObject({ kind: 'response', status: 200 });
    } finally {
      await agent.close();
    }
  });

  it('keeps the connection deadline apart from the answer deadline', async () => {
    // accepts TCP and never answers the TLS handshake: the connection is never made
    const sockets: net.Socket[] = [];
    const mute = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    // answers headers never: the connection is made, the answer does not come
    const slow = http.createServer(() => {});
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const agent = createDeliveryAgent({ allowPrivateNetworks: true, timeoutMs: 3000, connectTimeoutMs: 700 });
    try {
      const connect = await sendWebhook(agent, `https://127.0.0.1:${(mute.address() as AddressInfo).port}/`, {}, '{}', 3000);
      expect(connect).toMatchObject({ kind: 'error', code: 'connect_timeout' });
      expect(connect.durationMs).toBeLessThan(2000);
      const answer = await sendWebhook(agent, `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`, {}, '{}', 3000);
      expect(answer).toMatchObject({ kind: 'error', code: 'timeout' });
      expect(answer.durationMs).toBeGreaterThanOrEqual(2900);
    } finally {
      await agent.close();
      for (const s of sockets) s.destroy();
      slow.closeAllConnections();
      await Promise.all([new Promise((r) => mute.close(r)), new Promise((r) => slow.close(r))]);
    }
  });
});
