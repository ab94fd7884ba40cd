-- Flow control and ordering (docs/flow-control.md): per-webhook concurrency and rate limits that
-- hold across every worker, adaptive backpressure, and FIFO ordering.
--
-- The state of a webhook's flow is one row of webhook_flow, changed only by the functions below,
-- each of which locks that row first: an attempt is admitted (hookline_flow_admit) inside the
-- statement that loads its context, and released (hookline_flow_release) inside the statement that
-- records it, so flow control adds no round trip to an attempt. Waiting deliveries are rows of
-- flow_waiters; whoever frees a slot hands it to the first of them (hookline_flow_handoff) and the
-- worker signals its workflow. Leases expire, so a slot held by a worker that died comes back by
-- itself. Times are the database's clock (clock_timestamp()), the one clock every worker shares.

alter table webhooks
  add column max_concurrency integer not null default 10 check (max_concurrency between 1 and 100),
  add column rate_limit_per_second double precision
    check (rate_limit_per_second is null or rate_limit_per_second between 0.1 and 1000),
  add column ordering text not null default 'none' check (ordering in ('none', 'fifo')),
  -- the last ordering_seq given to a delivery of this webhook (FIFO)
  add column ordering_seq bigint not null default 0;

-- A FIFO webhook's deliveries carry their place in its order (the order their events were
-- accepted, or a replay's); null for deliveries that are not ordered.
alter table deliveries add column ordering_seq bigint;
-- "is an earlier delivery of this webhook still pending?", asked at each ordered admission
create index deliveries_ordered_pending_idx on deliveries (webhook_id, ordering_seq)
  where status = 'pending' and ordering_seq is not null;

create table webhook_flow (
  webhook_id            text primary key references webhooks (id) on delete cascade,
  -- the adaptive limit: halved by 429, 503 and timeouts, raised by one per success, 1..max_concurrency
  effective_concurrency integer not null check (effective_concurrency >= 1),
  -- attempts holding a slot: {"<delivery id>": {"s": <start, epoch ms>, "e": <expiry, epoch ms>,
  -- "c": <whether that start is committed: the attempt sends then, and the rate limit counts it>}}
  leases                jsonb not null default '{}',
  -- the rate limit (a generic cell rate algorithm): where the next slot handed out may start (each
  -- moves it 1/rate on), and when the last attempt did start (the next starts no sooner than 1/rate
  -- after it, however late its timer fired)
  next_start_at         timestamptz,
  last_start_at         timestamptz,
  -- a 429 or 503 with Retry-After pauses the whole webhook until then
  paused_until          timestamptz,
  -- the receiver was slow or hung lately: its attempts run as normal activities, not local ones
  slow_until            timestamptz,
  updated_at            timestamptz not null default now()
);
insert into webhook_flow (webhook_id, effective_concurrency) select id, max_concurrency from webhooks;

create sequence flow_waiter_position;

create table flow_waiters (
  delivery_id  text primary key references deliveries (id) on delete cascade,
  webhook_id   text not null references webhooks (id) on delete cascade,
  -- queue order: when it first waited (a FIFO delivery is handed a slot by ordering_seq instead)
  position     bigint not null default nextval('flow_waiter_position'),
  ordering_seq bigint,
  -- what it waits for: concurrency (every slot taken), queue (others waited first), ordering (an
  -- earlier delivery of a FIFO webhook is not final)
  reason       text not null,
  enqueued_at  timestamptz not null default now(),
  -- set when a slot was handed to it; it leaves the queue when its attempt takes the slot
  granted_at   timestamptz
);
create index flow_waiters_webhook_idx on flow_waiters (webhook_id, ordering_seq, position);

create function hookline_epoch_ms(t timestamptz) returns bigint
  language sql immutable as $$ select floor(extract(epoch from t) * 1000)::bigint $$;

-- The leases that have not expired.
create function hookline_live_leases(leases jsonb, at timestamptz) returns jsonb
  language sql immutable as $$
    select coalesce(jsonb_object_agg(key, value), '{}'::jsonb)
    from jsonb_each(leases)
    where (value ->> 'e')::bigint > hookline_epoch_ms(at)
  $$;

