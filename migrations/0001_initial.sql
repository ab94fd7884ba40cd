-- Hookline's schema. Vocabulary follows Svix: a webhook (endpoint) receives deliveries (messages to
-- one endpoint); every HTTP POST of a delivery is an attempt.

create table communities (
  id          text primary key,
  name        text not null,
  created_at  timestamptz not null default now()
);
create index communities_created_idx on communities (created_at desc, id desc);

create table api_keys (
  id            text primary key,
  community_id  text not null references communities (id) on delete cascade,
  name          text not null,
  -- sha256 of the key: keys are 256-bit random, so a fast hash is enough and lookups stay O(1).
  key_hash      bytea not null unique,
  key_prefix    text not null,
  disabled      boolean not null default false,
  revoked_at    timestamptz,
  last_used_at  timestamptz,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);
create index api_keys_community_idx on api_keys (community_id, created_at desc, id desc);

create table webhooks (
  id                    text primary key,
  community_id          text not null references communities (id) on delete cascade,
  url                   text not null,
  description           text,
  format                text not null check (format in ('json', 'xml')),
  events                text[] not null,
  channel_ids           text[],
  active                boolean not null default true,
  disabled_reason       text,
  encryption_algorithm  text check (encryption_algorithm in ('aes-256-gcm', 'aes-256-cbc')),
  -- the 32-character key, sealed with SECRETS_KEY; null when encryption is off
  encryption_key_sealed text,
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  deleted_at            timestamptz
);
create index webhooks_community_idx on webhooks (community_id, created_at desc, id desc) where deleted_at is null;
create index webhooks_events_idx on webhooks using gin (events) where deleted_at is null;

-- Signing secrets, sealed with SECRETS_KEY. More than one is live during a rotation's grace period.
create table webhook_secrets (
  id            bigint generated always as identity primary key,
  webhook_id    text not null references webhooks (id) on delete cascade,
  secret_sealed text not null,
  created_at    timestamptz not null default now(),
  expires_at    timestamptz
);
create index webhook_secrets_webhook_idx on webhook_secrets (webhook_id, created_at desc);

create table events (
  id            text primary key,
  community_id  text not null references communities (id) on delete cascade,
  -- the caller's own id, which makes POST /v1/events idempotent
  external_id   text,
  type          text not null,
  occurred_at   timestamptz not null,
  data          jsonb not null,
  created_at    timestamptz not null default now(),
  unique (community_id, external_id)
);
create index events_community_idx on events (community_id, created_at desc, id desc);

create table deliveries (
  id               text primary key,
  community_id     text not null references communities (id) on delete cascade,
  event_id         text not null references events (id) on delete cascade,
  webhook_id       text not null references webhooks (id) on delete cascade,
  event_type       text not null,
  status           text not null check (status in ('pending', 'succeeded', 'failed', 'cancelled')),
  attempt_count    integer not null default 0,
  last_attempt_at  timestamptz,
  next_attempt_at  timestamptz,
  -- set once the delivery's workflow has been started; rows left null are started by the sweeper
  dispatched_at    timestamptz,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  unique (event_id, webhook_id)
);
create index deliveries_webhook_idx on deliveries (webhook_id, created_at desc, id desc);
create index deliveries_community_idx on deliveries (community_id, created_at desc, id desc);
create index deliveries_undispatched_idx on deliveries (created_at) where dispatched_at is null;
create index deliveries_webhook_status_idx on deliveries (webhook_id, status, created_at);

create table attempts (
  delivery_id        text not null references deliveries (id) on delete cascade,
  attempt_number     integer not null,
  started_at         timestamptz not null,
  duration_ms        integer not null,
  request_url        text not null,
  request_headers    jsonb not null,
  response_status    integer,
  response_headers   jsonb,
  response_body      text,
  response_body_truncated boolean not null default false,
  error_code         text,
  error_message      text,
  created_at         timestamptz not null default now(),
  -- the attempt number comes from the workflow, so a re-run activity lands on the same key
  primary key (delivery_id, attempt_number)
);
