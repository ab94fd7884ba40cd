/**
 * `hookline`: the operator's command line.
 *
 * `communities`, `webhooks`, `deliveries`, `portal` and `purge` talk to a running API (HOOKLINE_URL with ADMIN_TOKEN), so they go
 * through the same validation, tenancy and Temporal signalling as every other client and need no
 * database or Temporal credentials. `doctor` checks the infrastructure directly, because it must
 * work when the API does not: configuration, Postgres and migrations, Temporal, the namespace and
 * the search attributes, and (when HOOKLINE_URL is set) the API's readiness.
 */
import { ConfigError } from '../config.js';
import { communitiesList, deliveriesReplay, portalLink, portalRevoke, purgeRun, purgeStatus, webhooksFlow, webhooksList } from './commands.js';
import { doctor } from './doctor.js';
import { CliError } from './errors.js';
import { secretsReseal } from './secrets.js';

const USAGE = `usage: hookline <command>

  communities list [--json]                 list communities
  webhooks list [--community ID] [--json]   list webhooks (all communities, or one)
  webhooks flow <webhook id> [--json]       a webhook's flow control now: in flight, limit, pause, waiting
  deliveries replay <delivery id>           replay one delivery (any final status)
  portal link <community id> [--ttl S]      a link to the dashboard signed in as the community (60-86400 s, default 3600)
  portal revoke <community id>              end every live portal link of the community
  purge run [--wait] [--json]               run the retention purge now; --wait prints what it deleted
  purge status [--json]                     the purge's last run and its schedule
  doctor                                    check configuration, Postgres, Temporal and search attributes
  secrets reseal                            re-seal every stored secret under SECRETS_KEY (after a key rotation)

communities, webhooks, deliveries, portal and purge call the API: HOOKLINE_URL (default
http://localhost:$PORT) with ADMIN_TOKEN (default: .data/admin-token, which npm start writes).
doctor reads the same environment as the server (DATABASE_URL, TEMPORAL_*) and exits non-zero when a check fails. secrets reseal reads
DATABASE_URL, SECRETS_KEY and SECRETS_KEY_PREVIOUS, is safe while the service runs, and can be run
again (it re-seals only what is not under SECRETS_KEY yet). With DATABASE_URL unset both use the
embedded PostgreSQL in .data/postgres (reseal starts it for the duration when npm start is not
running).
`;

export async function main(argv: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const [command, sub, ...rest] = argv;
  try {
    if (command === 'communities' && sub === 'list') return await communitiesList(rest, out);
    if (command === 'webhooks' && sub === 'list') return await webhooksList(rest, out);
    if (command === 'webhooks' && sub === 'flow') return await webhooksFlow(rest, out);
    if (command === 'portal' && sub === 'link') return await portalLink(rest, out);
    if (command === 'portal' && sub === 'revoke') return await portalRevoke(rest, out);
    if (command === 'deliveries' && sub === 'replay') return await deliveriesReplay(rest, out);
    if (command === 'purge' && sub === 'run') return await purgeRun(rest, out);
    if (command === 'purge' && sub === 'status') return await purgeStatus(rest, out);
    if (command === 'doctor') return await doctor(out);
    if (command === 'secrets' && sub === 'reseal') return await secretsReseal(rest, out);
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      out(USAGE.trimEnd());
      return command === undefined ? 2 : 0;
    }
    process.stderr.write(`hookline: unknown command "${[command, sub].filter(Boolean).join(' ')}"\n\n${USAGE}`);
    return 2;
  } catch (error) {
    if (error instanceof CliError || error instanceof ConfigError) {
      process.stderr.write(`hookline: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}


if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/src/cli/index.ts')) {
  process.exitCode = await main(process.argv.slice(2));
}
