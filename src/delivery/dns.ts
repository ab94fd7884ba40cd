import * as dns from 'node:dns';
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import CacheableLookup from 'cacheable-lookup';

/**
 * The name lookups of delivery attempts. Node's own `dns.lookup` is getaddrinfo on libuv's thread
 * pool (four threads by default) and cannot be cancelled: a handful of webhooks whose names hang
 * would hold every thread, and every other webhook's lookup (and fs work) would queue behind them.
 * These lookups are asynchronous DNS queries on the event loop instead (c-ares, `dns.Resolver`),
 * each bounded by `timeoutMs`, cached by their TTL and shared by concurrent attempts to the same
 * name (cacheable-lookup). The hosts file is read first, as the system resolver would (a name it
 * maps never reaches DNS); a name the DNS servers do not know is asked of the system resolver once;
 * a DNS server that does not answer is a `dns` error after `timeoutMs`, never a blocked thread.
 */
export interface DeliveryDns {
  lookup: typeof dns.lookup;
}

export class DnsTimeoutError extends Error {
  readonly code = 'ETIMEOUT';
  constructor(hostname: string, timeoutMs: number) {
    super(`DNS lookup of ${hostname} did not answer within ${timeoutMs} ms`);
    this.name = 'DnsTimeoutError';
  }
}

export function createDeliveryDns(options: {
  timeoutMs: number;
  servers?: readonly string[] | undefined;
  hostsFile?: string | undefined;
}): DeliveryDns {
  // c-ares' timeout is per try: three tries inside the overall bound, so one lost UDP packet costs a
  // third of it, not all of it
  const resolver = new dns.promises.Resolver({ timeout: Math.max(100, Math.floor(options.timeoutMs / 3)), tries: 3 });
  if (options.servers?.length) resolver.setServers([...options.servers]);
  const cacheable = new CacheableLookup({ resolver, maxTtl: 300, errorTtl: 0.15 });
  const hosts = hostsFile(options.hostsFile ?? '/etc/hosts');

  function lookup(hostname: string, opts: unknown, callback?: unknown): void {
    const cb = (typeof opts === 'function' ? opts : callback) as (err: NodeJS.ErrnoException | null, address?: unknown, family?: number) => void;
    const lookupOptions = (typeof opts === 'function' ? {} : typeof opts === 'number' ? { family: opts } : (opts ?? {})) as dns.LookupOptions;
    const mapped = hosts(hostname).filter((a) => !lookupOptions.family || a.family === lookupOptions.family);
    if (mapped.length > 0) {
      queueMicrotask(() => (lookupOptions.all ? cb(null, mapped) : cb(null, mapped[0]!.address, mapped[0]!.family)));
      return;
    }
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      cb(new DnsTimeoutError(hostname, options.timeoutMs));
    }, options.timeoutMs);
    timer.unref();
    cacheable.lookup(hostname, lookupOptions as never, ((err: NodeJS.ErrnoException | null, address?: unknown, family?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cb(err, address, family);
    }) as never);
  }
  return { lookup: lookup as unknown as typeof dns.lookup };
}

/**
 * The addresses the hosts file gives a name, re-read when the file changes (a stat per lookup, on a
 * file that is tiny and local).
 */
function hostsFile(path: string): (hostname: string) => dns.LookupAddress[] {
  let seen = '';
  let byName = new Map<string, dns.LookupAddress[]>();
  return (hostname) => {
    let stamp: string;
    try {
      const stat = statSync(path);
      stamp = `${stat.mtimeMs}:${stat.size}`;
    } catch {
      return [];
    }
    if (stamp !== seen) {
      seen = stamp;
      byName = parseHosts(readFileSync(path, 'utf8'));
    }
    return byName.get(hostname.toLowerCase().replace(/\.$/, '')) ?? [];
  };
}

export function parseHosts(text: string): Map<string, dns.LookupAddress[]> {
  const byName = new Map<string, dns.LookupAddress[]>();
  for (const line of text.split('\n')) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    const family = address ? isIP(address) : 0;
    if (!address || family === 0) continue;
    for (const name of names) {
      const key = name.toLowerCase();
      const list = byName.get(key) ?? [];
      if (!list.some((a) => a.address === address)) list.push({ address, family });
      byName.set(key, list);
    }
  }
  return byName;
}
