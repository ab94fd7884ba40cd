import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as dns from 'node:dns';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Agent, request } from 'undici';
import {
  BlockedDestinationError,
  checkUrl,
  checkUrlSyntax,
  createGuardedLookup,
  isBlockedAddress,
  type DestinationPolicy,
} from '../../src/destination/index.js';

const strict: DestinationPolicy = { allowHttp: false, allowPrivateNetworks: false, allowedPorts: 'any' };
const open: DestinationPolicy = { allowHttp: true, allowPrivateNetworks: true, allowedPorts: 'any' };

describe('checkUrlSyntax: blocked literal destinations', () => {
  const blocked: string[] = [
    // IPv4 loopback in every notation the WHATWG parser accepts
    'https://127.0.0.1/',
    'https://127.0.0.1./hook',
    'https://2130706433/',
    'https://0177.0.0.1/',
    'https://017700000001/',
    'https://0x7f.1/',
    'https://0x7f000001/',
    'https://0x7f.0.0.1/',
    'https://127.1/',
    'https://127.0.1/',
    'https://%31%32%37.0.0.1/',
    'https://127%2e0.0.1/',
    'https://\uff11\uff12\uff17.0.0.1/', // full-width digits
    'https://127.255.255.254:443/x',
    // private, link-local, CGNAT, metadata
    'https://10.0.0.1/',
    'https://012.0.0.1/', // octal 10.0.0.1
    'https://172.16.0.1/',
    'https://172.31.255.255/',
    'https://192.168.1.1/',
    'https://3232235777/', // 192.168.1.1
    'https://169.254.169.254/latest/meta-data/',
    'https://0xa9fea9fe/', // 169.254.169.254
    'https://169.254.1.1/',
    'https://100.64.0.1/',
    'https://100.100.100.200/',
    'https://192.0.0.192/',
    // unspecified, broadcast, multicast, reserved, benchmarking, documentation
    'https://0.0.0.0/',
    'https://0/',
    'https://255.255.255.255/',
    'https://224.0.0.1/',
    'https://239.255.255.250/',
    'https://240.0.0.1/',
    'https://198.18.0.1/',
    'https://198.19.255.255/',
    'https://192.0.2.1/',
    'https://198.51.100.7/',
    'https://203.0.113.9/',
    'https://192.0.0.8/',
    // IPv6
    'https://[::1]/',
    'https://[0:0:0:0:0:0:0:1]/',
    'https://[::]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:7f00:1]/',
    'https://[::ffff:10.0.0.1]/',
    'https://[::ffff:169.254.169.254]/',
    'https://[::ffff:0:127.0.0.1]/', // IPv4-translated (RFC 6145)
    'https://[::127.0.0.1]/', // IPv4-compatible (deprecated)
    'https://[::7f00:1]/',
    'https://[64:ff9b::127.0.0.1]/',
    'https://[64:ff9b::7f00:1]/',
    'https://[64:ff9b::a9fe:a9fe]/',
    'https://[64:ff9b::10.1.2.3]/',
    'https://[64:ff9b:1::808:808]/', // local-use NAT64 prefix
    'https://[fe80::1]/',
    'https://[febf:ffff::1]/',
    'https://[fc00::1]/',
    'https://[fd12:3456:789a::1]/',
    'https://[fd00:ec2::254]/',
    'https://[ff02::1]/',
    'https://[2001:db8::1]/',
    'https://[2002:7f00:1::1]/', // 6to4
    'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', // Teredo
    'https://[100::1]/', // discard-only
    'https://[4000::1]/', // outside 2000::/3
  ];

  it('has a table of at least 30 forms', () => {
    expect(blocked.length).toBeGreaterThanOrEqual(30);
  });

  it.each(blocked)('refuses %s', (raw) => {
    const res = checkUrlSyntax(raw, strict);
    expect(res).toMatchObject({ ok: false, code: 'blocked_destination' });
  });

  const names = [
    'https://localhost/',
    'https://LOCALHOST/',
    'https://localhost./',
    'https://api.localhost/hook',
    'https://printer.local/',
    'https://db.internal/',
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://metadata.goog/',
    'https://router.home.arpa/',
    'https://intranet/', // dotless: completed from search domains
  ];
  it.each(names)('refuses the local name %s', (raw) => {
    expect(checkUrlSyntax(raw, strict)).toMatchObject({ ok: false, code: 'blocked_destination' });
  });

  it('allows private literals and local names when private networks are allowed', () => {
    for (const raw of ['https://127.0.0.1/', 'https://[::1]/', 'https://10.0.0.1/', 'https://localhost/', 'https://db.internal/']) {
      expect(checkUrlSyntax(raw, open)).toMatchObject({ ok: true });
    }
  });

  it('keeps cloud metadata blocked even when private networks are allowed', () => {
    for (const raw of [
      'https://169.254.169.254/',
      'https://[fd00:ec2::254]/',
      'https://100.100.100.200/',
      'https://[::ffff:169.254.169.254]/',
      'https://metadata.google.internal/',
    ]) {
      expect(checkUrlSyntax(raw, open)).toMatchObject({ ok: false, code: 'blocked_destination' });
    }
  });
});

