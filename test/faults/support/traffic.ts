import type { FaultReceiver, Plan } from './receiver.js';
import type { Stack } from './stack.js';

/**
 * The traffic of one scenario: three communities, each with its own API key and a few webhooks
 * (JSON, XML, one AES-GCM encrypted, one on a channel filter), and ≥1,000 events of the four source
 * types issued with bounded concurrency, each retried by its id until the API answers 202.
 */
export interface HookSpec {
  key: string;
  community: number;
  events: string[];
  channelIds?: string[];
  format?: 'json' | 'xml';
  encryptionKey?: string;
  ordering?: 'fifo';
  plan: (request: { deliveryId: string; attempt: number }) => Plan;
}

export interface PlannedEvent {
  externalId: string;
  community: number;
  type: string;
  data: Record<string, unknown>;
  channelId: string | undefined;
}

export interface AcceptedEvent {
  externalId: string;
  eventId: string;
  deliveries: Array<{ id: string; webhookId: string }>;
  acceptedAt: number;
  tries: number;
}

export interface Community {
  id: string;
  key: string;
}

export interface CreatedHook extends HookSpec {
  id: string;
  secret: string;
}

export const COMMUNITIES = 3;
export const CHANNELS = ['ch_hot', 'ch_general', 'ch_random', 'ch_dead'] as const;
const TYPES = ['user.joined', 'user.visited', 'message.posted', 'store.item.purchased'] as const;

/**
 * Hooks every scenario has; each event reaches one or two of them. `c0-fifo` orders its deliveries
 * (FIFO) and answers every attempt at once, whatever the scenario's plan: the books check that the
 * infrastructure's faults (a worker, the API or Temporal killed, Postgres out of reach) never
 * attempt one of its deliveries before the one before it is final.
 */
export function standardHooks(plan: HookSpec['plan']): HookSpec[] {
  return [
    { key: 'c0-fifo', community: 0, events: ['user.joined'], ordering: 'fifo', plan: () => ({ kind: 'status', status: 200 }) },
    { key: 'c0-people', community: 0, events: ['user.joined', 'user.visited'], plan },
    { key: 'c0-xml', community: 0, events: ['message.posted', 'store.item.purchased'], format: 'xml', plan },
    { key: 'c1-sealed', community: 1, events: ['user.joined', 'message.posted'], encryptionKey: 'k'.repeat(16) + 'faults-suite-key', plan },
    { key: 'c1-shop', community: 1, events: ['user.visited', 'store.item.purchased'], plan },
    { key: 'c2-all', community: 2, events: [...TYPES], plan },
    { key: 'c2-hot', community: 2, events: ['channel.message.posted'], channelIds: ['ch_hot'], plan },
  ];
}

/** A seeded PRNG (mulberry32): the same scenario issues the same events every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable pseudo-random number in [0, 1) for a string (e.g. `deliveryId:attempt`). */
export function hashUnit(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return ((h >>> 0) % 1_000_000) / 1_000_000;
}

export function planEvents(scenario: string, count: number, seed: number): PlannedEvent[] {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const at = '2026-11-29T12:00:00.000Z';
  return Array.from({ length: count }, (_, n) => {
    const community = Math.floor(random() * COMMUNITIES);
    const type = pick(TYPES);
    const user = { id: `usr_${n}`, username: `user${n}` };
    let channelId: string | undefined;
    let data: Record<string, unknown>;
    switch (type) {
      case 'user.joined':
        data = { user, joinedAt: at };
        break;
      case 'user.visited':
        data = { user, visitedAt: at };
        break;
      case 'message.posted':
        channelId = pick(CHANNELS);
        data = { message: { id: `msg_${n}`, text: `hello <${n}> & friends` }, user, channel: { id: channelId, name: channelId.slice(3) }, postedAt: at };
        break;
      default:
        data = {
          purchase: { id: `pur_${n}`, quantity: 1 + (n % 5), price: 4.5, currency: 'EUR' },
          item: { id: `itm_${n % 17}`, name: 'Golden badge' },
          user,
          purchasedAt: at,
        };
    }
    return { externalId: `${scenario}-${n}`, community, type, data, channelId };
  });
}

/** The webhooks an event must reach, by our own reading of the subscriptions (docs/api.md#event-catalog). */
export function expectedHooks(event: PlannedEvent, hooks: readonly CreatedHook[]): CreatedHook[] {
  return hooks.filter(
    (h) =>
      h.community === event.community &&
      (h.events.includes(event.type) ||
        (event.type === 'message.posted' && h.events.includes('channel.message.posted') && (h.channelIds ?? []).includes(event.channelId!))),
  );
}

