import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { expect } from 'vitest';
import { eventually, type Hookline } from './harness.js';

/**
 * What the receiver-kit tests share (receiver-kit-python, receiver-kit-js): each kit's example
 * receiver, run from an installation outside the repository, gets real deliveries of every format ×
 * encryption setting from a real Hookline, and what it printed must be exactly what was sent.
 * Both example receivers take the same environment (HOOKLINE_WEBHOOK_SECRET,
 * HOOKLINE_ENCRYPTION_KEY, PORT, HOST), print `receiving Hookline webhooks on <url>` on stderr and
 * one JSON line per new delivery id on stdout, and answer 204, 401 or 400.
 */

export type Encryption = 'none' | 'aes-256-gcm' | 'aes-256-cbc';
export type Format = 'json' | 'xml';
export const CASES = (['json', 'xml'] as const).flatMap((format) =>
  (['none', 'aes-256-gcm', 'aes-256-cbc'] as const).map((encryption) => ({ format, encryption })),
);

export const randomKey = () => randomBytes(24).toString('base64').slice(0, 32);

/** Text that needs XML escaping, quotes, an entity-looking string and non-ASCII of 2–4 UTF-8 bytes. */
export const TRICKY = 'Golden <badge> & "friends" \'quoted\' &amp; ünïcødé 日本語 🎉';

export const EVENTS: Array<{ type: string; data: Record<string, unknown> }> = [
  {
    type: 'user.joined',
    data: {
      user: { id: 'usr_1', username: 'ada', displayName: 'Ada <Countess> Lovelace', email: 'ada@example.com', avatar: 'https://cdn.example.com/a.png?s=64&r=g' },
      joinedAt: '2026-11-29T12:00:00.000Z',
    },
  },
  {
    type: 'message.posted',
    data: {
      message: { id: 'msg_007', text: `line one\nline two — ${TRICKY}  ` },
      user: { id: 'usr_1', username: 'ada' },
      channel: { id: 'ch_general', name: 'général' },
      postedAt: '2026-11-29T12:02:00.000Z',
    },
  },
  {
    type: 'store.item.purchased',
    data: {
      purchase: { id: 'pur_1', quantity: 3, price: 19.99, currency: 'EUR' },
      item: { id: 'itm_7', name: TRICKY, category: 'badges' },
      user: { id: 'usr_9', username: 'grace', email: 'grace@example.com' },
      purchasedAt: '2026-11-29T12:34:56.789Z',
    },
  },
];

/** Hookline's XML rules, read back: every leaf is text (numbers as their JSON text), null/''/{} are ''. */
export function asXmlReadsBack(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asXmlReadsBack); // (no arrays in these events)
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0 ? '' : Object.fromEntries(entries.map(([k, v]) => [k, asXmlReadsBack(v)]));
  }
  if (value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  return value;
}

export function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed (${error.message}):\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** One printed delivery, in the kit's own field names mapped to these. */
export interface KitLine {
  deliveryId: string;
  attempt: number;
  eventType: string;
  event: Record<string, unknown>;
}

/** A kit's example receiver as a child process, on a free port. */
export class KitReceiver {
  stdout = '';
  stderr = '';
  base = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<number>;
  private static readonly running = new Set<KitReceiver>();

  private constructor(
    command: string,
    args: string[],
    cwd: string,
    env: NodeJS.ProcessEnv,
    private readonly toLine: (printed: any) => KitLine,
  ) {
    this.child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (c: Buffer) => (this.stdout += c.toString('utf8')));
    this.child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString('utf8')));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code) => resolve(code ?? -1));
      this.child.once('error', (error) => {
        this.stderr += String(error);
        resolve(-1);
      });
    });
  }

  /** Starts `command` with the example receivers' environment: secret(s) space-separated, the key if any. */
  static async start(options: {
    command: string;
    args: string[];
    cwd: string;
    env: NodeJS.ProcessEnv;
    secrets: string[];
    encryptionKey?: string | undefined;
    toLine: (printed: any) => KitLine;
  }): Promise<KitReceiver> {
    const env: NodeJS.ProcessEnv = { ...options.env, HOOKLINE_WEBHOOK_SECRET: options.secrets.join(' '), PORT: '0', HOST: '127.0.0.1' };
    if (options.encryptionKey) env.HOOKLINE_ENCRYPTION_KEY = options.encryptionKey;
    else delete env.HOOKLINE_ENCRYPTION_KEY;
    const receiver = new KitReceiver(options.command, options.args, options.cwd, env, options.toLine);
    KitReceiver.running.add(receiver);
    let exitCode: number | undefined;
    void receiver.exited.then((code) => (exitCode = code));
    receiver.base = await eventually(async () => {
      if (exitCode !== undefined) throw new Error(`the receiver exited (${exitCode})`);
      return /receiving Hookline webhooks on (http:\/\/\S+\/)/.exec(receiver.stderr)?.[1];
    }, 30_000, 50).catch((error: Error) => {
      throw new Error(`${error.message}\n${receiver.stderr}`);
    });
    return receiver;
  }

  /** What it printed: one JSON object per new delivery id. */
  lines(): KitLine[] {
    return this.stdout.split('\n').filter((line) => line.trim() !== '').map((line) => this.toLine(JSON.parse(line)));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
    KitReceiver.running.delete(this);
  }

  static stopAll(): Promise<void[]> {
    return Promise.all([...KitReceiver.running].map((r) => r.stop()));
  }
}

