import { sql } from 'kysely';
import type { PurgeCounts, PurgeCursor } from '../contract/purge.js';
import type { Db } from '../db/database.js';

/**
 * The purge's statements (docs/retention.md). Each one deletes a bounded batch in its own implicit
 * transaction, so it holds its row locks for one statement only and a crash leaves each batch
 * either whole or undone: a delivery goes in the same statement as its attempts, never one without
 * the other. Rows are locked `for update skip locked`: a row an attempt or a replay holds is left
 * for the next run instead of waited for. Every condition is re-checked on the row as it stands
 * when it is locked (a delivery replayed a moment ago is pending again, and stays).
 *
 * The walks use indexes the tables have anyway: a community's deliveries and events by
 * (community_id, created_at desc, id desc), attempts by their primary key, a delivery's event by
 * deliveries (event_id, webhook_id); migration 0006 adds small partial indexes for replay jobs,
 * revoked keys and expiring secrets.
 */

const DAY_MS = 86_400_000;

/** `now() - ms`, by the database's clock (one clock for every worker). */
const ago = (ms: number) => sql<Date>`now() - ${Math.round(ms)}::bigint * interval '1 millisecond'`;

export interface CommunityRetention {
  id: string;
  /** The community's retentionDays, or the deployment's RETENTION. */
  retentionMs: number;
}

/** The community after `after` in id order, with the retention that applies to its rows. */
export async function nextCommunity(db: Db, after: string | null, defaultRetentionMs: number): Promise<CommunityRetention | undefined> {
  let query = db.selectFrom('communities').select(['id', 'retention_days']).orderBy('id').limit(1);
  if (after !== null) query = query.where('id', '>', after);
  const row = await query.executeTakeFirst();
  return row && { id: row.id, retentionMs: row.retention_days === null ? defaultRetentionMs : row.retention_days * DAY_MS };
}

/** The community itself, when a step resumes inside it. */
export async function communityRetention(db: Db, id: string, defaultRetentionMs: number): Promise<CommunityRetention | undefined> {
  const row = await db.selectFrom('communities').select(['id', 'retention_days']).where('id', '=', id).executeTakeFirst();
  return row && { id: row.id, retentionMs: row.retention_days === null ? defaultRetentionMs : row.retention_days * DAY_MS };
}

export interface WalkBatch {
  /** Rows looked at (the page); fewer than the limit means the walk has reached its end. */
  scanned: number;
  /** Where the next batch goes on from; null when the walk is done. */
  cursor: PurgeCursor | null;
}

/**
 * One page of a community's deliveries created before its cutoff (newest first, after `cursor`),
 * and of those the final ones whose last change is older than the retention, deleted with their
 * attempts. A failed delivery also waits out DELIVERY_REPLAY_RETENTION after it failed, as its
 * workflow does, so a replay can still find it; a pending one is never deleted.
 */
export async function purgeDeliveriesBatch(
  db: Db,
  input: { communityId: string; retentionMs: number; replayRetentionMs: number; cursor: PurgeCursor | null; limit: number },
): Promise<WalkBatch & Pick<PurgeCounts, 'deliveries' | 'attempts'>> {
  const after = input.cursor
    ? sql`and (created_at, id) < (${input.cursor.createdAt}::timestamptz, ${input.cursor.id})`
    : sql``;
  const result = await sql<{ deliveries: number; attempts: number; scanned: number; last_created_at: string | null; last_id: string | null }>`
    with page as (
      select id, created_at from deliveries
       where community_id = ${input.communityId} and created_at < ${ago(input.retentionMs)} ${after}
       order by created_at desc, id desc
       limit ${input.limit}
    ), doomed as (
      select d.id from deliveries d
       where d.id in (select id from page)
         and d.status in ('succeeded', 'failed', 'cancelled')
         and d.updated_at < ${ago(input.retentionMs)}
         and (d.status <> 'failed' or d.updated_at < ${ago(input.replayRetentionMs)})
       for update skip locked
    ), gone_attempts as (
      delete from attempts where delivery_id in (select id from doomed) returning 1
    ), gone as (
      delete from deliveries where id in (select id from doomed) returning 1
    ), last as (
      select created_at::text as created_at, id from page order by created_at, id limit 1
    )
    select (select count(*) from gone)::int as deliveries,
           (select count(*) from gone_attempts)::int as attempts,
           (select count(*) from page)::int as scanned,
           (select created_at from last) as last_created_at,
           (select id from last) as last_id`.execute(db);
  const row = result.rows[0]!;
  return {
    deliveries: row.deliveries,
    attempts: row.attempts,
    scanned: row.scanned,
    cursor: row.scanned < input.limit || row.last_created_at === null || row.last_id === null ? null : { createdAt: row.last_created_at, id: row.last_id },
  };
}

/**
 * One page of a community's events created before its cutoff, and of those the ones no delivery
 * is left of, deleted. (A delivery is recorded with its event, in one transaction: an event this
 * old gets none later.)
 */
