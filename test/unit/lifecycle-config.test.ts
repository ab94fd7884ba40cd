import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

/** The delivery lifecycle's settings (docs/delivery.md#retry-schedule, docs/configuration.md#delivery): defaults, parsing, and one line per bad value. */
describe('delivery lifecycle configuration', () => {
  it('defaults: the documented schedule, ±20%, 7 days of replay retention, disable after 5 days, 50 replays/s', () => {
    const { delivery } = loadConfig({});
    expect(delivery.retryScheduleMs).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(delivery.retryJitter).toBe(0.2);
    expect(delivery.replayRetentionMs).toBe(7 * 86_400_000);
    expect(delivery.disableWebhookAfterMs).toBe(5 * 86_400_000);
    expect(delivery.bulkReplayRatePerSecond).toBe(50);
  });

  it('reads durations and the rate', () => {
    const { delivery } = loadConfig({ WEBHOOK_DISABLE_AFTER: '36h', DELIVERY_REPLAY_RETENTION: '2s', BULK_REPLAY_RATE: '200' });
    expect(delivery.disableWebhookAfterMs).toBe(36 * 3_600_000);
    expect(delivery.replayRetentionMs).toBe(2_000);
    expect(delivery.bulkReplayRatePerSecond).toBe(200);
  });

  it.each([
    ['WEBHOOK_DISABLE_AFTER', 'five days'],
    ['WEBHOOK_DISABLE_AFTER', '1d,2d'],
    ['DELIVERY_REPLAY_RETENTION', 'forever'],
    ['BULK_REPLAY_RATE', '0'],
    ['BULK_REPLAY_RATE', '1.5'],
    ['BULK_REPLAY_RATE', '5000'],
  ])('refuses %s=%s with one line naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid configuration: ${name} `));
  });
});
