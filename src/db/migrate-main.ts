/**
 * `npm run migrate` (and the database step of `npm run setup`): creates the database if missing and
 * applies pending migrations, on DATABASE_URL; unset, on the embedded PostgreSQL in .data/postgres,
 * which it initialises the first time, starts for the duration and stops again (or uses as it is
 * while npm start runs it).
 */
import { safeDatabaseUrl } from './database.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.js';
import { DATA_DIR, loadConfigOrExit } from '../runtime.js';
import { ensureDatabase, migrate } from './migrate.js';

const config = loadConfigOrExit();
const say = (line: string) => process.stdout.write(`${line}\n`);
let embedded: EmbeddedPostgres | undefined;
try {
  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: DATA_DIR, log: (level, message) => say(level === 'info' ? message : `${level}: ${message}`) });
    say(`embedded PostgreSQL: ${embedded.dir}, 127.0.0.1:${embedded.port}${embedded.state === 'running' ? ' (running already: npm start runs it)' : ''}`);
  }
  const url = config.databaseUrl ?? embedded!.url;
  if (await ensureDatabase(url)) say(`created the database ${safeDatabaseUrl(url)}`);
  const ran = await migrate(url);
  say(ran.length ? `applied ${ran.join(', ')}` : 'database schema is up to date');
} catch (error) {
  // a refused connection may come as an AggregateError (one per address) with no message of its own
  const { message, errors } = error as { message?: string; errors?: { message?: string }[] };
  process.stderr.write(`${message || errors?.[0]?.message || String(error)}\n`);
  process.exitCode = 1;
} finally {
  await embedded?.stop();
}