describe('checkUrlSyntax: allowed destinations', () => {
  const allowed = [
    'https://93.184.215.14/',
    'https://[2606:2800:21f:cb07:6820:80da:af6b:3bec]/hook',
    'https://example.com/x',
    'https://hooks.example.com/a/b?c=d&e=f',
    'https://8.8.8.8:443/',
    'https://[2606:4700:4700::1111]/',
    'https://[::ffff:8.8.8.8]/', // mapped public IPv4 is just that IPv4
    'https://[64:ff9b::8.8.8.8]/', // NAT64 of a public IPv4
    'https://example.com./trailing-dot',
    'https://xn--bcher-kva.example/', // IDN
    'https://b\u00fccher.example/',
    'HTTPS://EXAMPLE.COM/Path',
  ];
  it.each(allowed)('allows %s', (raw) => {
    const res = checkUrlSyntax(raw, strict);
    expect(res.ok).toBe(true);
  });

  it('returns the normalised URL', () => {
    const res = checkUrlSyntax('HTTPS://Example.COM:443/a', strict);
    expect(res.ok && res.url.href).toBe('https://example.com/a');
  });
});

describe('checkUrlSyntax: scheme, credentials, ports, malformed input', () => {
  it('refuses http unless allowHttp', () => {
    expect(checkUrlSyntax('http://example.com/', strict)).toMatchObject({ ok: false, code: 'scheme_not_allowed' });
    expect(checkUrlSyntax('http://example.com/', { ...strict, allowHttp: true })).toMatchObject({ ok: true });
  });

  it('refuses other schemes even with allowHttp', () => {
    for (const raw of ['ftp://example.com/', 'file:///etc/passwd', 'gopher://example.com/', 'javascript:alert(1)', 'ws://example.com/']) {
      expect(checkUrlSyntax(raw, open)).toMatchObject({ ok: false, code: 'scheme_not_allowed' });
    }
  });

  it('refuses credentials', () => {
    for (const raw of ['https://user:pass@example.com/', 'https://user@example.com/', 'https://:secret@example.com/']) {
      expect(checkUrlSyntax(raw, strict)).toMatchObject({ ok: false, code: 'credentials_in_url' });
    }
  });

  it('enforces allowedPorts', () => {
    const only443: DestinationPolicy = { ...strict, allowedPorts: [443] };
    expect(checkUrlSyntax('https://example.com:8443/', only443)).toMatchObject({ ok: false, code: 'port_not_allowed' });
    expect(checkUrlSyntax('https://example.com/', only443)).toMatchObject({ ok: true });
    expect(checkUrlSyntax('https://example.com:443/', only443)).toMatchObject({ ok: true });
    expect(checkUrlSyntax('https://example.com:8443/', strict)).toMatchObject({ ok: true });
    // http's default port is 80, so it must be listed when http is allowed
    expect(checkUrlSyntax('http://example.com/', { ...only443, allowHttp: true })).toMatchObject({ ok: false, code: 'port_not_allowed' });
    expect(checkUrlSyntax('https://example.com:0/', strict)).toMatchObject({ ok: false, code: 'port_not_allowed' });
  });

  it('refuses malformed input', () => {
    for (const raw of ['', 'example.com/hook', '/relative', 'https://', 'https://exa mple.com/', ' https://example.com/', 'https://example.com/\n', 'https://1.2.3.4.5/', 'https://[::1/', `https://example.com/${'a'.repeat(3000)}`]) {
      expect(checkUrlSyntax(raw, strict)).toMatchObject({ ok: false, code: 'invalid_url' });
    }
  });

  it('refuses a fragment rather than silently dropping it', () => {
    expect(checkUrlSyntax('https://example.com/hook#token', strict)).toMatchObject({ ok: false, code: 'invalid_url' });
    expect(checkUrlSyntax('https://example.com/hook#', strict)).toMatchObject({ ok: false, code: 'invalid_url' });
  });

  it('judges the host the parser sees, not the one a human reads', () => {
    // WHATWG treats "\" as "/" in special schemes, so the host here is 127.0.0.1.
    expect(checkUrlSyntax('https://127.0.0.1\\@example.com/', strict)).toMatchObject({ ok: false, code: 'blocked_destination' });
  });
});

