import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Hookline, LOG_DIR, startHookline } from '../support/harness.js';
import { TestReceiver } from '../support/receiver.js';

/**
 * Custom request headers (docs/api.md#custom-headers): validated, sealed at rest, sent on every
 * attempt, never returned (headerNames instead), redacted in attempt rows, in no log and in no
 * Temporal history.
 */
let hookline: Hookline;
let receiver: TestReceiver;
let community: { communityId: string; key: string };
const SECRET_VALUE = 'sk_live_custom-header-value-4f1d2c';

beforeAll(async () => {
  hookline = await startHookline();
  receiver = await TestReceiver.start();
  community = await hookline.newCommunity('headers');
});
afterAll(async () => {
  await receiver?.stop();
  await hookline?.stop();
});

const create = (body: Record<string, unknown>) =>
  hookline.call('POST', '/v1/webhooks', { url: receiver.url, events: ['user.joined'], ...body }, community.key);

/** The arrivals at one path: every webhook of this file's community gets each event, each at its own path. */
async function arrivalsAt(at: string, count: number) {
  return eventually(async () => {
    const here = receiver.arrivals.filter((a) => a.path === at);
    return here.length >= count ? here : undefined;
  });
}

let users = 0;
async function emit(): Promise<string> {
  const posted = await hookline.call(
    'POST',
    '/v1/events',
    { type: 'user.joined', data: { user: { id: `u${++users}`, username: 'ada' }, joinedAt: '2026-12-01T10:00:00Z' } },
    community.key,
  );
  expect(posted.status).toBe(202);
  return posted.body.data.deliveries[0].id;
}

