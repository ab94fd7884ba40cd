import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/security/secret-box.js';
import { loadAttemptContext } from '../../src/store/attempt-context.js';
import { communityScope } from '../../src/store/scope.js';
import { deleteWebhook } from '../../src/store/webhooks.js';
import { eventually, type Hookline, startHookline } from '../support/harness.js';

/**
 * The race behind "a FIFO webhook's waiting deliveries are never sent once it is deleted", made to
 * happen every time: an attempt's statement reads its delivery (pending) in one snapshot, and the
 * flow function inside it checks the order in a newer one. A delete committed in between would look
 * to the order check as if nothing earlier were pending, while the attempt still saw its own
 * delivery pending: it would be admitted and sent. Here the attempt's statement is held up on the
 * flow row (a transaction holds it) while the delete runs.
 */
let hookline: Hookline;

beforeAll(async () => {
  hookline = await startHookline({}, { worker: false });
});
afterAll(async () => {
  await hookline?.stop();
});

async function fifoWebhookWithTwoPending() {
  const { db } = hookline;
  const tag = randomBytes(4).toString('hex');
  const communityId = `cmty_race_${tag}`;
  await db.insertInto('communities').values({ id: communityId, name: 'delete race' }).execute();
  const webhookId = `wh_race_${tag}`;
  await db
    .insertInto('webhooks')
    .values({ id: webhookId, community_id: communityId, url: 'https://example.com/h', format: 'json', events: ['user.joined'], ordering: 'fifo' })
    .execute();
  await db.insertInto('webhook_flow').values({ webhook_id: webhookId, effective_concurrency: 10 }).execute();
  const deliveries: string[] = [];
  for (const seq of [1, 2]) {
    const eventId = `evt_race_${tag}_${seq}`;
    await db.insertInto('events').values({ id: eventId, community_id: communityId, type: 'user.joined', occurred_at: new Date(), data: '{}' }).execute();
    const id = `dlv_race_${tag}_${seq}`;
    await db
      .insertInto('deliveries')
      .values({ id, community_id: communityId, event_id: eventId, webhook_id: webhookId, event_type: 'user.joined', status: 'pending', ordering_seq: String(seq) })
      .execute();
    deliveries.push(id);
  }
  return { communityId, webhookId, first: deliveries[0]!, second: deliveries[1]! };
}

/** How many statements of this test's database wait for a lock (the database is this file's own). */
async function waitingForLocks(): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock'`.execute(hookline.db);
  return rows[0]!.n;
}

describe('deleting a FIFO webhook while an attempt of its second delivery is being admitted', () => {
  it('never admits the second delivery as pending once the first is cancelled', async () => {
    const { communityId, webhookId, first, second } = await fifoWebhookWithTwoPending();
    const box = new SecretBox(hookline.config.secretsKey, hookline.config.secretsKeyPrevious);
    // the first is in flight: it holds its slot, so the second can only wait for it to be final
    await sql`select granted from hookline_flow_admit(${first}, 60000, 1000)`.execute(hookline.db);

    let letGo!: () => void;
    const held = new Promise<void>((resolve) => (letGo = resolve));
    let holding!: () => void;
    const isHolding = new Promise<void>((resolve) => (holding = resolve));
    // another attempt's statement holds the webhook's flow row
    const holder = hookline.db.transaction().execute(async (trx) => {
      await sql`select webhook_id from webhook_flow where webhook_id = ${webhookId} for update`.execute(trx);
      holding();
      await held;
    });
    await isHolding;
    const context = loadAttemptContext(hookline.db, box, second, 1, { leaseMs: 60_000, sleepMs: 1000 });
    // the delete either waits for the attempt's statement (it reads the second under a lock) or
    // commits first; in both cases it must not be the second's way through
    let deleteDone = false;
    let deleted: Promise<string[] | undefined> | undefined;
    try {
      await eventually(async () => ((await waitingForLocks()) >= 1 ? true : undefined), 10_000);
      deleted = deleteWebhook(hookline.db, communityScope(communityId), webhookId).finally(() => (deleteDone = true));
      await eventually(async () => (deleteDone || (await waitingForLocks()) >= 2 ? true : undefined), 10_000);
    } finally {
      letGo();
    }
    await holder;
    const [read, cancelled] = await Promise.all([context, deleted]);

    expect(cancelled?.sort()).toEqual([first, second].sort());
    const admittedAsPending = read!.delivery.status !== 'cancelled' && read!.admission?.granted === true;
    expect(admittedAsPending, `admission ${JSON.stringify(read!.admission)} for a delivery read as ${read!.delivery.status}`).toBe(false);
    // the slot was not handed to it either: only the first's lease is held
    const flow = await hookline.db.selectFrom('webhook_flow').select('leases').where('webhook_id', '=', webhookId).executeTakeFirstOrThrow();
    expect(Object.keys(flow.leases as Record<string, unknown>)).toEqual([first]);
  });
});
