-- Limits (README, "Security"): replays of one delivery are counted per hour.

-- One row per replay of a single delivery (POST /v1/deliveries/:id/replay), to allow at most
-- REPLAYS_PER_DELIVERY_PER_HOUR in any hour. Rows older than an hour are deleted by the next
-- replay of the same delivery, so a delivery keeps at most that many rows.
create table delivery_replays (
  delivery_id   text not null references deliveries (id) on delete cascade,
  requested_at  timestamptz not null default now()
);
create index delivery_replays_delivery_idx on delivery_replays (delivery_id, requested_at);