async function webhookCount(): Promise<number> {
  return Number((await hookline.db.selectFrom('webhooks').select(hookline.db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
}

describe('custom headers', () => {
  it('are sent on every attempt, read back by name only, sealed at rest, redacted in attempt rows', async () => {
    receiver.responder = (_, i) => ({ status: i === 0 ? 500 : 200 });
    const created = await create({ headers: { 'X-Api-Key': SECRET_VALUE, 'X-Tenant': 'acme' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.data.id;
    expect(created.body.data.headerNames).toEqual(['X-Api-Key', 'X-Tenant']);
    expect(JSON.stringify(created.body)).not.toContain(SECRET_VALUE);
    expect(created.body.data.headers).toBeUndefined();

    const deliveryId = await emit();
    const arrivals = await receiver.waitFor(2);
    for (const a of arrivals) {
      expect(a.headers['x-api-key']).toBe(SECRET_VALUE);
      expect(a.headers['x-tenant']).toBe('acme');
      // Hookline's own headers are there as always
      expect(a.headers['webhook-id']).toBe(deliveryId);
    }

    const read = await hookline.call('GET', `/v1/webhooks/${id}`, undefined, community.key);
    expect(read.body.data.headerNames).toEqual(['X-Api-Key', 'X-Tenant']);
    const list = await hookline.call('GET', '/v1/webhooks', undefined, community.key);
    expect(JSON.stringify(list.body)).not.toContain(SECRET_VALUE);

    const delivery = await eventually(async () => {
      const d = await hookline.call('GET', `/v1/deliveries/${deliveryId}`, undefined, community.key);
      return d.body.data.status === 'succeeded' ? d.body.data : undefined;
    });
    expect(delivery.attempts).toHaveLength(2);
    for (const attempt of delivery.attempts) {
      expect(attempt.request.headers['X-Api-Key']).toBe('[redacted]');
      expect(attempt.request.headers['X-Tenant']).toBe('[redacted]');
      expect(attempt.request.headers['webhook-id']).toBe(deliveryId);
    }
    expect(JSON.stringify(delivery)).not.toContain(SECRET_VALUE);

    // at rest: sealed, not in any column as text
    const row = await hookline.db.selectFrom('webhooks').select(['header_names', 'headers_sealed']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.header_names).toEqual(['X-Api-Key', 'X-Tenant']);
    expect(row.headers_sealed).toMatch(/^v2\./);
    const dump = await hookline.db.selectFrom('attempts').select('request_headers').where('delivery_id', '=', deliveryId).execute();
    expect(JSON.stringify(dump)).not.toContain(SECRET_VALUE);
    expect(JSON.stringify(await hookline.db.selectFrom('webhooks').selectAll().where('id', '=', id).execute())).not.toContain(SECRET_VALUE);

    // in no Temporal history
    const history = await hookline.temporal.workflow.getHandle(`delivery-${deliveryId}`).fetchHistory();
    expect(JSON.stringify(history)).not.toContain(SECRET_VALUE);
    expect(JSON.stringify(history)).not.toContain(Buffer.from(SECRET_VALUE).toString('base64'));
    // in no log line
    for (const file of readdirSync(LOG_DIR)) expect(readFileSync(path.join(LOG_DIR, file), 'utf8'), file).not.toContain(SECRET_VALUE);
  });

  it('PATCH merges: a value sets, null removes, a name left out keeps its value; null clears all; the next attempt uses them', async () => {
    receiver.responder = () => ({ status: 200 });
    const created = await create({ url: receiver.url.replace('/hook', '/patched'), headers: { 'X-Api-Key': 'one', 'X-Tenant': 'acme' } });
    const id = created.body.data.id;
    const patched = await hookline.call('PATCH', `/v1/webhooks/${id}`, { headers: { 'x-api-key': 'two', 'X-Region': 'eu' } }, community.key);
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.data.headerNames).toEqual(['X-Tenant', 'x-api-key', 'X-Region']);
    await emit();
    const [arrival] = await arrivalsAt('/patched', 1);
    expect(arrival!.headers).toMatchObject({ 'x-api-key': 'two', 'x-tenant': 'acme', 'x-region': 'eu' });

    const removed = await hookline.call('PATCH', `/v1/webhooks/${id}`, { headers: { 'X-TENANT': null } }, community.key);
    expect(removed.body.data.headerNames).toEqual(['x-api-key', 'X-Region']);
    const cleared = await hookline.call('PATCH', `/v1/webhooks/${id}`, { headers: null }, community.key);
    expect(cleared.body.data.headerNames).toEqual([]);
    const row = await hookline.db.selectFrom('webhooks').select(['header_names', 'headers_sealed']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ header_names: [], headers_sealed: null });
    await emit();
    const plain = (await arrivalsAt('/patched', 2))[1];
    expect(plain!.headers['x-api-key']).toBeUndefined();
  });

  it('refuses reserved and malformed names, bad values and too many, with a 400 naming the header, and changes nothing', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ 'Webhook-Signature': 'v1,forged' }, 'headers.Webhook-Signature'],
      [{ 'content-type': 'text/html' }, 'headers.content-type'],
      [{ Host: 'evil.example' }, 'headers.Host'],
      [{ 'Transfer-Encoding': 'chunked' }, 'headers.Transfer-Encoding'],
      [{ 'X-Hookline-Attempt': '1' }, 'headers.X-Hookline-Attempt'],
      [{ 'x bad': 'v' }, 'headers.x bad'],
      [{ 'x-a': 'one\r\nX-Injected: yes' }, 'headers.x-a'],
      [{ 'x-a': 'v'.repeat(1025) }, 'headers.x-a'],
      [{ 'x-a': 7 }, 'headers.x-a'],
      [{ 'X-Key': 'a', 'x-key': 'b' }, 'headers.x-key'],
      [Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, 'v'])), 'headers'],
    ];
    const count = await webhookCount();
    for (const [headers, field] of bad) {
      const answer = await create({ headers });
      expect(answer.status, JSON.stringify(headers)).toBe(400);
      expect(answer.body.status).toBe('error');
      expect(answer.body.detail.map((d: { field: string }) => d.field), JSON.stringify(answer.body)).toContain(field);
      expect(JSON.stringify(answer.body)).not.toContain('one\r\nX-Injected');
    }
    expect(await webhookCount()).toBe(count);

    // a PATCH that would pass 20 after the merge is refused too, and leaves the headers as they were
    const created = await create({ headers: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`x-h${i}`, 'v'])) });
    expect(created.status).toBe(201);
    const over = await hookline.call('PATCH', `/v1/webhooks/${created.body.data.id}`, { headers: { 'x-one-more': 'v' } }, community.key);
    expect(over.status).toBe(400);
    expect(over.body.message).toContain('20');
    const reserved = await hookline.call('PATCH', `/v1/webhooks/${created.body.data.id}`, { headers: { 'webhook-id': 'x' } }, community.key);
    expect(reserved.status).toBe(400);
    const read = await hookline.call('GET', `/v1/webhooks/${created.body.data.id}`, undefined, community.key);
    expect(read.body.data.headerNames).toHaveLength(20);
    expect(read.body.data.headerNames).not.toContain('x-one-more');
  });
});
