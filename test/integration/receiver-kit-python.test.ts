import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Hookline, startHookline } from '../support/harness.js';
import { CASES, everyEventThroughTheKit, KitReceiver, rotationThroughTheKit, run as runIn } from '../support/receiver-kits.js';

/**
 * The Python receiver kit (receivers/python) against real Hookline deliveries. Its wheel is built
 * and installed, with pytest, into a fresh virtualenv in a temporary directory outside the
 * repository (once per run); its own unit tests run there against the installed wheel; then its
 * example receiver, run from that virtualenv, receives one webhook per format × encryption
 * setting, and what it printed must be exactly the fields that were sent (test/support/receiver-kits.ts,
 * shared with the JavaScript kit's test).
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
  return runIn(command, args, { cwd, env: pythonEnv(), timeoutMs });
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
  await KitReceiver.stopAll();
  await hookline?.stop();
  if (venv) rmSync(venv.dir, { recursive: true, force: true });
});

/** `python -m hookline_receiver.example_server` from the virtualenv, on a free port. */
function startPythonReceiver(secrets: string[], encryptionKey: string | undefined): Promise<KitReceiver> {
  return KitReceiver.start({
    command: venv.python,
    args: ['-m', 'hookline_receiver.example_server'],
    // cwd is the temporary directory, so the package can only come from the virtualenv
    cwd: venv.dir,
    env: pythonEnv(),
    secrets,
    encryptionKey,
    toLine: (printed: { delivery_id: string; attempt: number; event_type: string; event: Record<string, unknown> }) => ({
      deliveryId: printed.delivery_id,
      attempt: printed.attempt,
      eventType: printed.event_type,
      event: printed.event,
    }),
  });
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

describe('real deliveries, every format × encryption setting, through the installed kit', () => {
  it.each(CASES)('$format, encryption $encryption: verified, decrypted and parsed into exactly what was sent', async (setting) => {
    await everyEventThroughTheKit(hookline, 'python', setting, startPythonReceiver);
  });

  it('during a secret rotation, a receiver holding the old secret and one holding the new both verify', async () => {
    await rotationThroughTheKit(
      hookline,
      'python',
      [
        { name: 'old', secrets: (old) => [old] },
        { name: 'new', secrets: (_old, current) => [current] },
      ],
      startPythonReceiver,
    );
  });
});
