import { spawn, type ChildProcess } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { dropDatabase, ensureDatabase, migrate } from '../../src/db/migrate.js';
import { devServerSearchAttributeFlags } from '../../src/temporal/search-attributes.js';
import { waitForServer } from '../../src/temporal/dev-server.js';
import { freePort } from './free-port.js';
import { startTestPostgres, type TestPostgres } from './test-postgres.js';

/**
 * Once per `npm test`: a real Temporal dev server (the `temporal` CLI, in memory, with Hookline's
 * search attributes) and a migrated template database that each test file clones.
 *
 * The database server: TEST_DATABASE_URL or DATABASE_URL when set (the template is a database of
 * its own there, named for this run); else a private PostgreSQL from npm (the binaries npm start's
 * embedded server runs) in a temporary directory, for this run only, so the suite needs no
 * PostgreSQL on the machine and never touches the data of a local `npm start`.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseTemplateUrl: string;
  }
}

export default async function setup(project: TestProject) {
  let postgres: TestPostgres | undefined;
  const given = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!given) postgres = await startTestPostgres();
  const base = new URL(given ?? postgres!.url('postgres'));
  // one template per run (by pid), so two test runs on one server do not drop each other's
  if (!process.env.TEST_DATABASE_URL) base.pathname = `/hookline_test_template_${process.pid}`;
  const templateUrl = base.toString();
  await dropDatabase(templateUrl);
  await ensureDatabase(templateUrl);
  await migrate(templateUrl);

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
  project.provide('databaseTemplateUrl', templateUrl);

  return async () => {
    temporal?.kill('SIGTERM');
    if (postgres) await postgres.destroy();
    else await dropDatabase(templateUrl).catch(() => {});
  };
}
