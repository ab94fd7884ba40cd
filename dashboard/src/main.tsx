import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { Api, type Attempt, type Delivery, type DeliveryStatus, describeError, type EventType, type Webhook, type WebhookInput } from './api.js';
import { DeliveryChart } from './chart.js';
import { isPortalToken, portalFetch, tabStorage, takePortalToken } from './portal.js';
import './styles.css';

const KEY_STORAGE = 'hookline.apiKey';
const REFRESH_MS = 3000;

function App() {
  // sessionStorage (tabStorage): the key lives as long as the tab, and is not shared with other tabs
  // or kept on disk; a portal link's token (dashboard/src/portal.ts) is kept the same way, as the key
  const [key, setKey] = useState<string | null>(() => {
    const portal = takePortalToken();
    if (portal) tabStorage.setItem(KEY_STORAGE, portal);
    return portal ?? tabStorage.getItem(KEY_STORAGE);
  });
  // why the last session ended, shown on the sign-in page
  const [notice, setNotice] = useState<string | null>(null);
  const signIn = (k: string) => {
    tabStorage.setItem(KEY_STORAGE, k);
    setNotice(null);
    setKey(k);
  };
  const signOut = (why: string | null = null) => {
    tabStorage.removeItem(KEY_STORAGE);
    setNotice(why);
    setKey(null);
  };
  // a new portal link opened in the same frame changes only the fragment: no reload
  useEffect(() => {
    const onHash = () => {
      const portal = takePortalToken();
      if (portal) signIn(portal);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const portal = key !== null && isPortalToken(key);
  const api = useMemo(() => (key ? new Api(key, portal ? portalFetch((why) => signOut(why)) : undefined) : null), [key]);
  if (!key || !api) return <SignIn onSignedIn={signIn} notice={notice} />;
  return (
    <>
      {portal ? (
        <div class="portal-strip" data-testid="portal-badge">
          <span class="badge portal">portal session</span>
          <span class="muted">Opened from your community settings. API keys are managed by the platform.</span>
        </div>
      ) : null}
      <Dashboard api={api} onSignOut={() => signOut()} />
    </>
  );
}

function SignIn({ onSignedIn, notice }: { onSignedIn: (key: string) => void; notice: string | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await new Api(key.trim()).webhooks();
      onSignedIn(key.trim());
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <form onSubmit={submit} class="card">
        <h1>Hookline</h1>
        {notice ? (
          <p class="ended" role="status" data-testid="signed-out-notice">
            {notice}
          </p>
        ) : null}
        <p>Sign in with your community’s API key to manage its webhooks and see their deliveries.</p>
        <label>
          API key
          <input
            type="password"
            name="apiKey"
            autocomplete="off"
            required
            value={key}
            onInput={(e) => setKey((e.target as HTMLInputElement).value)}
            data-testid="api-key"
          />
        </label>
        {error ? <p class="error" role="alert">{error}</p> : null}
        <button type="submit" disabled={busy || !key.trim()} data-testid="sign-in">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

type Editing = { mode: 'create' } | { mode: 'edit'; webhook: Webhook } | null;

function Dashboard({ api, onSignOut }: { api: Api; onSignOut: () => void }) {
  const [webhooks, setWebhooks] = useState<Webhook[] | null>(null);
  const [eventTypes, setEventTypes] = useState<EventType[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [editing, setEditing] = useState<Editing>(null);
  const [secret, setSecret] = useState<{ webhookId: string; secret: string; note: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const list = await api.webhooks();
      setWebhooks(list);
      setSelected((current) => current ?? list[0]?.id ?? null);
    } catch (err) {
      setError(describeError(err));
    }
  }, [api]);

  useEffect(() => {
    void load();
    api.eventTypes().then(setEventTypes, (err: unknown) => setError(describeError(err)));
  }, []);

  const webhook = webhooks?.find((w) => w.id === selected) ?? null;
  const communityId = webhooks?.[0]?.communityId;

  return (
    <div class="layout">
      <header>
        <strong>Hookline</strong>
        <span class="muted">{communityId ? `community ${communityId}` : ''}</span>
        <span class="spacer" />
        <a href="/docs" target="_blank" rel="noreferrer">
          API docs
        </a>
        <button class="link" onClick={onSignOut} data-testid="sign-out">
          Sign out
        </button>
      </header>
      {error ? (
        <p class="error banner" role="alert" onClick={() => setError(null)}>
          {error}
        </p>
      ) : null}
      {secret ? (
        <div class="secret banner" data-testid="secret-banner">
          <div>
            <strong>Signing secret</strong> — {secret.note} It is shown this once.
          </div>
          <code data-testid="secret-value">{secret.secret}</code>
          <button onClick={() => void navigator.clipboard?.writeText(secret.secret)}>Copy</button>
          <button class="link" onClick={() => setSecret(null)}>
            Dismiss
          </button>
        </div>
      ) : null}
      <div class="columns">
        <nav class="webhooks" aria-label="Webhooks">
          <div class="nav-head">
            <h2>Webhooks</h2>
            <button onClick={() => setEditing({ mode: 'create' })} data-testid="new-webhook">
              New webhook
            </button>
          </div>
          {webhooks === null ? <p class="muted">Loading…</p> : null}
          {webhooks?.length === 0 ? <p class="muted">No webhooks yet.</p> : null}
          <ul>
            {webhooks?.map((w) => (
              <li key={w.id}>
                <button
                  class={`webhook-item ${w.id === selected ? 'selected' : ''}`}
                  onClick={() => {
                    setSelected(w.id);
                    setEditing(null);
                  }}
                  data-testid="webhook-item"
                >
                  <span class="url">{w.url}</span>
                  <span class="row">
                    <Badge status={w.active ? 'active' : 'disabled'} />
                    <span class="muted small">{w.events.join(', ')}</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <main class="detail">
          {editing ? (
            <WebhookForm
              eventTypes={eventTypes}
              webhook={editing.mode === 'edit' ? editing.webhook : undefined}
              onCancel={() => setEditing(null)}
              onSave={async (input) => {
                if (editing.mode === 'create') {
                  const created = await api.createWebhook(input);
                  setSecret({ webhookId: created.id, secret: created.secret, note: `Use it to verify what ${created.url} receives.` });
                  setSelected(created.id);
                } else {
                  await api.updateWebhook(editing.webhook.id, input);
                }
                setEditing(null);
                await load();
              }}
            />
          ) : webhook ? (
            <WebhookDetail
              key={webhook.id}
              api={api}
              webhook={webhook}
              onEdit={() => setEditing({ mode: 'edit', webhook })}
              onChanged={load}
              onSecret={(s, note) => setSecret({ webhookId: webhook.id, secret: s, note })}
              onError={setError}
            />
          ) : webhooks && webhooks.length === 0 ? (
            <section class="card empty">
              <h2>Register your first webhook</h2>
              <p>Hookline will POST the events you pick to its URL, signed, and retry for a day when it fails.</p>
              <button onClick={() => setEditing({ mode: 'create' })}>New webhook</button>
            </section>
          ) : null}
        </main>
      </div>
    </div>
  );
}

function WebhookForm(props: {
  eventTypes: EventType[];
  webhook: Webhook | undefined;
  onSave: (input: WebhookInput) => Promise<void>;
  onCancel: () => void;
}) {
  const w = props.webhook;
  const [url, setUrl] = useState(w?.url ?? '');
  const [description, setDescription] = useState(w?.description ?? '');
  const [format, setFormat] = useState<'json' | 'xml'>(w?.format ?? 'json');
  const [events, setEvents] = useState<string[]>(w?.events ?? []);
  const [channelIds, setChannelIds] = useState((w?.channelIds ?? []).join(', '));
  const [encryption, setEncryption] = useState(w?.encryption.enabled ?? false);
  const [algorithm, setAlgorithm] = useState(w?.encryption.algorithm ?? 'aes-256-gcm');
  const [encryptionKey, setEncryptionKey] = useState('');
  const [maxConcurrency, setMaxConcurrency] = useState(String(w?.maxConcurrency ?? 10));
  const [rateLimit, setRateLimit] = useState(w?.rateLimitPerSecond == null ? '' : String(w.rateLimitPerSecond));
  const [ordering, setOrdering] = useState<'none' | 'fifo'>(w?.ordering ?? 'none');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const subscribable = props.eventTypes.filter((t) => t.type !== 'webhook.test');
  // the catalog says which subscriptions need a channel list (channel.message.posted)
  const needsChannels = events.some((type) => props.eventTypes.find((t) => t.type === type)?.subscriptionOnly?.requires === 'channelIds');

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const channels = channelIds
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    const input: WebhookInput = {
      url: url.trim(),
      description: description.trim() || null,
      format,
      events: events as WebhookInput['events'],
      channelIds: needsChannels ? channels : null,
      maxConcurrency: Number(maxConcurrency),
      rateLimitPerSecond: rateLimit.trim() === '' ? null : Number(rateLimit),
      ordering,
    };
    if (encryption) input.encryption = { enabled: true, algorithm, ...(encryptionKey ? { key: encryptionKey } : {}) };
    else if (w?.encryption.enabled) input.encryption = { enabled: false };
    try {
      await props.onSave(input);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card form" onSubmit={submit} data-testid="webhook-form">
      <h2>{w ? 'Edit webhook' : 'New webhook'}</h2>
      <label>
        URL
        <input type="url" required value={url} placeholder="https://example.com/webhooks" onInput={(e) => setUrl((e.target as HTMLInputElement).value)} data-testid="webhook-url" />
      </label>
      <label>
        Description
        <input value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} data-testid="webhook-description" />
      </label>
      <fieldset>
        <legend>Events</legend>
        {subscribable.map((t) => (
          <label class="check" key={t.type} title={t.description}>
            <input
              type="checkbox"
              checked={events.includes(t.type)}
              onChange={(e) =>
                setEvents((current) =>
                  (e.target as HTMLInputElement).checked ? [...current, t.type] : current.filter((x) => x !== t.type),
                )
              }
              data-testid={`event-${t.type}`}
            />
            <code>{t.type}</code> <span class="muted small">{t.name}</span>
          </label>
        ))}
      </fieldset>
      {needsChannels ? (
        <label>
          Channel ids (comma-separated)
          <input value={channelIds} onInput={(e) => setChannelIds((e.target as HTMLInputElement).value)} />
        </label>
      ) : null}
      <div class="row">
        <label>
          Format
          <select value={format} onChange={(e) => setFormat((e.target as HTMLSelectElement).value as 'json' | 'xml')}>
            <option value="json">JSON</option>
            <option value="xml">XML</option>
          </select>
        </label>
        <label class="check">
          <input type="checkbox" checked={encryption} onChange={(e) => setEncryption((e.target as HTMLInputElement).checked)} />
          Encrypt bodies
        </label>
      </div>
      <fieldset>
        <legend>Flow control</legend>
        <div class="row wrap">
          <label title="Attempts in flight to this webhook at once, across every worker (1–100)">
            Max concurrency
            <input type="number" min={1} max={100} step={1} required value={maxConcurrency} onInput={(e) => setMaxConcurrency((e.target as HTMLInputElement).value)} data-testid="webhook-max-concurrency" />
          </label>
          <label title="Attempts started per second (0.1–1000); empty for no limit">
            Rate limit (per second)
            <input type="number" min={0.1} max={1000} step="any" placeholder="no limit" value={rateLimit} onInput={(e) => setRateLimit((e.target as HTMLInputElement).value)} data-testid="webhook-rate-limit" />
          </label>
          <label title="FIFO: one delivery at a time, in the order the events were accepted">
            Ordering
            <select value={ordering} onChange={(e) => setOrdering((e.target as HTMLSelectElement).value as 'none' | 'fifo')} data-testid="webhook-ordering">
              <option value="none">Any order (parallel)</option>
              <option value="fifo">FIFO (one at a time, in order)</option>
            </select>
          </label>
        </div>
      </fieldset>
      {encryption ? (
        <div class="row">
          <label>
            Algorithm
            <select value={algorithm} onChange={(e) => setAlgorithm((e.target as HTMLSelectElement).value as typeof algorithm)}>
              <option value="aes-256-gcm">AES-256-GCM</option>
              <option value="aes-256-cbc">AES-256-CBC</option>
            </select>
          </label>
          <label>
            Key (32 characters{w?.encryption.enabled ? '; empty keeps the current one' : ''})
            <input type="password" value={encryptionKey} minLength={32} maxLength={32} onInput={(e) => setEncryptionKey((e.target as HTMLInputElement).value)} />
          </label>
        </div>
      ) : null}
      {error ? (
        <p class="error" role="alert" data-testid="form-error">
          {error}
        </p>
      ) : null}
      <div class="row">
        <button type="submit" disabled={busy} data-testid="save-webhook">
          {busy ? 'Saving…' : w ? 'Save' : 'Create webhook'}
        </button>
        <button type="button" class="link" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The webhook's flow control as it stands: slots in use of the adaptive limit, a pause, the queue. */
function FlowState({ webhook, now }: { webhook: Webhook; now: number }) {
  const f = webhook.flow;
  const paused = f.pausedUntil && Date.parse(f.pausedUntil) > now ? f.pausedUntil : null;
  return (
    <p class="small flow" data-testid="flow-state">
      <strong>Flow:</strong> <span data-testid="flow-in-flight">{f.inFlight}</span> in flight of{' '}
      <span data-testid="flow-effective">{f.effectiveConcurrency}</span>
      {f.effectiveConcurrency < webhook.maxConcurrency ? ` (slowed down from ${webhook.maxConcurrency})` : ''} ·{' '}
      <span data-testid="flow-waiting">{f.waiting}</span> waiting
      {webhook.rateLimitPerSecond !== null ? ` · at most ${webhook.rateLimitPerSecond}/s` : ''}
      {webhook.ordering === 'fifo' ? ' · FIFO' : ''}
      {paused ? (
        <span class="warn" data-testid="flow-paused">
          {' '}
          · paused by the receiver until {new Date(paused).toLocaleTimeString()}
        </span>
      ) : null}
    </p>
  );
}

function WebhookDetail(props: {
  api: Api;
  webhook: Webhook;
  onEdit: () => void;
  onChanged: () => Promise<void>;
  onSecret: (secret: string, note: string) => void;
  onError: (message: string) => void;
}) {
  const { api } = props;
  const [fresh, setFresh] = useState<Webhook | null>(null);
  const webhook = fresh?.id === props.webhook.id && fresh.updatedAt >= props.webhook.updatedAt ? fresh : props.webhook;
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const [notice, setNotice] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());

  const load = useCallback(async () => {
    try {
      const [read, list] = await Promise.all([api.webhook(webhook.id), api.deliveries(webhook.id, status || undefined)]);
      setFresh(read);
      setDeliveries(list);
      setNow(Date.now());
    } catch (err) {
      props.onError(describeError(err));
    }
  }, [api, webhook.id, status]);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const act = async (what: () => Promise<void>) => {
    try {
      await what();
    } catch (err) {
      props.onError(describeError(err));
    }
  };

  return (
    <section>
      <div class="card">
        <div class="row wrap">
          <h2 class="url" data-testid="webhook-title">
            {webhook.url}
          </h2>
          <Badge status={webhook.active ? 'active' : 'disabled'} />
          {webhook.disabledReason ? <span class="muted small">({webhook.disabledReason})</span> : null}
        </div>
        <p class="muted">
          {webhook.description ? `${webhook.description} · ` : ''}
          {webhook.format.toUpperCase()}
          {webhook.encryption.enabled ? ` · encrypted (${webhook.encryption.algorithm})` : ''} · {webhook.events.join(', ')} · <code>{webhook.id}</code>
        </p>
        <FlowState webhook={webhook} now={now} />
        <div class="row wrap actions">
          <button onClick={props.onEdit} data-testid="edit-webhook">
            Edit
          </button>
          <button
            onClick={() =>
              act(async () => {
                await api.updateWebhook(webhook.id, { active: !webhook.active });
                await props.onChanged();
              })
            }
            data-testid="toggle-webhook"
          >
            {webhook.active ? 'Disable' : 'Enable'}
          </button>
          <button
            onClick={() =>
              act(async () => {
                if (!confirm('Rotate the signing secret? The old one keeps signing beside the new one for the grace period.')) return;
                const rotated = await api.rotateSecret(webhook.id);
                props.onSecret(
                  rotated.secret,
                  rotated.previousSecretExpiresAt
                    ? `The previous one keeps signing until ${new Date(rotated.previousSecretExpiresAt).toLocaleString()}.`
                    : 'The previous one stopped signing.',
                );
              })
            }
            data-testid="rotate-secret"
          >
            Rotate secret
          </button>
          <button
            disabled={!webhook.active}
            title={webhook.active ? 'Send a webhook.test event to this webhook' : 'Enable the webhook to send a test'}
            onClick={() =>
              act(async () => {
                const sent = await api.sendTest(webhook.id);
                setNotice(`Test event sent: delivery ${sent.deliveries[0]?.id ?? ''}`);
                await load();
              })
            }
            data-testid="send-test"
          >
            Send test
          </button>
        </div>
        {notice ? (
          <p class="notice" data-testid="notice">
            {notice}
          </p>
        ) : null}
      </div>

      <div class="card">
        <div class="row">
          <h3>Recent deliveries</h3>
          <span class="spacer" />
          <label class="inline">
            Status
            <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value as DeliveryStatus | '')} data-testid="status-filter">
              <option value="">all</option>
              <option value="pending">pending</option>
              <option value="succeeded">succeeded</option>
              <option value="failed">failed</option>
              <option value="cancelled">cancelled</option>
            </select>
          </label>
          <button class="link" onClick={() => void load()}>
            Refresh
          </button>
        </div>
        {deliveries ? <DeliveryChart deliveries={deliveries} now={now} /> : null}
        {deliveries === null ? <p class="muted">Loading…</p> : null}
        {deliveries?.length === 0 ? <p class="muted">No deliveries{status ? ` with status ${status}` : ''} yet. Send a test.</p> : null}
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
                <DeliveryRow key={d.id} api={api} delivery={d} onReplayed={load} onError={props.onError} />
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
    </section>
  );
}

function DeliveryRow(props: { api: Api; delivery: Delivery; onReplayed: () => Promise<void>; onError: (m: string) => void }) {
  const d = props.delivery;
  const [open, setOpen] = useState(false);
  const [attempts, setAttempts] = useState<Attempt[] | null>(null);
  // the cursor of older attempts: the delivery read shows the latest 20, newest first
  const [olderCursor, setOlderCursor] = useState<string | null>(null);
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
    try {
      const page = await props.api.attempts(d.id, olderCursor);
      setAttempts([...(attempts ?? []), ...page.data]);
      setOlderCursor(page.nextCursor);
    } catch (err) {
      props.onError(describeError(err));
    }
  };

  // lists carry each delivery's latest attempt only
  const last = d.attempts?.[0];
  const lastResponse = last ? (last.response ? `HTTP ${last.response.status}` : (last.error?.code ?? '')) : '';

  return (
    <>
      <tr class="delivery" data-testid="delivery-row" data-delivery-id={d.id} data-status={d.status}>
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
        <tr class="attempts-row">
          <td colSpan={6}>
            {attempts === null ? <p class="muted">Loading…</p> : null}
            {attempts?.length === 0 ? <p class="muted">No attempt yet{d.nextAttemptAt ? `; next at ${new Date(d.nextAttemptAt).toLocaleString()}` : ''}.</p> : null}
            {attempts?.map((a) => (
              <div class="attempt" data-testid="attempt" key={a.attemptNumber}>
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
              </div>
            ))}
            {olderCursor ? (
              <button class="link" onClick={() => void loadOlder()} data-testid="older-attempts">
                Older attempts
              </button>
            ) : null}
          </td>
        </tr>
      ) : null}
    </>
  );
}

function Badge({ status, label }: { status: string; label?: string }) {
  return <span class={`badge ${status}`}>{label ?? status}</span>;
}

render(<App />, document.getElementById('app')!);
