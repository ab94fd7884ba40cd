-- The community side (docs/operational-events.md, docs/portal.md, docs/api.md#custom-headers).

-- Operational events (webhook.disabled, webhook.enabled, delivery.failed) are queued here in the
-- same statement or transaction as the change they tell of, so a crash between the change and the
-- event cannot lose the event; a drain turns each row into an event with its deliveries (the path
-- every event takes) and deletes the row in that one transaction, so none is emitted twice. The
-- attempt or request that queues a row drains it at once; the workers' sweeper drains what a crash
-- left behind. Rows live for milliseconds, so the table stays small.
create table operational_outbox (
  id                bigserial primary key,
  community_id      text not null references communities (id) on delete cascade,
  type              text not null,
  -- the webhook the event is about, which never receives it
  about_webhook_id  text not null,
  data              jsonb not null,
  occurred_at       timestamptz not null default now()
);

-- Custom request headers of a webhook: the names in clear (read back as headerNames), the
-- {name: value} map sealed like secrets (values are often credentials of the receiver).
alter table webhooks
  add column header_names   text[] not null default '{}',
  add column headers_sealed text;

-- Portal sessions: a link that signs the dashboard in as one community for a while. Only the
-- SHA-256 of the session's token is kept; revoking sets revoked_at for every live session.
create table portal_sessions (
  id            text primary key,
  community_id  text not null references communities (id) on delete cascade,
  token_hash    bytea not null unique,
  expires_at    timestamptz not null,
  revoked_at    timestamptz,
  created_at    timestamptz not null default now()
);
create index portal_sessions_community_idx on portal_sessions (community_id) where revoked_at is null;