-- Hands the webhook's free slots to its waiters, first come first served, a FIFO webhook's ordered
-- deliveries in their order and only once nothing earlier is pending (`passed`: a delivery that has
-- just become final, whose own status change this statement may not see yet). Works on the flow
-- row given (locked by the caller) and returns it changed, with the deliveries to signal.
create function hookline_flow_handoff(
  f webhook_flow, w_max integer, w_rate double precision, lease_ms bigint, passed text, at timestamptz,
  out flow webhook_flow, out woken text[]
) language plpgsql as $$
declare
  free integer := least(f.effective_concurrency, w_max) - (select count(*) from jsonb_object_keys(f.leases));
  waiter record;
  ordered_done boolean := false;
  start_at timestamptz;
begin
  woken := '{}';
  flow := f;
  if free <= 0 then return; end if;
  for waiter in
    -- a waiter whose delivery was cancelled meanwhile (its webhook deleted, its event expunged) is
    -- passed over: a slot handed to it would stay unused until its lease expired
    select q.delivery_id, q.ordering_seq from flow_waiters q
    join deliveries dq on dq.id = q.delivery_id and dq.status = 'pending'
    where q.webhook_id = f.webhook_id and q.granted_at is null
    order by q.ordering_seq nulls last, q.position
    for update of q skip locked
  loop
    exit when free <= 0;
    if waiter.ordering_seq is not null then
      -- only the first ordered waiter can be next, and only when nothing before it is pending
      continue when ordered_done;
      ordered_done := true;
      continue when exists (
        select 1 from deliveries o
        where o.webhook_id = f.webhook_id and o.status = 'pending' and o.ordering_seq is not null
          and o.ordering_seq < waiter.ordering_seq and o.id is distinct from passed
      );
    end if;
    start_at := greatest(at, coalesce(flow.next_start_at, at), coalesce(flow.paused_until, at),
      case when w_rate is not null then coalesce(flow.last_start_at + make_interval(secs => 1 / w_rate), at) else at end);
    flow.leases := flow.leases || jsonb_build_object(waiter.delivery_id,
      jsonb_build_object('s', hookline_epoch_ms(start_at), 'e', hookline_epoch_ms(start_at) + lease_ms));
    if w_rate is not null then flow.next_start_at := start_at + make_interval(secs => 1 / w_rate); end if;
    update flow_waiters set granted_at = at where delivery_id = waiter.delivery_id;
    woken := woken || waiter.delivery_id;
    free := free - 1;
  end loop;
end $$;

-- An attempt asks for a slot. Granted: the lease it holds (new, or its own from before: a handoff, or
-- this attempt running again after a crash), with how long until it may start: the rate limit (no
-- sooner than 1/rate after the last start) or a pause can put that later. A start within
-- `sleep_ms` is committed (the caller waits that little and sends), a later one is only reserved
-- (the caller sleeps on a timer and asks again). Refused: it joins the queue and waits for a
-- signal; any slot free meanwhile (a lease expired) goes to the waiters before it.
create function hookline_flow_admit(delivery text, lease_ms bigint, sleep_ms bigint)
returns table (granted boolean, start_at timestamptz, wait_ms bigint, paused_until timestamptz, wait_reason text, slow boolean, woken text[])
language plpgsql as $$
declare
  at timestamptz := clock_timestamp();
  d record;
  w record;
  f webhook_flow;
  mine jsonb;
  reason text;
  earliest timestamptz;
  begin_at timestamptz;
  handed record;
  others text[] := '{}';
  committed boolean;
