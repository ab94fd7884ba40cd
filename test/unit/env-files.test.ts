import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, requireSecrets } from '../../src/config.js';
import { resolveEnvFiles } from '../../src/env-files.js';

/** Secrets from files (X_FILE), as the compose file passes them, and which secrets each process needs. */
const dir = mkdtempSync(path.join(tmpdir(), 'hookline-env-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(content: string): string {
  const p = path.join(dir, `secret-${n++}`);
  writeFileSync(p, content);
  return p;
}

// 32 fixed bytes that are not trivial (SECRETS_KEY refuses all-one-byte keys)
const KEY = 'T0g0PntUgPNhBaPm0fBOpf38YERM9LWWZr75krq80gk=';
const TOKEN = 'adm_0123456789abcdef0123';

describe('X_FILE variables', () => {
  it('reads ADMIN_TOKEN, SECRETS_KEY, DATABASE_URL and TEMPORAL_API_KEY from files, trailing newlines trimmed', () => {
    const env = resolveEnvFiles({
      ADMIN_TOKEN_FILE: file(`${TOKEN}\n`),
      SECRETS_KEY_FILE: file(`${KEY}\r\n`),
      DATABASE_URL_FILE: file('postgres://u:p@db:5432/hookline\n\n'),
      TEMPORAL_API_KEY_FILE: file('key-without-newline'),
      LOG_LEVEL: 'warn',
    });
    expect(env.ADMIN_TOKEN).toBe(TOKEN);
    expect(env.SECRETS_KEY).toBe(KEY);
    expect(env.DATABASE_URL).toBe('postgres://u:p@db:5432/hookline');
    expect(env.TEMPORAL_API_KEY).toBe('key-without-newline');
    expect(env.LOG_LEVEL).toBe('warn');
  });

  it('leaves an environment without X_FILE variables as it is, and does not change the one passed in', () => {
    const input = { ADMIN_TOKEN: TOKEN, PORT: '3001' };
    expect(resolveEnvFiles(input)).toEqual(input);
    const withFile = { ADMIN_TOKEN_FILE: file(TOKEN) };
    resolveEnvFiles(withFile);
    expect(withFile).toEqual({ ADMIN_TOKEN_FILE: withFile.ADMIN_TOKEN_FILE });
  });

  it('an empty X_FILE counts as unset, like any empty variable', () => {
    expect(resolveEnvFiles({ ADMIN_TOKEN: TOKEN, ADMIN_TOKEN_FILE: '' }).ADMIN_TOKEN).toBe(TOKEN);
  });

  it('refuses X and X_FILE both set', () => {
    expect(() => resolveEnvFiles({ SECRETS_KEY: KEY, SECRETS_KEY_FILE: file(KEY) }, ConfigError)).toThrow(
      new ConfigError('invalid configuration: set SECRETS_KEY or SECRETS_KEY_FILE, not both'),
    );
  });

  it('a missing or empty file is a one-line configuration error naming the variable', () => {
    const missing = path.join(dir, 'no-such-file');
    expect(() => loadConfig({ ADMIN_TOKEN_FILE: missing })).toThrow(ConfigError);
    expect(() => loadConfig({ ADMIN_TOKEN_FILE: missing })).toThrow(
      `invalid configuration: ADMIN_TOKEN_FILE cannot be read (${missing}: ENOENT)`,
    );
    expect(() => loadConfig({ SECRETS_KEY_FILE: file('\n') })).toThrow(/^invalid configuration: SECRETS_KEY_FILE names an empty file \(/);
    expect(() => loadConfig({ DATABASE_URL_FILE: dir })).toThrow(/^invalid configuration: DATABASE_URL_FILE cannot be read \(.*EISDIR\)$/);
  });

  it('loadConfig reads them first, and a bad value read from a file still names the variable', () => {
    const config = loadConfig({ ADMIN_TOKEN_FILE: file(`${TOKEN}\n`), SECRETS_KEY_FILE: file(`${KEY}\n`) });
    expect(config.adminToken).toBe(TOKEN);
    expect(config.secretsKey).toBe(KEY);
    expect(() => loadConfig({ SECRETS_KEY_FILE: file('too-short\n') })).toThrow(/^invalid configuration: SECRETS_KEY must be 32 random bytes/);
  });
});

describe('DATABASE_PASSWORD_FILE', () => {
  const awkward = 'p@ss:w/rd%41?#&= é"\\';

  it('puts the password into DATABASE_URL percent-encoded, so @ : / % cannot break the URL', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://hookline@postgres:5432/hookline',
      DATABASE_PASSWORD_FILE: file(`${awkward}\n`),
    });
    const url = new URL(config.databaseUrl!);
    expect(url.hostname).toBe('postgres');
    expect(url.port).toBe('5432');
    expect(url.pathname).toBe('/hookline');
    expect(url.username).toBe('hookline');
    expect(decodeURIComponent(url.password)).toBe(awkward);
    // what the driver will send
    const client = new pg.Client({ connectionString: config.databaseUrl });
    expect(client.password).toBe(awkward);
    expect(client.user).toBe('hookline');
    expect(client.host).toBe('postgres');
    expect(client.database).toBe('hookline');
  });

  it('works with DATABASE_URL_FILE too', () => {
    const env = resolveEnvFiles({
      DATABASE_URL_FILE: file('postgres://hookline@db/hookline\n'),
      DATABASE_PASSWORD_FILE: file('s3cr3t'),
    });
    expect(env.DATABASE_URL).toBe('postgres://hookline:s3cr3t@db/hookline');
  });

  it.each([
    [{}, 'DATABASE_PASSWORD_FILE needs DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://hookline:inline@db/hookline' }, 'set the password in DATABASE_URL or DATABASE_PASSWORD_FILE, not both'],
    [{ DATABASE_URL: 'postgres://db/hookline' }, 'DATABASE_URL needs a user name'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL must be a URL'],
  ])('refuses %o', (env, message) => {
    const run = () => loadConfig({ ...env, DATABASE_PASSWORD_FILE: file('pw') });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(`invalid configuration: ${message}`);
  });
});

describe('requireSecrets: each process gets only the secrets it uses', () => {
  const none = loadConfig({});
  const onlyKey = loadConfig({ SECRETS_KEY: KEY });

  it('by default (the API, npm start) both ADMIN_TOKEN and SECRETS_KEY', () => {
    expect(() => requireSecrets(onlyKey)).toThrow(new ConfigError('invalid configuration: ADMIN_TOKEN is required'));
    expect(() => requireSecrets(loadConfig({ ADMIN_TOKEN: TOKEN }))).toThrow('invalid configuration: SECRETS_KEY is required');
    expect(requireSecrets(loadConfig({ ADMIN_TOKEN: TOKEN, SECRETS_KEY: KEY })).adminToken).toBe(TOKEN);
  });

  it('the worker: SECRETS_KEY alone', () => {
    expect(requireSecrets(onlyKey, ['secretsKey']).secretsKey).toBe(KEY);
    expect(() => requireSecrets(none, ['secretsKey'])).toThrow('invalid configuration: SECRETS_KEY is required');
  });

  it('nothing asked, nothing required (the migration job does not call it at all)', () => {
    expect(requireSecrets(none, [])).toBe(none);
  });
});
