/** `npm run migrate`: creates the database if missing and applies pending migrations. */
import { loadConfigOrExit } from '../runtime.js';
import { ensureDatabase, migrate } from './migrate.js';

const config = loadConfigOrExit();
if (await ensureDatabase(config.databaseUrl)) process.stdout.write('created the database\n');
const ran = await migrate(config.databaseUrl);
process.stdout.write(ran.length ? `applied ${ran.join(', ')}\n` : 'database schema is up to date\n');
