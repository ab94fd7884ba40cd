import * as dns from 'node:dns';
import { isIPv4 } from 'node:net';
import { classifyAddress, describeRefusedAddress, isRefusedAddress } from './address.js';

export interface DestinationPolicy {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
  allowedPorts: readonly number[] | 'any';
}

export type UrlCheckCode =
  | 'invalid_url'
  | 'scheme_not_allowed'
  | 'credentials_in_url'
  | 'port_not_allowed'
  | 'blocked_destination'
  | 'unresolvable_host';

export type UrlCheck = { ok: true; url: URL } | { ok: false; code: UrlCheckCode; message: string };

// Long enough for any real endpoint with a token in its query; short enough that a URL cannot be
// used to bloat rows, logs and the attempt records that copy it.
const MAX_URL_LENGTH = 2048;

// getaddrinfo cannot be cancelled, but an API request should not hang on a slow resolver.
const LOOKUP_TIMEOUT_MS = 5000;

// Names that point at the cloud metadata service; refused in every policy, like its addresses.
const METADATA_HOSTNAMES = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
]);

// Special-use names (RFC 6761, RFC 8375, ICANN's .internal) that only ever mean "this machine" or
// "this site"; DNS would usually catch them too, but the static check also guards paths that skip
// resolution and gives the user a clear reason.
const LOCAL_SUFFIXES = ['localhost', 'local', 'internal', 'localdomain', 'home.arpa'];

function fail(code: UrlCheckCode, message: string): UrlCheck {
  return { ok: false, code, message };
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

function checkHostname(hostname: string, policy: DestinationPolicy): UrlCheck | undefined {
  // The WHATWG parser has already turned every IPv4 spelling (2130706433, 0177.0.0.1, 0x7f.1,
  // 127.1, full-width digits, %2e) into dotted decimal and IPv6 into its bracketed short form,
  // so classifying the parsed hostname covers them all.
  if (hostname.startsWith('[') || isIPv4(hostname)) {
    const cls = classifyAddress(hostname);
    if (cls === undefined) return fail('invalid_url', `host ${hostname} is not a valid IP address`);
    if (isRefusedAddress(hostname, policy)) {
      return fail(
        'blocked_destination',
        cls === 'metadata'
          ? `host ${hostname} is a cloud metadata address`
          : `host ${hostname} is not a public address (loopback, private, link-local or reserved)`,
      );
    }
    return undefined;
  }

  // A trailing dot makes a name fully qualified without changing what it resolves to.
  const name = hostname.replace(/\.+$/, '');
  if (name === '') return fail('invalid_url', 'the URL has no host');
  if (METADATA_HOSTNAMES.has(name)) {
    return fail('blocked_destination', `host ${hostname} is a cloud metadata service`);
  }
  if (policy.allowPrivateNetworks) return undefined;
  if (LOCAL_SUFFIXES.some((s) => name === s || name.endsWith(`.${s}`))) {
    return fail('blocked_destination', `host ${hostname} is a local or internal name, not a public one`);
  }
  // A dotless name is completed from the resolver's search domains, i.e. an internal host.
  if (!name.includes('.')) {
    return fail('blocked_destination', `host ${hostname} is not a fully qualified public domain name`);
  }
  return undefined;
}

/**
 * Static check of a webhook URL, no DNS. On success `url` is the parsed, normalised URL; store and
 * dial `url.href`, not the raw text, so that the parser that checked it is the one that decides.
 */
export function checkUrlSyntax(raw: string, policy: DestinationPolicy): UrlCheck {
  if (typeof raw !== 'string' || raw.length === 0) return fail('invalid_url', 'the URL is empty');
  if (raw.length > MAX_URL_LENGTH) {
    return fail('invalid_url', `the URL is longer than ${MAX_URL_LENGTH} characters`);
  }
  // The parser silently drops tabs/newlines and trims spaces; refusing them keeps what the user
  // typed and what gets dialled the same text.
  if (/[\u0000-\u0020\u007f]/.test(raw)) {
    return fail('invalid_url', 'the URL contains spaces or control characters; percent-encode them');
  }

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('invalid_url', 'the URL could not be parsed; give an absolute URL such as https://example.com/hook');
  }

  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    return fail(
      'scheme_not_allowed',
      policy.allowHttp ? 'the URL must start with https:// or http://' : 'the URL must start with https://',
    );
  }
  if (url.username !== '' || url.password !== '') {
    return fail('credentials_in_url', 'the URL must not contain a username or password; use the signing secret to authenticate');
  }
  // Rejected rather than stripped: a fragment is never sent to the server, so a user who put a
  // token there would otherwise see it silently vanish and the receiver reject every delivery.
  if (raw.includes('#')) {
    return fail('invalid_url', 'the URL must not contain a #fragment; it is never sent to the receiver');
  }

  const port = url.port === '' ? defaultPort(url.protocol) : Number(url.port);
  if (port === 0 || (policy.allowedPorts !== 'any' && !policy.allowedPorts.includes(port))) {
    const allowed = policy.allowedPorts === 'any' ? '1-65535' : policy.allowedPorts.join(', ');
    return fail('port_not_allowed', `port ${port} is not allowed (allowed: ${allowed})`);
  }

  return checkHostname(url.hostname, policy) ?? { ok: true, url };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('lookup timed out'), { code: 'ETIMEOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Full check at create/update time: the static check, then the host's current DNS answer. Refuses
 * when ANY address is blocked, since the sender may dial any of them. DNS can change afterwards;
 * createGuardedLookup enforces the same rule at connect time.
 */
export async function checkUrl(
  raw: string,
  policy: DestinationPolicy,
  lookup: typeof dns.promises.lookup = dns.promises.lookup,
): Promise<UrlCheck> {
  const syntax = checkUrlSyntax(raw, policy);
  if (!syntax.ok) return syntax;
  const hostname = syntax.url.hostname;
  // IP literals were fully judged by the static check.
  if (hostname.startsWith('[') || isIPv4(hostname)) return syntax;

  let addresses: dns.LookupAddress[];
  try {
    addresses = await withTimeout(lookup(hostname, { all: true }), LOOKUP_TIMEOUT_MS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    return fail('unresolvable_host', `host ${hostname} could not be resolved${code ? ` (${code})` : ''}`);
  }
  if (addresses.length === 0) return fail('unresolvable_host', `host ${hostname} has no addresses`);

  const refused = addresses.find((a) => isRefusedAddress(a.address, policy));
  if (refused) {
    // the class of the address, never the address: the user typed the name, not what it resolves to
    return fail('blocked_destination', `host ${hostname} resolves to ${describeRefusedAddress(refused.address)}, not a public one`);
  }
  return syntax;
}
