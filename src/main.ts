/**
 * `npm start`: everything on one machine. An embedded Temporal dev server with its Web UI (unless
 * TEMPORAL_ADDRESS points at one), an embedded PostgreSQL with its data in .data/postgres (unless
 * DATABASE_URL points at one), migrations, the API and a worker, in one process tree.
 *
 * SIGINT, SIGTERM or SIGHUP (or a fatal worker error) stops them in order: the API (requests in
 * flight are answered), the worker (attempts in flight finish and report to Temporal), the
 * database pool, the embedded PostgreSQL, then the dev server; then it exits (0 after a signal, 1
 * after an error). The handler is installed before anything starts, so a signal during start-up
 * stops what has started.
 */
import path from 'node:path';
import { requireSecrets } from './config.js';
import { createDb, type Db, safeDatabaseUrl } from './db/database.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './db/embedded-postgres.js';
import { ensureDatabase, migrate } from './db/migrate.js';
import { type RunningApi, startApi } from './api-server.js';
import { DATA_DIR, fillLocalSecrets, loadConfigOrExit, onShutdownSignal, postgresLog, rootLogger, stopInOrder, warnAboutUnsafeSettings } from './runtime.js';
import { SecretBox } from './security/secret-box.js';
import { type DevServer, startDevServer } from './temporal/dev-server.js';
import { temporalConnectionOptions } from './temporal/client.js';
import { ensureNamespaceRetention, retentionNotSetHint } from './temporal/namespace.js';
import { registerSearchAttributes } from './temporal/search-attributes.js';
import { type RunningWorker, startWorker } from './worker.js';
import { startTracing, stopTracing } from './tracing/index.js';

const started = performance.now();
const loaded = fillLocalSecrets(loadConfigOrExit());
const logger = rootLogger(loaded);
warnAboutUnsafeSettings(loaded, logger);

let devServer: DevServer | undefined;
let postgres: EmbeddedPostgres | undefined;
let db: Db | undefined;
let api: RunningApi | undefined;
let worker: RunningWorker | undefined;
const shutdown = onShutdownSignal(logger, () =>
  stopInOrder(logger, [
    ['api', api && (() => api!.close())],
    // a worker that failed has been reported (and the exit code set) by its done handler below
    ['worker', worker && (() => worker!.shutdown().catch(() => {}))],
    ['database', db && (() => db!.destroy())],
    ['embedded postgres', postgres && (() => postgres!.stop())],
    ['temporal dev server', devServer && (() => devServer!.stop())],
    ['traces', () => stopTracing()],
  ]),
);

try {
  // the embedded servers start side by side; each is kept as soon as it runs, so that a failure of
  // the other one still stops it
  const starting = await Promise.allSettled([
    loaded.temporal.address
      ? undefined
      : startDevServer({
          dataDir: DATA_DIR,
          namespace: loaded.temporal.namespace,
          port: portFromEnv('TEMPORAL_DEV_PORT'),
          uiPort: portFromEnv('TEMPORAL_DEV_UI_PORT'),
        }).then((started) => (devServer = started)),
    loaded.databaseUrl ? undefined : startEmbeddedPostgres({ dataDir: DATA_DIR, log: postgresLog(logger) }).then((started) => (postgres = started)),
  ]);
  for (const result of starting) if (result.status === 'rejected') throw result.reason;
  const databaseUrl = loaded.databaseUrl ?? postgres!.url;
  const config = requireSecrets({
    ...loaded,
    databaseUrl,
    temporal: { ...loaded.temporal, address: devServer?.address ?? loaded.temporal.address },
  });
  if (!devServer) await registerSearchAttributes(temporalConnectionOptions(config), config.temporal.namespace);
  // closed workflows are kept TEMPORAL_NAMESPACE_RETENTION, then Temporal deletes them (docs/retention.md)
  await ensureNamespaceRetention(temporalConnectionOptions(config), config.temporal.namespace, config.retention.temporalRetentionMs).then(
    (outcome) => outcome.changed && logger.info(outcome, 'namespace retention of closed workflows set'),
    (error: unknown) => logger.warn(retentionNotSetHint(config.temporal.namespace, config.retention.temporalRetentionMs, error)),
  );

  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);
  db = createDb(databaseUrl);
  const box = new SecretBox(config.secretsKey, config.secretsKeyPrevious);
  await startTracing(config.tracing, 'hookline', logger);
  api = await startApi({ config, db, box, logger });
  worker = await startWorker({ config, db, box, logger, shutdownSignals: [] });
  void worker.done.catch((error: unknown) => shutdown.fatal(error, 'worker failed'));

  const line = (label: string, value: string) => process.stdout.write(`  ${label.padEnd(12)} ${value}\n`);
  process.stdout.write(`\nHookline is ready (${Math.round(performance.now() - started)} ms)\n`);
  line('API', api.url);
  line('Docs', `${api.url}/docs`);
  line('Temporal UI', devServer?.uiUrl ?? config.temporal.uiUrl);
  line(
    'Postgres',
    postgres
      ? `embedded, 127.0.0.1:${postgres.port}, data in ${postgres.dir}${postgres.state === 'running' ? ' (run by another Hookline process)' : ''}`
      : `${safeDatabaseUrl(databaseUrl)} (DATABASE_URL)`,
  );
  // the token is printed once, by the start that generated it; never one from the environment
  line(
    'Admin token',
    loaded.adminTokenSource === 'generated'
      ? `${config.adminToken} (generated now, kept in ${path.join(DATA_DIR, 'admin-token')})`
      : loaded.adminTokenSource === 'kept'
        ? `in ${path.join(DATA_DIR, 'admin-token')}`
        : 'from ADMIN_TOKEN',
  );
  process.stdout.write('\n');
} catch (error) {
  shutdown.fatal(error, 'start-up failed');
}

/** The embedded dev server's ports (defaults 7233 and 8233), e.g. to run two on one machine. */
function portFromEnv(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    process.stderr.write(`${name} must be a port number (1-65535), got "${value}"\n`);
    process.exit(1);
  }
  return port;
}
