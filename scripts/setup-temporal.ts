/**
 * `npm run setup`'s Temporal step, on the Temporal at TEMPORAL_ADDRESS (idempotent): Hookline's
 * search attributes, the namespace's retention of closed workflows (TEMPORAL_NAMESPACE_RETENTION)
 * and the `hookline-purge` schedule (PURGE_INTERVAL, RETENTION). Workers create or update the
 * schedule at start anyway; here it is there before the first one starts. On Temporal Cloud the
 * retention is set in the Cloud UI or with tcld, which this says instead of failing.
 */
import { formatDurationList } from '../src/durations.js';
import { loadConfigOrExit } from '../src/runtime.js';
import { connectClient, temporalConnectionOptions } from '../src/temporal/client.js';
import { ensureNamespaceRetention, retentionNotSetHint } from '../src/temporal/namespace.js';
import { ensurePurgeSchedule } from '../src/temporal/purge.js';
import { registerSearchAttributes } from '../src/temporal/search-attributes.js';

const config = loadConfigOrExit();
const options = temporalConnectionOptions(config);
const { namespace } = config.temporal;
const say = (line: string) => process.stdout.write(`${line}\n`);

const added = await registerSearchAttributes(options, namespace);
say(added.length ? `registered ${added.join(', ')} on ${options.address}` : `search attributes already registered on ${options.address}`);

const retention = config.retention.temporalRetentionMs;
try {
  const outcome = await ensureNamespaceRetention(options, namespace, retention);
  say(
    outcome.changed
      ? `namespace ${namespace}: closed workflows kept ${formatDurationList([outcome.afterMs])} (was ${outcome.beforeMs === undefined ? 'unset' : formatDurationList([outcome.beforeMs])})`
      : `namespace ${namespace}: closed workflows already kept ${formatDurationList([outcome.afterMs])}`,
  );
} catch (error) {
  say(retentionNotSetHint(namespace, retention, error));
}

const client = await connectClient(config);
try {
  const { scheduleId, outcome } = await ensurePurgeSchedule(client, config);
  say(`purge schedule ${scheduleId} ${outcome} (every ${formatDurationList([config.retention.purgeIntervalMs])}, RETENTION ${formatDurationList([config.retention.retentionMs])})`);
} finally {
  await client.connection.close();
}
