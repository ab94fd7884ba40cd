import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/**
 * Reading and nudging webhooks' flow state (docs/flow-control.md). The state itself is changed by
 * the hookline_flow_* functions of migrations/0004_flow_control.sql, inside the two statements of an
 * attempt (src/store/attempt-context.ts); what is here reads it for the API and the metrics, marks a
 * receiver slow mid-attempt, and runs the sweeper's safety net.
 */
export interface Flow {
  /** Attempts holding a slot now (across every worker). */
  inFlight: number;
  /** The adaptive limit: maxConcurrency, halved by 429, 503 and timeouts, raised by one per success. */
  effectiveConcurrency: number;
  /** Set while a 429 or 503 with Retry-After pauses the whole webhook. */
  pausedUntil: string | null;
  /** Deliveries waiting for a slot (or, for a FIFO webhook, for the deliveries before them). */
  waiting: number;
}

/** The flow of each webhook given, in two queries (its row and its waiters), by webhook id. */
export async function flowOf(db: Db, webhooks: readonly { id: string; maxConcurrency: number }[]): Promise<Map<string, Flow>> {
  const byId = new Map<string, Flow>();
  if (webhooks.length === 0) return byId;
  const ids = webhooks.map((w) => w.id);
  const [rows, waiting] = await Promise.all([
    db
      .selectFrom('webhook_flow')
      .select([
        'webhook_id',
        'effective_concurrency',
        sql<number>`(select count(*) from jsonb_each(leases) l where (l.value ->> 'e')::bigint > hookline_epoch_ms(now()))::int`.as('in_flight'),
        sql<Date | null>`case when paused_until > now() then paused_until end`.as('paused_until'),
      ])
      .where('webhook_id', 'in', ids)
      .execute(),
    db
      .selectFrom('flow_waiters')
      .select(['webhook_id', sql<number>`count(*)::int`.as('n')])
      .where('webhook_id', 'in', ids)
      .where('granted_at', 'is', null)
      .groupBy('webhook_id')
      .execute(),
  ]);
  const waitingById = new Map(waiting.map((w) => [w.webhook_id, w.n]));
  const rowById = new Map(rows.map((r) => [r.webhook_id, r]));
  for (const w of webhooks) {
    const row = rowById.get(w.id);
    byId.set(w.id, {
      inFlight: row?.in_flight ?? 0,
      effectiveConcurrency: Math.min(row?.effective_concurrency ?? w.maxConcurrency, w.maxConcurrency),
      pausedUntil: row?.paused_until?.toISOString() ?? null,
      waiting: waitingById.get(w.id) ?? 0,
    });
  }
  return byId;
}

/** A local attempt has run past its budget: the webhook's next attempts run as normal activities. */
export async function markWebhookSlow(db: Db, webhookId: string): Promise<void> {
  await db
    .updateTable('webhook_flow')
    .set({ slow_until: sql<Date>`now() + interval '1 hour'` })
    .where('webhook_id', '=', webhookId)
    .execute();
}

/**
 * The sweeper's pass (hookline_flow_pump): free slots handed on, expired handoffs put back in line,
 * and the waiters to signal, those just handed a slot and those whose signal may have been lost.
 */
export async function pumpFlow(db: Db, leaseMs: number, resignalAfterMs: number): Promise<{ deliveryId: string; webhookId: string }[]> {
  const { rows } = await sql<{ delivery_id: string; webhook_id: string }>`select * from hookline_flow_pump(${leaseMs}, ${resignalAfterMs})`.execute(db);
  return rows.map((r) => ({ deliveryId: r.delivery_id, webhookId: r.webhook_id }));
}

/** Totals for the metrics: bounded label sets (no series per webhook but for the ten most waited on). */
export async function flowTotals(db: Db) {
  const [inFlight, waiting, webhooks, top] = await Promise.all([
    sql<{ n: number }>`select coalesce(sum((select count(*) from jsonb_each(leases) l where (l.value ->> 'e')::bigint > hookline_epoch_ms(now()))), 0)::int as n from webhook_flow where leases <> '{}'::jsonb`.execute(db),
    db.selectFrom('flow_waiters').select(['reason', sql<number>`count(*)::int`.as('n')]).where('granted_at', 'is', null).groupBy('reason').execute(),
    sql<{ paused: number; reduced: number; slow: number }>`
      select count(*) filter (where f.paused_until > now())::int as paused,
             count(*) filter (where f.effective_concurrency < w.max_concurrency)::int as reduced,
             count(*) filter (where f.slow_until > now())::int as slow
      from webhook_flow f join webhooks w on w.id = f.webhook_id
      where w.deleted_at is null`.execute(db),
    db
      .selectFrom('flow_waiters')
      .select(['webhook_id', sql<number>`count(*)::int`.as('n')])
      .where('granted_at', 'is', null)
      .groupBy('webhook_id')
      .orderBy('n', 'desc')
      .limit(10)
      .execute(),
  ]);
  return {
    inFlight: inFlight.rows[0]?.n ?? 0,
    waiting: waiting.map((w) => ({ reason: w.reason, count: w.n })),
    webhooks: webhooks.rows[0] ?? { paused: 0, reduced: 0, slow: 0 },
    mostWaiting: top.map((t) => ({ webhookId: t.webhook_id, count: t.n })),
  };
}
