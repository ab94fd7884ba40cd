import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { checkUrlSyntax, defaultAllowedPorts, destinationPolicy } from '../../src/destination/index.js';
import { parsePortList as parseAllowedPorts } from '../../src/ports.js';

describe('DELIVERY_ALLOWED_PORTS', () => {
  it('parses "any" and comma lists, dropping repeats', () => {
    expect(parseAllowedPorts('any')).toEqual({ ok: true, ports: 'any' });
    expect(parseAllowedPorts(' ANY ')).toEqual({ ok: true, ports: 'any' });
    expect(parseAllowedPorts('443')).toEqual({ ok: true, ports: [443] });
    expect(parseAllowedPorts('443, 8443,443,80')).toEqual({ ok: true, ports: [443, 8443, 80] });
  });

  it.each(['', '0', '65536', '443,', 'https', '44 3', '-1', '1e3', '443;8443', '0x1bb'])('refuses %j', (text) => {
    expect(parseAllowedPorts(text).ok).toBe(false);
  });

  it('defaults to 443,8443, adds 80 only with http, and any port only with private networks', () => {
    expect(defaultAllowedPorts({ allowHttp: false, allowPrivateNetworks: false })).toEqual([443, 8443]);
    expect(defaultAllowedPorts({ allowHttp: true, allowPrivateNetworks: false })).toEqual([443, 8443, 80]);
    expect(defaultAllowedPorts({ allowHttp: true, allowPrivateNetworks: true })).toBe('any');
  });

  it('is read by loadConfig, and a bad value names the variable', () => {
    expect(destinationPolicy(loadConfig({}).delivery).allowedPorts).toEqual([443, 8443]);
    expect(destinationPolicy(loadConfig({ DELIVERY_ALLOW_HTTP: 'true' }).delivery).allowedPorts).toEqual([443, 8443, 80]);
    expect(destinationPolicy(loadConfig({ DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true' }).delivery).allowedPorts).toBe('any');
    expect(destinationPolicy(loadConfig({ DELIVERY_ALLOWED_PORTS: '443,9000' }).delivery).allowedPorts).toEqual([443, 9000]);
    // an explicit list wins over the development default
    expect(destinationPolicy(loadConfig({ DELIVERY_ALLOWED_PORTS: '443', DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true' }).delivery).allowedPorts).toEqual([443]);
    expect(() => loadConfig({ DELIVERY_ALLOWED_PORTS: '443,http' })).toThrow(/^invalid configuration: DELIVERY_ALLOWED_PORTS /);
  });

  it('is the policy the URL check applies', () => {
    const strict = destinationPolicy(loadConfig({}).delivery);
    expect(checkUrlSyntax('https://example.com/', strict).ok).toBe(true);
    expect(checkUrlSyntax('https://example.com:8443/', strict).ok).toBe(true);
    expect(checkUrlSyntax('https://example.com:22/', strict)).toMatchObject({ ok: false, code: 'port_not_allowed' });
    expect(checkUrlSyntax('https://example.com:6379/', strict)).toMatchObject({ ok: false, code: 'port_not_allowed' });
    // a hand-built config without the field still gets the safe default, never "any"
    const handBuilt = destinationPolicy({ allowHttp: true, allowPrivateNetworks: false });
    expect(handBuilt.allowedPorts).toEqual([443, 8443, 80]);
    expect(checkUrlSyntax('http://example.com:8080/', handBuilt)).toMatchObject({ ok: false, code: 'port_not_allowed' });
  });
});

describe('API_RATE_LIMIT_PER_MINUTE', () => {
  it('defaults to 3000, accepts 0 (off) and refuses nonsense naming the variable', () => {
    expect(loadConfig({}).apiRateLimitPerMinute).toBe(3000);
    expect(loadConfig({ API_RATE_LIMIT_PER_MINUTE: '0' }).apiRateLimitPerMinute).toBe(0);
    expect(loadConfig({ API_RATE_LIMIT_PER_MINUTE: '120' }).apiRateLimitPerMinute).toBe(120);
    for (const bad of ['-1', '1.5', 'lots']) {
      expect(() => loadConfig({ API_RATE_LIMIT_PER_MINUTE: bad })).toThrow(/^invalid configuration: API_RATE_LIMIT_PER_MINUTE /);
    }
  });
});