export async function purgeEventsBatch(
  db: Db,
  input: { communityId: string; retentionMs: number; cursor: PurgeCursor | null; limit: number },
): Promise<WalkBatch & Pick<PurgeCounts, 'events'>> {
  const after = input.cursor
    ? sql`and (created_at, id) < (${input.cursor.createdAt}::timestamptz, ${input.cursor.id})`
    : sql``;
  const result = await sql<{ events: number; scanned: number; last_created_at: string | null; last_id: string | null }>`
    with page as (
      select id, created_at from events
       where community_id = ${input.communityId} and created_at < ${ago(input.retentionMs)} ${after}
       order by created_at desc, id desc
       limit ${input.limit}
    ), doomed as (
      select e.id from events e
       where e.id in (select id from page)
         and not exists (select 1 from deliveries d where d.event_id = e.id)
       for update skip locked
    ), gone as (
      delete from events where id in (select id from doomed) returning 1
    ), last as (
      select created_at::text as created_at, id from page order by created_at, id limit 1
    )
    select (select count(*) from gone)::int as events,
           (select count(*) from page)::int as scanned,
           (select created_at from last) as last_created_at,
           (select id from last) as last_id`.execute(db);
  const row = result.rows[0]!;
  return {
    events: row.events,
    scanned: row.scanned,
    cursor: row.scanned < input.limit || row.last_created_at === null || row.last_id === null ? null : { createdAt: row.last_created_at, id: row.last_id },
  };
}

/** Up to `limit` of a community's replay jobs that finished (completed or failed) longer ago than the retention. */
export async function purgeReplayJobsBatch(db: Db, input: { communityId: string; retentionMs: number; limit: number }): Promise<number> {
  const result = await sql<{ n: number }>`
    with doomed as (
      select id from replay_jobs
       where community_id = ${input.communityId} and status <> 'running' and completed_at < ${ago(input.retentionMs)}
       limit ${input.limit}
       for update skip locked
    ), gone as (delete from replay_jobs where id in (select id from doomed) returning 1)
    select count(*)::int as n from gone`.execute(db);
  return result.rows[0]!.n;
}

/** Up to `limit` of a community's API keys revoked longer ago than the retention. */
export async function purgeRevokedKeysBatch(db: Db, input: { communityId: string; retentionMs: number; limit: number }): Promise<number> {
  const result = await sql<{ n: number }>`
    with doomed as (
      select id from api_keys
       where community_id = ${input.communityId} and revoked_at is not null and revoked_at < ${ago(input.retentionMs)}
       limit ${input.limit}
       for update skip locked
    ), gone as (delete from api_keys where id in (select id from doomed) returning 1)
    select count(*)::int as n from gone`.execute(db);
  return result.rows[0]!.n;
}

/**
 * Up to `limit` of a community's portal sessions that have ended (expired, or revoked): they can
 * never sign in again, so they go at the next purge whatever the retention. Until then an ended
 * link is refused as expired or revoked rather than as unknown.
 */
export async function purgeEndedPortalSessionsBatch(db: Db, input: { communityId: string; limit: number }): Promise<number> {
  const result = await sql<{ n: number }>`
    with doomed as (
      select id from portal_sessions
       where community_id = ${input.communityId} and (revoked_at is not null or expires_at < now())
       limit ${input.limit}
       for update skip locked
    ), gone as (delete from portal_sessions where id in (select id from doomed) returning 1)
    select count(*)::int as n from gone`.execute(db);
  return result.rows[0]!.n;
}

/**
 * Up to `limit` signing secrets that have expired (a rotation's old secrets, after
 * SECRET_ROTATION_GRACE): nothing signs with them again, so they are not kept.
 */
export async function purgeExpiredSecretsBatch(db: Db, limit: number): Promise<number> {
  const result = await sql<{ n: number }>`
    with doomed as (
      select id from webhook_secrets
       where expires_at is not null and expires_at < now()
       limit ${limit}
       for update skip locked
    ), gone as (delete from webhook_secrets where id in (select id from doomed) returning 1)
    select count(*)::int as n from gone`.execute(db);
  return result.rows[0]!.n;
}

export const PURGED_TABLES = {
  deliveries: 'deliveries',
  attempts: 'attempts',
  events: 'events',
  replayJobs: 'replay_jobs',
  webhookSecrets: 'webhook_secrets',
  apiKeys: 'api_keys',
  portalSessions: 'portal_sessions',
} as const satisfies Record<keyof PurgeCounts, string>;

/**
 * VACUUM (ANALYZE) of one table, so the space of the deleted rows is reused by new ones (the tables
 * stay the same size at a steady load) and the planner knows the new row counts. Plain VACUUM takes
 * no lock that blocks reads or writes; it is paced as autovacuum is (vacuum_cost_delay 2 ms), so
 * its I/O does not crowd out deliveries. Whether or not autovacuum is on, this keeps the dead space
 * to about one purge's worth (docs/retention.md).
 */
export async function vacuumTable(db: Db, table: (typeof PURGED_TABLES)[keyof typeof PURGED_TABLES], costDelayMs = 2): Promise<void> {
  await db.connection().execute(async (connection) => {
    await sql`select set_config('vacuum_cost_delay', ${String(costDelayMs)}, false)`.execute(connection);
    try {
      await sql`vacuum (analyze) ${sql.table(table)}`.execute(connection);
    } finally {
      await sql`reset vacuum_cost_delay`.execute(connection);
    }
  });
}
