import { createHooklineClient, type DeliveryStatus, HooklineApiError, type HooklineClient, type RequestBody } from '@hookline/client';

/**
 * The dashboard's view of the Hookline API (/v1), authenticated with the signed-in API key: the
 * typed client (packages/client, bundled from its source by Vite), one method per call the pages
 * make. Types are the API's own, from its OpenAPI document.
 */
export type { Attempt, Delivery, EventType, Webhook } from '@hookline/client';
export type { DeliveryStatus };
/** What the webhook form sends: all of it on create, and the same fields as a change on edit. */
export type WebhookInput = RequestBody<'/v1/webhooks', 'post'>;

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
  updateWebhook(id: string, body: RequestBody<'/v1/webhooks/{id}', 'patch'>) {
    return this.client.PATCH('/v1/webhooks/{id}', { ...byId(id), body });
  }
  rotateSecret(id: string) {
    return this.client.POST('/v1/webhooks/{id}/rotate-secret', byId(id));
  }
  sendTest(id: string) {
    return this.client.POST('/v1/webhooks/{id}/test', byId(id));
  }
  deliveries(webhookId: string, status?: DeliveryStatus) {
    return this.client.GET('/v1/webhooks/{id}/deliveries', { params: { path: { id: webhookId }, query: { limit: 200, ...(status ? { status } : {}) } } });
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
}

/** `detail` of a 400 is a list of {field, message}; one readable line. */
export function describeError(error: unknown): string {
  if (error instanceof HooklineApiError) {
    const fields = Array.isArray(error.detail)
      ? (error.detail as { field?: string; message?: string }[]).map((d) => `${d.field ?? ''}: ${d.message ?? ''}`).join('; ')
      : '';
    return [error.message, fields && fields !== `${error.message}` ? `(${fields})` : '', error.solution].filter(Boolean).join(' ');
  }
  return error instanceof Error ? error.message : String(error);
}
