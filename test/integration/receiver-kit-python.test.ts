import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Hookline, startHookline } from '../support/harness.js';

/**
 * The Python receiver kit (receivers/python) against real Hookline deliveries. Its wheel is built
 * and installed, with pytest, into a fresh virtualenv in a temporary directory outside the
 * repository (once per run); its own unit tests run there against the installed wheel; then its
 * example receiver, run from that virtualenv, receives one webhook per format × encryption
 * setting, and what it printed must be exactly the fields that were sent.
 */
const REPO = realpathSync(path.resolve('.'));
const KIT = path.join(REPO, 'receivers/python');
const PYTHON = process.env.PYTHON ?? 'python3';

interface Venv {
  dir: string;
  python: string;
}
let venv: Venv;
let hookline: Hookline;
const receivers: PythonReceiver[] = [];

/** Python's environment: nothing from the caller's own Python setup, no bytecode left in the repository. */
function pythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    ...extra,
  };
  for (const name of ['PYTHONPATH', 'PYTHONHOME', 'PYTHONSTARTUP', 'VIRTUAL_ENV', 'PIP_REQUIRE_VIRTUALENV']) delete env[name];
  return env;
}

function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: pythonEnv(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed (${error.message}):\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** python3 -m venv, then pip wheel + pip install of the wheel and pytest: PyPI is the only thing reached. */
async function makeVenv(): Promise<Venv> {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'hookline-pykit-')));
  expect(path.relative(REPO, dir).startsWith('..'), `${dir} must be outside ${REPO}`).toBe(true);
  await run(PYTHON, ['-m', 'venv', path.join(dir, 'venv')], dir, 120_000);
  const python = path.join(dir, 'venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
  const dist = path.join(dir, 'dist');
  await run(python, ['-m', 'pip', 'wheel', '--quiet', '--no-deps', '--wheel-dir', dist, KIT], dir, 300_000);
  const wheels = readdirSync(dist).filter((f) => f.endsWith('.whl'));
  expect(wheels).toEqual([expect.stringMatching(/^hookline_receiver-[\w.]+-py3-none-any\.whl$/)]);
  await run(python, ['-m', 'pip', 'install', '--quiet', path.join(dist, wheels[0]!), 'pytest'], dir, 300_000);
  return { dir, python };
}

beforeAll(async () => {
  [venv, hookline] = await Promise.all([makeVenv(), startHookline()]);
}, 600_000);

afterAll(async () => {
  await Promise.all(receivers.map((r) => r.stop()));
  await hookline?.stop();
  if (venv) rmSync(venv.dir, { recursive: true, force: true });
});

/** `python -m hookline_receiver.example_server` from the virtualenv, on a free port. */
class PythonReceiver {
  stdout = '';
  stderr = '';
  base = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<number>;

