import type { Webhook } from './api.js';

/** The webhook's flow control as it stands: slots in use of the adaptive limit, a pause, the queue. */
export function FlowState({ webhook, now }: { webhook: Webhook; now: number }) {
  const f = webhook.flow;
  const paused = f.pausedUntil && Date.parse(f.pausedUntil) > now ? f.pausedUntil : null;
  return (
    <div class="flow-box">
      <p class="small flow" data-testid="flow-state">
        <strong>Flow:</strong> <span data-testid="flow-in-flight">{f.inFlight}</span> in flight of{' '}
        <span data-testid="flow-effective">{f.effectiveConcurrency}</span>
        {f.effectiveConcurrency < webhook.maxConcurrency ? ` (slowed down from ${webhook.maxConcurrency})` : ''} ·{' '}
        <span data-testid="flow-waiting">{f.waiting}</span> waiting
        {webhook.rateLimitPerSecond !== null ? ` · at most ${webhook.rateLimitPerSecond}/s` : ''}
        {webhook.ordering === 'fifo' ? ' · FIFO' : ''}
        {paused ? (
          <span class="warn" data-testid="flow-paused" title={paused}>
            {' '}
            · paused by the receiver until {new Date(paused).toLocaleTimeString()}
          </span>
        ) : null}
      </p>
      {paused ? (
        <p class="callout warn-box small" data-testid="flow-paused-note">
          The receiver answered <code>429</code> or <code>503</code> with <code>Retry-After</code>: no attempt goes to this webhook until{' '}
          {new Date(paused).toLocaleString()} ({Math.ceil((Date.parse(paused) - now) / 1000)} s from now). Deliveries wait, none is lost.
        </p>
      ) : null}
    </div>
  );
}

/** Why Hookline disabled a webhook (webhook.disabled's `reason`), in words. */
const DISABLED_BECAUSE: Record<string, string> = {
  gone: 'the receiver answered 410 Gone, which says the endpoint is gone for good',
  failing: 'its attempts kept failing for too long',
  disabled: 'it was disabled through the API or here',
};

export function DisabledNotice({ webhook }: { webhook: Webhook }) {
  if (webhook.active || !webhook.disabledReason) return null;
  const because = DISABLED_BECAUSE[webhook.disabledReason] ?? webhook.disabledReason;
  return (
    <p class="callout bad-box" data-testid="disabled-reason" data-reason={webhook.disabledReason}>
      <strong>Disabled</strong> ({webhook.disabledReason}): {because}. No delivery is sent to it; fix the receiver, then <em>Enable</em> it and replay
      what failed meanwhile.
    </p>
  );
}
