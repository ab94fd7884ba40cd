import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

// bigint identity columns come back as strings by default; our ids of that kind stay small.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

/** host:port/database of a Postgres URL, never its password (for logs and messages). */
export function safeDatabaseUrl(databaseUrl: string): string {
  try {
    const u = new URL(databaseUrl);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

export function createDb(databaseUrl: string, options: { max?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 10 });
  // An idle client's error (Postgres restarting) must not crash the process; the next query
  // reconnects, and the failing query surfaces its own error to its caller.
  pool.on('error', () => {});
  // A client checked out of the pool has no listener of the pool's; if Postgres drops its
  // connection then (a restart under a transaction), its 'error' event would kill the process.
  // The query in flight rejects with that error anyway and the pool discards the dead client.
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
