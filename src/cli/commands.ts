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

/** `hookline communities list [--json]`: every community, with its retention. */
export async function communitiesList(args: string[], out: Out): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
  const communities = await answerOf(everyItem(apiFromEnvironment().paginate('/v1/communities', { params: { query: { limit: 200 } } })));
  if (values.json) {
    out(JSON.stringify(communities, null, 2));
    return 0;
  }
  if (communities.length === 0) {
    out('no communities');
    return 0;
  }
  const rows = communities.map((c) => [c.id, c.retentionDays === null ? 'default' : `${c.retentionDays}d`, c.createdAt, c.name]);
  for (const line of table(['ID', 'RETENTION', 'CREATED', 'NAME'], rows)) out(line);
  return 0;
}

/**
 * `hookline portal link <community id> [--ttl SECONDS] [--json]`: a link that opens the dashboard
 * signed in as the community (docs/portal.md), printed with when it expires. The link holds the
 * session's token: hand it to whoever should use it, and only to them.
 */
export async function portalLink(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ttl: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const [communityId] = positionals;
  if (!communityId || positionals.length > 1) throw new CliError('usage: hookline portal link <community id> [--ttl SECONDS] [--json]');
  if (values.ttl !== undefined && !/^\d+$/.test(values.ttl)) throw new CliError('--ttl is a whole number of seconds (60 to 86400), e.g. --ttl 3600');
  const body = values.ttl === undefined ? {} : { ttlSeconds: Number(values.ttl) };
  const session = await answerOf(apiFromEnvironment().POST('/v1/communities/{communityId}/portal-sessions', { params: { path: { communityId } }, body }));
  if (values.json) {
    out(JSON.stringify(session, null, 2));
    return 0;
  }
  const minutes = Math.round((Date.parse(session.expiresAt) - Date.now()) / 60_000);
  out(session.url);
  out(`expires ${session.expiresAt} (in about ${minutes} min); session ${session.id}; revoke with: hookline portal revoke ${communityId}`);
  return 0;
}

/** `hookline portal revoke <community id>`: ends every live portal session of the community at once. */
export async function portalRevoke(args: string[], out: Out): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const [communityId] = positionals;
  if (!communityId || positionals.length > 1) throw new CliError('usage: hookline portal revoke <community id>');
  const { revoked } = await answerOf(apiFromEnvironment().DELETE('/v1/communities/{communityId}/portal-sessions', { params: { path: { communityId } }, body: {} }));
  out(`revoked ${revoked} portal session${revoked === 1 ? '' : 's'} of ${communityId}`);
  return 0;
}

/**
 * `hookline webhooks flow <webhook id> [--json]`: the webhook's flow control as it stands (docs/flow-control.md):
 * attempts in flight, the adaptive limit, a Retry-After pause, deliveries waiting, and the settings.
 */
export async function webhooksFlow(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } }, strict: true });
  const [id] = positionals;
  if (!id || positionals.length > 1) throw new CliError('usage: hookline webhooks flow <webhook id> [--json]');
  const webhook = await answerOf(apiFromEnvironment().GET('/v1/webhooks/{id}', { params: { path: { id } } }));
  const flow = {
    ...webhook.flow,
    maxConcurrency: webhook.maxConcurrency,
    rateLimitPerSecond: webhook.rateLimitPerSecond,
    ordering: webhook.ordering,
  };
  if (values.json) {
    out(JSON.stringify({ id: webhook.id, ...flow }, null, 2));
    return 0;
  }
  out(`webhook ${webhook.id} (${webhook.url})${webhook.active ? '' : ` disabled${webhook.disabledReason ? ` (${webhook.disabledReason})` : ''}`}`);
  const rows: [string, string][] = [
    ['inFlight', String(flow.inFlight)],
    ['effectiveConcurrency', String(flow.effectiveConcurrency)],
    ['maxConcurrency', String(flow.maxConcurrency)],
    ['pausedUntil', flow.pausedUntil ?? 'not paused'],
    ['waiting', String(flow.waiting)],
    ['rateLimitPerSecond', flow.rateLimitPerSecond === null ? 'none' : String(flow.rateLimitPerSecond)],
    ['ordering', flow.ordering],
  ];
  for (const [name, value] of rows) out(`  ${name.padEnd(22)}${value}`);
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
