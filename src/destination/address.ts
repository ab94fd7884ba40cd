import * as dns from 'node:dns';
import ipaddr from 'ipaddr.js';

/**
 * How an address is treated:
 * - `public`: ordinary global unicast; always allowed.
 * - `non-public`: loopback, RFC 1918, link-local, CGNAT, multicast, reserved, documentation, ...;
 *   allowed only when the operator sets DELIVERY_ALLOW_PRIVATE_NETWORKS.
 * - `metadata`: cloud instance-metadata endpoints; refused even when private networks are allowed,
 *   because no webhook receiver legitimately lives there and it is the prize of every SSRF.
 */
export type AddressClass = 'public' | 'non-public' | 'metadata';

// Listed on top of the range checks (they all fall in blocked ranges already) so that they stay
// refused when the operator opens up private networks.
const METADATA_IPV4 = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OCI, DigitalOcean, OpenStack
  '169.254.170.2', // AWS ECS task metadata / credentials
  '169.254.170.23', // AWS EKS Pod Identity agent
  '100.100.100.200', // Alibaba Cloud
  '192.0.0.192', // Oracle Cloud (legacy)
]);
const METADATA_IPV6 = new Set(
  ['fd00:ec2::254', 'fd00:ec2::23'].map((a) => ipaddr.IPv6.parse(a).toNormalizedString()),
);

const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
// Everything outside 2000::/3 is either special-purpose or unallocated, so a "unicast" verdict from
// ipaddr there (it only knows the special ranges it lists) is not evidence of a public address.
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');

function classifyV4(addr: ipaddr.IPv4): AddressClass {
  if (METADATA_IPV4.has(addr.toString())) return 'metadata';
  return addr.range() === 'unicast' ? 'public' : 'non-public';
}

function embeddedV4(addr: ipaddr.IPv6): ipaddr.IPv4 {
  const hi = addr.parts[6] ?? 0;
  const lo = addr.parts[7] ?? 0;
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

function classifyV6(addr: ipaddr.IPv6): AddressClass {
  if (METADATA_IPV6.has(addr.toNormalizedString())) return 'metadata';
  const range = addr.range();
  switch (range) {
    // These forms reach the embedded IPv4 host (the kernel for mapped, a translator for the
    // others), so they are exactly as dangerous as that IPv4 address.
    case 'ipv4Mapped':
    case 'rfc6145':
      return classifyV4(embeddedV4(addr));
    case 'rfc6052':
      // 64:ff9b:1::/48 is the local-use NAT64 prefix: translation is site-specific, so refuse it.
      return addr.match(NAT64_WELL_KNOWN) ? classifyV4(embeddedV4(addr)) : 'non-public';
    case 'unicast': {
      const [a, b, c, d, e, f] = addr.parts;
      if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0) {
        // IPv4-compatible ::a.b.c.d (deprecated by RFC 4291): no legitimate use, but keep a
        // metadata verdict if it embeds one so the stricter refusal wins.
        return classifyV4(embeddedV4(addr)) === 'metadata' ? 'metadata' : 'non-public';
      }
      return addr.match(GLOBAL_UNICAST) ? 'public' : 'non-public';
    }
    default:
      // Includes 6to4 and Teredo: both tunnel to an IPv4 endpoint chosen by the address itself
      // and are obsolete, so they are refused outright rather than decoded.
      return 'non-public';
  }
}

/**
 * Classifies an IP address string (bare or in [brackets]; any IPv4 notation ipaddr.js accepts).
 * Returns undefined when the text is not an IP address at all.
 */
export function classifyAddress(ip: string): AddressClass | undefined {
  let text = ip.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  // A zone id only makes sense on scoped (link-local) addresses.
  if (text.includes('%')) return ipaddr.isValid(text) ? 'non-public' : undefined;
  if (!ipaddr.isValid(text)) return undefined;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(text);
  } catch {
    return undefined;
  }
  return addr.kind() === 'ipv4' ? classifyV4(addr as ipaddr.IPv4) : classifyV6(addr as ipaddr.IPv6);
}