describe('isBlockedAddress', () => {
  it.each([
    '127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.0.1', '169.254.169.254', '100.64.0.1', '100.100.100.200',
    '0.0.0.0', '255.255.255.255', '224.0.0.251', '198.18.0.1', '192.0.2.1', '240.0.0.1',
    '::1', '::', 'fe80::1', 'fe80::1%eth0', 'fc00::1', 'fd00:ec2::254', 'ff02::1', '2001:db8::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::127.0.0.1', '64:ff9b::7f00:1', '64:ff9b::169.254.169.254',
    '2002:a00:1::', '0177.0.0.1', '2130706433', 'not-an-ip', '', '[::1]',
  ])('blocks %s', (ip) => {
    expect(isBlockedAddress(ip)).toBe(true);
  });

  it.each(['8.8.8.8', '93.184.215.14', '1.1.1.1', '2606:4700:4700::1111', '2a00:1450:4001:81c::200e', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '[2606:4700:4700::1111]'])(
    'passes %s',
    (ip) => {
      expect(isBlockedAddress(ip)).toBe(false);
    },
  );
});

type Answer = { address: string; family: number }[];

function fakePromiseLookup(table: Record<string, Answer>): typeof dns.promises.lookup {
  const fn = async (hostname: string) => {
    const answer = table[hostname];
    if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answer;
  };
  return fn as unknown as typeof dns.promises.lookup;
}

describe('checkUrl with DNS', () => {
  const lookup = fakePromiseLookup({
    'private.example.com': [{ address: '10.0.0.5', family: 4 }],
    'mixed.example.com': [
      { address: '93.184.215.14', family: 4 },
      { address: '192.168.1.10', family: 4 },
    ],
    'mixed6.example.com': [
      { address: '2606:2800:21f:cb07:6820:80da:af6b:3bec', family: 6 },
      { address: 'fd00::1', family: 6 },
    ],
    'public.example.com': [
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07:6820:80da:af6b:3bec', family: 6 },
    ],
    'loopback.example.com': [{ address: '127.0.0.1', family: 4 }],
    'imds.example.com': [{ address: '169.254.169.254', family: 4 }],
    'empty.example.com': [],
  });

  it('blocks a name resolving to a private address', async () => {
    expect(await checkUrl('https://private.example.com/', strict, lookup)).toMatchObject({ ok: false, code: 'blocked_destination' });
  });

  it('blocks a name when any one of its addresses is private', async () => {
    expect(await checkUrl('https://mixed.example.com/', strict, lookup)).toMatchObject({ ok: false, code: 'blocked_destination' });
    expect(await checkUrl('https://mixed6.example.com/', strict, lookup)).toMatchObject({ ok: false, code: 'blocked_destination' });
  });

  it('passes a name resolving only to public addresses', async () => {
    const res = await checkUrl('https://public.example.com/hook', strict, lookup);
    expect(res.ok && res.url.href).toBe('https://public.example.com/hook');
  });

  it('reports unresolvable names', async () => {
    expect(await checkUrl('https://nope.example.com/', strict, lookup)).toMatchObject({ ok: false, code: 'unresolvable_host' });
    expect(await checkUrl('https://empty.example.com/', strict, lookup)).toMatchObject({ ok: false, code: 'unresolvable_host' });
  });

  it('lets private addresses through when allowPrivateNetworks is true', async () => {
    expect(await checkUrl('https://loopback.example.com/', open, lookup)).toMatchObject({ ok: true });
    expect(await checkUrl('http://127.0.0.1:8080/', open, lookup)).toMatchObject({ ok: true });
  });

  it('still refuses metadata addresses when allowPrivateNetworks is true', async () => {
    expect(await checkUrl('https://imds.example.com/', open, lookup)).toMatchObject({ ok: false, code: 'blocked_destination' });
  });

  it('does not resolve IP literals and reports static failures first', async () => {
    const explode = (async () => {
      throw new Error('lookup must not be called');
    }) as unknown as typeof dns.promises.lookup;
    expect(await checkUrl('https://93.184.215.14/', strict, explode)).toMatchObject({ ok: true });
    expect(await checkUrl('https://127.0.0.1/', strict, explode)).toMatchObject({ ok: false, code: 'blocked_destination' });
    expect(await checkUrl('http://example.com/', strict, explode)).toMatchObject({ ok: false, code: 'scheme_not_allowed' });
  });
});

/** A callback-style dns.lookup fake that honours `all` like the real one. */
function fakeLookup(table: Record<string, Answer>): typeof dns.lookup {
  const fn = (hostname: string, options: dns.LookupOptions, cb: (...args: unknown[]) => void) => {
    const answer = table[hostname];
    setImmediate(() => {
      if (!answer || answer.length === 0) {
        cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
      } else if (options.all) {
        cb(null, answer);
      } else {
        cb(null, answer[0]!.address, answer[0]!.family);
      }
    });
  };
  return fn as unknown as typeof dns.lookup;
}

