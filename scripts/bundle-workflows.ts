/**
 * The prebuilt workflow bundle, dist/workflow-bundle.js: the delivery and replay-job workflows
 * bundled by the Temporal SDK's webpack (`bundleWorkflowCode`), as a worker would bundle them at
 * start. A worker running compiled (dist/src/worker.js) loads it instead of running webpack itself
 * (src/worker.ts, workflowSource), which saves it webpack's memory and seconds of start
 * (BENCHMARKS.md, "Tuning").
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

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const WORKFLOWS_ENTRY = path.join(ROOT, 'workflows/index.ts');
export const BUNDLE_PATH = path.join(ROOT, 'dist/workflow-bundle.js');
const STAMP_PATH = `${BUNDLE_PATH}.inputs`;

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

/** A hash of everything the bundle depends on. */
export function inputsHash(): string {
  const hash = createHash('sha256');
  const require = createRequire(WORKFLOWS_ENTRY);
  const { files, packages } = workflowInputs();
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

/** Makes dist/workflow-bundle.js unless it is up to date; returns whether it bundled. */
export async function bundleWorkflows(options: { force?: boolean } = {}): Promise<boolean> {
  const hash = inputsHash();
  if (!options.force && existsSync(BUNDLE_PATH) && existsSync(STAMP_PATH) && readFileSync(STAMP_PATH, 'utf8').trim() === hash) return false;
  // imported here: loading the SDK's worker package (webpack, the native core) costs ~1 s
  const { bundleWorkflowCode, DefaultLogger } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: new DefaultLogger('WARN') });
  mkdirSync(path.dirname(BUNDLE_PATH), { recursive: true });
  // written aside then renamed: a worker starting meanwhile reads the old bundle or the new, never half
  const temporary = `${BUNDLE_PATH}.${process.pid}.tmp`;
  writeFileSync(temporary, code);
  renameSync(temporary, BUNDLE_PATH);
  writeFileSync(STAMP_PATH, `${hash}\n`);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const bundled = await bundleWorkflows({ force: process.argv.includes('--force') });
  if (bundled) process.stderr.write(`workflow bundle: ${path.relative(process.cwd(), BUNDLE_PATH)} (${Math.round(performance.now() - started)} ms)\n`);
}