/** True unless `ip` is a public unicast address. Fails closed: text that is not an IP is blocked. */
export function isBlockedAddress(ip: string): boolean {
  return classifyAddress(ip) !== 'public';
}

/** True for the cloud instance-metadata addresses, which stay blocked in every policy. */
export function isCloudMetadataAddress(ip: string): boolean {
  return classifyAddress(ip) === 'metadata';
}

/**
 * What a refusal tells the user about an address: its class, never the address itself. The user
 * typed the name, not what it resolves to: quoting the private address a name resolved to would
 * map the internal network one webhook at a time.
 */
export function describeRefusedAddress(ip: string): string {
  const cls = classifyAddress(ip);
  if (cls === 'metadata') return 'a cloud metadata address';
  if (cls === 'non-public') return 'a private address';
  return 'an address that is not a public IP address';
}

/** Whether `policy` refuses a connection to `ip`. */
export function isRefusedAddress(ip: string, policy: { allowPrivateNetworks: boolean }): boolean {
  const cls = classifyAddress(ip);
  if (cls === undefined || cls === 'metadata') return true;
  return cls === 'non-public' && !policy.allowPrivateNetworks;
}

export const BLOCKED_DESTINATION = 'BLOCKED_DESTINATION' as const;

/** Raised by the guarded lookup; `code` is what callers match on, since wrappers keep it. */
export class BlockedDestinationError extends Error {
  readonly code = BLOCKED_DESTINATION;
  readonly hostname: string;
  readonly address: string;
  constructor(hostname: string, address: string) {
    // the class, not the address: the message is recorded in the attempt, which the community reads
    super(`destination ${hostname} resolves to ${describeRefusedAddress(address)}, not a public one`);
    this.name = 'BlockedDestinationError';
    this.hostname = hostname;
    this.address = address;
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address?: unknown, family?: number) => void;
type LooseLookup = (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => void;

/**
 * A drop-in for `dns.lookup` that refuses blocked addresses. Meant for the `lookup` option of
 * net/tls.connect (undici: `new Agent({ connect: { lookup } })`), so the check applies to the
 * address actually dialled and a DNS answer that changed since the URL was validated (rebinding)
 * is still caught. Node calls it with `all: true` when autoSelectFamily is on (the default on
 * Node 20) and expects `(err, addresses[])`; otherwise `(err, address, family)`.
 *
 * IP literals never reach a lookup function (net connects to them directly), so the sender must
 * also run checkUrlSyntax on the URL before each attempt.
 */
export function createGuardedLookup(
  policy: { readonly allowPrivateNetworks: boolean },
  baseLookup: typeof dns.lookup = dns.lookup,
): typeof dns.lookup {
  const base = baseLookup as unknown as LooseLookup;
  function guardedLookup(hostname: string, options: unknown, callback?: unknown): void {
    let opts = options;
    let cb = callback;
    if (typeof opts === 'function') {
      cb = opts;
      opts = undefined;
    }
    if (typeof cb !== 'function') throw new TypeError('lookup: callback must be a function');
    const done = cb as LookupCallback;
    const lookupOptions: dns.LookupOptions =
      typeof opts === 'number' ? { family: opts } : { ...((opts as dns.LookupOptions | undefined) ?? {}) };
    const wantAll = lookupOptions.all === true;

    base(hostname, lookupOptions, (err, address, family) => {
      if (err) {
        done(err);
        return;
      }
      const entries: dns.LookupAddress[] = wantAll
        ? ((address as dns.LookupAddress[] | undefined) ?? [])
        : [{ address: String(address), family: family ?? 0 }];
      // Every entry counts: with all:true net may dial any of them (happy eyeballs).
      const refused = entries.find((e) => isRefusedAddress(e.address, policy));
      if (refused) {
        done(new BlockedDestinationError(hostname, refused.address));
        return;
      }
      if (wantAll) done(null, entries);
      else done(null, address, family);
    });
  }
  return guardedLookup as unknown as typeof dns.lookup;
}
