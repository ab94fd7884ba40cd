import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

/**
 * The typed client's schema file (packages/client/src/schema.ts): the API's OpenAPI document turned
 * into TypeScript types by openapi-typescript. Shared by `npm run generate:client`, which writes it,
 * and the drift test, which renders the running API's document and compares it with the committed
 * file. The output depends on the document alone (no date, no version), so regenerating an
 * unchanged API leaves the file byte for byte as it was.
 */
export const CLIENT_SCHEMA_FILE = fileURLToPath(new URL('../packages/client/src/schema.ts', import.meta.url));

const HEADER = `/**
 * Generated from the Hookline API's OpenAPI document (GET /openapi.json) by
 * \`npm run generate:client\` (scripts/generate-client.ts). Do not edit: change the route
 * declarations (src/api/routes/, src/api/schemas.ts, src/api/responses.ts) and regenerate.
 */

`;

export async function clientSchemaSource(document: Record<string, unknown>): Promise<string> {
  // openapi-typescript may annotate the object it is given; the server's document is cached and shared
  const ast = await openapiTS(structuredClone(document) as never, { silent: true });
  return HEADER + astToString(ast);
}
