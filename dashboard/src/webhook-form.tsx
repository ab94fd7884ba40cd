import { useState } from 'preact/hooks';
import { describeError, type EventType, type Webhook, type WebhookInput, type WebhookPatch } from './api.js';
import { checkedOf, valueOf } from './ui.js';

/** The API's bound on custom headers per webhook (docs/api.md#custom-headers). */
const MAX_HEADERS = 20;
/** The encryption key's length: AES-256 takes exactly 32 bytes, given as 32 ASCII characters. */
const KEY_LENGTH = 32;

type Algorithm = 'aes-256-gcm' | 'aes-256-cbc';
/** A header being added: a name and its value. */
interface NewHeader {
  id: number;
  name: string;
  value: string;
}
/** A header the webhook has (only its name is ever read back): kept, given a new value, or removed. */
type StoredHeader = { change: 'keep' } | { change: 'set'; value: string } | { change: 'remove' };

export type WebhookFormSave = { mode: 'create'; input: WebhookInput } | { mode: 'edit'; patch: WebhookPatch };

/**
 * Every field of a webhook (docs/api.md#webhooks): URL, description, format, active, events from the
 * catalog (operational ones apart), channels, encryption, custom headers, flow control and ordering.
 * The API validates; its refusal is shown as it explains it (describeError).
 */
