-- Data lifecycle (docs/retention.md): a community's own retention, expunged events, and the indexes
-- the purge's deletes walk. Every statement here is a catalog change or builds an index on a table
-- that is small or cold (replay jobs, keys, secrets); the hot tables (deliveries, attempts, events)
-- get no new index: the purge walks deliveries and events by the community indexes they already
-- have ((community_id, created_at desc, id desc)), and attempts by their primary key.

-- null: the deployment's RETENTION applies
alter table communities add column retention_days integer check (retention_days between 1 and 365);

-- DELETE /v1/events/:id erases the event's data for good and says when
alter table events alter column data drop not null;
alter table events add column expunged_at timestamptz;
-- not valid: checked for every row written from now on, without scanning the table under its lock
-- (no row before this migration has expunged_at set)
alter table events add constraint events_expunged_has_no_data check (expunged_at is null or data is null) not valid;

-- finished replay jobs of a community, by the time they finished
create index replay_jobs_finished_idx on replay_jobs (community_id, completed_at) where status <> 'running';
-- revoked keys of a community, by the time they were revoked
create index api_keys_revoked_idx on api_keys (community_id, revoked_at) where revoked_at is not null;
-- signing secrets that expire (the ones a rotation replaced), by expiry
create index webhook_secrets_expiry_idx on webhook_secrets (expires_at) where expires_at is not null;
