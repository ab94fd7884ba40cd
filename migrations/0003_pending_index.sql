-- The pending-deliveries gauge (/metrics) counts pending rows by event type on every scrape; a
-- partial index keeps that proportional to what is pending, not to the whole history.
create index deliveries_pending_idx on deliveries (event_type) where status = 'pending';
