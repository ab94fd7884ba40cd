-- Delivery lifecycle: a webhook's failing streak (for disabling it after WEBHOOK_DISABLE_AFTER) and
-- bulk replay jobs.

-- Start of the current run of failed attempts, across all of the webhook's deliveries; null after
-- a success (or when the webhook is enabled again).
alter table webhooks add column failing_since timestamptz;

create table replay_jobs (
  id            text primary key,
  community_id  text not null references communities (id) on delete cascade,
  webhook_id    text not null references webhooks (id) on delete cascade,
  -- the window, on deliveries.created_at: since <= created_at < until
  since         timestamptz not null,
  until         timestamptz,
  status        text not null check (status in ('running', 'completed', 'failed')),
  -- failed deliveries in the window when the job started; on completion, the number it found
  total         integer not null,
  -- replays started, and deliveries whose replay could not be started
  done          integer not null default 0,
  failed        integer not null default 0,
  -- keyset position: the (created_at, id) of the last delivery handled, created_at as Postgres text
  -- so its microseconds survive the round trip through the workflow
  cursor_created_at text,
  cursor_id     text,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  completed_at  timestamptz
);
create index replay_jobs_webhook_idx on replay_jobs (webhook_id, created_at desc);

-- the job pages through one webhook's failed deliveries in (created_at, id) order
create index deliveries_webhook_failed_idx on deliveries (webhook_id, created_at, id) where status = 'failed';
