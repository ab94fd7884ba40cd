import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Every entry point that runs the API or a worker says loudly, at start-up, when a setting meant
 * for local development only is on. Each is started for real (with a Temporal address where nothing
 * listens, so it stops by itself right after) and its output is read.
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
