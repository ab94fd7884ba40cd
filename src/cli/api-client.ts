import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createHooklineClient, HooklineApiError, type HooklineClient } from '../../packages/client/src/index.js';
import { loadConfig } from '../config.js';
import { DATA_DIR } from '../runtime.js';
import { causeOf, CliError } from './errors.js';

/**
 * The command line's client of a running API: the typed client (packages/client) at HOOKLINE_URL
 * (default http://localhost:$PORT) with the operator's ADMIN_TOKEN (default: the one `npm start`
 * keeps in .data/admin-token). Through the API, the commands get its validation, tenancy and
 * Temporal signalling, and need no database or Temporal credentials.
 *
 * The client is imported from its source, not as an installed package: `hookline` runs src/ through
 * tsx and `npm run build` compiles src/ with what it imports, so a route added and regenerated is
 * usable at once, with no package build or install in between.
 */
const TIMEOUT_MS = 15_000;

export function apiFromEnvironment(): HooklineClient {
  const config = loadConfig();
  const url = (process.env.HOOKLINE_URL ?? `http://localhost:${config.port}`).replace(/\/$/, '');
  const tokenFile = path.join(DATA_DIR, 'admin-token');
  const token = config.adminToken ?? (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined);
  if (!token) throw new CliError('set ADMIN_TOKEN (the operator token the API runs with)');
  return createHooklineClient({
    baseUrl: url,
    token,
    // a request that gets no answer (refused, unknown host, timed out) is the operator's to fix
    fetch: (request) =>
      fetch(request, { signal: AbortSignal.timeout(TIMEOUT_MS) }).catch((error: unknown) => {
        throw new CliError(`cannot reach the API at ${url} (${causeOf(error)}); set HOOKLINE_URL`);
      }),
  });
}

/** An answer, or the API's refusal as the one line the command prints: `POST /v1/…: message (HTTP 404). solution`. */
export async function answerOf<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (!(error instanceof HooklineApiError)) throw error;
    throw new CliError(`${error.method} ${error.path}: ${error.message} (HTTP ${error.statusCode}). ${error.solution}`.trim());
  }
}

/** Every item of a list, page after page. */
export async function everyItem<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
