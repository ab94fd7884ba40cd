import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { DeliveryStatus } from '../db/schema.js';
import { type ReplayCursor, sameCursor } from '../contract/replay-job.js';
import { newId } from '../ids.js';
import { inScope, type Scope } from './scope.js';

/**
 * Bulk replay jobs (POST /v1/webhooks/:id/replay) and the pages of failed deliveries they walk. A
 * job's workflow pages through Postgres by keyset, one bounded batch per activity, so neither the
 * worker's memory nor the workflow's history grows with the number of deliveries.
 */
export type ReplayJobStatus = 'running' | 'completed' | 'failed';

export interface ReplayJob {
  id: string;
  communityId: string;
  webhookId: string;
  since: string;
  until: string | null;
  status: ReplayJobStatus;
  total: number;
  done: number;
  failed: number;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

export type { ReplayCursor } from '../contract/replay-job.js';

type JobRow = {
  id: string;
  community_id: string;
  webhook_id: string;
  since: Date;
  until: Date | null;
  status: ReplayJobStatus;
  total: number;
  done: number;
  failed: number;
  cursor_created_at: string | null;
  cursor_id: string | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
};

function toJob(row: JobRow): ReplayJob {
  return {
    id: row.id,
    communityId: row.community_id,
    webhookId: row.webhook_id,
    since: row.since.toISOString(),
    until: row.until?.toISOString() ?? null,
    status: row.status,
    total: row.total,
    done: row.done,
    failed: row.failed,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}

function cursorOf(row: Pick<JobRow, 'cursor_created_at' | 'cursor_id'>): ReplayCursor | null {
  return row.cursor_created_at !== null && row.cursor_id !== null ? { createdAt: row.cursor_created_at, id: row.cursor_id } : null;
}

/** createReplayJob's refusal: the webhook has a job running already. */
export class ReplayJobRunningError extends Error {
  constructor(readonly running: ReplayJob) {
    super(`replay job ${running.id} of webhook ${running.webhookId} is still running`);
  }
}

/**
 * Records a job with the number of failed deliveries in its window now, unless the webhook has a
 * job running (then ReplayJobRunningError): one running bulk replay per webhook. The webhook's row
 * is held while it checks and inserts, so two requests at once (to any API process) cannot both
 * start one.
 */
export async function createReplayJob(
  db: Db,
  input: { communityId: string; webhookId: string; since: Date; until: Date | null },
): Promise<ReplayJob> {
  return db.transaction().execute(async (trx) => {
    await trx.selectFrom('webhooks').select('id').where('id', '=', input.webhookId).forNoKeyUpdate().executeTakeFirst();
    const running = await trx
      .selectFrom('replay_jobs')
      .selectAll()
      .where('webhook_id', '=', input.webhookId)
      .where('status', '=', 'running')
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (running) throw new ReplayJobRunningError(toJob(running));
    return insertReplayJob(trx, input);
  });
}

async function insertReplayJob(db: Db, input: { communityId: string; webhookId: string; since: Date; until: Date | null }): Promise<ReplayJob> {
  let count = db
    .selectFrom('deliveries')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('webhook_id', '=', input.webhookId)
    .where('status', '=', 'failed')
    .where('created_at', '>=', input.since)
    // retention: deliveries of expunged events are not replayed, so not counted
    .where(sql<boolean>`not exists (select 1 from events e where e.id = deliveries.event_id and e.expunged_at is not null)`);
  if (input.until) count = count.where('created_at', '<', input.until);
  const { n } = await count.executeTakeFirstOrThrow();
  const now = new Date();
  const row = await db
    .insertInto('replay_jobs')
    .values({
      id: newId('job'),
      community_id: input.communityId,
      webhook_id: input.webhookId,
      since: input.since,
      until: input.until,
      status: 'running',
      total: n,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toJob(row);
}

export async function getReplayJob(db: Db, scope: Scope, id: string): Promise<ReplayJob | undefined> {
  const row = await db.selectFrom('replay_jobs').selectAll().where('id', '=', id).where(inScope(scope, 'community_id')).executeTakeFirst();
  return row && toJob(row);
}

/**
 * Running jobs that have made no progress for a while: their workflow may never have started (the
 * API died between recording the job and starting it). The sweeper starts those that never ran.
 */
export async function listStalledReplayJobs(db: Db, idleMs: number, limit: number) {
  return db
    .selectFrom('replay_jobs')
    .select(['id', 'community_id', 'webhook_id'])
    .where('status', '=', 'running')
    .where('updated_at', '<', sql<Date>`now() - ${`${idleMs} milliseconds`}::interval`)
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

/** The job could not be started (Temporal unreachable): it will make no progress. */
export async function markReplayJobFailed(db: Db, id: string): Promise<void> {
  await db.updateTable('replay_jobs').set({ status: 'failed', updated_at: new Date(), completed_at: new Date() }).where('id', '=', id).execute();
}

/** What a batch needs of its job, with the keyset position the last committed batch reached. */
export async function loadReplayJobForBatch(db: Db, id: string) {
  const row = await db.selectFrom('replay_jobs').selectAll().where('id', '=', id).executeTakeFirst();
  return row && { job: toJob(row), cursor: cursorOf(row) };
}

export interface ReplayCandidate {
  id: string;
  communityId: string;
  webhookId: string;
  eventType: string;
  attemptCount: number;
}

/**
 * The next page of the job's window after `cursor`, in (created_at, id) order, and of those the
 * ones still failed, claimed for replay in the same statement (set pending, as a single replay
 * does), so a delivery replayed meanwhile by someone else, or by a re-run of this batch, is not
 * replayed twice. Returns the claimed deliveries, the page's last position and whether the window
 * has been walked to its end.
 */
export async function claimReplayPage(
  db: Db,
  job: { webhookId: string; since: string; until: string | null },
  cursor: ReplayCursor | null,
  limit: number,
): Promise<{ claimed: ReplayCandidate[]; last: ReplayCursor | null; exhausted: boolean }> {
  let page = db
    .selectFrom('deliveries')
    .select(['id', sql<string>`created_at::text`.as('created_at_text')])
    .where('webhook_id', '=', job.webhookId)
    .where('status', '=', 'failed')
    .where('created_at', '>=', new Date(job.since))
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit);
  if (job.until) page = page.where('created_at', '<', new Date(job.until));
  if (cursor) page = page.where(sql<boolean>`(created_at, id) > (${cursor.createdAt}::timestamptz, ${cursor.id})`);
  const rows = await page.execute();
  const lastRow = rows[rows.length - 1];
  const last = lastRow ? { createdAt: lastRow.created_at_text, id: lastRow.id } : cursor;
  if (rows.length === 0) return { claimed: [], last, exhausted: true };
  const claimed = await db
    .updateTable('deliveries')
    .set({ status: 'pending', next_attempt_at: null, updated_at: new Date() })
    .where('id', 'in', rows.map((r) => r.id))
    .where('status', '=', 'failed')
    // retention: a delivery of an expunged event is skipped (docs/retention.md#expunge)
    .where(sql<boolean>`not exists (select 1 from events e where e.id = deliveries.event_id and e.expunged_at is not null)`)
    .returning(['id', 'community_id', 'webhook_id', 'event_type', 'attempt_count', 'ordering_seq'])
    .execute();
  await moveToEndOfOrder(db, job.webhookId, claimed.filter((c) => c.ordering_seq !== null).map((c) => c.id));
  const order = new Map(rows.map((r, i) => [r.id, i]));
  return {
    claimed: claimed
      .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
      .map((r) => ({ id: r.id, communityId: r.community_id, webhookId: r.webhook_id, eventType: r.event_type, attemptCount: r.attempt_count })),
    last,
    exhausted: rows.length < limit,
  };
}

/**
 * Replayed deliveries of a FIFO webhook go after those waiting now, in their own order (created_at,
 * id): the webhook's counter moves on by their number and they take the places it passed.
 */
async function moveToEndOfOrder(db: Db, webhookId: string, deliveryIds: readonly string[]): Promise<void> {
  if (deliveryIds.length === 0) return;
  await sql`
    with bump as (
      update webhooks set ordering_seq = ordering_seq + ${deliveryIds.length} where id = ${webhookId} returning ordering_seq
    ), ranked as (
      select id, row_number() over (order by created_at, id) as rank from deliveries where id = any(${[...deliveryIds]}::text[])
    )
    update deliveries d set ordering_seq = (select ordering_seq from bump) - ${deliveryIds.length} + ranked.rank
    from ranked where d.id = ranked.id`.execute(db);
}

/** Puts claimed deliveries whose replay could not be started back to failed. */
export async function unclaimReplay(db: Db, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('deliveries')
    .set({ status: 'failed' satisfies DeliveryStatus, updated_at: new Date() })
    .where('id', 'in', [...ids])
    .where('status', '=', 'pending')
    .execute();
}

/**
 * Commits a batch's progress, once: only while the job still stands at `from`, so a batch that runs
 * again after a crash (its activity retried) neither counts twice nor moves the cursor back.
 * Returns the job as it stands afterwards, or undefined when it no longer exists.
 */
export async function recordReplayBatch(
  db: Db,
  id: string,
  batch: { from: ReplayCursor | null; to: ReplayCursor | null; done: number; failed: number; finished: boolean },
): Promise<{ job: ReplayJob; cursor: ReplayCursor | null } | undefined> {
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('replay_jobs').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    // the webhook, and with it the job, was deleted while the batch ran
    if (!current) return undefined;
    if (current.status !== 'running' || !sameCursor(cursorOf(current), batch.from)) {
      return { job: toJob(current), cursor: cursorOf(current) };
    }
    const now = new Date();
    const done = current.done + batch.done;
    const failed = current.failed + batch.failed;
    const row = await trx
      .updateTable('replay_jobs')
      .set({
        done,
        failed,
        cursor_created_at: batch.to?.createdAt ?? null,
        cursor_id: batch.to?.id ?? null,
        updated_at: now,
        ...(batch.finished ? { status: 'completed' as const, completed_at: now, total: done + failed } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { job: toJob(row), cursor: cursorOf(row) };
  });
}
