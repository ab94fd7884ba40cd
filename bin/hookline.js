#!/usr/bin/env node
// The `hookline` command: runs src/cli/index.ts in this process through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