export async function deliveryWhen(hookline: Hookline, id: string, token: string, done: (d: any) => boolean) {
  return eventually(async () => {
    const read = await hookline.call('GET', `/v1/deliveries/${id}`, undefined, token);
    return read.status === 200 && done(read.body.data) ? read.body.data : undefined;
  }, 30_000);
}

/** A webhook, created inactive (its secret is needed to start the receiver, whose port the URL needs). */
export async function createWebhook(hookline: Hookline, token: string, format: Format, encryption: Encryption, key: string) {
  const created = await hookline.call(
    'POST',
    '/v1/webhooks',
    {
      url: 'http://127.0.0.1:9/not-yet',
      active: false,
      format,
      events: EVENTS.map((e) => e.type),
      ...(encryption === 'none' ? {} : { encryption: { enabled: true, algorithm: encryption, key } }),
    },
    token,
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.data as { id: string; secret: string };
}

export async function pointAt(hookline: Hookline, token: string, webhookId: string, url: string) {
  const patched = await hookline.call('PATCH', `/v1/webhooks/${webhookId}`, { url, active: true }, token);
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
}

/**
 * One format × encryption setting, for real: a webhook, the kit's receiver started with its secret
 * (and key), the three events and the test button, each verified, decrypted and parsed into exactly
 * what was sent (as XML reads back, for XML); a replay acknowledged and not printed again; a forged
 * signature answered 401 and a validly signed body it cannot read 400. Returns the receiver, stopped.
 */
export async function everyEventThroughTheKit(
  hookline: Hookline,
  kit: string,
  { format, encryption }: { format: Format; encryption: Encryption },
  start: (secrets: string[], encryptionKey: string | undefined) => Promise<KitReceiver>,
): Promise<KitReceiver> {
  const community = await hookline.newCommunity(`${kit} ${format} ${encryption}`);
  const key = randomKey();
  const webhook = await createWebhook(hookline, community.key, format, encryption, key);
  const receiver = await start([webhook.secret], encryption === 'none' ? undefined : key);
  await pointAt(hookline, community.key, webhook.id, `${receiver.base}hooks/${format}-${encryption}`);

  // what the receiver must print for each delivery: the event as sent (as XML reads back, for XML)
  const asReceived = (envelope: Record<string, unknown>) => (format === 'json' ? envelope : (asXmlReadsBack(envelope) as Record<string, unknown>));
  const expected = new Map<string, { type: string; envelope: Record<string, unknown> }>();
  for (const event of EVENTS) {
    const emitted = await hookline.call('POST', '/v1/events', event, community.key);
    expect(emitted.status, JSON.stringify(emitted.body)).toBe(202);
    const { id, occurredAt } = emitted.body.data.event;
    expected.set(emitted.body.data.deliveries[0].id, {
      type: event.type,
      envelope: asReceived({ id, type: event.type, timestamp: occurredAt, communityId: community.communityId, data: event.data }),
    });
  }
  const test = await hookline.call('POST', `/v1/webhooks/${webhook.id}/test`, undefined, community.key);
  expect(test.status).toBe(202);
  expected.set(test.body.data.deliveries[0].id as string, {
    type: 'webhook.test',
    envelope: {
      ...asReceived({ id: test.body.data.event.id, type: 'webhook.test', timestamp: test.body.data.event.occurredAt, communityId: community.communityId }),
      data: { message: expect.any(String) },
    },
  });

  // Hookline's side: one attempt each, answered 204 by the kit's receiver (401/400 would be retried)
  for (const [id] of expected) {
    const delivered = await deliveryWhen(hookline, id, community.key, (d) => d.status === 'succeeded');
    expect(delivered.attempts.map((a: { response: { status: number } }) => a.response.status), receiver.stderr).toEqual([204]);
    const sent = delivered.attempts[0].request.headers;
    expect(sent['content-type']).toBe(encryption === 'none' ? `application/${format}` : 'text/plain');
    if (encryption !== 'none') expect(sent['x-encryption-algorithm']).toBe(encryption);
  }

  // the receiver's side: one line per delivery, with every field as sent (XML leaves as text)
  const lines = await eventually(async () => (receiver.lines().length >= expected.size ? receiver.lines() : undefined));
  expect(lines.map((l) => l.deliveryId).sort()).toEqual([...expected.keys()].sort());
  for (const line of lines) {
    const { type, envelope } = expected.get(line.deliveryId)!;
    expect(line).toEqual({ deliveryId: line.deliveryId, attempt: 1, eventType: type, event: envelope });
  }
  const purchase = lines.find((l) => l.eventType === 'store.item.purchased')!.event as any;
  expect(purchase.data.item.name).toBe(TRICKY);
  expect(purchase.data.purchase).toEqual(format === 'json' ? EVENTS[2]!.data.purchase : { id: 'pur_1', quantity: '3', price: '19.99', currency: 'EUR' });

  // a replay repeats the delivery id: acknowledged (204) and not printed again
  const replayed = [...expected.keys()][0]!;
  const replay = await hookline.call('POST', `/v1/deliveries/${replayed}/replay`, undefined, community.key);
  expect(replay.status).toBe(202);
  const again = await deliveryWhen(hookline, replayed, community.key, (d) => d.status === 'succeeded' && d.attempts.length === 2);
  expect(again.attempts[0]).toMatchObject({ attemptNumber: 2, response: { status: 204 } }); // newest first
  expect(receiver.lines()).toHaveLength(expected.size);

  // what it refuses: a forged signature (401); a validly signed body it cannot read (400)
  const forged = await fetch(`${receiver.base}hooks`, {
    method: 'POST',
    headers: { 'webhook-id': 'dlv_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' },
    body: 'hello',
  });
  expect(forged.status).toBe(401);
  const garbage = encryption === 'none' ? (format === 'json' ? '{"id":' : '<event><id>') : Buffer.from('not the ciphertext').toString('base64');
  const signedAt = new Date();
  const unreadable = await fetch(`${receiver.base}hooks`, {
    method: 'POST',
    headers: {
      'content-type': encryption === 'none' ? `application/${format}` : 'text/plain',
      ...(encryption === 'none' ? {} : { 'x-encrypted': 'true', 'x-encryption-algorithm': encryption, 'x-content-type': `application/${format}` }),
      'webhook-id': 'dlv_unreadable',
      'webhook-timestamp': String(Math.floor(signedAt.getTime() / 1000)),
      'webhook-signature': new Webhook(webhook.secret).sign('dlv_unreadable', signedAt, garbage),
    },
    body: garbage,
  });
  expect(unreadable.status, await unreadable.clone().text()).toBe(400);
  expect(receiver.lines()).toHaveLength(expected.size);
  await receiver.stop();
  return receiver;
}

/**
 * A secret rotation, for real: Hookline signs every attempt with the new and the old secret
 * (two signatures), and a receiver holding either one, or both, verifies it.
 */
export async function rotationThroughTheKit(
  hookline: Hookline,
  kit: string,
  holders: Array<{ name: string; secrets: (old: string, current: string) => string[] }>,
  start: (secrets: string[], encryptionKey: string | undefined) => Promise<KitReceiver>,
): Promise<void> {
  const community = await hookline.newCommunity(`${kit} rotation`);
  const key = randomKey();
  const webhook = await createWebhook(hookline, community.key, 'xml', 'aes-256-gcm', key);
  const rotated = await hookline.call('POST', `/v1/webhooks/${webhook.id}/rotate-secret`, undefined, community.key);
  expect(rotated.status).toBe(200);
  const newSecret = rotated.body.data.secret as string;
  expect(newSecret).not.toBe(webhook.secret);

  for (const { name, secrets } of holders) {
    const receiver = await start(secrets(webhook.secret, newSecret), key);
    await pointAt(hookline, community.key, webhook.id, `${receiver.base}${name}`);
    const emitted = await hookline.call('POST', '/v1/events', EVENTS[1], community.key);
    const deliveryId = emitted.body.data.deliveries[0].id as string;
    const delivered = await deliveryWhen(hookline, deliveryId, community.key, (d) => d.status === 'succeeded');
    expect(delivered.attempts.map((a: { response: { status: number } }) => a.response.status), `${name}: ${receiver.stderr}`).toEqual([204]);
    expect(delivered.attempts[0].request.headers['webhook-signature'].split(' ')).toHaveLength(2);
    const [line] = await eventually(async () => (receiver.lines().length > 0 ? receiver.lines() : undefined));
    expect(line!.deliveryId).toBe(deliveryId);
    expect(line!.event).toMatchObject({ type: 'message.posted', data: asXmlReadsBack(EVENTS[1]!.data) });
    await receiver.stop();
  }
}
