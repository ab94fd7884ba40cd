import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import {
  addCounts,
  COMMUNITY_PARTS,
  noCounts,
  type PurgeActivities,
  type PurgeCounts,
  type PurgePosition,
  type PurgeStepInput,
  type PurgeStepResult,
  type PurgeVacuumInput,
} from '../src/contract/purge.js';
import type { Db } from '../src/db/database.js';
import type { PurgeMetrics } from '../src/metrics/index.js';
import {
  communityRetention,
  type CommunityRetention,
  nextCommunity,
  PURGED_TABLES,
  purgeDeliveriesBatch,
  purgeEventsBatch,
  purgeExpiredSecretsBatch,
  purgeEndedPortalSessionsBatch,
  purgeReplayJobsBatch,
  purgeRevokedKeysBatch,
  vacuumTable,
} from '../src/store/purge.js';

export interface PurgeDeps {
  db: Db;
  logger: Logger;
  metrics?: PurgeMetrics;
  /** Bounds of one step; the defaults below, smaller in tests. */
  tuning?: Partial<PurgeTuning>;
}

export interface PurgeTuning {
  /** Deliveries (with their attempts) or events looked at per statement. */
  batchSize: number;
  /** A step stops starting statements after this long and reports. */
  stepBudgetMs: number;
  /**
   * After a statement that deleted something, the step pauses this many times its duration, so
   * the purge keeps one Postgres backend busy at most 1 / (1 + ratio) of the time, and deliveries
   * keep their share of the machine. A slower statement (a busier database) makes a longer pause.
   * Measured (BENCHMARKS.md, "Storage and the purge"): with 1 (and 500 rows) the healthy webhook's
   * p99 went from 0.3 s to 15.6 s while 1,000,000 rows were purged at half the sustained load, as
   * deliveries queued behind the purge's CPU; with 4 (and 250 rows) it stayed at 0.35 s.
   */
  pauseRatio: number;
  /** vacuum_cost_delay of the final VACUUM, ms (autovacuum's default is 2). */
  vacuumCostDelayMs: number;
}

export const PURGE_TUNING: PurgeTuning = { batchSize: 250, stepBudgetMs: 5_000, pauseRatio: 4, vacuumCostDelayMs: 2 };

/** What a step heartbeats after each statement: a retry after a crash goes on from there. */
interface StepCheckpoint {
  from: string;
  position: PurgePosition;
  deleted: PurgeCounts;
  batches: number;
  communities: number;
}

