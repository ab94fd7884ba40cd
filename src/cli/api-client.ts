import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { Delivery, PurgeRun, Webhook } from '../api/responses.js';
import { loadConfig } from '../config.js';
import { DATA_DIR } from '../runtime.js';
import { causeOf, CliError } from './errors.js';

/**
 * The command line's client of a running API: HOOKLINE_URL (default http://localhost:$PORT) with
 * the operator's ADMIN_TOKEN (default: the one `npm start` keeps in .data/admin-token). Through the
 * API, the commands get its validation, tenancy and Temporal signalling, and need no database or
 * Temporal credentials. Answers are typed by the API's own response schemas (src/api/responses.ts).
 */
export type WebhookRead = z.infer<typeof Webhook>;
export type DeliveryRead = z.infer<typeof Delivery>;
export type PurgeRunRead = z.infer<typeof PurgeRun>;

interface Envelope<T> {
  status: 'success';
  data: T;
  meta?: { nextCursor: string | null };
}

export class ApiClient {
  private constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  static fromEnvironment(): ApiClient {
    const config = loadConfig();
    const url = (process.env.HOOKLINE_URL ?? `http://localhost:${config.port}`).replace(/\/$/, '');
    const tokenFile = path.join(DATA_DIR, 'admin-token');
    const token = config.adminToken ?? (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined);
    if (!token) throw new CliError('set ADMIN_TOKEN (the operator token the API runs with)');
    return new ApiClient(url, token);
  }

  async call<T>(method: string, urlPath: string, body?: unknown): Promise<Envelope<T>> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${urlPath}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new CliError(`cannot reach the API at ${this.url} (${causeOf(error)}); set HOOKLINE_URL`);
    }
    const text = await response.text();
    let parsed: Envelope<T> | { status: 'error'; message: string; solution?: string } | undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new CliError(`${method} ${urlPath}: HTTP ${response.status}, not a Hookline answer`);
    }
    if (parsed?.status === 'error') {
      throw new CliError(`${method} ${urlPath}: ${parsed.message} (HTTP ${response.status}). ${parsed.solution ?? ''}`.trim());
    }
    if (!parsed) throw new CliError(`${method} ${urlPath}: HTTP ${response.status} with no body`);
    return parsed;
  }

  /** Every page of a list route. */
  async all<T>(urlPath: string, query: Record<string, string> = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams({ limit: '200', ...query, ...(cursor ? { cursor } : {}) });
      const page: Envelope<T[]> = await this.call<T[]>('GET', `${urlPath}?${params}`);
      items.push(...page.data);
      cursor = page.meta?.nextCursor ?? null;
    } while (cursor);
    return items;
  }
}
