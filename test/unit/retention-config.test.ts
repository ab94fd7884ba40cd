import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

/** The data lifecycle's settings (docs/retention.md, docs/configuration.md#retention): defaults, parsing, one line per bad value. */
describe('retention configuration', () => {
  it('defaults: 30 days of retention, a purge every hour, closed workflows kept 7 days by Temporal', () => {
    expect(loadConfig({}).retention).toEqual({ retentionMs: 30 * 86_400_000, purgeIntervalMs: 3_600_000, temporalRetentionMs: 7 * 86_400_000 });
  });

  it('reads durations', () => {
    const { retention } = loadConfig({ RETENTION: '5s', PURGE_INTERVAL: '2s', TEMPORAL_NAMESPACE_RETENTION: '72h' });
    expect(retention).toEqual({ retentionMs: 5_000, purgeIntervalMs: 2_000, temporalRetentionMs: 72 * 3_600_000 });
  });

  it.each([
    ['RETENTION', 'a month', 'must be one duration such as 30d or 12h'],
    ['RETENTION', '30d,60d', 'must be one duration such as 30d or 12h'],
    ['RETENTION', '0s', 'must be at least 1s'],
    ['PURGE_INTERVAL', 'hourly', 'must be one duration such as 1h or 15m'],
    ['PURGE_INTERVAL', '500ms', 'must be at least 1s'],
    ['TEMPORAL_NAMESPACE_RETENTION', '30m', 'must be at least 1h'],
  ])('refuses %s=%s with one line naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid configuration: ${name} ${message}`));
  });

  it('stops the worker at start-up with that one line', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/worker-main.ts'],
        { env: { PATH: process.env.PATH ?? '', SECRETS_KEY: randomBytes(32).toString('base64'), PURGE_INTERVAL: 'hourly' }, timeout: 30_000 },
        (error, _stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual(['invalid configuration: PURGE_INTERVAL must be one duration such as 1h or 15m']);
  });
});
