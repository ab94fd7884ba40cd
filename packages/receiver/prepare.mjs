/**
 * `prepare`: builds dist/ (npm runs it on `npm install` here, before `npm pack`, and when the
 * package is installed from a path or a git URL). Installed from a path, npm runs it without
 * installing this package's devDependencies, so the TypeScript compiler is fetched first, from
 * package-lock.json (npm's cache serves it when it can), with scripts off so this one does not
 * run again.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const tsc = path.join(here, 'node_modules', 'typescript', 'bin', 'tsc');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: here, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!existsSync(tsc)) {
  const npm = process.env.npm_execpath;
  const args = ['ci', '--include=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
  if (npm && npm.endsWith('.js')) run(process.execPath, [npm, ...args]);
  else run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args);
}
run(process.execPath, [tsc, '-p', 'tsconfig.json']);
