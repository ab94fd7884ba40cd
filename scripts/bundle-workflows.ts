/**
 * The prebuilt workflow bundles. dist/workflow-bundle.js: the delivery and replay-job workflows
 * bundled by the Temporal SDK's webpack (`bundleWorkflowCode`), as a worker would bundle them at
 * start. A worker running compiled (dist/src/worker.js) loads it instead of running webpack itself
 * (src/worker.ts, workflowSource), which saves it webpack's memory and seconds of start
 * (BENCHMARKS.md, "Tuning"). dist/workflow-bundle-traced.js: the same with the OpenTelemetry
 * workflow interceptors, for a worker with tracing on (src/tracing); with tracing off the worker
 * loads the first, which holds no tracing code.
 *
 *   npx tsx scripts/bundle-workflows.ts           # part of `npm run build`; skips when up to date
 *   npx tsx scripts/bundle-workflows.ts --force
 *
 * Up to date means: the bundle exists and a hash of its inputs (the workflow sources it imports,
 * the versions of the packages it bundles, this script) matches the one recorded beside it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRACING_WORKFLOW_INTERCEPTOR_MODULES } from '../src/tracing/workflow-modules.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const WORKFLOWS_ENTRY = path.join(ROOT, 'workflows/index.ts');
export const BUNDLE_PATH = path.join(ROOT, 'dist/workflow-bundle.js');
export const TRACED_BUNDLE_PATH = path.join(ROOT, 'dist/workflow-bundle-traced.js');

/** The two bundles: their paths, their interceptor modules and the packages those add to the inputs. */
const BUNDLES = [
  { path: BUNDLE_PATH, interceptorModules: [] as readonly string[], packages: [] as string[] },
  {
    path: TRACED_BUNDLE_PATH,
    interceptorModules: TRACING_WORKFLOW_INTERCEPTOR_MODULES,
    packages: ['@temporalio/interceptors-opentelemetry', '@opentelemetry/api', '@opentelemetry/core', '@opentelemetry/sdk-trace-base', '@opentelemetry/resources'],
  },
];

/**
 * The files the bundle is made of: the entry and every module it imports by value, transitively
 * (type-only imports are erased and cannot change the bundle), and the bare packages it imports.
 */
export function workflowInputs(entry = WORKFLOWS_ENTRY): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>(['@temporalio/workflow', '@temporalio/worker']);
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    const statement = /^\s*(import|export)\s+(type\s+)?[^;'"]*?\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;
    for (const match of source.matchAll(statement)) {
      if (match[2]) continue; // import type / export type
      const specifier = match[3] ?? match[4]!;
      if (specifier.startsWith('.')) {
        const resolved = path.resolve(path.dirname(file), specifier);
        const candidates = [resolved.replace(/\.js$/, '.ts'), resolved, `${resolved}.ts`, path.join(resolved, 'index.ts')];
        const found = candidates.find((c) => existsSync(c) && !c.endsWith('/'));
        if (!found) throw new Error(`${path.relative(ROOT, file)}: cannot resolve ${specifier}`);
        visit(found);
      } else {
        packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
      }
    }
  };
  visit(entry);
  return { files: [...files].sort(), packages: [...packages].sort() };
}

/** A hash of everything a bundle depends on (`extraPackages`: those its interceptor modules bring). */
export function inputsHash(extraPackages: readonly string[] = []): string {
  const hash = createHash('sha256');
  const require = createRequire(WORKFLOWS_ENTRY);
  const inputs = workflowInputs();
  const files = inputs.files;
  const packages = [...inputs.packages, ...extraPackages];
  for (const file of [...files, fileURLToPath(import.meta.url)]) {
    hash.update(`${path.relative(ROOT, file)}\0`).update(readFileSync(file)).update('\0');
  }
  for (const name of packages) {
    let version = 'missing';
    try {
      version = (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
    } catch {
      // a package without an exported package.json: its name alone
    }
    hash.update(`${name}@${version}\0`);
  }
  return hash.digest('hex');
}

/** Makes each bundle that is not up to date; returns whether it bundled any. */
export async function bundleWorkflows(options: { force?: boolean } = {}): Promise<boolean> {
  let bundled = false;
  for (const bundle of BUNDLES) {
    const stamp = `${bundle.path}.inputs`;
    const hash = inputsHash(bundle.packages);
    if (!options.force && existsSync(bundle.path) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) continue;
    // imported here: loading the SDK's worker package (webpack, the native core) costs ~1 s
    const { bundleWorkflowCode, DefaultLogger } = await import('@temporalio/worker');
    const { code } = await bundleWorkflowCode({
      workflowsPath: WORKFLOWS_ENTRY,
      workflowInterceptorModules: [...bundle.interceptorModules],
      logger: new DefaultLogger('WARN'),
    });
    mkdirSync(path.dirname(bundle.path), { recursive: true });
    // written aside then renamed: a worker starting meanwhile reads the old bundle or the new, never half
    const temporary = `${bundle.path}.${process.pid}.tmp`;
    writeFileSync(temporary, code);
    renameSync(temporary, bundle.path);
    writeFileSync(stamp, `${hash}\n`);
    bundled = true;
  }
  return bundled;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const bundled = await bundleWorkflows({ force: process.argv.includes('--force') });
  if (bundled) process.stderr.write(`workflow bundles: ${BUNDLES.map((b) => path.relative(process.cwd(), b.path)).join(', ')} (${Math.round(performance.now() - started)} ms)\n`);
}
