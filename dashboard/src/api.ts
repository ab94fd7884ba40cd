import { createHooklineClient, type DeliveryStatus, HooklineApiError, type HooklineClient, type operations, type RequestBody } from '@hookline/client';

/**
 * The dashboard's view of the Hookline API (/v1), authenticated with the signed-in API key: the
 * typed client (packages/client, bundled from its source by Vite), one method per call the pages
 * make. Types are the API's own, from its OpenAPI document.
 */
export type { Attempt, Delivery, EventType, ReplayJob, Webhook } from '@hookline/client';
export type { DeliveryStatus };
/** What the webhook form sends on create. */
export type WebhookInput = RequestBody<'/v1/webhooks', 'post'>;
/** What it sends on edit: the fields as a change; `headers` a merge patch (a value sets, null removes). */
export type WebhookPatch = RequestBody<'/v1/webhooks/{id}', 'patch'>;

type DeliveryQuery = NonNullable<operations['getV1WebhooksIdDeliveries']['parameters']['query']>;
/** The filters of a webhook's delivery list: status, eventType, since/until (ISO timestamps). */
export type DeliveryFilters = Omit<DeliveryQuery, 'limit' | 'cursor'>;

const byId = (id: string) => ({ params: { path: { id } } });

export class Api {
  // same origin: the API serves the dashboard (and its CSP allows calls to this origin only)
  private readonly client: HooklineClient;

  /** `fetch`: what the calls go through (a portal session's notices its end: dashboard/src/portal.ts). */
  constructor(key: string, fetch?: (request: Request) => Promise<Response>) {
    this.client = createHooklineClient({ baseUrl: window.location.origin, token: key, ...(fetch ? { fetch } : {}) });
  }

  webhooks() {
    return this.client.GET('/v1/webhooks', { params: { query: { limit: 200 } } });
  }
  webhook(id: string) {
    return this.client.GET('/v1/webhooks/{id}', byId(id));
  }
  eventTypes() {
    return this.client.GET('/v1/event-types');
  }
  createWebhook(body: WebhookInput) {
    return this.client.POST('/v1/webhooks', { body });
  }
  updateWebhook(id: string, body: WebhookPatch) {
    return this.client.PATCH('/v1/webhooks/{id}', { ...byId(id), body });
  }
  rotateSecret(id: string) {
    return this.client.POST('/v1/webhooks/{id}/rotate-secret', byId(id));
  }
  sendTest(id: string) {
    return this.client.POST('/v1/webhooks/{id}/test', byId(id));
  }
  /** A page of a webhook's deliveries, newest first, with the cursor of the next page. */
  deliveries(webhookId: string, filters: DeliveryFilters, limit: number, cursor?: string) {
    const query: DeliveryQuery = { limit, ...filters, ...(cursor ? { cursor } : {}) };
    return this.client.page('/v1/webhooks/{id}/deliveries', { params: { path: { id: webhookId }, query } });
  }
  delivery(id: string) {
    return this.client.GET('/v1/deliveries/{id}', byId(id));
  }
  /** Older attempts of a delivery, newest first, from a cursor the delivery read gave. */
  attempts(id: string, cursor: string) {
    return this.client.page('/v1/deliveries/{id}/attempts', { params: { path: { id }, query: { limit: 100, cursor } } });
  }
  replay(id: string) {
    return this.client.POST('/v1/deliveries/{id}/replay', byId(id));
  }
  /** Bulk replay: every failed delivery of the webhook created since then, as a job. */
  replayFailedSince(webhookId: string, since: string) {
    return this.client.POST('/v1/webhooks/{id}/replay', { ...byId(webhookId), body: { since } });
  }
  replayJob(id: string) {
    return this.client.GET('/v1/replay-jobs/{id}', byId(id));
  }
}

/** `detail` of a 400 is a list of {field, message}; one readable line. */
export function describeError(error: unknown): string {
  if (error instanceof HooklineApiError) {
    // a field the message already names and explains is not repeated
    const fields = Array.isArray(error.detail)
      ? (error.detail as { field?: string; message?: string }[])
          .filter((d) => !(d.message && error.message.includes(d.message)))
          .map((d) => `${d.field ?? ''}: ${d.message ?? ''}`)
          .join('; ')
      : '';
    const sentence = (text: string) => (/[.!?)]$/.test(text) ? text : `${text}.`);
    return [sentence(error.message), fields ? `(${fields})` : '', error.solution].filter(Boolean).join(' ');
  }
  return error instanceof Error ? error.message : String(error);
}