type LookupResult = { err: NodeJS.ErrnoException | null; address?: unknown; family?: number };

function callLookup(lookup: typeof dns.lookup, hostname: string, options: dns.LookupOptions): Promise<LookupResult> {
  return new Promise((resolve) => {
    (lookup as unknown as (h: string, o: dns.LookupOptions, cb: (...a: unknown[]) => void) => void)(
      hostname,
      options,
      (err, address, family) => resolve({ err: err as NodeJS.ErrnoException | null, address, family: family as number | undefined }),
    );
  });
}

describe('createGuardedLookup', () => {
  const base = fakeLookup({
    'imds.example.com': [{ address: '169.254.169.254', family: 4 }],
    'public.example.com': [
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07:6820:80da:af6b:3bec', family: 6 },
    ],
    'second-private.example.com': [
      { address: '93.184.215.14', family: 4 },
      { address: '10.0.0.1', family: 4 },
    ],
    'loopback.example.com': [{ address: '127.0.0.1', family: 4 }],
  });
  const guarded = createGuardedLookup({ allowPrivateNetworks: false }, base);

  for (const all of [true, false]) {
    it(`blocks a metadata answer with BLOCKED_DESTINATION (all: ${all})`, async () => {
      const { err } = await callLookup(guarded, 'imds.example.com', { all });
      expect(err).toBeInstanceOf(BlockedDestinationError);
      expect(err?.code).toBe('BLOCKED_DESTINATION');
    });

    it(`passes a public answer through (all: ${all})`, async () => {
      const res = await callLookup(guarded, 'public.example.com', { all });
      expect(res.err).toBeNull();
      if (all) {
        expect(res.address).toEqual([
          { address: '93.184.215.14', family: 4 },
          { address: '2606:2800:21f:cb07:6820:80da:af6b:3bec', family: 6 },
        ]);
      } else {
        expect(res.address).toBe('93.184.215.14');
        expect(res.family).toBe(4);
      }
    });
  }

  it('blocks when any address of an all:true answer is blocked', async () => {
    const { err } = await callLookup(guarded, 'second-private.example.com', { all: true });
    expect(err?.code).toBe('BLOCKED_DESTINATION');
  });

  it('passes resolver errors through unchanged', async () => {
    const { err } = await callLookup(guarded, 'missing.example.com', { all: true });
    expect(err?.code).toBe('ENOTFOUND');
  });

  it('accepts the (hostname, callback) and (hostname, family, callback) forms', async () => {
    const viaCallback = await new Promise<LookupResult>((resolve) => {
      guarded('public.example.com', (err, address, family) => resolve({ err, address, family }));
    });
    expect(viaCallback).toMatchObject({ err: null, address: '93.184.215.14', family: 4 });
    const viaFamily = await new Promise<LookupResult>((resolve) => {
      guarded('imds.example.com', 4, (err, address, family) => resolve({ err, address, family }));
    });
    expect(viaFamily.err?.code).toBe('BLOCKED_DESTINATION');
  });

  it('allows private but not metadata answers when allowPrivateNetworks is true', async () => {
    const lenient = createGuardedLookup({ allowPrivateNetworks: true }, base);
    expect((await callLookup(lenient, 'loopback.example.com', { all: true })).err).toBeNull();
    expect((await callLookup(lenient, 'imds.example.com', { all: false })).err?.code).toBe('BLOCKED_DESTINATION');
  });
});

describe('createGuardedLookup inside an undici Agent (real sockets)', () => {
  let server: http.Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      hits++;
      res.end('reached');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  // Both the happy-eyeballs path (lookup with all:true) and the single-address path.
  for (const autoSelectFamily of [true, false]) {
    it(`refuses localhost with BLOCKED_DESTINATION on the error (autoSelectFamily: ${autoSelectFamily})`, async () => {
      const agent = new Agent({ connect: { lookup: createGuardedLookup({ allowPrivateNetworks: false }), autoSelectFamily } });
      const before = hits;
      try {
        const err: unknown = await request(`http://localhost:${port}/`, { dispatcher: agent }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(Error);
        // undici's request() rejects with the lookup's own error, so `err.code` carries it.
        expect((err as NodeJS.ErrnoException).code).toBe('BLOCKED_DESTINATION');
        expect(hits).toBe(before);
      } finally {
        await agent.close();
      }
    });

    it(`reaches the server when private networks are allowed (autoSelectFamily: ${autoSelectFamily})`, async () => {
      const agent = new Agent({ connect: { lookup: createGuardedLookup({ allowPrivateNetworks: true }), autoSelectFamily } });
      try {
        const res = await request(`http://localhost:${port}/`, { dispatcher: agent });
        expect(res.statusCode).toBe(200);
        expect(await res.body.text()).toBe('reached');
      } finally {
        await agent.close();
      }
    });
  }
});
