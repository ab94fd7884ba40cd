import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type Api, type Attempt, type Delivery, type DeliveryFilters, type DeliveryStatus, describeError, type EventType } from './api.js';
import { DeliveryChart } from './chart.js';
import { Badge, localInputToIso, valueOf } from './ui.js';

/** Deliveries a page holds; "Load more" reads the next page through meta.nextCursor. */
export const DELIVERY_PAGE_SIZE = 20;
/** The most a list read may ask for (the API's limit): the refresh re-reads what is shown up to it. */
const MAX_LIST_LIMIT = 200;
const REFRESH_MS = 3000;
/** What an attempt row holds in place of a custom header's value. */
const REDACTED = '[redacted]';
const STATUSES: DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'cancelled'];

interface FilterInputs {
  status: DeliveryStatus | '';
  eventType: string;
  /** datetime-local values, in the browser's time */
  since: string;
  until: string;
}
const NO_FILTERS: FilterInputs = { status: '', eventType: '', since: '', until: '' };

function toQuery(f: FilterInputs): DeliveryFilters {
  const since = localInputToIso(f.since);
  const until = localInputToIso(f.until);
  return {
    ...(f.status ? { status: f.status } : {}),
    ...(f.eventType ? { eventType: f.eventType as DeliveryFilters['eventType'] } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
  };
}

/**
 * A webhook's recent deliveries, newest first: filtered by status, event type and creation time
 * (GET /v1/webhooks/:id/deliveries), a page at a time, kept fresh every few seconds.
 */
export function DeliveryList(props: { api: Api; webhookId: string; eventTypes: EventType[]; reload: number; onError: (m: string) => void }) {
  const { api, webhookId } = props;
  const [filters, setFilters] = useState<FilterInputs>(NO_FILTERS);
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [shown, setShown] = useState(DELIVERY_PAGE_SIZE);
  const [loadingMore, setLoadingMore] = useState(false);
  const [now, setNow] = useState(Date.now());
  const [filterError, setFilterError] = useState<string | null>(null);
  const query = toQuery(filters);
  const queryKey = JSON.stringify(query);
  // reads are numbered: an answer to one that a later read (other filters, the next page) has
  // overtaken is dropped, so a slow refresh never puts back rows of old filters or drops a page
  const lastRead = useRef(0);
  const paging = useRef(false);

  // re-reads the pages shown (up to the API's limit) in one request: newer deliveries come in on top
  const refresh = useCallback(
    async (limit: number) => {
      const read = ++lastRead.current;
      try {
        const page = await api.deliveries(webhookId, query, Math.min(MAX_LIST_LIMIT, limit));
        if (read !== lastRead.current) return;
        setDeliveries(page.data);
        setNextCursor(page.nextCursor);
        setFilterError(null);
        setNow(Date.now());
      } catch (err) {
        if (read === lastRead.current) setFilterError(describeError(err));
      }
    },
    [api, webhookId, queryKey],
  );

  useEffect(() => {
    setShown(DELIVERY_PAGE_SIZE);
    void refresh(DELIVERY_PAGE_SIZE);
  }, [refresh, props.reload]);
  useEffect(() => {
    // no refresh while the next page is read: it would overtake it
    const timer = setInterval(() => paging.current || void refresh(shown), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh, shown]);

  const loadMore = async () => {
    if (!nextCursor) return;
    setLoadingMore(true);
    paging.current = true;
    const read = ++lastRead.current;
    try {
      const page = await api.deliveries(webhookId, query, DELIVERY_PAGE_SIZE, nextCursor);
      if (read !== lastRead.current) return;
      setDeliveries((current) => {
        const seen = new Set((current ?? []).map((d) => d.id));
        return [...(current ?? []), ...page.data.filter((d) => !seen.has(d.id))];
      });
      setNextCursor(page.nextCursor);
      setShown((n) => n + DELIVERY_PAGE_SIZE);
    } catch (err) {
      props.onError(describeError(err));
    } finally {
      paging.current = false;
      setLoadingMore(false);
    }
  };

  const set = (change: Partial<FilterInputs>) => {
    lastRead.current++;
    setDeliveries(null);
    setFilters((f) => ({ ...f, ...change }));
  };
  const filtered = queryKey !== '{}';
  // deliveries are typed as what they deliver: a channel.message.posted subscription gets message.posted
  const deliveredTypes = props.eventTypes.filter((t) => !t.subscriptionOnly);

  return (
    <div class="card">
      <div class="row wrap">
        <h3>Recent deliveries</h3>
        <span class="spacer" />
        <button class="link" onClick={() => void refresh(shown)}>
          Refresh
        </button>
      </div>
      <div class="row wrap filters" data-testid="delivery-filters">
        <label class="inline">
          Status
          <select value={filters.status} onChange={(e) => set({ status: valueOf(e) as DeliveryStatus | '' })} data-testid="status-filter">
            <option value="">all</option>
            {STATUSES.map((s) => (
              <option value={s} key={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label class="inline">
          Event
          <select value={filters.eventType} onChange={(e) => set({ eventType: valueOf(e) })} data-testid="event-filter">
            <option value="">all</option>
            {deliveredTypes.map((t) => (
              <option value={t.type} key={t.type}>
                {t.type}
              </option>
            ))}
          </select>
        </label>
        <label class="inline">
          From
          <input type="datetime-local" value={filters.since} onChange={(e) => set({ since: valueOf(e) })} data-testid="since-filter" />
        </label>
        <label class="inline">
          to
          <input type="datetime-local" value={filters.until} onChange={(e) => set({ until: valueOf(e) })} data-testid="until-filter" />
        </label>
        {filtered ? (
          <button class="link" onClick={() => set(NO_FILTERS)} data-testid="clear-filters">
            Clear filters
          </button>
        ) : null}
      </div>
      {filterError ? (
        <p class="error small" role="alert" data-testid="filter-error">
          {filterError}
        </p>
      ) : null}
      {deliveries ? <DeliveryChart deliveries={deliveries} now={now} /> : null}
      {deliveries === null && !filterError ? <p class="muted">Loading…</p> : null}
      {deliveries?.length === 0 ? (
        <p class="muted" data-testid="no-deliveries">
          {filtered ? 'No delivery matches these filters.' : 'No deliveries yet. Send a test.'}
        </p>
      ) : null}
      {deliveries && deliveries.length > 0 ? (
        <table class="deliveries" data-testid="deliveries">
          <thead>
            <tr>
              <th>Created</th>
              <th>Event</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Last response</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <DeliveryRow key={d.id} api={api} delivery={d} onReplayed={() => refresh(shown)} onError={props.onError} />
            ))}
          </tbody>
        </table>
      ) : null}
      {deliveries && deliveries.length > 0 ? (
        <div class="row list-foot">
          <span class="muted small" data-testid="deliveries-shown">
            {deliveries.length} shown{nextCursor ? ', more older ones' : ''}
          </span>
          {nextCursor ? (
            <button onClick={() => void loadMore()} disabled={loadingMore} data-testid="load-more">
              {loadingMore ? 'Loading…' : 'Load more'}
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

export function DeliveryRow(props: { api: Api; delivery: Delivery; onReplayed: () => Promise<void>; onError: (m: string) => void }) {
  const d = props.delivery;
  const [open, setOpen] = useState(false);
  const [attempts, setAttempts] = useState<Attempt[] | null>(null);
  // the cursor of older attempts: the delivery read shows the latest 20, newest first
  const [olderCursor, setOlderCursor] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [replaying, setReplaying] = useState(false);

  // the row is re-rendered by the list's refresh; read the attempts again when the delivery changed
  useEffect(() => {
    if (!open) return;
    props.api.delivery(d.id).then(
      (full) => {
        setAttempts(full.attempts ?? []);
        setOlderCursor(full.attemptsNextCursor ?? null);
      },
      (err: unknown) => props.onError(describeError(err)),
    );
  }, [open, d.attemptCount, d.status]);

  const loadOlder = async () => {
    if (!olderCursor) return;
    setLoadingOlder(true);
    try {
      const page = await props.api.attempts(d.id, olderCursor);
      setAttempts((current) => [...(current ?? []), ...page.data]);
      setOlderCursor(page.nextCursor);
    } catch (err) {
      props.onError(describeError(err));
    } finally {
      setLoadingOlder(false);
    }
  };

  // lists carry each delivery's latest attempt only
  const last = d.attempts?.[0];
  const lastResponse = last ? (last.response ? `HTTP ${last.response.status}` : (last.error?.code ?? '')) : '';

  return (
    <>
      <tr class="delivery" data-testid="delivery-row" data-delivery-id={d.id} data-status={d.status} data-event-type={d.eventType}>
        <td title={d.createdAt}>{new Date(d.createdAt).toLocaleString()}</td>
        <td>
          <code>{d.eventType}</code>
        </td>
        <td>
          <Badge status={d.status} />
        </td>
        <td data-testid="attempt-count">{d.attemptCount}</td>
        <td>{lastResponse}</td>
        <td class="actions">
          <button class="link" onClick={() => setOpen(!open)} data-testid="toggle-attempts">
            {open ? 'Hide' : 'Attempts'}
          </button>
          <a href={d.temporal.uiUrl} target="_blank" rel="noreferrer" data-testid="temporal-link">
            Temporal ↗
          </a>
          <button
            disabled={replaying}
            onClick={async () => {
              setReplaying(true);
              try {
                await props.api.replay(d.id);
                await props.onReplayed();
              } catch (err) {
                props.onError(describeError(err));
              } finally {
                setReplaying(false);
              }
            }}
            data-testid="replay"
          >
            {replaying ? 'Replaying…' : 'Replay'}
          </button>
        </td>
      </tr>
      {open ? (
        <tr class="attempts-row" data-testid="attempts" data-delivery-id={d.id}>
          <td colSpan={6}>
            {attempts === null ? <p class="muted">Loading…</p> : null}
            {attempts?.length === 0 ? <p class="muted">No attempt yet{d.nextAttemptAt ? `; next at ${new Date(d.nextAttemptAt).toLocaleString()}` : ''}.</p> : null}
            {attempts && attempts.length > 0 ? (
              <p class="muted small" data-testid="attempts-shown">
                {attempts.length} of {d.attemptCount} attempts shown, newest first
              </p>
            ) : null}
            {attempts?.map((a) => <AttemptView attempt={a} key={a.attemptNumber} />)}
            {olderCursor ? (
              <button onClick={() => void loadOlder()} disabled={loadingOlder} data-testid="older-attempts">
                {loadingOlder ? 'Loading…' : 'Load older attempts'}
              </button>
            ) : null}
          </td>
        </tr>
      ) : null}
    </>
  );
}

function AttemptView({ attempt: a }: { attempt: Attempt }) {
  const headers = Object.entries(a.request.headers);
  // Hookline records a custom header by name only (src/wire/custom-headers.ts)
  const redacted = headers.some(([, value]) => value === REDACTED);
  return (
    <div class="attempt" data-testid="attempt" data-attempt={a.attemptNumber}>
      <div class="row wrap">
        <strong>#{a.attemptNumber}</strong>
        <span>{new Date(a.startedAt).toLocaleString()}</span>
        <span class="muted">{a.durationMs} ms</span>
        {a.response ? <Badge status={a.response.status < 300 ? 'succeeded' : 'failed'} label={`HTTP ${a.response.status}`} /> : null}
        {a.error ? <span class="error">{`${a.error.code}: ${a.error.message}`}</span> : null}
      </div>
      {a.response ? (
        <pre class="body" data-testid="response-body">
          {a.response.body || '(empty body)'}
          {a.response.bodyTruncated ? '\n… (truncated)' : ''}
        </pre>
      ) : null}
      {headers.length > 0 ? (
        <details class="request-headers">
          <summary class="small muted">
            Request headers ({headers.length}){redacted ? '; the values of custom headers are not recorded' : ''}
          </summary>
          <table class="headers" data-testid="request-headers">
            <tbody>
              {headers.map(([name, value]) => (
                <tr key={name} data-testid="request-header" data-name={name}>
                  <td>
                    <code>{name}</code>
                  </td>
                  <td>
                    <code class={value === REDACTED ? 'redacted' : ''}>{value}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
    </div>
  );
}
