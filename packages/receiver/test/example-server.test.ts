import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createExampleServer } from '@hookline/receiver/example-server';
import { asXmlReadsBack, KEY, makeDelivery, OTHER_SECRET, PURCHASE, SECRET, sign } from './support.js';

describe('the example server', () => {
  const lines: string[] = [];
  const refusals: string[] = [];
  const server = createExampleServer({ secrets: [SECRET], encryptionKey: KEY, out: (l) => lines.push(l), log: (l) => refusals.push(l) });
  let base = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const post = (body: string, headers: Record<string, string>) => fetch(base, { method: 'POST', body, headers });

  it('prints each new delivery once and answers 204', async () => {
    const { body, headers } = makeDelivery(PURCHASE, 'xml', 'aes-256-cbc', { msgId: 'dlv_example' });
    assert.equal((await post(body, headers)).status, 204);
    assert.equal((await post(body, headers)).status, 204); // a retry: acknowledged, not printed again
    assert.deepEqual(lines.map((l) => JSON.parse(l)), [
      { deliveryId: 'dlv_example', attempt: 1, eventType: 'store.item.purchased', format: 'xml', event: asXmlReadsBack(PURCHASE) },
    ]);
  });

  it('answers a refusal with its status and code, and never the secret', async () => {
    const { body, headers } = makeDelivery(PURCHASE, 'json', undefined, { secret: OTHER_SECRET });
    const forged = await post(body, headers);
    assert.equal(forged.status, 401);
    assert.deepEqual(await forged.json(), { error: 'invalid_signature', message: 'webhook verification failed: no signature matches the secret' });
    const garbage = '{"id":';
    const unreadable = await post(garbage, { 'content-type': 'application/json', ...sign(garbage) });
    assert.equal(unreadable.status, 400);
    assert.equal(((await unreadable.json()) as { error: string }).error, 'bad_body');
    assert.equal((await fetch(base)).status, 405);
    assert.equal(refusals.length, 2);
    for (const text of refusals) assert.ok(!text.includes(SECRET.slice(6)) && !text.includes(KEY));
  });
});
