import { Connection, type ConnectionOptions } from '@temporalio/client';
import { msToTs, tsToMs } from '@temporalio/common/lib/time.js';

/**
 * The namespace's retention of closed workflows (TEMPORAL_NAMESPACE_RETENTION, docs/retention.md):
 * Temporal deletes a workflow's history and its visibility record this long after it closed, so
 * neither grows without end. Set by `npm start` and `npm run setup` on the dev server and on a
 * cluster of your own (UpdateNamespace); Temporal Cloud refuses that call from a namespace's API
 * key or certificate, and its retention is set in the Cloud UI or with `tcld` instead.
 */
export interface RetentionOutcome {
  namespace: string;
  /** What it was, in ms (undefined when the server did not say). */
  beforeMs: number | undefined;
  afterMs: number;
  changed: boolean;
}

export async function ensureNamespaceRetention(
  server: string | ConnectionOptions,
  namespace: string,
  retentionMs: number,
): Promise<RetentionOutcome> {
  const connection = await Connection.connect(typeof server === 'string' ? { address: server } : server);
  try {
    const described = await connection.workflowService.describeNamespace({ namespace });
    const current = described.config?.workflowExecutionRetentionTtl;
    const beforeMs = current ? tsToMs(current) : undefined;
    const wantedMs = Math.round(retentionMs / 1000) * 1000;
    if (beforeMs === wantedMs) return { namespace, beforeMs, afterMs: wantedMs, changed: false };
    // only the retention is set: the server leaves every other field of the namespace's config as it is
    await connection.workflowService.updateNamespace({ namespace, config: { workflowExecutionRetentionTtl: msToTs(wantedMs) } });
    return { namespace, beforeMs, afterMs: wantedMs, changed: true };
  } finally {
    await connection.close();
  }
}

/** The line to print or log when the namespace's retention could not be set (Temporal Cloud, missing rights). */
export function retentionNotSetHint(namespace: string, retentionMs: number, error: unknown): string {
  const days = Math.max(1, Math.round(retentionMs / 86_400_000));
  return (
    `could not set the retention of namespace ${namespace} (${(error as Error).message}); ` +
    `on Temporal Cloud set it in the Cloud UI or with: tcld namespace retention set --namespace ${namespace} --retention-days ${days}`
  );
}
