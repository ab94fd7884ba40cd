/**
 * `hookline`: the operator's command line.
 *
 * `webhooks` and `deliveries` talk to a running API (HOOKLINE_URL with ADMIN_TOKEN), so they go
 * through the same validation, tenancy and Temporal signalling as every other client and need no
 * database or Temporal credentials. `doctor` checks the infrastructure directly, because it must
 * work when the API does not: configuration, Postgres and migrations, Temporal, the namespace and
 * the search attributes, and (when HOOKLINE_URL is set) the API's readiness.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import pg from 'pg';
import { HOOKLINE_SEARCH_ATTRIBUTES } from './contract/search-attributes.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { MIGRATIONS_DIR } from './db/migrate.js';
import { temporalConnectionOptions } from './temporal/client.js';

const USAGE = `usage: hookline <command>

  webhooks list [--community ID] [--json]   list webhooks (all communities, or one)
  deliveries replay <delivery id>           replay one delivery (any final status)
  doctor                                    check configuration, Postgres, Temporal and search attributes

webhooks and deliveries call the API: HOOKLINE_URL (default http://localhost:$PORT) with ADMIN_TOKEN
(default: .data/admin-token, which npm start writes). doctor reads the same environment as the
server (DATABASE_URL, TEMPORAL_*) and exits non-zero when a check fails.
`;

class CliError extends Error {}

export async function main(argv: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const [command, sub, ...rest] = argv;
  try {
    if (command === 'webhooks' && sub === 'list') return await webhooksList(rest, out);
    if (command === 'deliveries' && sub === 'replay') return await deliveriesReplay(rest, out);
    if (command === 'doctor') return await doctor(out);
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      out(USAGE.trimEnd());
      return command === undefined ? 2 : 0;
    }
    process.stderr.write(`hookline: unknown command "${[command, sub].filter(Boolean).join(' ')}"\n\n${USAGE}`);
    return 2;
  } catch (error) {
    if (error instanceof CliError || error instanceof ConfigError) {
      process.stderr.write(`hookline: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

// --- API commands -------------------------------------------------------------------------------

function apiTarget(): { url: string; token: string } {
  const config = loadConfig();
  const url = (process.env.HOOKLINE_URL ?? `http://localhost:${config.port}`).replace(/\/$/, '');
  const dataDir = path.resolve(process.env.HOOKLINE_DATA_DIR ?? '.data');
  const tokenFile = path.join(dataDir, 'admin-token');
  const token = config.adminToken ?? (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined);
  if (!token) throw new CliError('set ADMIN_TOKEN (the operator token the API runs with)');
  return { url, token };
}

async function api(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: any }> {
  const { url, token } = apiTarget();
  let response: Response;
  try {
    response = await fetch(`${url}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new CliError(`cannot reach the API at ${url} (${causeOf(error)}); set HOOKLINE_URL`);
  }
  const text = await response.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    throw new CliError(`${method} ${urlPath}: HTTP ${response.status}, not a Hookline answer`);
  }
  if (parsed?.status === 'error') {
    throw new CliError(`${method} ${urlPath}: ${parsed.message} (HTTP ${response.status}). ${parsed.solution ?? ''}`.trim());
  }
  return { status: response.status, body: parsed };
}

async function webhooksList(args: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseArgs({ args, options: { community: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const webhooks: Record<string, any>[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: '200' });
    if (values.community) query.set('communityId', values.community);
    if (cursor) query.set('cursor', cursor);
    const page = await api('GET', `/v1/webhooks?${query}`);
    webhooks.push(...(page.body.data as Record<string, any>[]));
    cursor = page.body.meta?.nextCursor ?? null;
  } while (cursor);
  if (values.json) {
    out(JSON.stringify(webhooks, null, 2));
    return 0;
  }
  if (webhooks.length === 0) {
    out(values.community ? `no webhooks in ${values.community}` : 'no webhooks');
    return 0;
  }
  const rows = webhooks.map((w) => [
    w.id,
    w.communityId,
    w.active ? 'active' : `disabled${w.disabledReason ? ` (${w.disabledReason})` : ''}`,
    w.format,
    (w.events as string[]).join(','),
    w.url,
  ]);
  for (const line of table(['ID', 'COMMUNITY', 'STATE', 'FORMAT', 'EVENTS', 'URL'], rows)) out(line);
  return 0;
}

async function deliveriesReplay(args: string[], out: (line: string) => void): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const [id] = positionals;
  if (!id || positionals.length > 1) throw new CliError('usage: hookline deliveries replay <delivery id>');
  const replayed = await api('POST', `/v1/deliveries/${encodeURIComponent(id)}/replay`);
  const delivery = replayed.body.data;
  out(`replaying ${delivery.id} (webhook ${delivery.webhookId}, ${delivery.attemptCount} attempts so far): ${delivery.temporal?.uiUrl ?? ''}`.trim());
  return 0;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

// --- doctor -------------------------------------------------------------------------------------

interface Check {
  name: string;
  ok: boolean;
  message: string;
}

/** One line per check: `ok` or `FAIL`, what was checked, and what is wrong or what to do. */
async function doctor(out: (line: string) => void): Promise<number> {
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
  const dataDir = path.resolve(process.env.HOOKLINE_DATA_DIR ?? '.data');
  const kept = (file: string) => existsSync(path.join(dataDir, file));
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
  const where = safeDatabaseUrl(config.databaseUrl);
  const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    return { name: 'postgres', ok: false, message: `cannot connect to ${where} (${causeOf(error)}); check DATABASE_URL and that Postgres runs` };
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
  try {
    const response = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5000) });
    if (response.ok) return { name: 'api', ok: true, message: `${base} ready` };
    const body = (await response.json().catch(() => ({}))) as { detail?: unknown };
    return { name: 'api', ok: false, message: `${base}/readyz answered ${response.status} ${JSON.stringify(body.detail ?? '')}` };
  } catch (error) {
    return { name: 'api', ok: false, message: `cannot reach ${base} (${causeOf(error)}); check HOOKLINE_URL` };
  }
}

/** host:port/database, never the password. */
function safeDatabaseUrl(databaseUrl: string): string {
  try {
    const u = new URL(databaseUrl);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/** One line: the innermost cause (connection errors nest theirs), without a stack. */
function causeOf(error: unknown): string {
  let current = error as { message?: string; cause?: unknown; code?: string; errors?: unknown[] } | undefined;
  while (current?.cause) current = current.cause as typeof current;
  const aggregate = current?.errors?.[0] as { message?: string } | undefined;
  const message = current?.message || aggregate?.message || current?.code || String(error);
  return message.split('\n')[0]!.slice(0, 200);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/src/cli.ts')) {
  process.exitCode = await main(process.argv.slice(2));
}