/** Calls the API as a client would: JSON, bearer token, a timeout. */
export async function call(baseUrl: string, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as any) : undefined };
}

export async function setUpTenants(stack: Stack, receiver: FaultReceiver, specs: readonly HookSpec[]) {
  const communities: Community[] = [];
  for (let i = 0; i < COMMUNITIES; i++) {
    const created = await call(stack.apiUrl, stack.adminToken, 'POST', '/v1/communities', { name: `${stack.scenario} community ${i}` });
    if (created.status !== 201) throw new Error(`POST /v1/communities answered ${created.status}`);
    const id = created.body.data.id as string;
    const key = await call(stack.apiUrl, stack.adminToken, 'POST', `/v1/communities/${id}/api-keys`, { name: 'faults' });
    if (key.status !== 201) throw new Error(`POST api-keys answered ${key.status}`);
    communities.push({ id, key: key.body.data.key as string });
  }
  const hooks: CreatedHook[] = [];
  for (const spec of specs) {
    const created = await call(stack.apiUrl, communities[spec.community]!.key, 'POST', '/v1/webhooks', {
      url: receiver.urlFor(stack.scenario, spec.key),
      events: spec.events,
      ...(spec.channelIds ? { channelIds: spec.channelIds } : {}),
      ...(spec.format ? { format: spec.format } : {}),
      ...(spec.encryptionKey ? { encryption: { enabled: true, algorithm: 'aes-256-gcm', key: spec.encryptionKey } } : {}),
      ...(spec.ordering ? { ordering: spec.ordering } : {}),
    });
    if (created.status !== 201) throw new Error(`POST /v1/webhooks answered ${created.status}: ${JSON.stringify(created.body)}`);
    const hook: CreatedHook = { ...spec, id: created.body.data.id as string, secret: created.body.data.secret as string };
    receiver.register(stack.scenario, spec.key, {
      secret: hook.secret,
      plan: spec.plan,
      ...(spec.encryptionKey ? { encryptionKey: spec.encryptionKey } : {}),
    });
    hooks.push(hook);
  }
  return { communities, hooks };
}

export interface IngestReport {
  accepted: Map<string, AcceptedEvent>;
  /** Requests that did not get a 202 and were retried: network errors and statuses, by kind. */
  retriedBecause: Record<string, number>;
  rejected: Array<{ externalId: string; status: number; body: unknown }>;
  startedAt: number;
  finishedAt: number;
}

/**
 * Issues the events with at most `concurrency` in flight and at most `ratePerSec` started per
 * second; a request that fails (connection refused or reset, timeout, 5xx, 429) is sent again with
 * the same id until it gets its 202, or the deadline passes.
 */
export async function ingest(options: {
  baseUrl: string;
  communities: readonly Community[];
  events: readonly PlannedEvent[];
  concurrency: number;
  ratePerSec: number;
  deadlineMs: number;
  report: IngestReport;
}): Promise<void> {
  const { events, report } = options;
  const deadline = Date.now() + options.deadlineMs;
  const t0 = Date.now();
  let next = 0;
  const count = (reason: string) => (report.retriedBecause[reason] = (report.retriedBecause[reason] ?? 0) + 1);
  const one = async (event: PlannedEvent) => {
    let tries = 0;
    for (;;) {
      tries += 1;
      try {
        const answer = await call(options.baseUrl, options.communities[event.community]!.key, 'POST', '/v1/events', {
          id: event.externalId,
          type: event.type,
          data: event.data,
        });
        if (answer.status === 202) {
          report.accepted.set(event.externalId, {
            externalId: event.externalId,
            eventId: answer.body.data.event.id as string,
            deliveries: answer.body.data.deliveries as AcceptedEvent['deliveries'],
            acceptedAt: Date.now(),
            tries,
          });
          return;
        }
        if (answer.status < 500 && answer.status !== 429) {
          report.rejected.push({ externalId: event.externalId, status: answer.status, body: answer.body });
          return;
        }
        count(`http_${answer.status}`);
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause;
        count(cause?.code ?? (error as Error).name ?? 'error');
      }
      if (Date.now() > deadline) {
        report.rejected.push({ externalId: event.externalId, status: 0, body: `gave up after ${tries} tries` });
        return;
      }
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(tries - 1, 5))));
    }
  };
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < events.length) {
        const index = next++;
        const due = t0 + (index * 1000) / options.ratePerSec;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        await one(events[index]!);
      }
    }),
  );
  report.finishedAt = Date.now();
}
