import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_SCHEMA_FILE, clientSchemaSource } from '../../scripts/client-schema.js';
import { type Hookline, startHookline } from '../support/harness.js';

/**
 * The typed client's types (packages/client/src/schema.ts, committed) against the document the
 * running API serves: a route, a field or a parameter added without regenerating them fails here.
 */
let hookline: Hookline;

beforeAll(async () => {
  hookline = await startHookline({}, { worker: false });
});
afterAll(async () => {
  await hookline?.stop();
});

/** The first line where the two differ, with a little context, to say what moved. */
function firstDifference(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const at = a.findIndex((line, i) => line !== b[i]);
  const line = at === -1 ? Math.min(a.length, b.length) : at;
  return [
    `first difference at line ${line + 1}:`,
    ...a.slice(Math.max(0, line - 2), line + 3).map((l) => `  generated: ${l}`),
    ...b.slice(Math.max(0, line - 2), line + 3).map((l) => `  committed: ${l}`),
  ].join('\n');
}

describe('typed client drift', () => {
  it('the committed schema is what the running API’s /openapi.json generates', async () => {
    const response = await fetch(`${hookline.api.url}/openapi.json`);
    expect(response.status).toBe(200);
    const generated = await clientSchemaSource((await response.json()) as Record<string, unknown>);
    const committed = readFileSync(CLIENT_SCHEMA_FILE, 'utf8');
    const file = path.relative(process.cwd(), CLIENT_SCHEMA_FILE);
    expect(
      generated === committed,
      `${file} is out of date with the API's routes: run \`npm run generate:client\` and commit it.\n${firstDifference(generated, committed)}`,
    ).toBe(true);
  });
});
