import { Connection, type ConnectionOptions } from '@temporalio/client';
import proto from '@temporalio/proto';
import { HOOKLINE_SEARCH_ATTRIBUTES } from '../contract/search-attributes.js';

/**
 * Registers Hookline's typed search attributes on a Temporal server (idempotent). Works against the
 * dev server and self-hosted clusters; Temporal Cloud registers them in its console or tcld instead.
 */
export async function registerSearchAttributes(
  server: string | ConnectionOptions,
  namespace: string,
): Promise<string[]> {
  // the full options (TLS, API key) from temporalConnectionOptions, or a bare address for dev servers
  const connection = await Connection.connect(typeof server === 'string' ? { address: server } : server);
  try {
    const known = await listSearchAttributeNames(connection, namespace);
    const missing = HOOKLINE_SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
    if (missing.length > 0) {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(
          missing.map((key) => [key.name, proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
        ),
      });
    }
    return missing.map((key) => key.name);
  } finally {
    await connection.close();
  }
}

const GRPC_UNIMPLEMENTED = 12;

/**
 * The time-skipping test server (Java) implements AddSearchAttributes but not ListSearchAttributes;
 * there, adding is idempotent, so "none known" is the right answer.
 */
async function listSearchAttributeNames(connection: Connection, namespace: string): Promise<Set<string>> {
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    return new Set(Object.keys(existing.customAttributes ?? {}));
  } catch (error) {
    if ((error as { code?: unknown }).code === GRPC_UNIMPLEMENTED) return new Set();
    throw error;
  }
}

/** `--search-attribute` flags for `temporal server start-dev`. */
export function devServerSearchAttributeFlags(): string[] {
  return HOOKLINE_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]);
}
