import { execFile } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Hookline, startHookline } from '../support/harness.js';
import { TestReceiver, type Arrival } from '../support/receiver.js';
import { CASES, createWebhook, deliveryWhen, EVENTS, everyEventThroughTheKit, KitReceiver, pointAt, randomKey, rotationThroughTheKit, run } from '../support/receiver-kits.js';

/**
 * The JavaScript receiver kit (packages/receiver, `@hookline/receiver`) as people install it. A
 * copy of its sources as a fresh clone has them (no node_modules, no dist) goes to a temporary
 * directory outside the repository; `npm pack` there builds it (prepare) and makes the tarball; a
 * fresh project installs the tarball, and another one installs the package from its path. Then,
 * from those projects only (nothing from the repository's node_modules): the package's own unit
 * tests against the installed package, a TypeScript consumer type-checked against its .d.ts, and
 * its example receiver (the package's bin) against a real Hookline, one webhook per format ×
 * encryption setting, a secret rotation, and a real delivery tampered with or replayed too late.
 */
const REPO = realpathSync(path.resolve('.'));
const PACKAGE = path.join(REPO, 'packages/receiver');
// the tools the package's tests need in the fresh project, at the versions this repository uses
const TOOLS = ['tsx', 'typescript', '@types/node'].map((name) => {
  const lock = JSON.parse(readFileSync(path.join(PACKAGE, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
  return `${name}@${lock.packages[`node_modules/${name}`]!.version}`;
});

let hookline: Hookline;
let work: string;
let project: string;
let pathProject: string;
let pathSource: string;
let tarball: string;
const timings: Record<string, number> = {};

/** npm's environment without what an enclosing `npm test` set (npm_config_*, npm_package_*, …). */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  for (const name of Object.keys(env)) if (/^npm_(config_(?!update_notifier|fund|audit)|package_|lifecycle_|execpath|node_execpath|command)/i.test(name)) delete env[name];
  delete env.NODE_OPTIONS;
  delete env.NODE_PATH;
  return env;
}

const npm = (args: string[], cwd: string, timeoutMs = 300_000) => run('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env: npmEnv(), timeoutMs });

/** The package's files as a clone has them: no node_modules, no dist. */
function copyPackageTo(to: string): string {
  cpSync(PACKAGE, to, { recursive: true, filter: (src) => !/(^|\/)(node_modules|dist)(\/|$)/.test(path.relative(PACKAGE, src)) });
  return to;
}

function freshProject(dir: string): string {
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: path.basename(dir), private: true, type: 'module' }, null, 2)}\n`);
  return dir;
}

async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await step();
  } finally {
    timings[name] = Date.now() - started;
  }
}

async function installEverywhere(): Promise<void> {
  work = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'hookline-jskit-')));
  expect(path.relative(REPO, work).startsWith('..'), `${work} must be outside ${REPO}`).toBe(true);
  const source = copyPackageTo(path.join(work, 'source'));
  const packed = await timed('npm pack (prepare: npm ci + tsc)', () => npm(['pack', '--pack-destination', work], source));
  tarball = path.join(work, packed.trim().split('\n').at(-1)!);
  project = freshProject(path.join(work, 'project'));
  await timed('npm install <tarball> + test tools', () => npm(['install', tarball, ...TOOLS], project));
  pathSource = copyPackageTo(path.join(work, 'path-source'));
  pathProject = freshProject(path.join(work, 'path-project'));
  await timed('npm install <path> (prepare: npm ci + tsc)', () => npm(['install', pathSource], pathProject));
}

beforeAll(async () => {
  const started = Date.now();
  [hookline] = await Promise.all([startHookline(), installEverywhere()]);
  timings['beforeAll (Hookline started alongside)'] = Date.now() - started;
}, 600_000);

afterAll(async () => {
  await KitReceiver.stopAll();
  await hookline?.stop();
  console.log(`receiver-kit-js timings (ms): ${JSON.stringify(timings)}`);
  if (work) rmSync(work, { recursive: true, force: true });
});

/** `hookline-example-receiver`, the package's bin, from the project's node_modules/.bin. */
function startJsReceiver(secrets: string[], encryptionKey: string | undefined, extraEnv: Record<string, string> = {}): Promise<KitReceiver> {
  return KitReceiver.start({
    command: path.join(project, 'node_modules', '.bin', 'hookline-example-receiver'),
    args: [],
    cwd: project,
    env: { ...npmEnv(), ...extraEnv },
    secrets,
    encryptionKey,
    toLine: (printed: { deliveryId: string; attempt: number; eventType: string; format: string; event: Record<string, unknown> }) => {
      expect(['json', 'xml']).toContain(printed.format);
      return { deliveryId: printed.deliveryId, attempt: printed.attempt, eventType: printed.eventType, event: printed.event };
    },
  });
}

// A user's script: one call to receive() on a request given as JSON on stdin, the result on stdout.
const CHECK_SCRIPT = `import { receive, ReceiverError } from '@hookline/receiver';
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { body, headers, secrets, encryptionKey } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
try {
  const delivery = receive({ body: Buffer.from(body, 'utf8'), headers, secrets, encryptionKey });
  console.log(JSON.stringify({ ok: true, delivery }));
} catch (error) {
  if (!(error instanceof ReceiverError)) throw error;
  console.log(JSON.stringify({ ok: false, code: error.code, status: error.status, message: error.message }));
}
`;

/** Runs check.mjs in `dir` (written there first) on one request. */
function runCheck(dir: string, request: { body: string; headers: Record<string, string>; secrets: string[]; encryptionKey?: string }): Promise<any> {
  writeFileSync(path.join(dir, 'check.mjs'), CHECK_SCRIPT);
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['check.mjs'], { cwd: dir, env: npmEnv(), timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`check.mjs failed (${error.message}):\n${stdout}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
    child.stdin!.end(JSON.stringify(request));
  });
}