export function WebhookForm(props: { eventTypes: EventType[]; webhook: Webhook | undefined; onSave: (save: WebhookFormSave) => Promise<void>; onCancel: () => void }) {
  const w = props.webhook;
  const [url, setUrl] = useState(w?.url ?? '');
  const [description, setDescription] = useState(w?.description ?? '');
  const [format, setFormat] = useState<'json' | 'xml'>(w?.format ?? 'json');
  const [active, setActive] = useState(w?.active ?? true);
  const [events, setEvents] = useState<string[]>(w?.events ?? []);
  const [channelIds, setChannelIds] = useState((w?.channelIds ?? []).join(', '));
  const [encryption, setEncryption] = useState(w?.encryption.enabled ?? false);
  const [algorithm, setAlgorithm] = useState<Algorithm>((w?.encryption.algorithm as Algorithm | null) ?? 'aes-256-gcm');
  const [encryptionKey, setEncryptionKey] = useState('');
  const [stored, setStored] = useState<Record<string, StoredHeader>>(() => Object.fromEntries((w?.headerNames ?? []).map((n) => [n, { change: 'keep' }])));
  const [added, setAdded] = useState<NewHeader[]>([]);
  const [nextRowId, setNextRowId] = useState(1);
  const [maxConcurrency, setMaxConcurrency] = useState(String(w?.maxConcurrency ?? 10));
  const [rateLimit, setRateLimit] = useState(w?.rateLimitPerSecond == null ? '' : String(w.rateLimitPerSecond));
  const [ordering, setOrdering] = useState<'none' | 'fifo'>(w?.ordering ?? 'none');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // webhook.test goes to one webhook on request (Send test); nobody subscribes to it
  const subscribable = props.eventTypes.filter((t) => t.type !== 'webhook.test');
  const platformTypes = subscribable.filter((t) => !t.operational);
  const operationalTypes = subscribable.filter((t) => t.operational);
  // the catalog says which subscriptions need a channel list (channel.message.posted)
  const needsChannels = events.some((type) => props.eventTypes.find((t) => t.type === type)?.subscriptionOnly?.requires === 'channelIds');
  const keyLength = [...encryptionKey].length;
  const headerCount = Object.values(stored).filter((h) => h.change !== 'remove').length + added.length;

  const addHeader = () => {
    setAdded((rows) => [...rows, { id: nextRowId, name: '', value: '' }]);
    setNextRowId((n) => n + 1);
  };
  const editAdded = (id: number, change: Partial<NewHeader>) => setAdded((rows) => rows.map((r) => (r.id === id ? { ...r, ...change } : r)));
  const setStoredHeader = (name: string, header: StoredHeader) => setStored((current) => ({ ...current, [name]: header }));

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const channels = channelIds
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    // a row left wholly empty is no header; a name without a value is sent, for the API to refuse by name
    const newHeaders = added.filter((r) => r.name.trim() || r.value).map((r) => [r.name.trim(), r.value] as const);
    const fields = {
      url: url.trim(),
      description: description.trim() || null,
      format,
      active,
      events: events as WebhookInput['events'],
      channelIds: needsChannels ? channels : null,
      maxConcurrency: Number(maxConcurrency),
      rateLimitPerSecond: rateLimit.trim() === '' ? null : Number(rateLimit),
      ordering,
    };
    const encryptionField = encryption
      ? { enabled: true, algorithm, ...(encryptionKey ? { key: encryptionKey } : {}) }
      : w?.encryption.enabled
        ? { enabled: false }
        : undefined;
    try {
      if (!w) {
        const input: WebhookInput = { ...fields, ...(encryptionField ? { encryption: encryptionField } : {}) };
        if (newHeaders.length > 0) input.headers = Object.fromEntries(newHeaders);
        await props.onSave({ mode: 'create', input });
      } else {
        // a merge patch: a value sets a header, null removes it, a name left out keeps its value
        const headers: Record<string, string | null> = {};
        for (const [name, header] of Object.entries(stored)) {
          if (header.change === 'set') headers[name] = header.value;
          if (header.change === 'remove') headers[name] = null;
        }
        for (const [name, value] of newHeaders) headers[name] = value;
        const patch: WebhookPatch = { ...fields, ...(encryptionField ? { encryption: encryptionField } : {}) };
        if (Object.keys(headers).length > 0) patch.headers = headers;
        await props.onSave({ mode: 'edit', patch });
      }
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const eventBox = (t: EventType) => (
    <label class="check" key={t.type} title={t.description}>
      <input
        type="checkbox"
        checked={events.includes(t.type)}
        onChange={(e) => setEvents((current) => (checkedOf(e) ? [...current, t.type] : current.filter((x) => x !== t.type)))}
        data-testid={`event-${t.type}`}
      />
      <code>{t.type}</code> <span class="muted small">{t.name}</span>
    </label>
  );

  return (
    <form class="card form" onSubmit={submit} data-testid="webhook-form">
      <h2>{w ? 'Edit webhook' : 'New webhook'}</h2>
      <label>
        URL
        <input type="url" required value={url} placeholder="https://example.com/webhooks" onInput={(e) => setUrl(valueOf(e))} data-testid="webhook-url" />
      </label>
      <label>
        Description
        <input value={description} maxLength={500} onInput={(e) => setDescription(valueOf(e))} data-testid="webhook-description" />
      </label>
      <div class="row wrap">
        <label>
          Format
          <select value={format} onChange={(e) => setFormat(valueOf(e) as 'json' | 'xml')} data-testid="webhook-format">
            <option value="json">JSON</option>
            <option value="xml">XML</option>
          </select>
        </label>
        <label class="check" title="An inactive webhook gets no deliveries until it is enabled">
          <input type="checkbox" checked={active} onChange={(e) => setActive(checkedOf(e))} data-testid="webhook-active" />
          Active
        </label>
      </div>
      <div class="columns-2">
        <fieldset>
          <legend>Events</legend>
          {platformTypes.map(eventBox)}
        </fieldset>
        <fieldset>
          <legend>Operational events</legend>
          <p class="muted small hint">Hookline sends these itself, about this community’s webhooks.</p>
          {operationalTypes.map(eventBox)}
        </fieldset>
      </div>
      {needsChannels ? (
        <label>
          <span>
            Channel ids, comma-separated: <code>channel.message.posted</code> delivers the messages posted in these channels
          </span>
          <input value={channelIds} placeholder="general, announcements" onInput={(e) => setChannelIds(valueOf(e))} data-testid="webhook-channels" />
        </label>
      ) : null}

      <fieldset>
        <legend>Encryption</legend>
        <label class="check">
          <input type="checkbox" checked={encryption} onChange={(e) => setEncryption(checkedOf(e))} data-testid="webhook-encryption" />
          Encrypt bodies (AES-256; the receiver decrypts with the same key)
        </label>
        {encryption ? (
          <div class="row wrap">
            <label>
              Algorithm
              <select value={algorithm} onChange={(e) => setAlgorithm(valueOf(e) as Algorithm)} data-testid="webhook-algorithm">
                <option value="aes-256-gcm">AES-256-GCM</option>
                <option value="aes-256-cbc">AES-256-CBC</option>
              </select>
            </label>
            <label class="grow">
              Key: exactly {KEY_LENGTH} characters{w?.encryption.enabled ? ' (empty keeps the current one)' : ''}
              <span class="row">
                <input type="password" class="grow" autocomplete="off" value={encryptionKey} onInput={(e) => setEncryptionKey(valueOf(e))} data-testid="webhook-key" />
                <span class={`small ${encryptionKey && keyLength !== KEY_LENGTH ? 'warn' : 'muted'}`} data-testid="webhook-key-length">
                  {keyLength}/{KEY_LENGTH}
                </span>
              </span>
            </label>
          </div>
        ) : null}
      </fieldset>

      <fieldset data-testid="webhook-headers">
        <legend>Custom headers</legend>
        <p class="muted small hint">Sent on every attempt. Values are stored sealed and never shown again; attempts list them by name only.</p>
        {Object.entries(stored).map(([name, header]) => (
          <div class={`row header-row ${header.change === 'remove' ? 'removed' : ''}`} key={name} data-testid="stored-header" data-name={name}>
            <code class="header-name">{name}</code>
            {header.change === 'set' ? (
              <input
                class="grow"
                placeholder="new value"
                value={header.value}
                onInput={(e) => setStoredHeader(name, { change: 'set', value: valueOf(e) })}
                data-testid="stored-header-value"
              />
            ) : (
              <span class="grow muted small">{header.change === 'remove' ? 'removed on save' : 'value hidden'}</span>
            )}
            {header.change === 'keep' ? (
              <>
                <button type="button" class="link" onClick={() => setStoredHeader(name, { change: 'set', value: '' })} data-testid="stored-header-set">
                  Set new value
                </button>
                <button type="button" class="link danger" onClick={() => setStoredHeader(name, { change: 'remove' })} data-testid="stored-header-remove">
                  Remove
                </button>
              </>
            ) : (
              <button type="button" class="link" onClick={() => setStoredHeader(name, { change: 'keep' })} data-testid="stored-header-keep">
                Keep as is
              </button>
            )}
          </div>
        ))}
        {added.map((row) => (
          <div class="row header-row" key={row.id} data-testid="header-row">
            <input placeholder="Name, e.g. X-Api-Key" value={row.name} onInput={(e) => editAdded(row.id, { name: valueOf(e) })} data-testid="header-name" />
            <input class="grow" placeholder="value" value={row.value} onInput={(e) => editAdded(row.id, { value: valueOf(e) })} data-testid="header-value" />
            <button type="button" class="link danger" onClick={() => setAdded((rows) => rows.filter((r) => r.id !== row.id))} data-testid="header-remove">
              Remove
            </button>
          </div>
        ))}
        <button type="button" onClick={addHeader} disabled={headerCount >= MAX_HEADERS} title={`at most ${MAX_HEADERS} headers`} data-testid="add-header">
          Add header
        </button>
      </fieldset>

      <fieldset>
        <legend>Flow control</legend>
        <div class="row wrap">
          <label title="Attempts in flight to this webhook at once, across every worker (1–100)">
            Max concurrency
            <input type="number" min={1} max={100} step={1} required value={maxConcurrency} onInput={(e) => setMaxConcurrency(valueOf(e))} data-testid="webhook-max-concurrency" />
          </label>
          <label title="Attempts started per second (0.1–1000); empty for no limit">
            Rate limit (per second)
            <input type="number" min={0.1} max={1000} step="any" placeholder="no limit" value={rateLimit} onInput={(e) => setRateLimit(valueOf(e))} data-testid="webhook-rate-limit" />
          </label>
          <label title="FIFO: one delivery at a time, in the order the events were accepted">
            Ordering
            <select value={ordering} onChange={(e) => setOrdering(valueOf(e) as 'none' | 'fifo')} data-testid="webhook-ordering">
              <option value="none">Any order (parallel)</option>
              <option value="fifo">FIFO (one at a time, in order)</option>
            </select>
          </label>
        </div>
      </fieldset>
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
