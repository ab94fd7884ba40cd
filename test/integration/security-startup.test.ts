import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { dropDatabase } from '../../src/db/migrate.js';

/**
 * Every entry point that runs the API or a worker says loudly, at start-up, when a setting meant
 * for local development only is on. Each is started for real (with a Temporal address where nothing
 * listens, so it stops by itself right after) and its output is read. Secrets that could never work
 * stop start-up with one line, and `npm start` prints the admin token only when it generated it.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), 'hookline-startup-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const TSX = path.resolve('node_modules/.bin/tsx');
const PRIVATE_WARNING = /DELIVERY_ALLOW_PRIVATE_NETWORKS is on: .*For local development and tests only/;
const HTTP_WARNING = /DELIVERY_ALLOW_HTTP is on: .*For local development and tests only/;

/** Runs an entry point until it prints both warnings, exits, or 40 s pass; returns what it printed. */
function run(entry: string, flags: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(TSX, [entry], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        HOOKLINE_DATA_DIR: dataDir,
        ADMIN_TOKEN: `adm_${randomBytes(16).toString('hex')}`,
        SECRETS_KEY: randomBytes(32).toString('base64'),
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
        PORT: '0',
        ...flags,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // a group of its own: the tsx CLI runs the entry point in a child node, and killing the CLI
      // alone would leave that one running
      detached: true,
    });
    let output = '';
    const done = () => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group has exited already
      }
      resolve(output);
    };
    const timer = setTimeout(done, 40_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (PRIVATE_WARNING.test(output) && HTTP_WARNING.test(output)) done();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', done);
  });
}

