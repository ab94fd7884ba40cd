import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { Api, describeError, type EventType, type Webhook } from './api.js';
import { DeliveryList } from './deliveries.js';
import { DisabledNotice, FlowState } from './flow.js';
import { isPortalToken, portalFetch, tabStorage, takePortalToken } from './portal.js';
import { ReplayFailedSince } from './replay.js';
import { Badge } from './ui.js';
import { WebhookForm } from './webhook-form.js';
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
              key={editing.mode === 'edit' ? editing.webhook.id : 'new'}
              eventTypes={eventTypes}
              webhook={editing.mode === 'edit' ? editing.webhook : undefined}
              onCancel={() => setEditing(null)}
              onSave={async (save) => {
                if (save.mode === 'create') {
                  const created = await api.createWebhook(save.input);
                  setSecret({ webhookId: created.id, secret: created.secret, note: `Use it to verify what ${created.url} receives.` });
                  setSelected(created.id);
                } else if (editing.mode === 'edit') {
                  await api.updateWebhook(editing.webhook.id, save.patch);
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
              eventTypes={eventTypes}
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

function WebhookDetail(props: {
  api: Api;
  webhook: Webhook;
  eventTypes: EventType[];
  onEdit: () => void;
  onChanged: () => Promise<void>;
  onSecret: (secret: string, note: string) => void;
  onError: (message: string) => void;
}) {
  const { api } = props;
  const [fresh, setFresh] = useState<Webhook | null>(null);
  const webhook = fresh?.id === props.webhook.id && fresh.updatedAt >= props.webhook.updatedAt ? fresh : props.webhook;
  const [notice, setNotice] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  // bumped to have the delivery list read again now (after a test is sent, a bulk replay ends)
  const [reloadDeliveries, setReloadDeliveries] = useState(0);

  const load = useCallback(async () => {
    try {
      setFresh(await api.webhook(webhook.id));
      setNow(Date.now());
    } catch (err) {
      props.onError(describeError(err));
    }
  }, [api, webhook.id]);

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
        <DisabledNotice webhook={webhook} />
        <p class="muted">
          {webhook.description ? `${webhook.description} · ` : ''}
          {webhook.format.toUpperCase()}
          {webhook.encryption.enabled ? ` · encrypted (${webhook.encryption.algorithm})` : ''} · {webhook.events.join(', ')} · <code>{webhook.id}</code>
        </p>
        <WebhookSettings webhook={webhook} />
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
                setReloadDeliveries((n) => n + 1);
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
        <h3>Replay failed deliveries</h3>
        <ReplayFailedSince api={api} webhookId={webhook.id} onFinished={() => setReloadDeliveries((n) => n + 1)} />
      </div>

      <DeliveryList api={api} webhookId={webhook.id} eventTypes={props.eventTypes} reload={reloadDeliveries} onError={props.onError} />
    </section>
  );
}

/** What the webhook is set to beyond its URL and events: channels and custom headers (names only). */
function WebhookSettings({ webhook }: { webhook: Webhook }) {
  if (!webhook.channelIds?.length && webhook.headerNames.length === 0) return null;
  return (
    <dl class="settings small" data-testid="webhook-settings">
      {webhook.channelIds?.length ? (
        <>
          <dt>Channels</dt>
          <dd data-testid="webhook-channel-ids">{webhook.channelIds.join(', ')}</dd>
        </>
      ) : null}
      {webhook.headerNames.length > 0 ? (
        <>
          <dt>Custom headers</dt>
          <dd data-testid="webhook-header-names">
            {webhook.headerNames.map((name) => (
              <code key={name} class="chip">
                {name}
              </code>
            ))}{' '}
            <span class="muted">(values hidden)</span>
          </dd>
        </>
      ) : null}
    </dl>
  );
}

render(<App />, document.getElementById('app')!);
