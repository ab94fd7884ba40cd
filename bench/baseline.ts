/**
 * A build of another revision of Hookline, for a scenario that compares the code with and without
 * a change (the tracing scenario: the revision before tracing was added). The revision's files are
 * exported from git (`git archive`, nothing in this checkout changes) into a directory under the
 * system's temporary directory, with this checkout's node_modules linked in, and compiled as
 * `npm run build` compiles (tsc, the prebuilt workflow bundle, the links dist/ needs); the
 * dashboard's static files are this checkout's (the API only serves them). Kept per revision, so a
 * second run starts at once.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { progress, ROOT } from './lib.js';

export interface Baseline {
  root: string;
  revision: string;
  /** `git describe`-like: the short hash and its subject. */
  label: string;
  /** Commits on HEAD since the baseline (other changes than the one compared come with them). */
  commitsBehind: number;
}

const git = (args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** The revision before the first commit that added `file`: the code without that module. */
export function revisionBefore(file: string): string {
  const adding = git(['log', '--diff-filter=A', '--format=%H', '--', file]).split('\n').filter(Boolean);
  const first = adding.at(-1);
  if (!first) throw new Error(`no commit adds ${file}: give the baseline revision as BENCH_TRACING_BASELINE`);
  return git(['rev-parse', `${first}^`]);
}

export function buildBaseline(revision: string): Baseline {
  const sha = git(['rev-parse', '--verify', `${revision}^{commit}`]);
  const label = `${sha.slice(0, 10)} ${git(['log', '-1', '--format=%s', sha]).slice(0, 60)}`;
  const commitsBehind = Number(git(['rev-list', '--count', `${sha}..HEAD`]));
  const root = path.join(os.tmpdir(), `hookline-bench-baseline-${sha.slice(0, 12)}`);
  const done = path.join(root, '.bench-built');
  if (existsSync(done)) return { root, revision: sha, label, commitsBehind };

  progress(`building the baseline ${label} in ${root}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${sha} | tar -x -C "${root}"`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
  if (existsSync(path.join(ROOT, 'dashboard/dist'))) cpSync(path.join(ROOT, 'dashboard/dist'), path.join(root, 'dashboard/dist'), { recursive: true });
  const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  run([path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json']);
  run(['--import', 'tsx', 'scripts/bundle-workflows.ts']);
  for (const [link, target] of [
    ['package.json', '../package.json'],
    ['migrations', '../migrations'],
    ['dashboard/dist', '../../dashboard/dist'],
  ] as const) {
    const at = path.join(root, 'dist', link);
    mkdirSync(path.dirname(at), { recursive: true });
    symlinkSync(target, at);
  }
  writeFileSync(done, `${sha}\n`);
  return { root, revision: sha, label, commitsBehind };
}
