/**
 * `npm start`: everything on one machine. An embedded Temporal dev server with its Web UI (unless
 * TEMPORAL_ADDRESS points at one), migrations, the API and a worker, in one process tree.
 */
import { requireSecrets } from './config.js';
import { createDb } from './db/database.js';
import { ensureDatabase, migrate } from './db/migrate.js';
import { startApi } from './api-server.js';
import { DATA_DIR, fillLocalSecrets, loadConfigOrExit, onShutdownSignal, rootLogger, warnAboutUnsafeSettings } from './runtime.js';
import { SecretBox } from './security/secret-box.js';
import { startDevServer } from './temporal/dev-server.js';
import { temporalConnectionOptions } from './temporal/client.js';
import { registerSearchAttributes } from './temporal/search-attributes.js';
import { startWorker } from './worker.js';

const started = performance.now();
const loaded = fillLocalSecrets(loadConfigOrExit());
const logger = rootLogger(loaded);
warnAboutUnsafeSettings(loaded, logger);

const devServer = loaded.temporal.address ? undefined : await startDevServer({ dataDir: DATA_DIR, namespace: loaded.temporal.namespace });
const config = requireSecrets({
  ...loaded,
  temporal: { ...loaded.temporal, address: devServer?.address ?? loaded.temporal.address },
});
if (!devServer) await registerSearchAttributes(temporalConnectionOptions(config), config.temporal.namespace);

await ensureDatabase(config.databaseUrl);
await migrate(config.databaseUrl);
const db = createDb(config.databaseUrl);
const box = new SecretBox(config.secretsKey);
const api = await startApi({ config, db, box, logger });
const worker = await startWorker({ config, db, box, logger });

const line = (label: string, value: string) => process.stdout.write(`  ${label.padEnd(12)} ${value}\n`);
process.stdout.write(`\nHookline is ready (${Math.round(performance.now() - started)} ms)\n`);
line('API', api.url);
line('Docs', `${api.url}/docs`);
line('Temporal UI', devServer?.uiUrl ?? config.temporal.uiUrl);
line('Admin token', config.adminToken);
process.stdout.write('\n');

onShutdownSignal(logger, async () => {
  await api.close();
  await worker.shutdown();
  await db.destroy();
  await devServer?.stop();
});
void worker.done.catch((error: unknown) => {
  logger.fatal({ err: error }, 'worker stopped');
  process.exit(1);
});