begin
  -- The delivery is read again here: the statement that calls this function read it as not
  -- cancelled in its own snapshot, but each statement below takes a newer one. A FIFO delivery's is
  -- also held (FOR SHARE) until the attempt's statement ends: without that, a DELETE of the webhook
  -- committed after the caller's snapshot would be seen by the ordering check below (the deliveries
  -- before this one cancelled: nothing earlier is pending) and not by the caller (this one still
  -- pending), and a cancelled delivery would be sent out of its turn. With it, the delete waits for
  -- this statement, or this function sees the delivery cancelled and refuses (wait_reason
  -- 'cancelled', no place in a queue). An unordered delivery needs no lock: a delete just after its
  -- admission is the same as one just after its POST began. Lock order: the delivery's row, then the
  -- flow row, as recordAttemptOutcome takes them.
  select id, webhook_id, ordering_seq, status into d from deliveries where id = delivery;
  if d.ordering_seq is not null then
    select id, webhook_id, ordering_seq, status into d from deliveries where id = delivery for share;
  end if;
  if d.status = 'cancelled' then
    return query select false, null::timestamptz, null::bigint, null::timestamptz, 'cancelled'::text, false, '{}'::text[];
    return;
  end if;
  select id, max_concurrency, rate_limit_per_second into w from webhooks where id = d.webhook_id;
  select * into f from webhook_flow where webhook_id = w.id for update;
  if not found then
    insert into webhook_flow (webhook_id, effective_concurrency) values (w.id, w.max_concurrency)
      on conflict (webhook_id) do nothing;
    select * into f from webhook_flow where webhook_id = w.id for update;
  end if;
  f.leases := hookline_live_leases(f.leases, at);
  f.effective_concurrency := least(f.effective_concurrency, w.max_concurrency);
  earliest := greatest(at, coalesce(f.paused_until, at),
    case when w.rate_limit_per_second is not null
      then coalesce(f.last_start_at + make_interval(secs => 1 / w.rate_limit_per_second), at) else at end);
  mine := f.leases -> delivery;

  if mine is null then
    if d.ordering_seq is not null and exists (
      select 1 from deliveries o
      where o.webhook_id = w.id and o.status = 'pending' and o.ordering_seq is not null and o.ordering_seq < d.ordering_seq
    ) then
      reason := 'ordering';
    elsif (select count(*) from jsonb_object_keys(f.leases)) >= f.effective_concurrency then
      reason := 'concurrency';
    elsif d.ordering_seq is null and exists (
      select 1 from flow_waiters q
      where q.webhook_id = w.id and q.delivery_id <> delivery and q.granted_at is null and q.ordering_seq is null
    ) then
      reason := 'queue';
    end if;

    if reason is not null then
      insert into flow_waiters (delivery_id, webhook_id, ordering_seq, reason) values (delivery, w.id, d.ordering_seq, reason)
        on conflict (delivery_id) do update set reason = excluded.reason, granted_at = null;
      select * into handed from hookline_flow_handoff(f, w.max_concurrency, w.rate_limit_per_second, lease_ms, null, at);
      f.leases := (handed.flow).leases;
      f.next_start_at := (handed.flow).next_start_at;
      others := handed.woken;
      mine := f.leases -> delivery;
      if mine is null then
        update webhook_flow set leases = f.leases, next_start_at = f.next_start_at,
          effective_concurrency = f.effective_concurrency, updated_at = at
          where webhook_id = w.id;
        return query select false, null::timestamptz, null::bigint, f.paused_until, reason, false, others;
        return;
      end if;
      -- it was first in line itself: it takes the slot just handed to it, and signals the others
      others := array_remove(others, delivery);
    else
      -- a new slot: it starts at the next free start of the rate limit, which moves on
      begin_at := greatest(earliest, coalesce(f.next_start_at, at));
      mine := jsonb_build_object('s', hookline_epoch_ms(begin_at), 'e', hookline_epoch_ms(begin_at) + lease_ms);
      if w.rate_limit_per_second is not null then
        f.next_start_at := begin_at + make_interval(secs => 1 / w.rate_limit_per_second);
      end if;
    end if;
  end if;

  -- a slot it holds: it starts at its own start, or later if a pause or the last start say so; a
  -- start it committed to before (this attempt asking again, as a normal activity) stays its own
  if coalesce((mine ->> 'c')::boolean, false) then
    begin_at := greatest(at, coalesce(f.paused_until, at), to_timestamp((mine ->> 's')::bigint / 1000.0));
  else
    begin_at := greatest(earliest, to_timestamp((mine ->> 's')::bigint / 1000.0));
  end if;
  committed := begin_at <= at + make_interval(secs => sleep_ms / 1000.0);
  if committed and w.rate_limit_per_second is not null then
    f.last_start_at := greatest(coalesce(f.last_start_at, begin_at), begin_at);
  end if;
  f.leases := f.leases || jsonb_build_object(delivery,
    jsonb_build_object('s', hookline_epoch_ms(begin_at), 'e', hookline_epoch_ms(begin_at) + lease_ms, 'c', committed));
  update webhook_flow set leases = f.leases, next_start_at = f.next_start_at, last_start_at = f.last_start_at,
    effective_concurrency = f.effective_concurrency, updated_at = at
    where webhook_id = w.id;
  delete from flow_waiters where flow_waiters.delivery_id = delivery;
  return query select true, begin_at, greatest(0, hookline_epoch_ms(begin_at) - hookline_epoch_ms(at)), f.paused_until,
    null::text, coalesce(f.slow_until > at, false), others;
