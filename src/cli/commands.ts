import { parseArgs } from 'node:util';
import type { PurgeRun } from '../../packages/client/src/index.js';
import { formatDurationList } from '../durations.js';
import { answerOf, apiFromEnvironment, everyItem } from './api-client.js';
import { CliError } from './errors.js';

/** The commands that act through the API (src/cli/api-client.ts). */
export type Out = (line: string) => void;

export async function webhooksList(args: string[], out: Out): Promise<number> {
  const { values } = parseArgs({ args, options: { community: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const query = { limit: 200, ...(values.community ? { communityId: values.community } : {}) };
  const webhooks = await answerOf(everyItem(apiFromEnvironment().paginate('/v1/webhooks', { params: { query } })));
  if (values.json) {
    out(JSON.stringify(webhooks, null, 2));
    return 0;
  }
  if (webhooks.length === 0) {
    out(values.community ? `no webhooks in ${values.community}` : 'no webhooks');
    return 0;
  }
  const rows = webhooks.map((w) => [
    w.id,
    w.communityId,
    w.active ? 'active' : `disabled${w.disabledReason ? ` (${w.disabledReason})` : ''}`,
    w.format,
    w.events.join(','),
    w.url,
  ]);
  for (const line of table(['ID', 'COMMUNITY', 'STATE', 'FORMAT', 'EVENTS', 'URL'], rows)) out(line);
  return 0;
}

export async function deliveriesReplay(args: string[], out: Out): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const [id] = positionals;
  if (!id || positionals.length > 1) throw new CliError('usage: hookline deliveries replay <delivery id>');
  const delivery = await answerOf(apiFromEnvironment().POST('/v1/deliveries/{id}/replay', { params: { path: { id } } }));
  out(`replaying ${delivery.id} (webhook ${delivery.webhookId}, ${delivery.attemptCount} attempts so far): ${delivery.temporal.uiUrl}`);
  return 0;
}

/**
 * `hookline purge run [--wait] [--json]`: runs the purge now through its schedule (POST
 * /v1/purge-runs; a run already going is not doubled) and, with --wait, waits for it to finish and
 * prints what it deleted.
 */
export async function purgeRun(args: string[], out: Out): Promise<number> {
  const { values } = parseArgs({ args, options: { wait: { type: 'boolean' }, json: { type: 'boolean' }, timeout: { type: 'string' } }, strict: true });
  const client = apiFromEnvironment();
  const run = await answerOf(client.POST('/v1/purge-runs', { body: {} }));
  if (!values.wait) {
    if (values.json) out(JSON.stringify(run, null, 2));
    else out(`${run.started ? 'started' : 'already running'}: purge ${run.workflowId} (${describeProgress(run)}): ${run.temporal.uiUrl}`);
    return 0;
  }
  const timeoutMs = values.timeout ? Number(values.timeout) * 1000 : 15 * 60_000;
  if (!(timeoutMs > 0)) throw new CliError('--timeout is in seconds, e.g. --timeout 600');
  const deadline = Date.now() + timeoutMs;
  let latest = run;
  while (latest.status === 'running') {
    if (Date.now() > deadline) throw new CliError(`purge ${run.workflowId} still running after ${timeoutMs / 1000} s (${describeProgress(latest)})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    latest = await answerOf(client.GET('/v1/purge-runs/latest'));
    // a later scheduled run took its place as the latest: ours has finished
    if (latest.workflowId !== run.workflowId) break;
  }
  if (values.json) out(JSON.stringify(latest, null, 2));
  else for (const line of describeRun(latest)) out(line);
  return latest.status === 'completed' || latest.status === 'running' ? 0 : 1;
}

/** `hookline purge status [--json]`: the last run (GET /v1/purge-runs/latest) and the schedule. */
export async function purgeStatus(args: string[], out: Out): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
  const run = await answerOf(apiFromEnvironment().GET('/v1/purge-runs/latest'));
  if (values.json) out(JSON.stringify(run, null, 2));
  else for (const line of describeRun(run)) out(line);
  return 0;
}

function describeProgress(run: PurgeRun): string {
  const d = run.deleted;
  if (!d) return run.status;
  return (
    `${d.deliveries} deliveries, ${d.attempts} attempts, ${d.events} events, ${d.replayJobs} replay jobs, ` +
    `${d.webhookSecrets} expired secrets, ${d.apiKeys} revoked keys, ${d.portalSessions ?? 0} ended portal sessions deleted`
  );
}

function describeRun(run: PurgeRun): string[] {
  const took = run.closedAt ? ` in ${((Date.parse(run.closedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1)} s` : '';
  const lines = [
    `purge ${run.workflowId}: ${run.status}${took} (started ${run.startedAt}${run.stage && run.status === 'running' ? `, now at ${run.stage}` : ''})`,
    `  ${describeProgress(run)}${run.vacuumed?.length ? `; vacuumed ${run.vacuumed.join(', ')}` : ''}`,
  ];
  const every = run.schedule.everyMs === null ? '' : ` every ${formatDurationList([run.schedule.everyMs])}`;
  lines.push(`  schedule ${run.schedule.scheduleId}${every}${run.schedule.paused ? ' (paused)' : ''}; next run ${run.schedule.nextRunAt ?? 'none'}`);
  lines.push(`  ${run.temporal.uiUrl}`);
  return lines;
}

/** Columns padded to their widest cell; the last one is left as it is. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