describe('the JavaScript kit installed outside the repository', () => {
  it('the tarball holds the built package (ES modules, .d.ts, README, LICENSE) and nothing of the build', async () => {
    const files = (await run('tar', ['-tzf', tarball], { cwd: work, timeoutMs: 30_000 })).trim().split('\n').map((f) => f.replace(/^package\//, ''));
    for (const file of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts', 'dist/bin.js', 'dist/example-server.d.ts', 'dist/events.d.ts']) {
      expect(files, file).toContain(file);
    }
    expect(files.filter((f) => /^(test|node_modules)\/|^(prepare\.mjs|tsconfig\.json|package-lock\.json)$|tsbuildinfo/.test(f))).toEqual([]);
    const manifest = JSON.parse(readFileSync(path.join(project, 'node_modules/@hookline/receiver/package.json'), 'utf8'));
    expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js', default: './dist/index.js' });
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['fast-xml-parser', 'standardwebhooks']);
  });

  it('resolves the package and its dependencies from the project, never from the repository', async () => {
    const script = `import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const entry = import.meta.resolve('@hookline/receiver');
      const fromPackage = createRequire(new URL(entry));
      const kit = require('@hookline/receiver'); // CommonJS users: require() of the ES module
      console.log(JSON.stringify({
        entry: new URL(entry).pathname,
        bin: import.meta.resolve('@hookline/receiver/example-server'),
        standardwebhooks: fromPackage.resolve('standardwebhooks'),
        fastXmlParser: fromPackage.resolve('fast-xml-parser'),
        required: typeof kit.receive,
      }));`;
    const where = JSON.parse(await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project, env: npmEnv(), timeoutMs: 30_000 }));
    expect(where.required).toBe('function');
    for (const file of [where.entry, where.standardwebhooks, where.fastXmlParser]) {
      expect(file.startsWith(`${project}${path.sep}node_modules${path.sep}`), file).toBe(true);
      expect(path.relative(REPO, realpathSync(file)).startsWith('..'), file).toBe(true);
    }
    expect(lstatSync(path.join(project, 'node_modules/@hookline/receiver')).isSymbolicLink()).toBe(false);
  });

  it('types a TypeScript user\'s code from its .d.ts: narrowing on format and type gives typed data', async () => {
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: ['node'] }, files: ['consumer.ts'] }),
    );
    writeFileSync(
      path.join(project, 'consumer.ts'),
      `import { receive, ReceiverError, type Delivery, type ReceiverErrorCode } from '@hookline/receiver';
export function handle(body: Buffer, headers: Record<string, string | string[] | undefined>): number {
  let delivery: Delivery;
  try {
    delivery = receive({ body, headers, secrets: ['whsec_a', 'whsec_b'], encryptionKey: process.env.KEY });
  } catch (error) {
    if (error instanceof ReceiverError) {
      const code: ReceiverErrorCode = error.code;
      return code === 'stale_timestamp' ? 401 : error.status;
    }
    throw error;
  }
  if (delivery.format === 'json') {
    const event = delivery.event;
    switch (event.type) {
      case 'store.item.purchased': {
        const quantity: number = event.data.purchase.quantity;
        // @ts-expect-error a purchase has no joinedAt
        event.data.joinedAt;
        return quantity;
      }
      case 'delivery.failed': {
        const status: number | null = event.data.delivery.lastResponseStatus;
        return status ?? 0;
      }
      case 'webhook.disabled': {
        // @ts-expect-error reason is one of gone, failing, manual
        const reason: 'deleted' = event.data.reason;
        return reason.length;
      }
    }
  } else if (delivery.event.type === 'store.item.purchased') {
    // in XML every leaf is text
    const quantity: string = delivery.event.data.purchase.quantity;
    return Number(quantity);
  }
  return 204;
}
`,
    );
    await run(path.join(project, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: project, env: npmEnv(), timeoutMs: 120_000 });
  }, 150_000);

  it('passes its own unit tests against the installed package', async () => {
    cpSync(path.join(PACKAGE, 'test'), path.join(project, 'test'), { recursive: true });
    const files = readdirSync(path.join(project, 'test')).filter((f) => f.endsWith('.test.ts')).map((f) => path.join('test', f));
    expect(files.length).toBeGreaterThanOrEqual(5);
    // cwd is the project, so `@hookline/receiver` in the tests is the installed package
    const output = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { cwd: project, env: npmEnv(), timeoutMs: 120_000 });
    const count = (name: string) => Number(new RegExp(`^ℹ ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? -1);
    expect(count('fail'), output).toBe(0);
    expect(count('pass'), output).toBeGreaterThanOrEqual(50);
    expect(count('pass')).toBe(count('tests'));
  }, 150_000);
});

describe('real deliveries through the installed kit\'s example receiver', () => {
  it.each(CASES)('$format, encryption $encryption: verified, decrypted and parsed into exactly what was sent', async (setting) => {
    await everyEventThroughTheKit(hookline, 'js', setting, startJsReceiver);
  });

  it('during a secret rotation (two signatures), the old secret, the new one, and both together verify', async () => {
    await rotationThroughTheKit(
      hookline,
      'js',
      [
        { name: 'old', secrets: (old) => [old] },
        { name: 'new', secrets: (_old, current) => [current] },
        { name: 'both', secrets: (old, current) => [current, old] },
      ],
      startJsReceiver,
    );
  });
});

describe('a real delivery tampered with, or too old', () => {
  let captured: { arrival: Arrival; secret: string; key: string; deliveryId: string };
  let loopback: TestReceiver;

  beforeAll(async () => {
    // a real encrypted JSON delivery, captured byte for byte by a plain loopback receiver
    loopback = await TestReceiver.start();
    loopback.responder = () => ({ status: 204 });
    const community = await hookline.newCommunity('js tampering');
    const key = randomKey();
    const webhook = await createWebhook(hookline, community.key, 'json', 'aes-256-gcm', key);
    await pointAt(hookline, community.key, webhook.id, loopback.url);
    const emitted = await hookline.call('POST', '/v1/events', EVENTS[2], community.key);
    const deliveryId = emitted.body.data.deliveries[0].id as string;
    await deliveryWhen(hookline, deliveryId, community.key, (d) => d.status === 'succeeded');
    const [arrival] = await loopback.waitFor(1);
    captured = { arrival: arrival!, secret: webhook.secret, key, deliveryId };
  });
  afterAll(() => loopback?.stop());

  // the captured headers as a client would resend them (fetch sets its own length, host and connection)
  const post = (base: string, headers: Record<string, string>, body: string) =>
    fetch(`${base}replayed`, {
      method: 'POST',
      headers: Object.fromEntries(Object.entries(headers).filter(([name]) => !['content-length', 'host', 'connection', 'transfer-encoding'].includes(name))),
      body,
    });

  it('as sent it is accepted; a changed body, id or timestamp is refused (401 invalid_signature)', async () => {
    const { arrival, secret, key, deliveryId } = captured;
    const receiver = await startJsReceiver([secret], key);
    const asSent = await post(receiver.base, arrival.headers, arrival.body);
    expect(asSent.status).toBe(204);
    expect(receiver.lines().map((l) => l.deliveryId)).toEqual([deliveryId]);

    // one base64 character changed: still base64, still the same length, a different ciphertext
    const i = Math.floor(arrival.body.length / 2);
    const tampered = arrival.body.slice(0, i) + (arrival.body[i] === 'A' ? 'B' : 'A') + arrival.body.slice(i + 1);
    for (const [headers, body] of [
      [arrival.headers, tampered],
      [arrival.headers, `${arrival.body} `],
      [{ ...arrival.headers, 'webhook-id': 'dlv_someone_else' }, arrival.body],
      [{ ...arrival.headers, 'webhook-timestamp': String(Number(arrival.headers['webhook-timestamp']) + 1) }, arrival.body],
    ] as const) {
      const refused = await post(receiver.base, headers, body);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ error: 'invalid_signature' });
    }
    expect(receiver.lines()).toHaveLength(1);
    expect(receiver.stderr).not.toContain(secret.slice('whsec_'.length));
    expect(receiver.stderr).not.toContain(key);
    await receiver.stop();
  });

  it('a stale timestamp is refused (401 stale_timestamp): signed 10 minutes ago, or older than a tolerance of 2 s', async () => {
    const { arrival, secret, key } = captured;
    const receiver = await startJsReceiver([secret], key);
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    const id = arrival.headers['webhook-id']!;
    const old = await post(
      receiver.base,
      { ...arrival.headers, 'webhook-timestamp': String(Math.floor(tenMinutesAgo.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, tenMinutesAgo, arrival.body) },
      arrival.body,
    );
    expect(old.status).toBe(401);
    expect(await old.json()).toMatchObject({ error: 'stale_timestamp' });

    // Hookline's own request, as sent, once it is older than the receiver's tolerance
    const strict = await startJsReceiver([secret], key, { HOOKLINE_TOLERANCE_SECONDS: '2' });
    await eventually(async () => (Date.now() / 1000 - Number(arrival.headers['webhook-timestamp']) > 3.5 ? true : undefined), 10_000);
    const late = await post(strict.base, arrival.headers, arrival.body);
    expect(late.status).toBe(401);
    expect(await late.json()).toMatchObject({ error: 'stale_timestamp' });
    // the same bytes are still fresh for the default 5 minutes
    expect((await post(receiver.base, arrival.headers, arrival.body)).status).toBe(204);
    expect(strict.lines()).toEqual([]);
    await Promise.all([receiver.stop(), strict.stop()]);
  });

  it('a user\'s own script calling receive() reads it, from the tarball and from the path install', async () => {
    const { arrival, secret, key, deliveryId } = captured;
    for (const dir of [project, pathProject]) {
      const result = await runCheck(dir, { body: arrival.body, headers: arrival.headers, secrets: [secret], encryptionKey: key });
      expect(result.ok, JSON.stringify(result)).toBe(true);
      expect(result.delivery).toMatchObject({ deliveryId, attempt: 1, eventType: 'store.item.purchased', format: 'json', encryption: 'aes-256-gcm', secretIndex: 0 });
      expect(result.delivery.event.data).toEqual(EVENTS[2]!.data);
      const wrongKey = await runCheck(dir, { body: arrival.body, headers: arrival.headers, secrets: [secret], encryptionKey: randomKey() });
      expect(wrongKey).toMatchObject({ ok: false, code: 'bad_encryption', status: 400 });
    }
  });
});

describe('npm install <path to packages/receiver>', () => {
  it('builds the package on prepare and installs it', async () => {
    // a path install links the directory, whose prepare built dist/ (with the package's own devDependencies)
    const installed = path.join(pathProject, 'node_modules/@hookline/receiver');
    expect(realpathSync(installed)).toBe(pathSource);
    expect(existsSync(path.join(pathSource, 'dist', 'index.js'))).toBe(true);
    expect(existsSync(path.join(pathSource, 'dist', 'index.d.ts'))).toBe(true);
    const manifest = JSON.parse(readFileSync(path.join(pathProject, 'package.json'), 'utf8'));
    expect(manifest.dependencies['@hookline/receiver']).toMatch(/^file:/);
    const entry = await run(process.execPath, ['--input-type=module', '-e', "console.log(new URL(import.meta.resolve('@hookline/receiver')).pathname)"], {
      cwd: pathProject,
      env: npmEnv(),
      timeoutMs: 30_000,
    });
    expect(realpathSync(entry.trim())).toBe(path.join(pathSource, 'dist', 'index.js'));
  });
});