describe('start-up warnings', () => {
  it.each(['src/main.ts', 'src/api-main.ts', 'src/worker-main.ts'])('%s warns about both development-only flags', async (entry) => {
    const output = await run(entry, { DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true', DELIVERY_ALLOW_HTTP: 'true' });
    expect(output).toMatch(PRIVATE_WARNING);
    expect(output).toMatch(HTTP_WARNING);
    // at warn level, so log filters that keep warnings keep it
    expect(output).toMatch(/"level":40[^\n]*DELIVERY_ALLOW_PRIVATE_NETWORKS/);
  });

  it('says nothing of the kind when both are off', async () => {
    const output = await run('src/worker-main.ts', { DELIVERY_ALLOW_PRIVATE_NETWORKS: 'false', DELIVERY_ALLOW_HTTP: 'false' });
    // it did start (and then failed on the unreachable Temporal), so silence means no warning
    expect(output).toMatch(/TransportError|connect|ECONNREFUSED/i);
    expect(output).not.toMatch(PRIVATE_WARNING);
    expect(output).not.toMatch(HTTP_WARNING);
  });
});

/** Runs an entry point to its exit (at most 40 s); returns its exit code and what it printed. */
function runToExit(entry: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, [entry], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, HOOKLINE_DATA_DIR: dataDir, TEMPORAL_ADDRESS: '127.0.0.1:1', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 40_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('secrets that could never work stop start-up with one line', () => {
  const goodKey = randomBytes(32).toString('base64');
  it.each([
    ['an ADMIN_TOKEN with a space', { ADMIN_TOKEN: 'adm_this token has spaces', SECRETS_KEY: goodKey }, /^invalid configuration: ADMIN_TOKEN may use only A-Z a-z 0-9 \. _ ~ \+ \/ = - \(the bearer token syntax\)/],
    ['an ADMIN_TOKEN with a non-ASCII letter', { ADMIN_TOKEN: 'adm_\u00e9t\u00e9_0123456789abcdef', SECRETS_KEY: goodKey }, /^invalid configuration: ADMIN_TOKEN may use only/],
    ['an ADMIN_TOKEN longer than 512 characters', { ADMIN_TOKEN: `adm_${'a'.repeat(600)}`, SECRETS_KEY: goodKey }, /^invalid configuration: ADMIN_TOKEN must be at most 512 characters/],
    ['a SECRETS_KEY of zeros', { ADMIN_TOKEN: `adm_${randomBytes(16).toString('hex')}`, SECRETS_KEY: Buffer.alloc(32).toString('base64') }, /^invalid configuration: SECRETS_KEY is a trivial value/],
    ['a SECRETS_KEY that is not strict base64', { ADMIN_TOKEN: `adm_${randomBytes(16).toString('hex')}`, SECRETS_KEY: randomBytes(32).toString('base64url') }, /^invalid configuration: SECRETS_KEY must be 32 random bytes in strict base64/],
    ['a SECRETS_KEY_PREVIOUS equal to SECRETS_KEY', { ADMIN_TOKEN: `adm_${randomBytes(16).toString('hex')}`, SECRETS_KEY: goodKey, SECRETS_KEY_PREVIOUS: goodKey }, /^invalid configuration: SECRETS_KEY_PREVIOUS must differ from SECRETS_KEY/],
  ])('%s', async (_name, env, message) => {
    const result = await runToExit('src/api-main.ts', env);
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});

describe('DATABASE_URL unset before any set-up', () => {
  it.each(['src/api-main.ts', 'src/worker-main.ts'])('%s stops with one line saying what to do', async (entry) => {
    const empty = mkdtempSync(path.join(tmpdir(), 'hookline-no-setup-'));
    try {
      const result = await runToExit(entry, {
        HOOKLINE_DATA_DIR: empty,
        DATABASE_URL: '',
        ADMIN_TOKEN: `adm_${randomBytes(16).toString('hex')}`,
        SECRETS_KEY: randomBytes(32).toString('base64'),
      });
      expect(result.code).toBe(1);
      expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
      expect(result.stderr).toBe(`DATABASE_URL is unset and there is no embedded PostgreSQL in ${empty}/postgres yet: run npm run setup, then npm start (which runs it), or set DATABASE_URL\n`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('npm start prints the admin token only when it generated it', () => {
  /** src/main.ts against the suite's Temporal and a fresh database, until it is ready; then SIGTERM. */
  function start(dir: string, env: Record<string, string>): Promise<string> {
    const url = new URL(inject('databaseTemplateUrl'));
    url.pathname = `/hookline_test_start_${randomBytes(4).toString('hex')}`;
    const databaseUrl = url.toString();
    return new Promise((resolve, reject) => {
      const child = spawn(TSX, ['src/main.ts'], {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          HOOKLINE_DATA_DIR: dir,
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          TEMPORAL_TASK_QUEUE: `hookline-start-${randomBytes(4).toString('hex')}`,
          DATABASE_URL: databaseUrl,
          PORT: '0',
          LOG_LEVEL: 'warn',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let output = '';
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 90_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/Admin token .*\n/.test(output)) process.kill(-child.pid!, 'SIGTERM');
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', () => {
        clearTimeout(timer);
        dropDatabase(databaseUrl).then(() => resolve(output), reject);
      });
    });
  }

  it('generated: printed once; kept from an earlier start or set in ADMIN_TOKEN: not printed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hookline-start-'));
    try {
      const first = await start(dir, {});
      expect(first).toContain('Hookline is ready');
      const token = readFileSync(path.join(dir, 'admin-token'), 'utf8').trim();
      expect(token).toMatch(/^adm_/);
      expect(first).toMatch(new RegExp(`Admin token +${token} \\(generated now, kept in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/admin-token\\)`));

      const again = await start(dir, {});
      expect(again).toContain('Hookline is ready');
      expect(again).toMatch(/Admin token +in .*admin-token\n/);
      expect(again).not.toContain(token);

      const configured = `adm_${randomBytes(16).toString('hex')}`;
      const fromEnv = await start(dir, { ADMIN_TOKEN: configured });
      expect(fromEnv).toMatch(/Admin token +from ADMIN_TOKEN\n/);
      expect(fromEnv).not.toContain(configured);
      expect(fromEnv).not.toContain(token);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