  private constructor(secret: string, encryptionKey: string | undefined) {
    const env = pythonEnv({ HOOKLINE_WEBHOOK_SECRET: secret, PORT: '0', HOST: '127.0.0.1' });
    if (encryptionKey) env.HOOKLINE_ENCRYPTION_KEY = encryptionKey;
    else delete env.HOOKLINE_ENCRYPTION_KEY;
    // cwd is the temporary directory, so the package can only come from the virtualenv
    this.child = spawn(venv.python, ['-m', 'hookline_receiver.example_server'], { cwd: venv.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

  static async start(secret: string, encryptionKey?: string): Promise<PythonReceiver> {
    const receiver = new PythonReceiver(secret, encryptionKey);
    receivers.push(receiver);
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
  lines(): Array<{ delivery_id: string; attempt: number; event_type: string; event: Record<string, unknown> }> {
    return this.stdout.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

describe('the Python kit installed outside the repository', () => {
  it('is imported from the virtualenv, not from the checkout', async () => {
    const where = await run(venv.python, ['-c', 'import hookline_receiver, sys; print(hookline_receiver.__file__); print(sys.prefix)'], venv.dir, 30_000);
    const [file, prefix] = where.trim().split('\n');
    expect(path.relative(venv.dir, file!).startsWith('..')).toBe(false);
    expect(file).toContain(`${path.sep}site-packages${path.sep}hookline_receiver${path.sep}`);
    expect(realpathSync(prefix!)).toBe(path.join(venv.dir, 'venv'));
    expect(existsSync(path.join(path.dirname(file!), 'py.typed')), 'the wheel marks the package typed').toBe(true);
  });

  it('passes its own unit tests (pytest) against the installed wheel', async () => {
    // -p no:cacheprovider and PYTHONDONTWRITEBYTECODE: nothing is written into the checkout
    const output = await run(venv.python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', path.join(KIT, 'tests')], venv.dir, 120_000);
    // pytest exits non-zero on any failure or error (run rejects); also refuse a run that collected nothing
    const summary = output.trim().split('\n').at(-1) ?? '';
    expect(summary, output).toMatch(/^\d+ passed\b/);
    expect(summary, output).not.toMatch(/failed|error/);
  }, 150_000);
});

const randomKey = () => randomBytes(24).toString('base64').slice(0, 32);

// Text that needs XML escaping, quotes, an entity-looking string and non-ASCII of 2–4 UTF-8 bytes.
const TRICKY = 'Golden <badge> & "friends" \'quoted\' &amp; ünïcødé 日本語 🎉';

const EVENTS: Array<{ type: string; data: Record<string, unknown> }> = [
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
function asXmlReadsBack(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asXmlReadsBack); // (no arrays in these events)
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0 ? '' : Object.fromEntries(entries.map(([k, v]) => [k, asXmlReadsBack(v)]));
  }
  if (value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  return value;
}

async function deliveryWhen(id: string, token: string, done: (d: any) => boolean) {
  return eventually(async () => {
    const read = await hookline.call('GET', `/v1/deliveries/${id}`, undefined, token);
    return read.status === 200 && done(read.body.data) ? read.body.data : undefined;
  }, 30_000);
}

/** A webhook, created inactive (its secret is needed to start the receiver, whose port the URL needs). */
async function createWebhook(token: string, format: 'json' | 'xml', encryption: Encryption, key: string) {
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

async function pointAt(token: string, webhookId: string, url: string) {
  const patched = await hookline.call('PATCH', `/v1/webhooks/${webhookId}`, { url, active: true }, token);
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
}

type Encryption = 'none' | 'aes-256-gcm' | 'aes-256-cbc';
const CASES = (['json', 'xml'] as const).flatMap((format) =>
  (['none', 'aes-256-gcm', 'aes-256-cbc'] as const).map((encryption) => ({ format, encryption })),
);

describe('real deliveries, every format × encryption setting, through the installed kit', () => {
  it.each(CASES)('$format, encryption $encryption: verified, decrypted and parsed into exactly what was sent', async ({ format, encryption }) => {
    const community = await hookline.newCommunity(`python ${format} ${encryption}`);
    const key = randomKey();
    const webhook = await createWebhook(community.key, format, encryption, key);
    const receiver = await PythonReceiver.start(webhook.secret, encryption === 'none' ? undefined : key);
    await pointAt(community.key, webhook.id, `${receiver.base}hooks/${format}-${encryption}`);

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
    const testDeliveryId = test.body.data.deliveries[0].id as string;
    expected.set(testDeliveryId, {
      type: 'webhook.test',
      envelope: {
        ...asReceived({ id: test.body.data.event.id, type: 'webhook.test', timestamp: test.body.data.event.occurredAt, communityId: community.communityId }),
        data: { message: expect.any(String) },
      },
    });

    // Hookline's side: one attempt each, answered 204 by the Python receiver (401/400 would be retried)
    for (const [id] of expected) {
      const delivered = await deliveryWhen(id, community.key, (d) => d.status === 'succeeded');
      expect(delivered.attempts.map((a: { response: { status: number } }) => a.response.status), receiver.stderr).toEqual([204]);
      const sent = delivered.attempts[0].request.headers;
      expect(sent['content-type']).toBe(encryption === 'none' ? `application/${format}` : 'text/plain');
      if (encryption !== 'none') expect(sent['x-encryption-algorithm']).toBe(encryption);
    }

    // the receiver's side: one line per delivery, with every field as sent (XML leaves as text)
    const lines = await eventually(async () => (receiver.lines().length >= expected.size ? receiver.lines() : undefined));
    expect(lines.map((l) => l.delivery_id).sort()).toEqual([...expected.keys()].sort());
    for (const line of lines) {
      const { type, envelope } = expected.get(line.delivery_id)!;
      expect(line).toEqual({
        delivery_id: line.delivery_id,
        attempt: 1,
        event_type: type,
        event: envelope,
      });
    }
    const purchase = lines.find((l) => l.event_type === 'store.item.purchased')!.event as any;
    expect(purchase.data.item.name).toBe(TRICKY);
    expect(purchase.data.purchase).toEqual(format === 'json' ? EVENTS[2]!.data.purchase : { id: 'pur_1', quantity: '3', price: '19.99', currency: 'EUR' });

    // a replay repeats the delivery id: acknowledged (204) and not printed again
    const replayed = [...expected.keys()][0]!;
    const replay = await hookline.call('POST', `/v1/deliveries/${replayed}/replay`, undefined, community.key);
    expect(replay.status).toBe(202);
    const again = await deliveryWhen(replayed, community.key, (d) => d.status === 'succeeded' && d.attempts.length === 2);
    // newest first
    expect(again.attempts[0]).toMatchObject({ attemptNumber: 2, response: { status: 204 } });
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
  });

  it('during a secret rotation, a receiver holding the old secret and one holding the new both verify', async () => {
    const community = await hookline.newCommunity('python rotation');
    const key = randomKey();
    const webhook = await createWebhook(community.key, 'xml', 'aes-256-gcm', key);
    const rotated = await hookline.call('POST', `/v1/webhooks/${webhook.id}/rotate-secret`, undefined, community.key);
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.data.secret as string;
    expect(newSecret).not.toBe(webhook.secret);

    for (const [name, secret] of [['old', webhook.secret], ['new', newSecret]] as const) {
      const receiver = await PythonReceiver.start(secret, key);
      await pointAt(community.key, webhook.id, `${receiver.base}${name}`);
      const emitted = await hookline.call('POST', '/v1/events', EVENTS[1], community.key);
      const deliveryId = emitted.body.data.deliveries[0].id as string;
      const delivered = await deliveryWhen(deliveryId, community.key, (d) => d.status === 'succeeded');
      expect(delivered.attempts.map((a: { response: { status: number } }) => a.response.status), receiver.stderr).toEqual([204]);
      expect(delivered.attempts[0].request.headers['webhook-signature'].split(' ')).toHaveLength(2);
      const [line] = await eventually(async () => (receiver.lines().length > 0 ? receiver.lines() : undefined));
      expect(line!.delivery_id).toBe(deliveryId);
      expect(line!.event).toMatchObject({ type: 'message.posted', data: asXmlReadsBack(EVENTS[1]!.data) });
      await receiver.stop();
    }
  });
});
