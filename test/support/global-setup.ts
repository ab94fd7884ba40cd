import { spawn, type ChildProcess } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { dropDatabase, ensureDatabase, migrate } from '../../src/db/migrate.js';
import { devServerSearchAttributeFlags } from '../../src/temporal/search-attributes.js';
import { waitForServer } from '../../src/temporal/dev-server.js';
import { freePort } from './free-port.js';

/**
 * Once per `npm test`: a real Temporal dev server (the `temporal` CLI, in memory, with Hookline's
 * search attributes) and a migrated template database that each test file clones.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseTemplateUrl: string;
  }
}

// One template per run (by pid), so two test runs on one machine do not drop each other's.
const BASE_DATABASE_URL = process.env.TEST_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/hookline_test_template_${process.pid}`;


export default async function setup(project: TestProject) {
  await dropDatabase(BASE_DATABASE_URL);
  await ensureDatabase(BASE_DATABASE_URL);
  await migrate(BASE_DATABASE_URL);

  let temporal: ChildProcess | undefined;
  let address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address) {
    const port = await freePort();
    temporal = spawn(
      process.env.TEMPORAL_CLI_PATH ?? 'temporal',
      ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'never', ...devServerSearchAttributeFlags()],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    address = `127.0.0.1:${port}`;
    await waitForServer(address, 30_000);
  }
  project.provide('temporalAddress', address);
  project.provide('databaseTemplateUrl', BASE_DATABASE_URL);

  return async () => {
    temporal?.kill('SIGTERM');
    await dropDatabase(BASE_DATABASE_URL).catch(() => {});
  };
}
