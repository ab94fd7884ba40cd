import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { HOOKLINE_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

/**
 * Registers Hookline's typed search attributes on a Temporal server (idempotent). Works against the
 * dev server and self-hosted clusters; Temporal Cloud registers them in its console or tcld instead.
 */
export async function registerSearchAttributes(address: string, namespace: string): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const known = new Set(Object.keys(existing.customAttributes ?? {}));
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

/** `--search-attribute` flags for `temporal server start-dev`. */
export function devServerSearchAttributeFlags(): string[] {
  return HOOKLINE_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]);
}
