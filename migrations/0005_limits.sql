-- Limits (README, "Security"): replays of one delivery are counted per hour, and a rotation keeps at
-- most two signing secrets live.

-- One row per replay of a single delivery (POST /v1/deliveries/:id/replay), to allow at most
-- REPLAYS_PER_DELIVERY_PER_HOUR in any hour. Rows older than an hour are deleted by the next
-- replay of the same delivery, so a delivery keeps at most that many rows.
create table delivery_replays (
  delivery_id   text not null references deliveries (id) on delete cascade,
  requested_at  timestamptz not null default now()
);
create index delivery_replays_delivery_idx on delivery_replays (delivery_id, requested_at);

-- A rotation now ends the grace of every older secret at once, so at most two are live: the
-- newest and the one it replaced. Rotations made before this migration may have left more; end
-- the grace of all but the two newest live secrets of each webhook now.
update webhook_secrets set expires_at = now()
where id in (
  select id from (
    select id, row_number() over (partition by webhook_id order by created_at desc, id desc) as position
    from webhook_secrets
    where expires_at is null or expires_at > now()
  ) live
  where position > 2
);