end $$;

-- An attempt gives its slot back (in the statement that records it) and says how it went:
-- `signal` 'success' raises the adaptive limit by one, 'slow_down' (429, 503, a timeout) halves it;
-- `pause_ms` (Retry-After on a 429 or 503, capped by the caller) pauses the webhook; `slow` marks the
-- receiver slow (its next attempts run as normal activities) or, false after a quick answer, not
-- slow; `final`: the delivery has just become final, which releases the next of a FIFO webhook.
-- Returns the waiters it handed a slot to, for the caller to signal.
create function hookline_flow_release(
  delivery text, webhook text, signal text, pause_ms bigint, slow boolean, final boolean, lease_ms bigint
) returns text[]
language plpgsql as $$
declare
  at timestamptz := clock_timestamp();
  w record;
  f webhook_flow;
  handed record;
begin
  select id, max_concurrency, rate_limit_per_second into w from webhooks where id = webhook;
  if not found then return '{}'; end if;
  select * into f from webhook_flow where webhook_id = webhook for update;
  if not found then return '{}'; end if;
  f.leases := hookline_live_leases(f.leases, at) - delivery;
  f.effective_concurrency := case signal
    when 'success' then least(w.max_concurrency, least(f.effective_concurrency, w.max_concurrency) + 1)
    when 'slow_down' then greatest(1, least(f.effective_concurrency, w.max_concurrency) / 2)
    else least(f.effective_concurrency, w.max_concurrency)
  end;
  if pause_ms is not null and pause_ms > 0 then
    f.paused_until := greatest(coalesce(f.paused_until, at), at + make_interval(secs => pause_ms / 1000.0));
  end if;
  if slow is true then
    f.slow_until := at + interval '1 hour';
  elsif slow is false then
    f.slow_until := null;
  end if;
  select * into handed from hookline_flow_handoff(f, w.max_concurrency, w.rate_limit_per_second, lease_ms,
    case when final then delivery end, at);
  update webhook_flow set
    leases = (handed.flow).leases,
    next_start_at = (handed.flow).next_start_at,
    effective_concurrency = f.effective_concurrency,
    paused_until = f.paused_until,
    slow_until = f.slow_until,
    updated_at = at
  where webhook_id = webhook;
  return handed.woken;
end $$;

-- The safety net behind the signals, run by every worker's sweeper: for each webhook with waiters,
-- drops expired leases and waiters whose delivery is no longer pending, puts back in line a waiter
-- whose handed slot expired before it took it, hands free slots on, and returns every waiter that
-- holds a slot it has not taken for a while (its signal may have been lost) with those just handed.
create function hookline_flow_pump(lease_ms bigint, resignal_after_ms bigint)
returns table (delivery_id text, webhook_id text)
language plpgsql as $$
declare
  at timestamptz := clock_timestamp();
  wh record;
  f webhook_flow;
  handed record;
begin
  delete from flow_waiters q using deliveries d where d.id = q.delivery_id and d.status <> 'pending';
  for wh in
    select distinct q.webhook_id as id, w.max_concurrency, w.rate_limit_per_second
    from flow_waiters q join webhooks w on w.id = q.webhook_id
  loop
    select * into f from webhook_flow fl where fl.webhook_id = wh.id for update skip locked;
    continue when not found;
    f.leases := hookline_live_leases(f.leases, at);
    update flow_waiters q set granted_at = null
      where q.webhook_id = wh.id and q.granted_at is not null and not (f.leases ? q.delivery_id);
    select * into handed from hookline_flow_handoff(f, wh.max_concurrency, wh.rate_limit_per_second, lease_ms, null, at);
    update webhook_flow fl set leases = (handed.flow).leases, next_start_at = (handed.flow).next_start_at, updated_at = at
      where fl.webhook_id = wh.id;
    return query
      select q.delivery_id, q.webhook_id from flow_waiters q
      where q.webhook_id = wh.id and q.granted_at is not null
        and (q.delivery_id = any(handed.woken) or q.granted_at < at - make_interval(secs => resignal_after_ms / 1000.0));
  end loop;
end $$;
