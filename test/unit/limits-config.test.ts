import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

/** The limits' variables: defaults, the values they take, and one line naming the variable for a bad one. */
describe('limits configuration', () => {
  it('defaults: 100 webhooks, 20 live keys and 100 live portal sessions per community, 10 replays of a delivery an hour, no proxy trusted, framed nowhere', () => {
    const config = loadConfig({});
    expect(config.limits).toEqual({ maxWebhooksPerCommunity: 100, maxApiKeysPerCommunity: 20, replaysPerDeliveryPerHour: 10, maxPortalSessionsPerCommunity: 100 });
    expect(config.publicBaseUrl).toBeUndefined();
    expect(config.trustProxy).toBe(false);
    expect(config.dashboardFrameAncestors).toEqual(["'none'"]);
    expect(config.apiRateLimitPerMinute).toBe(3000);
  });

  it('takes the values each variable allows', () => {
    const config = loadConfig({
      MAX_WEBHOOKS_PER_COMMUNITY: '10000',
      MAX_API_KEYS_PER_COMMUNITY: '5',
      REPLAYS_PER_DELIVERY_PER_HOUR: '3',
      MAX_PORTAL_SESSIONS_PER_COMMUNITY: '7',
      PUBLIC_BASE_URL: 'https://hooks.example.com/',
      TRUST_PROXY: '2',
      DASHBOARD_FRAME_ANCESTORS: "'self' https://platform.example.com https://*.example.org:8443",
    });
    expect(config.limits).toEqual({ maxWebhooksPerCommunity: 10_000, maxApiKeysPerCommunity: 5, replaysPerDeliveryPerHour: 3, maxPortalSessionsPerCommunity: 7 });
    // without the trailing slash: links are made by appending /dashboard
    expect(config.publicBaseUrl).toBe('https://hooks.example.com');
    expect(config.trustProxy).toBe(2);
    expect(config.dashboardFrameAncestors).toEqual(["'self'", 'https://platform.example.com', 'https://*.example.org:8443']);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::1' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', 'fd00::1']);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
  });

  it.each([
    ['MAX_WEBHOOKS_PER_COMMUNITY', '0'],
    ['MAX_WEBHOOKS_PER_COMMUNITY', 'lots'],
    ['MAX_WEBHOOKS_PER_COMMUNITY', '1000000'],
    ['MAX_API_KEYS_PER_COMMUNITY', '-1'],
    ['MAX_API_KEYS_PER_COMMUNITY', '2.5'],
    ['REPLAYS_PER_DELIVERY_PER_HOUR', '0'],
    ['API_RATE_LIMIT_PER_MINUTE', '-5'],
    ['MAX_PORTAL_SESSIONS_PER_COMMUNITY', '0'],
    ['MAX_PORTAL_SESSIONS_PER_COMMUNITY', '100000'],
    ['PUBLIC_BASE_URL', 'hooks.example.com'],
    ['PUBLIC_BASE_URL', 'ftp://hooks.example.com'],
    ['PUBLIC_BASE_URL', 'https://hooks.example.com/?x=1'],
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', 'proxy.example.com'],
    ['TRUST_PROXY', '10.0.0.0/99'],
    ['DASHBOARD_FRAME_ANCESTORS', "'none' https://platform.example.com"],
    ['DASHBOARD_FRAME_ANCESTORS', 'https://platform.example.com; script-src *'],
    ['DASHBOARD_FRAME_ANCESTORS', '*'],
    ['DASHBOARD_FRAME_ANCESTORS', 'javascript:alert(1)'],
  ])('%s=%s stops start-up with one line naming it', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message.startsWith(`invalid configuration: ${name} `), message).toBe(true);
    expect(message).not.toContain('\n');
  });
});
