import { parseArgs } from 'node:util';
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
