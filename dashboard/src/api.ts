/** The dashboard's view of the Hookline API (/v1), authenticated with the signed-in API key. */
export interface Webhook {
  id: string;
  communityId: string;
  url: string;
  description: string | null;
  format: 'json' | 'xml';
  events: string[];
  channelIds: string[] | null;
  active: boolean;
  disabledReason: string | null;
  encryption: { enabled: boolean; algorithm: string | null };
  maxConcurrency: number;
  rateLimitPerSecond: number | null;
  ordering: 'none' | 'fifo';
  flow: { inFlight: number; effectiveConcurrency: number; pausedUntil: string | null; waiting: number };
  createdAt: string;
  updatedAt: string;
}

export interface Attempt {
  attemptNumber: number;
  startedAt: string;
  durationMs: number;
  request: { url: string; headers: Record<string, string> };
  response: { status: number; headers: Record<string, string>; body: string; bodyTruncated: boolean } | null;
  error: { code: string; message: string } | null;
}

export interface Delivery {
  id: string;
  eventId: string;
  webhookId: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  attemptCount: number;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  temporal: { workflowId: string; uiUrl: string };
  /** Newest first: the latest 20 in a delivery read, the latest one in lists. */
  attempts?: Attempt[];
  /** Where the older attempts continue (GET /v1/deliveries/:id/attempts?cursor=…), or null. */
  attemptsNextCursor?: string | null;
}

export interface EventType {
  type: string;
  name: string;
  description: string;
  source: boolean;
  /** A filter on another type: the webhook must list `requires` (channelIds). */
  subscriptionOnly: { deliversAs: string; requires: 'channelIds' } | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly solution: string | undefined,
    readonly detail: unknown,
  ) {
    super(message);
  }
}

export class Api {
  constructor(private readonly key: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<{ data: T; nextCursor: string | null }> {
    const response = await fetch(`/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const parsed = (await response.json().catch(() => undefined)) as
      | { status: 'success'; data: T; meta?: { nextCursor: string | null } }
      | { status: 'error'; message: string; solution?: string; detail?: unknown }
      | undefined;
    if (!parsed) throw new ApiError(response.status, `HTTP ${response.status}`, undefined, null);
    if (parsed.status === 'error') throw new ApiError(response.status, parsed.message, parsed.solution, parsed.detail);
    return { data: parsed.data, nextCursor: parsed.meta?.nextCursor ?? null };
  }

  async webhooks(): Promise<Webhook[]> {
    return (await this.call<Webhook[]>('GET', '/webhooks?limit=200')).data;
  }
  async webhook(id: string): Promise<Webhook> {
    return (await this.call<Webhook>('GET', `/webhooks/${encodeURIComponent(id)}`)).data;
  }
  async eventTypes(): Promise<EventType[]> {
    return (await this.call<EventType[]>('GET', '/event-types')).data;
  }
  async createWebhook(input: Record<string, unknown>): Promise<Webhook & { secret: string }> {
    return (await this.call<Webhook & { secret: string }>('POST', '/webhooks', input)).data;
  }
  async updateWebhook(id: string, patch: Record<string, unknown>): Promise<Webhook> {
    return (await this.call<Webhook>('PATCH', `/webhooks/${encodeURIComponent(id)}`, patch)).data;
  }
  async rotateSecret(id: string): Promise<{ secret: string; previousSecretExpiresAt: string | null }> {
    return (await this.call<{ secret: string; previousSecretExpiresAt: string | null }>('POST', `/webhooks/${encodeURIComponent(id)}/rotate-secret`)).data;
  }
  async sendTest(id: string): Promise<{ deliveries: { id: string }[] }> {
    return (await this.call<{ deliveries: { id: string }[] }>('POST', `/webhooks/${encodeURIComponent(id)}/test`)).data;
  }
  async deliveries(webhookId: string, status?: string): Promise<Delivery[]> {
    const query = new URLSearchParams({ limit: '200', ...(status ? { status } : {}) });
    return (await this.call<Delivery[]>('GET', `/webhooks/${encodeURIComponent(webhookId)}/deliveries?${query}`)).data;
  }
  async delivery(id: string): Promise<Delivery> {
    return (await this.call<Delivery>('GET', `/deliveries/${encodeURIComponent(id)}`)).data;
  }
  /** Older attempts of a delivery, newest first, from a cursor the delivery read gave. */
  async attempts(id: string, cursor: string): Promise<{ data: Attempt[]; nextCursor: string | null }> {
    const query = new URLSearchParams({ limit: '100', cursor });
    return this.call<Attempt[]>('GET', `/deliveries/${encodeURIComponent(id)}/attempts?${query}`);
  }
  async replay(id: string): Promise<Delivery> {
    return (await this.call<Delivery>('POST', `/deliveries/${encodeURIComponent(id)}/replay`)).data;
  }
}

/** `detail` of a 400 is a list of {field, message}; one readable line. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = Array.isArray(error.detail)
      ? (error.detail as { field?: string; message?: string }[]).map((d) => `${d.field ?? ''}: ${d.message ?? ''}`).join('; ')
      : '';
    return [error.message, fields && fields !== `${error.message}` ? `(${fields})` : '', error.solution ?? ''].filter(Boolean).join(' ');
  }
  return error instanceof Error ? error.message : String(error);
}
