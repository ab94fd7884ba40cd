import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import pg from 'pg';
import { createHooklineClient, HooklineApiError } from '../../packages/client/src/index.js';
import { type Config, loadConfig } from '../config.js';
import { HOOKLINE_SEARCH_ATTRIBUTES } from '../contract/search-attributes.js';
import { safeDatabaseUrl } from '../db/database.js';
import { embeddedDatabaseUrl, embeddedPostgresDir } from '../db/embedded-postgres.js';
import { MIGRATIONS_DIR } from '../db/migrate.js';
import { DATA_DIR } from '../runtime.js';
import { temporalConnectionOptions } from '../temporal/client.js';
import { causeOf } from './errors.js';

/**
 * `hookline doctor`: checks the infrastructure directly, because it must work when the API does
 * not: configuration, secrets, Postgres and its migrations, Temporal, the namespace and the search
 * attributes, and (when HOOKLINE_URL is set) the API's readiness. One line per check.
 */
interface Check {
  name: string;
  ok: boolean;
  message: string;
}

/** One line per check: `ok` or `FAIL`, what was checked, and what is wrong or what to do. */
export async function doctor(out: (line: string) => void): Promise<number> {
  const checks: Check[] = [];
  const report = (check: Check) => {
    checks.push(check);
    out(`${check.ok ? 'ok  ' : 'FAIL'}  ${check.name.padEnd(18)} ${check.message}`);
  };

  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    report({ name: 'configuration', ok: false, message: (error as Error).message });
    return 1;
  }
  report({ name: 'configuration', ok: true, message: 'environment parses' });
  report(secretsCheck(config));
  report(await postgresCheck(config));
  for (const check of await temporalChecks(config)) report(check);
  if (process.env.HOOKLINE_URL) report(await apiCheck(process.env.HOOKLINE_URL));
  return checks.every((c) => c.ok) ? 0 : 1;
}

function secretsCheck(config: Config): Check {
  const kept = (file: string) => existsSync(path.join(DATA_DIR, file));
  const missing = [
    ...(config.adminToken || kept('admin-token') ? [] : ['ADMIN_TOKEN']),
    ...(config.secretsKey || kept('secrets-key') ? [] : ['SECRETS_KEY']),
  ];
  if (missing.length === 0) return { name: 'secrets', ok: true, message: 'ADMIN_TOKEN and SECRETS_KEY set (or kept in .data/ by npm start)' };
  return {
    name: 'secrets',
    ok: false,
    message: `${missing.join(' and ')} unset: npm run api/worker refuse to start (npm start generates them); SECRETS_KEY: openssl rand -base64 32`,
  };
}

async function postgresCheck(config: Config): Promise<Check> {
  // DATABASE_URL unset: the embedded server that npm start runs, at the URL kept in .data/
  const dir = embeddedPostgresDir(DATA_DIR);
  let url = config.databaseUrl;
  if (!url) {
    try {
      url = embeddedDatabaseUrl(DATA_DIR);
    } catch (error) {
      return { name: 'postgres', ok: false, message: (error as Error).message };
    }
    if (!url) return { name: 'postgres', ok: false, message: `DATABASE_URL is unset and there is no embedded PostgreSQL in ${dir} yet: run npm run setup, or set DATABASE_URL` };
  }
  const where = config.databaseUrl ? safeDatabaseUrl(url) : `${safeDatabaseUrl(url)} (embedded, ${dir})`;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    const hint = config.databaseUrl ? 'check DATABASE_URL and that Postgres runs' : 'DATABASE_URL is unset: the embedded PostgreSQL runs while npm start does; start it, or set DATABASE_URL';
    return { name: 'postgres', ok: false, message: `cannot connect to ${where} (${causeOf(error)}); ${hint}` };
  }
  try {
    const table = await client.query<{ exists: boolean }>("select to_regclass('schema_migrations') is not null as exists");
    const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d+_.+\.sql$/.test(f));
    const applied = table.rows[0]?.exists
      ? new Set((await client.query<{ name: string }>('select name from schema_migrations')).rows.map((r) => r.name))
      : new Set<string>();
    const pending = files.filter((f) => !applied.has(f));
    if (pending.length > 0) {
      return { name: 'postgres', ok: false, message: `${where}: ${pending.length} migration(s) not applied (${pending.join(', ')}); run npm run migrate` };
    }
    return { name: 'postgres', ok: true, message: `${where}, ${files.length} migrations applied` };
  } catch (error) {
    return { name: 'postgres', ok: false, message: `${where}: ${causeOf(error)}` };
  } finally {
    await client.end().catch(() => {});
  }
}

