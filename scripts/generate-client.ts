/**
 * `npm run generate:client`: writes packages/client/src/schema.ts, the types of the typed client,
 * from the OpenAPI document the server itself serves at /openapi.json. The document is built from
 * the route declarations in this process (src/api/openapi.ts over API_ROUTES), so no server,
 * database or Temporal is needed. Run it after adding or changing a route, a request schema or a
 * response schema; test/integration/client-drift.test.ts fails until the committed file matches.
 *
 *   npm run generate:client            # writes the file (unchanged API: unchanged file)
 *   npm run generate:client -- --check # exits 1 when the committed file is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openApiDocument } from '../src/api/openapi.js';
import { API_ROUTES } from '../src/api/routes/index.js';
import { CLIENT_SCHEMA_FILE, clientSchemaSource } from './client-schema.js';

const source = await clientSchemaSource(openApiDocument(API_ROUTES));
const current = (() => {
  try {
    return readFileSync(CLIENT_SCHEMA_FILE, 'utf8');
  } catch {
    return undefined;
  }
})();
const shown = path.relative(process.cwd(), CLIENT_SCHEMA_FILE);

if (process.argv.includes('--check')) {
  if (current === source) {
    process.stdout.write(`${shown} is up to date\n`);
  } else {
    process.stderr.write(`${shown} is out of date with the route declarations: run \`npm run generate:client\`\n`);
    process.exitCode = 1;
  }
} else if (current === source) {
  process.stdout.write(`${shown} unchanged\n`);
} else {
  writeFileSync(CLIENT_SCHEMA_FILE, source);
  process.stdout.write(`${shown} written (${source.split('\n').length} lines)\n`);
}
