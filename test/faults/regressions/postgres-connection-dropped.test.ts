import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { dropDatabase, ensureDatabase } from '../../../src/db/migrate.js';

/**
 * Found by the fault suite (scenario 4, Postgres down 20 s): a pg client that loses its connection
 * while checked out of the pool emits 'error' with no listener, and the whole worker (or API)
 * process died with "Unhandled 'error' event ... Connection terminated unexpectedly"; every
 * delivery then waited for someone to restart the worker. The pool must absorb it.
 */
const url = new URL(inject('databaseTemplateUrl'));
url.pathname = `/hookline_conn_drop_${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  await ensureDatabase(url.toString());
});
afterAll(async () => {
  await dropDatabase(url.toString()).catch(() => {});
});

it('a connection dropped mid-transaction fails that transaction, not the process', () => {
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'test/faults/regressions/fixtures/connection-dropped.ts', url.toString()], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(child.stderr).not.toContain("Unhandled 'error' event");
  expect(child.status).toBe(0);
  expect(child.stdout).toMatch(/^survived: the transaction failed \(.+\); next query answered 1$/m);
});
