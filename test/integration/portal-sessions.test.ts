import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/security/tokens.js';
import { eventually, type Hookline, LOG_DIR, startHookline } from '../support/harness.js';

/**
 * Portal sessions (docs/portal.md): the operator makes a link, the link's token signs in as the
 * community with a key's rights except over API keys, and an expired or revoked one is refused
 * with a message that says so.
 */
let hookline: Hookline;
let community: { communityId: string; key: string };
const MAX = 3;

beforeAll(async () => {
  hookline = await startHookline({ MAX_PORTAL_SESSIONS_PER_COMMUNITY: String(MAX), PUBLIC_BASE_URL: 'https://hooks.example.com/' });
  community = await hookline.newCommunity('Portal');
});
afterAll(async () => {
  await hookline?.stop();
});

const sessions = (communityId: string) => `/v1/communities/${communityId}/portal-sessions`;
const tokenOf = (url: string) => new URL(url).hash.replace(/^#portal=/, '');

async function newSession(communityId = community.communityId, body: unknown = {}) {
  const answer = await hookline.call('POST', sessions(communityId), body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return { ...(answer.body.data as { id: string; url: string; expiresAt: string }), token: tokenOf(answer.body.data.url) };
}

describe('portal sessions', () => {
  it('the operator makes a link to the dashboard with the token in its fragment, stored only as its SHA-256', async () => {
    const before = Date.now();
    const answer = await hookline.call('POST', sessions(community.communityId), { ttlSeconds: 600 });
    expect(answer.status).toBe(201);
    expect(answer.body.status).toBe('success');
    const { id, url, expiresAt } = answer.body.data;
    expect(id).toMatch(/^prt_/);
    expect(url).toMatch(/^https:\/\/hooks\.example\.com\/dashboard#portal=hlp_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(expiresAt) - before).toBeGreaterThan(590_000);
    expect(Date.parse(expiresAt) - before).toBeLessThan(610_000);

    const token = tokenOf(url);
    const row = await hookline.db.selectFrom('portal_sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.community_id).toBe(community.communityId);
    expect(Buffer.compare(row.token_hash, hashApiKey(token))).toBe(0);
    expect(JSON.stringify(row)).not.toContain(token);

    // the default lifetime is an hour
    const byDefault = await newSession();
    expect(Date.parse(byDefault.expiresAt) - Date.now()).toBeGreaterThan(3_590_000);
    await hookline.call('DELETE', sessions(community.communityId), {});
  });

  it('refuses a bad ttlSeconds or an unknown field with the envelope, and makes nothing', async () => {
    const count = async () => Number((await hookline.db.selectFrom('portal_sessions').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    for (const body of [{ ttlSeconds: 59 }, { ttlSeconds: 86_401 }, { ttlSeconds: 600.5 }, { ttlSeconds: '600' }, { ttl: 600 }]) {
      const answer = await hookline.call('POST', sessions(community.communityId), body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toMatchObject({ status: 'error', meta: { statusCode: 400 } });
      expect(answer.body.solution).toBeTruthy();
    }
    expect(await count()).toBe(before);
    const unknown = await hookline.call('POST', sessions('cmty_nope'), {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('community not found');
    expect((await hookline.call('DELETE', sessions('cmty_nope'), {})).status).toBe(404);
  });

  it('a community key cannot make links (404, as for a route it cannot see)', async () => {
    const answer = await hookline.call('POST', sessions(community.communityId), {}, community.key);
    expect(answer.status).toBe(404);
    expect(answer.body.message).toMatch(/^no route POST/);
  });

  it('a session acts as its community: webhooks, events and deliveries, and nothing of another community', async () => {
    const other = await hookline.newCommunity('Other');
    const theirs = await hookline.call('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/theirs', events: ['user.joined'] }, other.key);
    expect(theirs.status).toBe(201);
    const { token } = await newSession();

    const created = await hookline.call('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/portal', events: ['user.joined'] }, token);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.data.communityId).toBe(community.communityId);
    const list = await hookline.call('GET', '/v1/webhooks', undefined, token);
    expect(list.status).toBe(200);
    expect(list.body.data.map((w: { id: string }) => w.id)).toEqual([created.body.data.id]);
    expect((await hookline.call('GET', `/v1/webhooks/${theirs.body.data.id}`, undefined, token)).status).toBe(404);
    expect((await hookline.call('GET', '/v1/event-types', undefined, token)).status).toBe(200);
    const patched = await hookline.call('PATCH', `/v1/webhooks/${created.body.data.id}`, { description: 'from the portal' }, token);
    expect(patched.status).toBe(200);
    // naming another community is refused as for a key
    const elsewhere = await hookline.call('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/x', events: ['user.joined'], communityId: other.communityId }, token);
    expect(elsewhere.status).toBe(404);
    await hookline.call('DELETE', sessions(community.communityId), {});
  });

  it('every API keys route answers a session 403 with the envelope; operator routes 404', async () => {
    const { token } = await newSession();
    const keys = `/v1/communities/${community.communityId}/api-keys`;
    const keyId = (await hookline.call('GET', keys, undefined, community.key)).body.data[0].id as string;
    for (const [method, url, body] of [
      ['GET', keys, undefined],
      ['POST', keys, { name: 'minted by the portal' }],
      ['PATCH', `${keys}/${keyId}`, { disabled: true }],
      ['DELETE', `${keys}/${keyId}`, {}],
    ] as const) {
      const answer = await hookline.call(method, url, body, token);
      expect(answer.status, `${method} ${url}`).toBe(403);
      expect(answer.body).toMatchObject({ status: 'error', message: 'portal sessions cannot manage API keys', meta: { statusCode: 403 } });
      expect(answer.body.solution).toBeTruthy();
    }
    // nothing changed: the key still works and no key was made
    const after = await hookline.call('GET', keys, undefined, community.key);
    expect(after.body.data).toHaveLength(1);
    expect(after.body.data[0]).toMatchObject({ id: keyId, disabled: false });

    for (const [method, url] of [
      ['GET', '/v1/communities'],
      ['POST', sessions(community.communityId)],
      ['DELETE', sessions(community.communityId)],
      ['GET', '/v1/purge-runs/latest'],
    ] as const) {
      const answer = await hookline.call(method, url, method === 'GET' ? undefined : {}, token);
      expect(answer.status, `${method} ${url}`).toBe(404);
      expect(answer.body.message).toBe(`no route ${method} ${url}`);
    }
    await hookline.call('DELETE', sessions(community.communityId), {});
  });

  it('an expired session is refused 401 saying the link expired; a revoked one saying it was revoked; a bad token as any bad credential', async () => {
    const expiring = await newSession();
    const revoked = await newSession();
    const live = await newSession();
    expect((await hookline.call('GET', '/v1/webhooks', undefined, expiring.token)).status).toBe(200);

    // expiry, without waiting for it: the session's end moved to a moment ago, by the database's clock
    await hookline.db.updateTable('portal_sessions').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('id', '=', expiring.id).execute();
    const expired = await hookline.call('GET', '/v1/webhooks', undefined, expiring.token);
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ status: 'error', message: 'the portal link has expired', detail: { portalSession: 'expired' }, meta: { statusCode: 401 } });
    expect(expired.body.solution).toMatch(/new link/);

    // revoking ends every live session of the community at once (the expired one is not counted)
    const revokedAnswer = await hookline.call('DELETE', sessions(community.communityId), {});
    expect(revokedAnswer.status).toBe(200);
    expect(revokedAnswer.body).toMatchObject({ status: 'success', data: { revoked: 2 } });
    for (const session of [revoked, live]) {
      const answer = await hookline.call('GET', '/v1/webhooks', undefined, session.token);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ message: 'the portal link was revoked', detail: { portalSession: 'revoked' } });
    }
    expect((await hookline.call('DELETE', sessions(community.communityId), {})).body.data).toEqual({ revoked: 0 });

    const forged = await hookline.call('GET', '/v1/webhooks', undefined, `hlp_${'A'.repeat(43)}`);
    expect(forged.status).toBe(401);
    expect(forged.body.message).toMatch(/portal link is not valid/);
    const badKey = await hookline.call('GET', '/v1/webhooks', undefined, `hk_${'A'.repeat(43)}`);
    expect(badKey.status).toBe(401);
    expect(badKey.body.message).toBe('invalid, revoked or disabled credential');
  });

  it(`at most MAX_PORTAL_SESSIONS_PER_COMMUNITY (${MAX}) live sessions; ended ones do not count`, async () => {
    const fresh = await hookline.newCommunity('Bounded');
    const made = [];
    for (let i = 0; i < MAX; i++) made.push(await newSession(fresh.communityId));
    const over = await hookline.call('POST', sessions(fresh.communityId), {});
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ status: 'error', detail: { limit: MAX, live: MAX }, meta: { statusCode: 409 } });
    expect(over.body.message).toMatch(/MAX_PORTAL_SESSIONS_PER_COMMUNITY=3/);
    // concurrent creates cannot pass it either
    await hookline.db.updateTable('portal_sessions').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('id', '=', made[0]!.id).execute();
    const burst = await Promise.all(Array.from({ length: 4 }, () => hookline.call('POST', sessions(fresh.communityId), {})));
    expect(burst.filter((a) => a.status === 201)).toHaveLength(1);
    expect(burst.filter((a) => a.status === 409)).toHaveLength(3);
    await hookline.call('DELETE', sessions(fresh.communityId), {});
    expect((await hookline.call('POST', sessions(fresh.communityId), {})).status).toBe(201);
  });

  it('the purge deletes ended sessions (expired or revoked) and keeps live ones', async () => {
    const fresh = await hookline.newCommunity('Purged');
    const ended = await newSession(fresh.communityId);
    await hookline.db.updateTable('portal_sessions').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('id', '=', ended.id).execute();
    const revoked = await newSession(fresh.communityId);
    await hookline.call('DELETE', sessions(fresh.communityId), {});
    const live = await newSession(fresh.communityId);

    const run = await hookline.call('POST', '/v1/purge-runs', {});
    expect(run.status).toBeLessThan(300);
    const done = await eventually(async () => {
      const latest = await hookline.call('GET', '/v1/purge-runs/latest');
      return latest.body.data.workflowId === run.body.data.workflowId && latest.body.data.status === 'completed' ? latest.body.data : undefined;
    }, 60_000, 250);
    expect(done.deleted.portalSessions).toBeGreaterThanOrEqual(2);
    const left = await hookline.db.selectFrom('portal_sessions').select('id').where('community_id', '=', fresh.communityId).execute();
    expect(left.map((r) => r.id)).toEqual([live.id]);
    expect([ended.id, revoked.id]).not.toContain(live.id);
    expect((await hookline.call('GET', '/v1/webhooks', undefined, live.token)).status).toBe(200);
  });

  it('no portal token reaches the logs', async () => {
    const { token } = await newSession();
    await hookline.call('GET', '/v1/webhooks', undefined, token);
    await hookline.call('GET', `/v1/communities/${community.communityId}/api-keys`, undefined, token);
    await hookline.call('DELETE', sessions(community.communityId), {});
    await hookline.call('GET', '/v1/webhooks', undefined, token);
    // the logger writes asynchronously; give it a moment, then read every log of this run
    await new Promise((r) => setTimeout(r, 500));
    const logs = readdirSync(LOG_DIR).map((f) => readFileSync(path.join(LOG_DIR, f), 'utf8')).join('\n');
    expect(logs).toContain('"path":"/v1/webhooks"');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(token.slice(4));
  });
});
