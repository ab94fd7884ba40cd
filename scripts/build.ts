/**
 * `npm run build`: what `npm start`, `npm run api` and `npm run worker` run, in dist/ (gitignored).
 * Each step is skipped when its inputs have not changed, so a build with nothing to do takes well
 * under a second and the run scripts do one before they start node:
 *
 *   1. tsc -b tsconfig.build.json: src/, workflows/, activities/ to dist/ as JavaScript with source
 *      maps, incremental (dist/tsconfig.build.tsbuildinfo); a type error fails the build.
 *   2. dist/workflow-bundle.js and dist/workflow-bundle-traced.js, the prebuilt workflow bundles
 *      (scripts/bundle-workflows.ts).
 *   3. the dashboard's static bundle, dashboard/dist (npm run build:dashboard), when its sources,
 *      its config, the typed client it bundles (packages/client/src) or package-lock.json changed.
 *   4. links that keep the paths src/ computes from import.meta.url (the package's version, the
 *      migrations, the dashboard bundle) the same from dist/src/ as from src/.
 *
 *   npm run build                 # or: npx tsx scripts/build.ts [--force]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflows } from './bundle-workflows.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist');
const force = process.argv.includes('--force');

function step(name: string, run: () => boolean | Promise<boolean>): Promise<void> {
  const started = performance.now();
  return Promise.resolve(run()).then((did) => {
    if (did) process.stderr.write(`build: ${name} (${Math.round(performance.now() - started)} ms)\n`);
  });
}

function exec(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`build: ${[command, ...args].join(' ')} failed\n`);
    process.exit(result.status ?? 1);
  }
}

/** Every file under `dir` (skipping `skip` directories), for a hash of a step's inputs. */
function filesUnder(dir: string, skip: string[] = []): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !skip.some((s) => file.startsWith(path.join(dir, s) + path.sep)))
    .sort();
}

function hashFiles(files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${path.relative(ROOT, file)}\0`).update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

// 1. TypeScript. `tsc -b` compares its inputs' times with the build info and returns at once when
// nothing changed, where `tsc -p` would re-read every declaration file.
await step('tsc (dist/src, dist/workflows, dist/activities)', () => {
  const info = path.join(DIST, 'tsconfig.build.tsbuildinfo');
  const before = existsSync(info) ? lstatSync(info).mtimeMs : 0;
  exec(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json', ...(force ? ['--force'] : [])]);
  return !existsSync(info) || lstatSync(info).mtimeMs !== before;
});

// 2. The prebuilt workflow bundle.
await step('workflow bundles (dist/workflow-bundle.js, dist/workflow-bundle-traced.js)', () => bundleWorkflows({ force }));

// 3. The dashboard. Its stamp lives in its output directory, which Vite empties on each build.
await step('dashboard (dashboard/dist)', () => {
  const dashboard = path.join(ROOT, 'dashboard');
  const stamp = path.join(dashboard, 'dist/.inputs');
  const hash = hashFiles([
    ...filesUnder(dashboard, ['dist', 'node_modules']),
    ...filesUnder(path.join(ROOT, 'packages/client/src')),
    path.join(ROOT, 'package-lock.json'),
  ]);
  if (!force && existsSync(path.join(dashboard, 'dist/index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) return false;
  exec('npm', ['run', 'build:dashboard', '--silent']);
  writeFileSync(stamp, `${hash}\n`);
  return true;
});

// 4. Paths src/ resolves from import.meta.url, one level deeper under dist/: src/version.ts reads
// ../package.json, src/db/migrate.ts ../../migrations/, src/api/dashboard.ts ../../dashboard/dist/.
// Relative links, so they stay right wherever the checkout (or the image's /app) is; a copy where
// links cannot be made.
await step('links', () => {
  let made = false;
  for (const [link, target] of [
    ['package.json', '../package.json'],
    ['migrations', '../migrations'],
    ['dashboard/dist', '../../dashboard/dist'],
  ] as const) {
    const at = path.join(DIST, link);
    const current = lstatSync(at, { throwIfNoEntry: false });
    if (current?.isSymbolicLink() && readlinkSync(at) === target) continue;
    if (current) rmSync(at, { recursive: true, force: true });
    mkdirSync(path.dirname(at), { recursive: true });
    try {
      symlinkSync(target, at);
    } catch {
      cpSync(path.resolve(path.dirname(at), target), at, { recursive: true });
    }
    made = true;
  }
  return made;
});