export function purgeActivities(deps: PurgeDeps): PurgeActivities {
  const tuning = { ...PURGE_TUNING, ...deps.tuning };

  return {
    /**
     * Runs delete statements from `position` on until the time budget is spent or the purge
     * reaches its vacuum: for each community in id order its final deliveries with their attempts,
     * then its events with no delivery left, its finished replay jobs, its revoked keys and ended
     * portal sessions; then
     * the expired secrets of every webhook. Each statement is one transaction, counted in
     * hookline_purged_rows_total once it has committed, and heartbeated with the position after it.
     */
    async purgeStep(input: PurgeStepInput): Promise<PurgeStepResult> {
      if (!(input?.retentionMs > 0) || !(input.replayRetentionMs >= 0) || !input.position) {
        throw ApplicationFailure.nonRetryable(`purgeStep needs retentionMs, replayRetentionMs and a position, got ${JSON.stringify(input)}`, 'InvalidInput');
      }
      const context = Context.current();
      const from = JSON.stringify(input.position);
      // a retry of this very step (the worker died): go on from its last heartbeat
      const resumed = context.info.heartbeatDetails as StepCheckpoint | undefined;
      const state: StepCheckpoint =
        resumed?.from === from
          ? resumed
          : { from, position: input.position, deleted: noCounts(), batches: 0, communities: 0 };
      const started = Date.now();
      let community: CommunityRetention | undefined;

      const record = (deleted: Partial<PurgeCounts>) => {
        const counts = { ...noCounts(), ...deleted };
        state.deleted = addCounts(state.deleted, counts);
        state.batches += 1;
        for (const [key, n] of Object.entries(counts) as [keyof PurgeCounts, number][]) {
          if (n > 0) deps.metrics?.purged(PURGED_TABLES[key], n);
        }
      };

      while (Date.now() - started < tuning.stepBudgetMs) {
        const at = state.position;
        if (at.stage === 'vacuum' || at.stage === 'done') break;
        const statementStarted = Date.now();
        let deletedAny = false;

        if (at.stage === 'secrets') {
          const n = await purgeExpiredSecretsBatch(deps.db, tuning.batchSize);
          record({ webhookSecrets: n });
          deletedAny = n > 0;
          if (n < tuning.batchSize) state.position = { stage: 'vacuum' };
          context.heartbeat(state);
          if (deletedAny && tuning.pauseRatio > 0) await sleep((Date.now() - statementStarted) * tuning.pauseRatio);
          continue;
        }
        if (at.communityId === null) {
          // the start: the first community, or the secrets when there is none
          state.position = await communityAfter(null);
          continue;
        }
        if (community?.id !== at.communityId) community = await communityRetention(deps.db, at.communityId, input.retentionMs);
        if (!community) {
          // deleted meanwhile (its rows went with it, by cascade): on to the next
          state.position = await communityAfter(at.communityId);
          continue;
        }
        const base = { communityId: community.id, retentionMs: community.retentionMs };
        switch (at.part) {
          case 'deliveries': {
            const batch = await purgeDeliveriesBatch(deps.db, {
              ...base,
              replayRetentionMs: input.replayRetentionMs,
              cursor: at.cursor,
              limit: tuning.batchSize,
            });
            record({ deliveries: batch.deliveries, attempts: batch.attempts });
            deletedAny = batch.deliveries > 0;
            state.position = batch.cursor ? { ...at, cursor: batch.cursor } : { ...at, part: 'events', cursor: null };
            break;
          }
          case 'events': {
            const batch = await purgeEventsBatch(deps.db, { ...base, cursor: at.cursor, limit: tuning.batchSize });
            record({ events: batch.events });
            deletedAny = batch.events > 0;
            state.position = batch.cursor ? { ...at, cursor: batch.cursor } : { ...at, part: 'replayJobs', cursor: null };
            break;
          }
          case 'replayJobs': {
            const n = await purgeReplayJobsBatch(deps.db, { ...base, limit: tuning.batchSize });
            record({ replayJobs: n });
            deletedAny = n > 0;
            if (n < tuning.batchSize) state.position = { ...at, part: 'apiKeys', cursor: null };
            break;
          }
          case 'apiKeys': {
            const n = await purgeRevokedKeysBatch(deps.db, { ...base, limit: tuning.batchSize });
            // and the community's ended portal sessions, next to its revoked keys
            const sessions = n < tuning.batchSize ? await purgeEndedPortalSessionsBatch(deps.db, { communityId: community.id, limit: tuning.batchSize }) : 0;
            record({ apiKeys: n, portalSessions: sessions });
            deletedAny = n > 0 || sessions > 0;
            if (n < tuning.batchSize && sessions < tuning.batchSize) {
              state.communities += 1;
              state.position = await communityAfter(at.communityId);
            }
            break;
          }
        }
        context.heartbeat(state);
        if (deletedAny && tuning.pauseRatio > 0) await sleep((Date.now() - statementStarted) * tuning.pauseRatio);
      }

      deps.logger.info(
        { position: state.position, deleted: state.deleted, batches: state.batches, ms: Date.now() - started },
        'purge step done',
      );
      return { position: state.position, deleted: state.deleted, batches: state.batches, communities: state.communities };

      /** The first part of the community after `communityId` (or of the first one), or the secrets when there is none. */
      async function communityAfter(communityId: string | null): Promise<PurgePosition> {
        const next = await nextCommunity(deps.db, communityId, input.retentionMs);
        if (!next) return { stage: 'secrets' };
        community = next;
        return { stage: 'community', communityId: next.id, part: COMMUNITY_PARTS[0]!, cursor: null };
      }
    },

    /** VACUUM (ANALYZE) of each table the purge deleted from, heartbeating while each runs. */
    async purgeVacuum(input: PurgeVacuumInput): Promise<string[]> {
      const context = Context.current();
      const tables = [...new Set((Object.keys(PURGED_TABLES) as (keyof PurgeCounts)[]).filter((k) => (input?.deleted?.[k] ?? 0) > 0).map((k) => PURGED_TABLES[k]))];
      const beat = setInterval(() => context.heartbeat(), 10_000);
      try {
        for (const table of tables) {
          const started = Date.now();
          await vacuumTable(deps.db, table, tuning.vacuumCostDelayMs);
          context.heartbeat(table);
          deps.logger.info({ table, ms: Date.now() - started }, 'purge vacuumed');
        }
      } finally {
        clearInterval(beat);
      }
      return tables;
    },
  };
}
