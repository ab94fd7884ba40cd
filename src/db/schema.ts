import type { ColumnType, Generated } from 'kysely';

/** Kysely's view of the tables in `migrations/`. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** A column that may be left out of an insert (it is nullable or has a default). */
type Optional<T> = ColumnType<T, T | undefined, T>;

export interface CommunitiesTable {
  id: string;
  name: string;
  created_at: Timestamp;
  /** Overrides RETENTION for the community's rows (migration 0006); null: the deployment's. */
  retention_days: Optional<number | null>;
}

export interface ApiKeysTable {
  id: string;
  community_id: string;
  name: string;
  key_hash: Buffer;
  key_prefix: string;
  disabled: Generated<boolean>;
  revoked_at: Date | null;
  last_used_at: Date | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhooksTable {
  id: string;
  community_id: string;
  url: string;
  description: string | null;
  format: 'json' | 'xml';
  events: string[];
  channel_ids: string[] | null;
  active: Generated<boolean>;
  disabled_reason: string | null;
  encryption_algorithm: 'aes-256-gcm' | 'aes-256-cbc' | null;
  encryption_key_sealed: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Date | null;
  failing_since: Date | null;
  max_concurrency: Generated<number>;
  rate_limit_per_second: number | null;
  ordering: Generated<WebhookOrdering>;
  /** The last ordering_seq given to one of its deliveries (FIFO). */
  ordering_seq: Generated<string>;
  /** Custom request headers: the names in clear, the {name: value} map sealed (migrations/0007). */
  header_names: Generated<string[]>;
  headers_sealed: string | null;
}

export type WebhookOrdering = 'none' | 'fifo';

/** One webhook's flow state, changed only by the hookline_flow_* functions (migrations/0004). */
export interface WebhookFlowTable {
  webhook_id: string;
  effective_concurrency: number;
  leases: ColumnType<Record<string, { s: number; e: number }>, string | undefined, string>;
  next_start_at: Date | null;
  last_start_at: Date | null;
  paused_until: Date | null;
  slow_until: Date | null;
  updated_at: Timestamp;
}

export interface FlowWaitersTable {
  delivery_id: string;
  webhook_id: string;
  position: Generated<string>;
  ordering_seq: string | null;
  reason: 'concurrency' | 'queue' | 'ordering';
  enqueued_at: Timestamp;
  granted_at: Date | null;
}

export interface WebhookSecretsTable {
  id: Generated<string>;
  webhook_id: string;
  secret_sealed: string;
  created_at: Timestamp;
  expires_at: Date | null;
}

export interface EventsTable {
  id: string;
  community_id: string;
  external_id: string | null;
  type: string;
  occurred_at: Timestamp;
  /** null once expunged (DELETE /v1/events/:id) */
  data: ColumnType<unknown, string, string | null>;
  created_at: Timestamp;
  expunged_at: Optional<Date | null>;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';

export interface DeliveriesTable {
  id: string;
  community_id: string;
  event_id: string;
  webhook_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempt_count: Generated<number>;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
  dispatched_at: Date | null;
  /** Its place in a FIFO webhook's order; null when not ordered. */
  ordering_seq: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AttemptsTable {
  delivery_id: string;
  attempt_number: number;
  started_at: Timestamp;
  duration_ms: number;
  request_url: string;
  request_headers: ColumnType<Record<string, string>, string, string>;
  response_status: number | null;
  response_headers: ColumnType<Record<string, string> | null, string | null, string | null>;
  response_body: string | null;
  response_body_truncated: Generated<boolean>;
  error_code: string | null;
  error_message: string | null;
  created_at: Timestamp;
}

export interface ReplayJobsTable {
  id: string;
  community_id: string;
  webhook_id: string;
  since: Date;
  until: Date | null;
  status: 'running' | 'completed' | 'failed';
  total: number;
  done: Generated<number>;
  failed: Generated<number>;
  cursor_created_at: string | null;
  cursor_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  completed_at: Date | null;
}

/** migrations/0005_limits.sql: replays of one delivery, counted per hour. */
export interface DeliveryReplaysTable {
  delivery_id: string;
  requested_at: Timestamp;
}

/** An operational event waiting to be emitted (migrations/0007, src/store/operational-events.ts). */
export interface OperationalOutboxTable {
  id: Generated<string>;
  community_id: string;
  type: string;
  about_webhook_id: string;
  data: ColumnType<unknown, string, string>;
  occurred_at: Generated<Date>;
}

export interface PortalSessionsTable {
  id: string;
  community_id: string;
  token_hash: Buffer;
  expires_at: Date;
  revoked_at: Date | null;
  created_at: Generated<Date>;
}

export interface Database {
  communities: CommunitiesTable;
  api_keys: ApiKeysTable;
  webhooks: WebhooksTable;
  webhook_secrets: WebhookSecretsTable;
  events: EventsTable;
  deliveries: DeliveriesTable;
  attempts: AttemptsTable;
  replay_jobs: ReplayJobsTable;
  webhook_flow: WebhookFlowTable;
  flow_waiters: FlowWaitersTable;
  delivery_replays: DeliveryReplaysTable;
  operational_outbox: OperationalOutboxTable;
  portal_sessions: PortalSessionsTable;
}