async function temporalChecks(config: Config): Promise<Check[]> {
  const options = temporalConnectionOptions(config);
  const namespace = config.temporal.namespace;
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...options, connectTimeout: '3s' });
    await connection.withDeadline(Date.now() + 3000, () => connection.workflowService.getSystemInfo({}));
  } catch (error) {
    const hint = config.temporal.address ? 'check TEMPORAL_ADDRESS and that Temporal runs' : 'TEMPORAL_ADDRESS is unset: start npm start, or set it';
    return [{ name: 'temporal', ok: false, message: `cannot reach Temporal at ${options.address} (${causeOf(error)}); ${hint}` }];
  }
  try {
    const checks: Check[] = [{ name: 'temporal', ok: true, message: `reachable at ${options.address}${options.tls ? ' (TLS)' : ''}` }];
    try {
      await connection.withDeadline(Date.now() + 3000, () => connection.workflowService.describeNamespace({ namespace }));
      checks.push({ name: 'namespace', ok: true, message: namespace });
    } catch (error) {
      checks.push({ name: 'namespace', ok: false, message: `${namespace}: ${causeOf(error)}; create it or fix TEMPORAL_NAMESPACE` });
      return checks;
    }
    checks.push(await searchAttributesCheck(connection, namespace));
    return checks;
  } finally {
    await connection.close();
  }
}

async function searchAttributesCheck(connection: Connection, namespace: string): Promise<Check> {
  const KEYWORD = proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  let custom: Record<string, number>;
  try {
    const listed = await connection.withDeadline(Date.now() + 3000, () => connection.operatorService.listSearchAttributes({ namespace }));
    custom = (listed.customAttributes ?? {}) as Record<string, number>;
  } catch (error) {
    return {
      name: 'search attributes',
      ok: false,
      message: `cannot list them (${causeOf(error)}); on Temporal Cloud check them in the console or with tcld`,
    };
  }
  const missing = HOOKLINE_SEARCH_ATTRIBUTES.filter((a) => custom[a.name] === undefined).map((a) => a.name);
  const wrong = HOOKLINE_SEARCH_ATTRIBUTES.filter((a) => custom[a.name] !== undefined && custom[a.name] !== KEYWORD).map((a) => a.name);
  if (missing.length > 0) {
    return { name: 'search attributes', ok: false, message: `missing ${missing.join(', ')}; run npx tsx scripts/register-search-attributes.ts` };
  }
  if (wrong.length > 0) return { name: 'search attributes', ok: false, message: `${wrong.join(', ')} not Keyword; re-create them as Keyword` };
  return { name: 'search attributes', ok: true, message: HOOKLINE_SEARCH_ATTRIBUTES.map((a) => a.name).join(', ') };
}

async function apiCheck(url: string): Promise<Check> {
  const base = url.replace(/\/$/, '');
  // /readyz is public: no token, so doctor checks an API it holds no credential for too
  const api = createHooklineClient({ baseUrl: base, fetch: (request) => fetch(request, { signal: AbortSignal.timeout(5000) }) });
  try {
    await api.GET('/readyz');
    return { name: 'api', ok: true, message: `${base} ready` };
  } catch (error) {
    if (error instanceof HooklineApiError) {
      return { name: 'api', ok: false, message: `${base}/readyz answered ${error.statusCode} ${JSON.stringify(error.detail ?? '')}` };
    }
    return { name: 'api', ok: false, message: `cannot reach ${base} (${causeOf(error)}); check HOOKLINE_URL` };
  }
}
