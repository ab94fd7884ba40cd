import { defineQuery } from '@temporalio/workflow';

/**
 * What the purge workflow (workflows/purge.ts), its activities (activities/purge.ts) and the code
 * that schedules and reads it (src/temporal/purge.ts, the API's /v1/purge-runs) share. The purge
 * deletes for good what the retention no longer keeps (docs/retention.md), one bounded batch per
 * statement, several batches per activity within a time budget; the workflow holds only its
 * position and the counts.
 */

export const PURGE_WORKFLOW = 'purgeWorkflow';

/** Rows deleted, by what they were. */
export interface PurgeCounts {
  deliveries: number;
  attempts: number;
  events: number;
  replayJobs: number;
  webhookSecrets: number;
  apiKeys: number;
  /** Portal sessions that have ended (expired or revoked), deleted with the revoked keys. */
  portalSessions: number;
}

export const PURGE_COUNT_KEYS = ['deliveries', 'attempts', 'events', 'replayJobs', 'webhookSecrets', 'apiKeys', 'portalSessions'] as const satisfies readonly (keyof PurgeCounts)[];

export function noCounts(): PurgeCounts {
  return { deliveries: 0, attempts: 0, events: 0, replayJobs: 0, webhookSecrets: 0, apiKeys: 0, portalSessions: 0 };
}

export function addCounts(a: PurgeCounts, b: PurgeCounts): PurgeCounts {
  return {
    deliveries: a.deliveries + b.deliveries,
    attempts: a.attempts + b.attempts,
    events: a.events + b.events,
    replayJobs: a.replayJobs + b.replayJobs,
    webhookSecrets: a.webhookSecrets + b.webhookSecrets,
    apiKeys: a.apiKeys + b.apiKeys,
    // absent from the counts of runs that began before portal sessions were purged
    portalSessions: (a.portalSessions ?? 0) + (b.portalSessions ?? 0),
  };
}

/** What the purge does for each community, in this order. */
export type CommunityPart = 'deliveries' | 'events' | 'replayJobs' | 'apiKeys';
export const COMMUNITY_PARTS: readonly CommunityPart[] = ['deliveries', 'events', 'replayJobs', 'apiKeys'];

/** Keyset position in a community's deliveries or events: created_at as Postgres text (microseconds kept) and id. */
export interface PurgeCursor {
  createdAt: string;
  id: string;
}

/**
 * Where the purge stands:
 * - `community`: working through one community (communities in id order), one part after another;
 * - `secrets`: expired signing secrets, of every webhook;
 * - `vacuum`: VACUUM (ANALYZE) of the tables it deleted from, so their space is reused;
 * - `done`.
 */
export type PurgePosition =
  | { stage: 'community'; communityId: string | null; part: CommunityPart; cursor: PurgeCursor | null }
  | { stage: 'secrets' }
  | { stage: 'vacuum' }
  | { stage: 'done' };

export const PURGE_START: PurgePosition = { stage: 'community', communityId: null, part: 'deliveries', cursor: null };

export interface PurgeWorkflowInput {
  /** RETENTION: what is final and older than this goes (a community's retentionDays overrides it). */
  retentionMs: number;
  /** DELIVERY_REPLAY_RETENTION: a failed delivery's workflow waits this long for a replay; it is kept at least as long. */
  replayRetentionMs: number;
  /** Carried across continue-as-new; absent when a run starts. */
  progress?: PurgeProgress;
}

export interface PurgeProgress {
  position: PurgePosition;
  deleted: PurgeCounts;
  /** Delete statements run (each one bounded). */
  batches: number;
  /** Communities gone through. */
  communities: number;
  /** Workflow time at the start of the purge (its first run). */
  startedAt: string;
  /** When the last activity reported. */
  updatedAt: string;
  /** The tables VACUUMed at the end. */
  vacuumed: string[];
}

/** The workflow's result: its progress at the end (position `done`). */
export type PurgeResult = PurgeProgress;

export type PurgeWorkflow = (input: PurgeWorkflowInput) => Promise<PurgeResult>;

export const purgeProgressQuery = defineQuery<PurgeProgress>('purgeProgress');

export interface PurgeStepInput {
  retentionMs: number;
  replayRetentionMs: number;
  position: PurgePosition;
}

export interface PurgeStepResult {
  /** Where the next step starts (`vacuum` once every community and the secrets are done). */
  position: PurgePosition;
  deleted: PurgeCounts;
  batches: number;
  communities: number;
}

export interface PurgeVacuumInput {
  /** Which counts were not zero: their tables are vacuumed. */
  deleted: PurgeCounts;
}

export interface PurgeActivities {
  /** Delete statements within a time budget from `position` on; heartbeats after each. */
  purgeStep(input: PurgeStepInput): Promise<PurgeStepResult>;
  /** VACUUM (ANALYZE) of the tables rows were deleted from; returns their names. */
  purgeVacuum(input: PurgeVacuumInput): Promise<string[]>;
}
